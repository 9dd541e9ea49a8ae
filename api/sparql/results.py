"""Writing SPARQL query results: JSON, XML, CSV and TSV, with a row limit.

Specifications: SPARQL 1.1 Query Results JSON Format
(https://www.w3.org/TR/sparql11-results-json/), SPARQL Query Results XML Format
(https://www.w3.org/TR/rdf-sparql-XMLres/), SPARQL 1.1 Query Results CSV and TSV
Formats (https://www.w3.org/TR/sparql11-results-csv-tsv/).

Truncation: at most ``limit`` rows are written, and at most ``max_bytes`` bytes
(a whole row or triple fits, or it is left out). When a result had more, JSON
results say so in the body, with the top-level members ``"truncated": true`` and
``"limit"`` (and ``"limitBytes"`` when the bytes were the bound); in XML a
``<link href="...#truncated"/>`` in the head; CSV and TSV have no place for it, so
there (as for every format) the response header ``X-Result-Truncated: true`` is the
signal. A row's size is first estimated from its terms (:func:`size_of`, never below
what the writers make of it but for markup), so a huge result is cut while it is
read, and the written body is cut exactly by :func:`fitted`. Terms are the light terms of
:mod:`pipelines.rdf.terms` (see :mod:`api.store.terms`), their language tags in BCP 47 case
(``zh-Hant``).
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import orjson

from pipelines.rdf.serialize import nt_term, xml_text
from pipelines.rdf.terms import XSD_STRING, BNode, Lit, Quoted, bcp47

from ..store.terms import light

TRUNCATED_LINK = "/sparql#truncated"  # the endpoint's page explains the limit


def _json_term(t) -> dict:
    kind = type(t)
    if kind is Lit:
        lex, lang, dt = t
        if lang:
            return {"type": "literal", "value": lex, "xml:lang": lang}
        if dt == XSD_STRING:
            return {"type": "literal", "value": lex}
        return {"type": "literal", "value": lex, "datatype": dt}
    if kind is BNode:
        return {"type": "bnode", "value": str(t)}
    if kind is Quoted:
        return {"type": "triple", "value": {"subject": _json_term(t[0]), "predicate": _json_term(t[1]),
                                            "object": _json_term(t[2])}}
    return {"type": "uri", "value": str(t)}


TERM_MARKUP = 16  # bytes a term takes in any format besides its text, about


def size_of(text: str) -> int:
    """The bytes ``text`` takes in UTF-8, from above for anything but ASCII (3 a character)."""
    return len(text) if text.isascii() else 3 * len(text)


def _term_size(t) -> int:
    kind = type(t)
    if kind is Quoted:
        return sum(_term_size(x) for x in t)
    if kind is Lit:
        return TERM_MARKUP + sum(size_of(x) for x in t if x)
    return TERM_MARKUP + size_of(t)


def rows(solutions, variables: Sequence[str | int], limit: int,
         max_bytes: int | None = None) -> tuple[list[list], bool]:
    """Up to ``limit`` rows of light terms (None where unbound), about ``max_bytes`` of them at
    most, and whether there were more. ``variables``: names or positions in the solution."""
    out: list[list] = []
    truncated = False
    size = 0
    for sol in solutions:
        if len(out) >= limit:
            truncated = True
            break
        row = []
        for v in variables:
            value = sol[v]
            row.append(None if value is None else light(value))
        if max_bytes is not None:
            size += sum(_term_size(t) for t in row if t is not None)
            if size > max_bytes and out:
                truncated = True
                break
        out.append(row)
    return out, truncated


def triples_within(triples, limit: int, max_bytes: int | None = None) -> tuple[list, bool]:
    """Up to ``limit`` triples (pyoxigraph's) of about ``max_bytes`` at most, and whether there were more."""
    out: list = []
    size = 0
    for t in triples:
        if len(out) >= limit:
            return out, True
        if max_bytes is not None:
            size += 3 * TERM_MARKUP + sum(size_of(getattr(x, "value", "") or "")
                                          for x in (t.subject, t.predicate, t.object))
            if size > max_bytes and out:
                return out, True
        out.append(t)
    return out, False


def fitted(write, items: list, max_bytes: int | None) -> tuple[bytes, int]:
    """``write(items[:n])`` for the largest ``n`` whose body fits in ``max_bytes`` (all, if it does)."""
    body = write(items)
    if max_bytes is None or len(body) <= max_bytes:
        return body, len(items)
    lo, hi = 0, len(items) - 1
    while lo < hi:  # the estimate was short: find the longest prefix that fits
        mid = (lo + hi + 1) // 2
        if len(write(items[:mid])) <= max_bytes:
            lo = mid
        else:
            hi = mid - 1
    return write(items[:lo]), lo


def select_json(variables: list[str], table: list[list], truncated: bool, limit: int) -> bytes:
    bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in table]
    body: dict = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    if truncated:
        body["head"]["link"] = [TRUNCATED_LINK]
        body["truncated"] = True
        body["limit"] = limit
    return orjson.dumps(body)


