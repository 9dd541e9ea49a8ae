"""The project's one RDF writer: N-Triples, Turtle, JSON-LD and RDF/XML, fast and byte-stable.

It writes the release files and the catalogue (to files), and the service's linked-data
answers, its service description and SPARQL CONSTRUCT and DESCRIBE answers (in memory,
:func:`serialize`); SPARQL results take their terms from :func:`nt_term`. Terms are the
light ones of :mod:`.terms`: IRIs as strings, ``Lit``, and from a store ``BNode`` and
``Quoted`` (triple terms, written in RDF 1.2 syntax where the format has one).

Why not a library: rdflib takes about 40 s to write a million triples as JSON-LD on the
project's machine and these writers a few seconds; pyoxigraph's writers lower-case
language tags (``zh-hant``). The tests parse every output with rdflib and compare it
with ``isomorphic``.

Output is canonical for a given graph: the N-Triples lines sorted, and Turtle, JSON-LD
and RDF/XML written in the same order, grouped by subject with ``rdf:type`` first
(:func:`canonical`, :func:`by_subject`). So two builds of the same records give the
same bytes, and the graph is sorted once.

Specifications: RDF 1.1 N-Triples (https://www.w3.org/TR/n-triples/), RDF 1.1 Turtle
(https://www.w3.org/TR/turtle/), JSON-LD 1.1 (https://www.w3.org/TR/json-ld11/), RDF 1.1
XML Syntax (https://www.w3.org/TR/rdf-syntax-grammar/). The JSON-LD carries its context
inline: nothing is ever fetched to read it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape
from xml.sax.saxutils import quoteattr

import orjson

from .terms import RDF_TYPE, XSD_STRING, BNode, Lit, Quoted

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

_ESC = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                      "\b": "\\b", "\f": "\\f"})
_CTRL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_LOCAL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$")
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*$")
_NAME_TAIL = re.compile(r"[A-Za-z0-9._-]*$")


class UnwritableGraph(ValueError):
    """The graph holds something the format cannot express (a triple term in JSON-LD, a bad IRI ...)."""


# ------------------------------------------------------------------------------ terms

def escape(text: str) -> str:
    """A string's body in N-Triples and Turtle (the quotes are the caller's)."""
    text = text.translate(_ESC)
    if _CTRL.search(text):
        text = _CTRL.sub(lambda m: f"\\u{ord(m.group()):04X}", text)
    return text


def _iri(iri: str) -> str:
    if _IRI_BAD.search(iri):
        raise UnwritableGraph(f"IRI with characters RDF does not allow: {iri!r}")
    return f"<{iri}>"


def nt_term(o) -> str:
    """One term in N-Triples syntax (also SPARQL TSV's)."""
    kind = type(o)
    if kind is Lit:
        lex, lang, dt = o
        if lang:
            return f'"{escape(lex)}"@{lang}'
        if dt == XSD_STRING:
            return f'"{escape(lex)}"'
        return f'"{escape(lex)}"^^<{dt}>'
    if kind is BNode:
        return f"_:{o}"
    if kind is Quoted:
        return f"<<( {nt_term(o[0])} {nt_term(o[1])} {nt_term(o[2])} )>>"
    return _iri(o)


def xml_text(text: str) -> str:
    """Character data for XML 1.0, which cannot carry most control characters at all."""
    if _XML_BAD.search(text):
        raise UnwritableGraph("a literal holds a character XML 1.0 cannot carry")
    return _xml_escape(text)


# ---------------------------------------------------------------------- order, grouping

def ntriples_lines(triples) -> list[str]:
    """One N-Triples line per triple, in the order given."""
    cache: dict = {}

    def term(x):
        t = cache.get(x)
        if t is None:
            t = cache[x] = nt_term(x)
        return t

    return [f"{term(s)} {term(p)} {term(o)} .\n" for s, p, o in triples]


def canonical(triples, *, unique: bool = False) -> tuple[list, list[str]]:
    """The triples and their N-Triples lines, both in the canonical order: the lines sorted;
    ``unique``: a triple given more than once is kept once (its lines are the same).

    Sorting the lines (C string comparison) is several times faster than sorting the
    triples with a key; every writer then writes the triples in this one order.
    """
    lines = ntriples_lines(triples)
    order = sorted(range(len(lines)), key=lines.__getitem__)
    if unique:
        order = [i for n, i in enumerate(order) if n == 0 or lines[i] != lines[order[n - 1]]]
    return [triples[i] for i in order], [lines[i] for i in order]


Grouped = list[tuple[Any, list[tuple[Any, list]]]]


def by_subject(triples: Iterable[tuple], *, ordered: bool = False) -> Grouped:
    """[(subject, [(predicate, [objects]), ...]), ...] in canonical order, rdf:type first.
    ``ordered``: the triples are already in canonical order."""
    out: Grouped = []
    last_s = last_p = None
    preds: list[tuple[Any, list]] = []
    objs: list = []
    for s, p, o in (triples if ordered else canonical(list(triples))[0]):
        if s != last_s:
            preds = []
            out.append((s, preds))
            last_s, last_p = s, None
        if p != last_p:
            objs = []
            if p == RDF_TYPE:
                preds.insert(0, (p, objs))
            else:
                preds.append((p, objs))
            last_p = p
        objs.append(o)
    return out


def _namespaces(mapping: dict) -> tuple[tuple[str, str], ...]:
    """The prefix -> namespace pairs of a prefix table or a JSON-LD context (its terms and
    keywords left out)."""
    return tuple((k, v) for k, v in mapping.items() if isinstance(v, str) and not k.startswith("@"))


class Compactor:
    """Prefixed names for IRIs, longest namespace first; None where none applies.

    Answers are remembered: every one for a writer's own (a build's file, a few hundred
    thousand IRIs, gone with the file), up to ``keep`` for the one :func:`compactor` shares
    between a service's answers (the same few thousand, again and again)."""

    def __init__(self, prefixes: dict, keep: int | None = None):
        self.prefixes = dict(_namespaces(prefixes))
        self._ns = sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))
        self._cache: dict[str, str | None] = {}
        self.keep = keep

    def __call__(self, iri: str) -> str | None:
        hit = self._cache.get(iri, ...)
        if hit is not ...:
            return hit
        result = None
        for prefix, ns in self._ns:
            if iri.startswith(ns):
                local = iri[len(ns):]
                if _LOCAL.match(local):
                    result = f"{prefix}:{local}"
                    break
        if self.keep is None or len(self._cache) < self.keep:
            self._cache[iri] = result
        return result


