"""Light RDF terms for building and writing large graphs fast.

rdflib's term objects cost about a microsecond and several hundred bytes each;
a release of a million triples is built from these instead, and written by
``serialize.py``. ``to_rdflib`` converts them where rdflib is needed (pySHACL).

An IRI is a string (``IRI`` or plain ``str``), a literal a ``Lit``; what a store gives
back may also hold blank nodes (``BNode``) and triple terms (``Quoted``), which the
service converts to these same terms (:mod:`api.store.terms`) so one writer serves both.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import Literal, URIRef

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


class BNode(str):
    """A blank node, by its label (never an IRI: a label has no colon, an absolute IRI has one)."""

    __slots__ = ()


class Quoted(tuple):
    """A triple term (RDF 1.2): (subject, predicate, object), each a light term."""

    __slots__ = ()

    def __new__(cls, s, p, o):
        return tuple.__new__(cls, (s, p, o))


@functools.lru_cache(maxsize=512)  # the same few tags, again and again; a query can make any number
def bcp47(tag: str) -> str:
    """A language tag in its conventional case: ``zh-hant`` -> ``zh-Hant``, ``zh-tw`` -> ``zh-TW``.

    Tags compare case-insensitively (RDF 1.1 Concepts 3.3) and some stores keep them in
    lower case; the project writes them as BCP 47 spells them, as the release files do.
    """
    if not tag:
        return tag
    parts = tag.split("-")
    out = [parts[0].lower()]
    singleton = False
    for part in parts[1:]:
        if singleton or len(part) == 1:
            singleton = True  # extensions and private use stay lower case
            out.append(part.lower())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def zh(text: str) -> Lit:
    return Lit(text, "zh-Hant")


def en(text: str) -> Lit:
    return Lit(text, "en")


def typed(lex: str, datatype: str) -> Lit:
    return Lit(lex, "", datatype)


Triple = tuple  # (IRI, IRI, IRI | Lit); from a store also BNode and Quoted


def rdflib_terms(triples: Iterable[Triple]) -> Iterator[tuple[URIRef, URIRef, URIRef | Literal]]:
    """Light triples as rdflib terms, one rdflib object per distinct IRI or literal."""
    from rdflib import Literal, URIRef

    cache: dict = {}
    for s, p, o in triples:
        su = cache.get(s)
        if su is None:
            su = cache[s] = URIRef(s)
        pu = cache.get(p)
        if pu is None:
            pu = cache[p] = URIRef(p)
        ou = cache.get(o)
        if ou is None:
            if isinstance(o, Lit):
                lex, lang, dt = o
                ou = Literal(lex, lang=lang) if lang else Literal(
                    lex, datatype=None if dt == XSD_STRING else URIRef(dt))
            else:
                ou = URIRef(o)
            cache[o] = ou
        yield su, pu, ou


def to_rdflib(triples, graph=None):
    """Add light triples to an rdflib Graph (made if not given) and return it."""
    from rdflib import Graph

    g = graph if graph is not None else Graph()
    add = g.add
    for triple in rdflib_terms(triples):
        add(triple)
    return g
