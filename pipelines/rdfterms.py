"""Light RDF terms for building and writing large graphs fast.

rdflib's term objects cost about a microsecond and several hundred bytes each;
a release of a million triples is built from these instead, and written by
``serialize.py``. ``to_rdflib`` converts them where rdflib is needed (pySHACL).
"""

from __future__ import annotations

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = XSD + "string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class IRI(str):
    """An absolute IRI."""

    __slots__ = ()


class Lit(tuple):
    """A literal: (lexical form, language tag, datatype IRI); one of the last two is ''."""

    __slots__ = ()

    def __new__(cls, lex: str, lang: str = "", datatype: str = ""):
        return tuple.__new__(cls, (lex, lang, datatype if (datatype or lang) else XSD_STRING))

    @property
    def lex(self) -> str:
        return self[0]

    @property
    def lang(self) -> str:
        return self[1]

    @property
    def datatype(self) -> str:
        return self[2]


def zh(text: str) -> Lit:
    return Lit(text, "zh-Hant")


def en(text: str) -> Lit:
    return Lit(text, "en")


def typed(lex: str, datatype: str) -> Lit:
    return Lit(lex, "", datatype)


Triple = tuple  # (IRI, IRI, IRI | Lit)


def to_rdflib(triples, graph=None):
    """Add light triples to an rdflib Graph (made if not given) and return it."""
    from rdflib import Graph, Literal, URIRef

    g = graph if graph is not None else Graph()
    add = g.add
    cache: dict = {}
    for s, p, o in triples:
        su = cache.get(s)
        if su is None:
            su = cache[s] = URIRef(s)
        pu = cache.get(p)
        if pu is None:
            pu = cache[p] = URIRef(p)
        if isinstance(o, Lit):
            ou = Literal(o[0], lang=o[1]) if o[1] else Literal(
                o[0], datatype=None if o[2] == XSD_STRING else URIRef(o[2]))
        else:
            ou = cache.get(o)
            if ou is None:
                ou = cache[o] = URIRef(o)
        add((su, pu, ou))
    return g
