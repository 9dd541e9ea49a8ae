"""Writing RDF graphs from the store: N-Triples, Turtle, JSON-LD and RDF/XML, in memory.

Specifications: RDF 1.1 N-Triples (https://www.w3.org/TR/n-triples/), RDF 1.1 Turtle
(https://www.w3.org/TR/turtle/), JSON-LD 1.1 (https://www.w3.org/TR/json-ld11/),
RDF 1.1 XML Syntax (https://www.w3.org/TR/rdf-syntax-grammar/).

Language tags: pyoxigraph stores them in lower case (``zh-Hant`` comes back as
``zh-hant``; RDF 1.1 Concepts section 3.3 allows that, tags compare case-insensitively).
Everything written here puts them back in their BCP 47 form (``zh-Hant``, ``en``,
``zh-TW``) so the service says what the release files say.

JSON-LD carries its context inline, as a dict: nothing is ever fetched to read it.
Output is grouped by subject and sorted, so the same graph gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import orjson

from pipelines.rdf.serialize import Compactor, by_subject  # grouping: to_tuples already put rdf:type first

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF_NS + "type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD = "http://www.w3.org/2001/XMLSchema#"


class UnwritableGraph(ValueError):
    """The graph holds something the format cannot express (a triple term in RDF/XML ...)."""


def bcp47(tag: str) -> str:
    """A language tag in its conventional case: ``zh-hant`` -> ``zh-Hant``, ``zh-tw`` -> ``zh-TW``."""
    if not tag:
        return tag
    parts = tag.split("-")
    out = [parts[0].lower()]
    singleton = False
    for p in parts[1:]:
        if singleton or len(p) == 1:
            singleton = True  # extensions and private use stay lower case
            out.append(p.lower())
        elif len(p) == 4 and p.isalpha():
            out.append(p.title())
        elif len(p) == 2 and p.isalpha():
            out.append(p.upper())
        else:
            out.append(p.lower())
    return "-".join(out)


_ESC = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                      "\b": "\\b", "\f": "\\f"})
_CTRL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _string(text: str) -> str:
    text = text.translate(_ESC)
    if _CTRL.search(text):
        text = _CTRL.sub(lambda m: f"\\u{ord(m.group()):04X}", text)
    return f'"{text}"'


# -------------------------------------------------------------------- terms
# A term is kept as a tuple: ("iri", value) | ("bnode", id) | ("lit", lex, lang, datatype)
# | ("triple", s, p, o). Converting once makes sorting and every writer simple.

def term(t) -> tuple:
    convert = _CONVERT.get(type(t))
    if convert is None:
        _load_converters()
        convert = _CONVERT.get(type(t))
        if convert is None:
            raise UnwritableGraph(f"unknown RDF term {type(t).__name__}")
    return convert(t)


_CONVERT: dict = {}


def _literal(t) -> tuple:
    lang = t.language
    return ("lit", t.value, bcp47(lang) if lang else "", "" if lang else t.datatype.value)


def _load_converters() -> None:
    """Term classes to converters, looked up by exact type (measured: 3x name comparisons)."""
    import pyoxigraph as ox

    _CONVERT.update({
        ox.NamedNode: lambda t: ("iri", t.value),
        ox.BlankNode: lambda t: ("bnode", t.value),
        ox.Literal: _literal,
        ox.Triple: lambda t: ("triple", term(t.subject), term(t.predicate), term(t.object)),
        ox.DefaultGraph: lambda t: ("default",),
    })


def to_tuples(triples: Iterable) -> list[tuple]:
    """(subject, predicate, object) term tuples, sorted by subject, rdf:type first, then the rest."""
    out = [(term(t.subject), term(t.predicate), term(t.object)) for t in triples]
    out = list(dict.fromkeys(out))
    out.sort(key=lambda x: (x[0], x[1][1] != RDF_TYPE, x[1], x[2]))
    return out


def _literal_text(t: tuple, iri) -> str:
    """A literal term tuple in N-Triples/Turtle syntax; ``iri`` writes its datatype."""
    _, lex, lang, dt = t
    if lang:
        return f"{_string(lex)}@{lang}"
    if dt == XSD_STRING:
        return _string(lex)
    return f"{_string(lex)}^^{iri(dt)}"


def _angle(value: str) -> str:
    return f"<{value}>"


def _nt(t: tuple) -> str:
    kind = t[0]
    if kind == "iri":
        return _angle(t[1])
    if kind == "bnode":
        return f"_:{t[1]}"
    if kind == "lit":
        return _literal_text(t, _angle)
    if kind == "triple":
        return f"<<( {_nt(t[1])} {_nt(t[2])} {_nt(t[3])} )>>"
    raise UnwritableGraph("not an RDF term")


def write_ntriples(triples: list[tuple], prefixes: dict | None = None, context: dict | None = None) -> bytes:
    return "".join(f"{_nt(s)} {_nt(p)} {_nt(o)} .\n" for s, p, o in triples).encode("utf-8")


def write_turtle(triples: list[tuple], prefixes: dict | None = None, context: dict | None = None) -> bytes:
    prefixes = prefixes or {}
    compact = Compactor(prefixes)
    used: dict[str, str] = {}

    def iri(value: str) -> str:
        c = compact(value)
        if c is None:
            return f"<{value}>"
        used[c.split(":", 1)[0]] = prefixes[c.split(":", 1)[0]]
        return c

    def tt(t: tuple) -> str:
        kind = t[0]
        if kind == "iri":
            return iri(t[1])
        if kind == "lit":
            return _literal_text(t, iri)
        if kind == "triple":
            return f"<<( {tt(t[1])} {tt(t[2])} {tt(t[3])} )>>"
        return _nt(t)

    body = []
    for s, preds in by_subject(triples, ordered=True):
        parts = []
        for p, objs in preds:
            pname = "a" if p == ("iri", RDF_TYPE) else tt(p)
            parts.append(f"    {pname} " + ", ".join(tt(o) for o in objs))
        body.append(f"\n{tt(s)}\n" + " ;\n".join(parts) + " .\n")
    head = "".join(f"@prefix {k}: <{v}> .\n" for k, v in sorted(used.items()))
    return (head + "".join(body)).encode("utf-8")


def write_jsonld(triples: list[tuple], prefixes: dict | None = None, context: dict | None = None) -> bytes:
    """Compact JSON-LD: the inline context given, explicit values so no context can change them."""
    context = context or {}
    prefix_map = {k: v for k, v in context.items() if isinstance(v, str) and not k.startswith("@")}
    compact = Compactor(prefix_map)

    def iri(value: str) -> str:
        return compact(value) or value

    def node_id(t: tuple) -> str:
        return iri(t[1]) if t[0] == "iri" else f"_:{t[1]}"

    def value(o: tuple):
        kind = o[0]
        if kind == "lit":
            _, lex, lang, dt = o
            if lang:
                return {"@value": lex, "@language": lang}
            if dt == XSD_STRING:
                return lex
            return {"@value": lex, "@type": iri(dt)}
        if kind in ("iri", "bnode"):
            return {"@id": node_id(o)}
        raise UnwritableGraph("JSON-LD 1.1 cannot write triple terms")

    graph = []
    for s, preds in by_subject(triples, ordered=True):
        if s[0] not in ("iri", "bnode"):
            raise UnwritableGraph("JSON-LD 1.1 cannot write triple terms")
        node: dict = {"@id": node_id(s)}
        for p, objs in preds:
            if p == ("iri", RDF_TYPE) and all(o[0] == "iri" for o in objs):
                types = [iri(o[1]) for o in objs]
                node["@type"] = types if len(types) > 1 else types[0]
            else:
                vals = [value(o) for o in objs]
                node[iri(p[1])] = vals if len(vals) > 1 else vals[0]
        graph.append(node)
    return orjson.dumps({"@context": context, "@graph": graph})


_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*$")
_NAME_TAIL = re.compile(r"[A-Za-z0-9._-]*$")
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    if _XML_BAD.search(text):
        raise UnwritableGraph("a literal holds a character XML 1.0 cannot carry")
    return xml_escape(text)


def write_rdfxml(triples: list[tuple], prefixes: dict | None = None, context: dict | None = None) -> bytes:
    prefixes = dict(prefixes or {})
    by_ns = {v: k for k, v in prefixes.items()}
    used = {"rdf": RDF_NS}
    counter = 0

    def qname(iri: str) -> str:
        nonlocal counter
        # the local name: the longest tail of name characters, starting with a letter or _
        tail = _NAME_TAIL.search(iri)
        assert tail is not None  # the pattern matches every string, at its end
        start = tail.start()
        while start < len(iri) and not (iri[start].isascii() and iri[start].isalpha() or iri[start] == "_"):
            start += 1
        if start >= len(iri) or start == 0:
            raise UnwritableGraph(f"RDF/XML cannot write the property <{iri}>")
        ns, local = iri[:start], iri[start:]
        prefix = by_ns.get(ns)
        if prefix is None or not _NCNAME.match(prefix):
            counter += 1
            prefix = f"ns{counter}"
            by_ns[ns] = prefix
        used[prefix] = ns
        return f"{prefix}:{local}"

    def node_attr(t: tuple) -> str:
        if t[0] == "iri":
            return f"rdf:about={quoteattr(t[1])}"
        if t[0] == "bnode":
            return f"rdf:nodeID={quoteattr('b' + t[1])}"
        raise UnwritableGraph("RDF/XML cannot write triple terms")

    lines = []
    for s, preds in by_subject(triples, ordered=True):
        lines.append(f"  <rdf:Description {node_attr(s)}>")
        for p, objs in preds:
            name = qname(p[1])
            for o in objs:
                kind = o[0]
                if kind == "iri":
                    lines.append(f"    <{name} rdf:resource={quoteattr(o[1])}/>")
                elif kind == "bnode":
                    lines.append(f"    <{name} rdf:nodeID={quoteattr('b' + o[1])}/>")
                elif kind == "lit":
                    _, lex, lang, dt = o
                    attr = f" xml:lang={quoteattr(lang)}" if lang else \
                        "" if dt == XSD_STRING else f" rdf:datatype={quoteattr(dt)}"
                    lines.append(f"    <{name}{attr}>{_xml_text(lex)}</{name}>")
                else:
                    raise UnwritableGraph("RDF/XML cannot write triple terms")
        lines.append("  </rdf:Description>")
    ns_decl = " ".join(f"xmlns:{k}={quoteattr(v)}" for k, v in sorted(used.items()))
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            f"<rdf:RDF {ns_decl}>\n" + "\n".join(lines) + ("\n" if lines else "")
            + "</rdf:RDF>\n").encode("utf-8")


WRITERS = {
    "ntriples": write_ntriples,
    "turtle": write_turtle,
    "jsonld": write_jsonld,
    "json": write_jsonld,
    "rdfxml": write_rdfxml,
}


def write(triples: list[tuple], fmt: str, *, prefixes: dict | None = None,
          context: dict | None = None) -> bytes:
    """``triples`` from :func:`to_tuples`, written as ``fmt`` (a key of :data:`WRITERS`)."""
    return WRITERS[fmt](triples, prefixes, context)
