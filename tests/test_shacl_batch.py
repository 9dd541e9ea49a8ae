"""The batched property-shape evaluation gives pySHACL's own results, result for result."""

from __future__ import annotations

import pyshacl
import pytest
from rdflib import Graph
from rdflib.namespace import SH

from pipelines.checks import shapes_graph
from pipelines.shacl_batch import batched
from pipelines.shacl_batch import _sbc

from .test_shapes import CASES, _data


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


@pytest.fixture(scope="module")
def base() -> Graph:
    return Graph()


@pytest.mark.parametrize("update", [""] + [c[1] for c in CASES], ids=["valid"] + [c[0] for c in CASES])
def test_batched_results_equal_pyshacls_own(base, update):
    data = _data(base, update)
    plain = full_results(data)
    with batched():
        fast = full_results(data)
    assert fast == plain


def test_batched_results_equal_on_the_real_release(real_release):
    data = Graph().parse(real_release / "lianzheng.nt", format="nt")
    # break a few things so that there are results to compare
    data.update("""
        PREFIX lz: <https://w3id.org/lianzheng/vocab#>
        PREFIX dct: <http://purl.org/dc/terms/>
        DELETE { ?a dct:date ?d } WHERE { ?a a lz:Activity ; dct:date ?d . FILTER(STRSTARTS(STR(?a), "https://w3id.org/lianzheng/id/activity/d")) } ;
        DELETE { ?c lz:status ?s } WHERE { ?c lz:status ?s ; lz:tableNumber 3 }
    """)
    plain = full_results(data)
    with batched():
        fast = full_results(data)
    assert plain and fast == plain


def test_batched_restores_pyshacl_afterwards():
    from pipelines.shacl_batch import _lc

    before = (_sbc.PropertyConstraintComponent._evaluate_property_shape,
              _lc.OrConstraintComponent._evaluate_or_constraint)
    with batched():
        assert _sbc.PropertyConstraintComponent._evaluate_property_shape is not before[0]
        assert _lc.OrConstraintComponent._evaluate_or_constraint is not before[1]
    assert (_sbc.PropertyConstraintComponent._evaluate_property_shape,
            _lc.OrConstraintComponent._evaluate_or_constraint) == before


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