SHARED_KEEP = 1 << 16  # IRIs a shared Compactor remembers


@functools.lru_cache(maxsize=16)
def _compactor(items: tuple[tuple[str, str], ...]) -> Compactor:
    return Compactor(dict(items), keep=SHARED_KEEP)


def compactor(prefixes: dict) -> Compactor:
    """The :class:`Compactor` shared by every in-memory answer written with ``prefixes`` (a prefix
    table or a JSON-LD context)."""
    return _compactor(_namespaces(prefixes))


# ----------------------------------------------------------------------------- formats
# Each format is a generator of text chunks over the grouped triples; the file writers
# and serialize() below only say where the chunks go.

def turtle_chunks(grouped: Grouped, prefixes: dict[str, str], *, used_only: bool = False,
                  compact: Compactor | None = None) -> Iterator[str]:
    """Turtle: every prefix declared (the release files), or ``used_only`` the ones it uses;
    ``compact``: a shared :class:`Compactor` (else one of its own)."""
    compact = compact or Compactor(prefixes)
    xsd = prefixes.get("xsd")
    used: set[str] = set()

    def name(iri: str) -> str:
        short = compact(iri)
        if short is None:
            return _iri(iri)
        if used_only:
            used.add(short.split(":", 1)[0])
        return short

    def term(o) -> str:
        kind = type(o)
        if kind is Lit:
            lex, lang, dt = o
            if lang:
                return f'"{escape(lex)}"@{lang}'
            if dt == XSD_STRING:
                return f'"{escape(lex)}"'
            if xsd and dt.startswith(xsd) and _LOCAL.match(dt[len(xsd):]):
                used.add("xsd")
                return f'"{escape(lex)}"^^xsd:{dt[len(xsd):]}'
            return f'"{escape(lex)}"^^{_iri(dt)}'
        if kind is BNode:
            return f"_:{o}"
        if kind is Quoted:
            return f"<<( {term(o[0])} {term(o[1])} {term(o[2])} )>>"
        return name(o)

    def body() -> Iterator[str]:
        for s, preds in grouped:
            parts = []
            for p, objs in preds:
                pname = "a" if p == RDF_TYPE else name(p)
                parts.append(f"    {pname} " + ", ".join(term(o) for o in objs))
            yield f"\n{term(s)}\n" + " ;\n".join(parts) + " .\n"

    if not used_only:
        for prefix, ns in prefixes.items():
            yield f"@prefix {prefix}: {_iri(ns)} .\n"
        yield from body()
        return
    chunks = list(body())
    for prefix, ns in prefixes.items():
        if prefix in used:
            yield f"@prefix {prefix}: {_iri(ns)} .\n"
    yield from chunks


