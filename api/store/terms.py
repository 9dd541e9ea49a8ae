"""The store's terms as the project's light terms, for the one RDF writer (:mod:`pipelines.rdf.serialize`).

pyoxigraph keeps language tags in lower case (``zh-Hant`` comes back as ``zh-hant``;
RDF 1.1 Concepts section 3.3 allows that, tags compare case-insensitively). Converting
puts them back in their BCP 47 form, so the service says what the release files say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pipelines.rdf.serialize import UnwritableGraph
from pipelines.rdf.terms import BNode, Lit, Quoted, bcp47

_CONVERT: dict[type, Callable[[Any], Any]] = {}


def light(t) -> Any:
    """One pyoxigraph term as a light term (an IRI string, BNode, Lit or Quoted)."""
    convert = _CONVERT.get(type(t))
    if convert is None:
        _load_converters()
        convert = _CONVERT.get(type(t))
        if convert is None:
            raise UnwritableGraph(f"unknown RDF term {type(t).__name__}")
    return convert(t)


def light_triples(triples: Iterable) -> list[tuple]:
    """pyoxigraph triples or quads (the graph name dropped) as light-term triples."""
    return [(light(t.subject), light(t.predicate), light(t.object)) for t in triples]


def _literal(t) -> Lit:
    lang = t.language
    return Lit(t.value, bcp47(lang)) if lang else Lit(t.value, "", t.datatype.value)


def _load_converters() -> None:
    """Term classes to converters, looked up by exact type (measured: 3x name comparisons)."""
    import pyoxigraph as ox

    _CONVERT.update({
        ox.NamedNode: lambda t: t.value,
        ox.BlankNode: lambda t: BNode(t.value),
        ox.Literal: _literal,
        ox.Triple: lambda t: Quoted(light(t.subject), light(t.predicate), light(t.object)),
    })
