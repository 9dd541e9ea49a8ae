"""The build's SHACL fast paths give pySHACL's own results, result for result.

Two of them: the batched property-shape evaluation (``shacl_batch``) and the
one-graph store the chunks are loaded into (``shacl_store``). Each variant is
compared with plain pySHACL over rdflib's own Memory store.
"""

from __future__ import annotations

import pyshacl
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from pipelines.checks.shacl import shapes_graph
from pipelines.checks.shacl_batch import _sbc, batched
from pipelines.checks.shacl_store import OneGraphStore, data_graph
from pipelines.rdf.terms import IRI, Lit
from tests.test_shapes import CASES, _data


def full_results(data: Graph) -> set[tuple]:
    """Every top-level result, with every field pySHACL reports."""
    _, report, _ = pyshacl.validate(data, shacl_graph=shapes_graph(), inference="none",
                                    allow_warnings=True)
    rows = set()
    for r in report.objects(None, SH.result):
        rows.add(tuple(str(report.value(r, p)) for p in (
            SH.resultSeverity, SH.sourceShape, SH.focusNode, SH.resultPath, SH.value,
            SH.sourceConstraintComponent)) + (frozenset(str(m) for m in report.objects(r, SH.resultMessage)),))
    return rows


def on_one_graph_store(data: Graph) -> Graph:
    store = OneGraphStore()
    g = Graph(store=store)
    store.add_graph(g)
    store.load(data)
    return g


@pytest.fixture(scope="module")
def base() -> Graph:
    return Graph()


@pytest.mark.parametrize("update", [""] + [c[1] for c in CASES], ids=["valid"] + [c[0] for c in CASES])
def test_batched_results_equal_pyshacls_own(base, update):
    data = _data(base, update)
    plain = full_results(data)
    with batched():
        fast = full_results(data)
        fast_store = full_results(on_one_graph_store(data))
    assert fast == plain
    assert fast_store == plain
    assert full_results(on_one_graph_store(data)) == plain


def test_batched_results_equal_on_the_real_release(real_release):
    data = Graph().parse(real_release / "lianzheng.nt", format="nt")
    # break a few things so that there are results to compare
    data.update("""
        PREFIX lz: <https://w3id.org/lianzheng/vocab#>
        PREFIX dct: <http://purl.org/dc/terms/>
        DELETE { ?a dct:date ?d } WHERE {
          ?a a lz:Activity ; dct:date ?d . FILTER(STRSTARTS(STR(?a), "https://w3id.org/lianzheng/id/activity/d"))
        } ;
        DELETE { ?c lz:status ?s } WHERE { ?c lz:status ?s ; lz:tableNumber 3 }
    """)
    plain = full_results(data)
    with batched():
        fast = full_results(data)
        fast_store = full_results(on_one_graph_store(data))
    assert plain and fast == plain
    assert fast_store == plain


def test_batched_restores_pyshacl_afterwards():
    from pyshacl import shape

    from pipelines.checks.shacl_batch import _lc

    def current():
        return (_sbc.PropertyConstraintComponent._evaluate_property_shape,
                _lc.OrConstraintComponent._evaluate_or_constraint, shape.value_nodes_from_path)

    before = current()
    with batched():
        assert all(a is not b for a, b in zip(current(), before, strict=True))
    assert current() == before


@pytest.mark.parametrize("date, ok", [
    ('"2021-01-02"^^xsd:date', True), ('"2021-01"^^xsd:gYearMonth', True), ('"2021"^^xsd:gYear', True),
    ('"2021-02-30"^^xsd:date', False), ('"2021-01-02"', False), ('"2021-01-02"@en', False),
    ("<https://example.org/d>", False),
    # pySHACL does not check gYearMonth values (the records reader refuses month 13); both agree
    ('"2021-13"^^xsd:gYearMonth', True),
])
def test_batched_or_agrees_on_dates(base, date, ok):
    update = (f"DELETE WHERE {{ act:declaration dct:date ?o }} ; "
              f"INSERT DATA {{ act:declaration dct:date {date} }}")
    data = _data(base, update)
    plain = full_results(data)
    with batched():
        fast = full_results(data)
    assert fast == plain
    assert (not plain) == ok


def test_one_graph_store_answers_every_pattern_as_memory_does(base):
    data = _data(base, "")
    ours = on_one_graph_store(data)
    assert len(ours) == len(data) > 100
    triples = sorted(data)
    for s, p, o in triples[:: max(1, len(triples) // 40)]:
        for pattern in ((s, p, o), (s, p, None), (s, None, o), (s, None, None),
                        (None, p, o), (None, p, None), (None, None, o), (None, None, None)):
            assert sorted(ours.triples(pattern)) == sorted(data.triples(pattern)), pattern
    assert list(ours.triples((IRI_NONE, None, None))) == []
    # contexts: every triple is in the one graph
    assert [c.identifier for c in ours.store.contexts(triples[0])] == [ours.identifier]
    assert list(ours.store.contexts((IRI_NONE, IRI_NONE, IRI_NONE))) == []


IRI_NONE = __import__("rdflib").URIRef("https://example.org/nothing")


def test_one_graph_store_counts_adds_and_removes_once():
    g = data_graph([(IRI("https://e.org/s"), IRI("https://e.org/p"), Lit("x", "en")),
                    (IRI("https://e.org/s"), IRI("https://e.org/p"), Lit("x", "en")),
                    (IRI("https://e.org/s"), IRI("https://e.org/p"), IRI("https://e.org/o"))])
    assert len(g) == 2
    g.add((IRI_NONE, IRI_NONE, IRI_NONE))
    assert len(g) == 3
    g.remove((IRI_NONE, None, None))
    assert len(g) == 2 and (IRI_NONE, IRI_NONE, IRI_NONE) not in g
    g.bind("ex", "https://e.org/")
    assert ("ex", __import__("rdflib").URIRef("https://e.org/")) in list(g.namespaces())


def test_chunk_graph_holds_the_same_triples_as_rdflibs_own():
    from pipelines.rdf.terms import XSD, to_rdflib, typed

    light = [(IRI("https://e.org/s"), IRI("https://e.org/p"), Lit("名", "zh-Hant")),
             (IRI("https://e.org/s"), IRI("https://e.org/p"), typed("2021-01-02", XSD + "date")),
             (IRI("https://e.org/s"), IRI("https://e.org/q"), Lit("plain"))]
    assert set(data_graph(light)) == set(to_rdflib(light))


def test_on_a_pyshacl_the_speed_up_was_not_checked_with_pyshacl_runs_its_own_code(monkeypatch):
    from pipelines.checks import gate

    monkeypatch.setattr(gate, "PYSHACL", ("0.0.0",))  # as if the installed version were another
    before = _sbc.PropertyConstraintComponent._evaluate_property_shape
    with batched():
        assert _sbc.PropertyConstraintComponent._evaluate_property_shape is before
    assert gate.verified("pyshacl", ("0.0.0",)) is False and gate.verified("no-such-package", ("1",)) is False