def _dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def jsonld_chunks(grouped: Grouped, context: dict, *, compact: Compactor | None = None) -> Iterator[str]:
    """Compact JSON-LD with an inline context of prefixes only (no type coercion), a node a line.

    Values are explicit (``{"@id"}``, ``{"@value", "@language"}``, ``{"@value", "@type"}``),
    so no context can change what they mean. JSON-LD 1.1 has no triple terms.
    """
    compact = compact or Compactor(context)

    def iri(x: str) -> str:
        return compact(x) or x

    def node_id(t) -> str:
        kind = type(t)
        if kind is BNode:
            return f"_:{t}"
        if kind is Lit or kind is Quoted:
            raise UnwritableGraph("JSON-LD 1.1 cannot write triple terms")
        return iri(t)

    def value(o):
        if type(o) is Lit:
            lex, lang, dt = o
            if lang:
                return {"@value": lex, "@language": lang}
            if dt == XSD_STRING:
                return lex
            return {"@value": lex, "@type": iri(dt)}
        return {"@id": node_id(o)}

    yield '{"@context":' + _dumps(context).decode() + ',\n"@graph":[\n'
    first = True
    for s, preds in grouped:
        node: dict = {"@id": node_id(s)}
        for p, objs in preds:
            if p == RDF_TYPE and not any(type(o) is Lit for o in objs):
                node["@type"] = [node_id(o) for o in objs] if len(objs) > 1 else node_id(objs[0])
            else:
                vals = [value(o) for o in objs]
                node[iri(p)] = vals if len(vals) > 1 else vals[0]
        yield ("" if first else ",\n") + _dumps(node).decode()
        first = False
    yield "\n]}\n"