def select_json_solutions(solutions, variables: list[str], limit: int,
                          max_bytes: int | None = None) -> tuple[bytes, int, bool]:
    """SELECT results straight from the engine's solutions to JSON: (body, rows, truncated).

    The same document as :func:`rows` then :func:`select_json`, without the light
    terms in between (on a twenty-row lookup that was 40% of a worker's time); each
    row is written as it comes, so that ``max_bytes`` is counted exactly.
    """
    import pyoxigraph as ox

    named, literal = ox.NamedNode, ox.Literal
    idx = list(enumerate(variables))
    bindings: list[bytes] = []
    truncated = by_bytes = False
    dumps = orjson.dumps
    # room for the rows: the bytes allowed, less the head and the truncation members at most
    room = (max_bytes - len(dumps(variables)) - 200 - len(TRUNCATED_LINK)) if max_bytes else float("inf")
    size = 0
    for sol in solutions:
        if len(bindings) >= limit:
            truncated = True
            break
        b = {}
        for i, name in idx:
            t = sol[i]
            if t is None:
                continue
            kind = type(t)
            if kind is named:
                b[name] = {"type": "uri", "value": t.value}
            elif kind is literal:
                lang = t.language
                if lang:
                    b[name] = {"type": "literal", "value": t.value, "xml:lang": bcp47(lang)}
                else:
                    dt = t.datatype.value
                    b[name] = {"type": "literal", "value": t.value} if dt == XSD_STRING else \
                        {"type": "literal", "value": t.value, "datatype": dt}
            else:
                b[name] = _json_term(light(t))
        row = dumps(b)
        size += len(row) + 1
        if size > room:
            truncated = by_bytes = True
            break
        bindings.append(row)
    head: dict = {"vars": variables}
    if truncated:
        head["link"] = [TRUNCATED_LINK]
    # what orjson.dumps writes for {"head": ..., "results": {"bindings": [...]}, "truncated": ...}
    parts = [b'{"head":', dumps(head), b',"results":{"bindings":[', b",".join(bindings), b"]}"]
    if truncated:
        parts.append(b',"truncated":true,"limit":%d' % limit)
        if by_bytes and max_bytes:  # (cut by bytes only where there is a most)
            parts.append(b',"limitBytes":%d' % max_bytes)
    parts.append(b"}")
    return b"".join(parts), len(bindings), truncated


def ask_json(value: bool) -> bytes:
    return orjson.dumps({"head": {}, "boolean": value})


def _xml_binding(t) -> str:
    kind = type(t)
    if kind is Lit:
        lex, lang, dt = t
        attr = f" xml:lang={quoteattr(lang)}" if lang else "" if dt == XSD_STRING else \
            f" datatype={quoteattr(dt)}"
        return f"<literal{attr}>{xml_text(lex)}</literal>"
    if kind is BNode:
        return f"<bnode>{xml_escape(t)}</bnode>"
    if kind is Quoted:
        return (f"<triple><subject>{_xml_binding(t[0])}</subject><predicate>{_xml_binding(t[1])}"
                f"</predicate><object>{_xml_binding(t[2])}</object></triple>")
    return f"<uri>{xml_escape(t)}</uri>"


_XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


def select_xml(variables: list[str], table: list[list], truncated: bool, limit: int) -> bytes:
    parts = [_XML_HEAD, "  <head>\n"]
    parts += [f"    <variable name={quoteattr(v)}/>\n" for v in variables]
    if truncated:
        parts.append(f"    <link href={quoteattr(TRUNCATED_LINK)}/>\n")
    parts.append("  </head>\n  <results>\n")
    for row in table:
        parts.append("    <result>")
        for v, t in zip(variables, row, strict=True):
            if t is not None:
                parts.append(f"<binding name={quoteattr(v)}>{_xml_binding(t)}</binding>")
        parts.append("</result>\n")
    parts.append("  </results>\n</sparql>\n")
    return "".join(parts).encode("utf-8")


def ask_xml(value: bool) -> bytes:
    return (_XML_HEAD + f"  <head/>\n  <boolean>{'true' if value else 'false'}</boolean>\n</sparql>\n").encode()


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_value(t) -> str:
    if t is None:
        return ""
    kind = type(t)
    if kind is Lit:
        return _csv_field(t[0])
    if kind is BNode:
        return f"_:{t}"
    if kind is Quoted:
        return _csv_field(nt_term(t))
    return _csv_field(t)


def select_csv(variables: list[str], table: list[list], truncated: bool, limit: int) -> bytes:
    lines = [",".join(_csv_field(v) for v in variables)]
    lines += [",".join(_csv_value(t) for t in row) for row in table]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def select_tsv(variables: list[str], table: list[list], truncated: bool, limit: int) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else nt_term(t) for t in row) for row in table]
    return ("\n".join(lines) + "\n").encode("utf-8")


SELECT_WRITERS = {"sparql-json": select_json, "sparql-xml": select_xml, "csv": select_csv,
                  "tsv": select_tsv}
ASK_WRITERS = {"sparql-json": ask_json, "sparql-xml": ask_xml}
