"""Writing SPARQL query results: JSON, XML, CSV and TSV, with a row limit.

Specifications: SPARQL 1.1 Query Results JSON Format
(https://www.w3.org/TR/sparql11-results-json/), SPARQL Query Results XML Format
(https://www.w3.org/TR/rdf-sparql-XMLres/), SPARQL 1.1 Query Results CSV and TSV
Formats (https://www.w3.org/TR/sparql11-results-csv-tsv/).

Truncation: at most ``limit`` rows are written. When a result had more, JSON
results say so in the body, with the top-level members ``"truncated": true`` and
``"limit"``; in XML a ``<link href="...#truncated"/>`` in the head; CSV and TSV
have no place for it, so there (as for every format) the response header
``X-Result-Truncated: true`` is the signal. Language tags are written in their
BCP 47 case (``zh-Hant``), see :mod:`api.rdf_out`.
"""

from __future__ import annotations

from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import orjson

from .rdf_out import XSD_STRING, _nt, _xml_text, term

TRUNCATED_LINK = "/sparql#truncated"  # the endpoint's page explains the limit


def _json_term(t: tuple) -> dict:
    kind = t[0]
    if kind == "iri":
        return {"type": "uri", "value": t[1]}
    if kind == "bnode":
        return {"type": "bnode", "value": t[1]}
    if kind == "lit":
        _, lex, lang, dt = t
        if lang:
            return {"type": "literal", "value": lex, "xml:lang": lang}
        if dt == XSD_STRING:
            return {"type": "literal", "value": lex}
        return {"type": "literal", "value": lex, "datatype": dt}
    if kind == "triple":
        return {"type": "triple", "value": {"subject": _json_term(t[1]), "predicate": _json_term(t[2]),
                                            "object": _json_term(t[3])}}
    raise ValueError("not a term")


def rows(solutions, variables: list[str], limit: int) -> tuple[list[list], bool]:
    """Up to ``limit`` rows of term tuples (None where unbound), and whether there were more."""
    out = []
    truncated = False
    for sol in solutions:
        if len(out) >= limit:
            truncated = True
            break
        row = []
        for v in variables:
            value = sol[v]
            row.append(None if value is None else term(value))
        out.append(row)
    return out, truncated


def select_json(variables: list[str], table: list[list], truncated: bool, limit: int) -> bytes:
    bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in table]
    body: dict = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    if truncated:
        body["head"]["link"] = [TRUNCATED_LINK]
        body["truncated"] = True
        body["limit"] = limit
    return orjson.dumps(body)


def select_json_solutions(solutions, variables: list[str], limit: int) -> tuple[bytes, int, bool]:
    """SELECT results straight from the engine's solutions to JSON: (body, rows, truncated).

    The same document as :func:`rows` then :func:`select_json`, without the term
    tuples in between (on a twenty-row lookup that was 40% of a worker's time).
    """
    import pyoxigraph as ox

    from .rdf_out import bcp47

    named, literal = ox.NamedNode, ox.Literal
    idx = list(enumerate(variables))
    langs: dict[str, str] = {}
    bindings = []
    truncated = False
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
                    tag = langs.get(lang)
                    if tag is None:
                        tag = langs[lang] = bcp47(lang)
                    b[name] = {"type": "literal", "value": t.value, "xml:lang": tag}
                else:
                    dt = t.datatype.value
                    b[name] = {"type": "literal", "value": t.value} if dt == XSD_STRING else \
                        {"type": "literal", "value": t.value, "datatype": dt}
            else:
                b[name] = _json_term(term(t))
        bindings.append(b)
    body: dict = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    if truncated:
        body["head"]["link"] = [TRUNCATED_LINK]
        body["truncated"] = True
        body["limit"] = limit
    return orjson.dumps(body), len(bindings), truncated


def ask_json(value: bool) -> bytes:
    return orjson.dumps({"head": {}, "boolean": value})


def _xml_binding(t: tuple) -> str:
    kind = t[0]
    if kind == "iri":
        return f"<uri>{xml_escape(t[1])}</uri>"
    if kind == "bnode":
        return f"<bnode>{xml_escape(t[1])}</bnode>"
    if kind == "lit":
        _, lex, lang, dt = t
        attr = f" xml:lang={quoteattr(lang)}" if lang else "" if dt == XSD_STRING else \
            f" datatype={quoteattr(dt)}"
        return f"<literal{attr}>{_xml_text(lex)}</literal>"
    if kind == "triple":
        return (f"<triple><subject>{_xml_binding(t[1])}</subject><predicate>{_xml_binding(t[2])}"
                f"</predicate><object>{_xml_binding(t[3])}</object></triple>")
    raise ValueError("not a term")


_XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'


def select_xml(variables: list[str], table: list[list], truncated: bool, limit: int) -> bytes:
    parts = [_XML_HEAD, "  <head>\n"]
    parts += [f"    <variable name={quoteattr(v)}/>\n" for v in variables]
    if truncated:
        parts.append(f"    <link href={quoteattr(TRUNCATED_LINK)}/>\n")
    parts.append("  </head>\n  <results>\n")
    for row in table:
        parts.append("    <result>")
        for v, t in zip(variables, row):
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


def _csv_value(t: tuple | None) -> str:
    if t is None:
        return ""
    kind = t[0]
    if kind in ("iri", "lit"):
        return _csv_field(t[1])
    if kind == "bnode":
        return f"_:{t[1]}"
    return _csv_field(_nt(t))


def select_csv(variables: list[str], table: list[list], truncated: bool, limit: int) -> bytes:
    lines = [",".join(_csv_field(v) for v in variables)]
    lines += [",".join(_csv_value(t) for t in row) for row in table]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def select_tsv(variables: list[str], table: list[list], truncated: bool, limit: int) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join("" if t is None else _nt(t) for t in row) for row in table]
    return ("\n".join(lines) + "\n").encode("utf-8")


SELECT_WRITERS = {"sparql-json": select_json, "sparql-xml": select_xml, "csv": select_csv,
                  "tsv": select_tsv}
ASK_WRITERS = {"sparql-json": ask_json, "sparql-xml": ask_xml}