def rdfxml_chunks(grouped: Grouped, prefixes: dict[str, str]) -> Iterator[str]:
    """RDF/XML, one ``rdf:Description`` per subject. A property outside every prefix gets a
    made-up one (``ns1``); RDF/XML cannot write a property with no local name, nor triple terms."""
    namespaces = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    declared = dict(prefixes)
    made: dict[str, str] = {}
    used: dict[str, str] = {"rdf": RDF_NS}

    names: dict[str, str] = {}

    def qname(iri: str) -> str:
        name = names.get(iri)
        if name is None:
            name = names[iri] = _qname(iri)
        return name

    def _qname(iri: str) -> str:
        for prefix, ns in namespaces:
            if iri.startswith(ns):
                local = iri[len(ns):]
                if local and (local[0].isalpha() or local[0] == "_") and \
                        all(ch.isalnum() or ch in "_-." for ch in local) and _NCNAME.match(prefix):
                    used[prefix] = ns
                    return f"{prefix}:{local}"
        tail = _NAME_TAIL.search(iri)  # the longest tail of name characters, from a letter or _
        assert tail is not None  # the pattern matches every string, at its end
        start = tail.start()
        while start < len(iri) and not (iri[start].isascii() and iri[start].isalpha() or iri[start] == "_"):
            start += 1
        if start >= len(iri) or start == 0:
            raise UnwritableGraph(f"RDF/XML cannot write the property <{iri}>")
        ns = iri[:start]
        own = made.get(ns)
        if own is None:
            n = len(made) + 1
            while f"ns{n}" in declared:
                n += 1
            own = made[ns] = f"ns{n}"
            declared[own] = ns
        used[own] = ns
        return f"{own}:{iri[start:]}"

    def node(t, attr: str) -> str:
        kind = type(t)
        if kind is BNode:
            return f"rdf:nodeID={quoteattr('b' + t)}"
        if kind is Lit or kind is Quoted:
            raise UnwritableGraph("RDF/XML cannot write triple terms")
        return f"{attr}={quoteattr(t)}"

    body = []
    for s, preds in grouped:
        lines = [f"  <rdf:Description {node(s, 'rdf:about')}>"]
        for p, objs in preds:
            name = qname(p)
            for o in objs:
                if type(o) is Lit:
                    lex, lang, dt = o
                    attr = f" xml:lang={quoteattr(lang)}" if lang else (
                        "" if dt == XSD_STRING else f" rdf:datatype={quoteattr(dt)}")
                    lines.append(f"    <{name}{attr}>{xml_text(lex)}</{name}>")
                else:
                    lines.append(f"    <{name} {node(o, 'rdf:resource')}/>")
        lines.append("  </rdf:Description>")
        body.append("\n".join(lines))
    head = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    head += [f"    xmlns:{k}={quoteattr(v)}" for k, v in sorted(used.items())]
    head[-1] += ">"
    yield "\n".join(head) + "\n" + "\n".join(body) + "\n</rdf:RDF>\n"


# ------------------------------------------------------------------ to files (the build)

def _to_file(path: Path, chunks: Iterable[str]) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(chunks)


def write_ntriples(triples, path: Path, *, lines: list[str] | None = None) -> None:
    """N-Triples, sorted (pass ``lines`` from :func:`canonical` to skip the sort)."""
    _to_file(path, lines if lines is not None else canonical(list(triples))[1])


def write_turtle(triples, path: Path, prefixes: dict[str, str], grouped: Grouped | None = None) -> None:
    """Turtle; pass ``grouped`` (from :func:`by_subject`) to share the grouping with JSON-LD."""
    _to_file(path, turtle_chunks(grouped if grouped is not None else by_subject(triples), prefixes))


def write_jsonld(triples, path: Path, context: dict, grouped: Grouped | None = None) -> None:
    _to_file(path, jsonld_chunks(grouped if grouped is not None else by_subject(triples), context))


def write_rdfxml(triples, path: Path, prefixes: dict[str, str]) -> None:
    _to_file(path, rdfxml_chunks(by_subject(list(triples)), prefixes))


# ------------------------------------------------------------- in memory (the service)

FORMATS = ("ntriples", "turtle", "jsonld", "json", "rdfxml")  # keys of api.media.FORMATS


def serialize(triples: Iterable[tuple], fmt: str, *, prefixes: dict[str, str] | None = None,
              context: dict | None = None, ordered: bool = False) -> bytes:
    """Triples of light terms (any order; duplicates dropped) as ``fmt``, one of :data:`FORMATS`;
    ``ordered``: they come from :func:`canonical` with ``unique`` already, and are not sorted again.

    Turtle declares only the prefixes it uses; JSON-LD carries ``context`` inline.
    """
    if ordered:
        triples = list(triples)
        if fmt == "ntriples":
            return "".join(ntriples_lines(triples)).encode("utf-8")
    else:
        triples, lines = canonical(list(triples), unique=True)
        if fmt == "ntriples":
            return "".join(lines).encode("utf-8")
    grouped = by_subject(triples, ordered=True)
    if fmt == "turtle":
        chunks = turtle_chunks(grouped, prefixes or {}, used_only=True, compact=compactor(prefixes or {}))
    elif fmt in ("jsonld", "json"):
        chunks = jsonld_chunks(grouped, context or {}, compact=compactor(context or {}))
    elif fmt == "rdfxml":
        chunks = rdfxml_chunks(grouped, prefixes or {})
    else:
        raise ValueError(f"no RDF writer for {fmt!r}; one of {', '.join(FORMATS)}")
    return "".join(chunks).encode("utf-8")
