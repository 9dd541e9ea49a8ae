"""The one RDF writer on the store's terms, and the SPARQL-results writers, read back by an
independent parser (rdflib)."""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic
from rdflib.query import Result

from api.sparql import results
from api.store.terms import light_triples
from pipelines.rdf.prefixes import jsonld_context, prefixes_for
from pipelines.rdf.serialize import UnwritableGraph, serialize
from pipelines.rdf.terms import Lit, bcp47

from .conftest import by_value

RDFLIB_FORMAT = {"ntriples": "nt", "turtle": "turtle", "jsonld": "json-ld", "rdfxml": "xml"}


@pytest.fixture(scope="module")
def store(real_release):
    s = ox.Store()
    s.bulk_load(path=str(real_release / "lianzheng.nt"), format=ox.RdfFormat.N_TRIPLES)
    s.bulk_load(path=str(real_release / "shapes" / "lianzheng.ttl"), format=ox.RdfFormat.TURTLE)
    return s


@pytest.fixture(scope="module")
def reference(real_release):
    g = rdflib.Graph()
    g.parse(real_release / "lianzheng.nt", format="nt")
    g.parse(real_release / "shapes" / "lianzheng.ttl", format="turtle")
    return by_value(g)


@pytest.mark.parametrize("fmt", sorted(RDFLIB_FORMAT))
def test_graph_writers_round_trip(store, reference, fmt):
    base = "https://w3id.org/lianzheng"
    data = serialize(light_triples(store), fmt, prefixes=prefixes_for(base), context=jsonld_context(base))
    got = by_value(rdflib.Graph().parse(data=data, format=RDFLIB_FORMAT[fmt]))
    if not isomorphic(got, reference):
        _, only_got, only_ref = graph_diff(got, reference)
        pytest.fail(f"{fmt}: {len(only_got)} triples only in ours, e.g. {list(only_got)[:2]}; "
                    f"{len(only_ref)} only in the release, e.g. {list(only_ref)[:2]}")


def test_writers_restore_language_tag_case(store):
    tuples = light_triples(store.quads_for_pattern(
        ox.NamedNode("https://w3id.org/lianzheng/id/case/anping-water-reclamation"), None, None))
    for fmt in ("ntriples", "turtle"):
        text = serialize(tuples, fmt).decode()
        assert '"@zh-Hant' in text and "zh-hant" not in text
    assert '"@language":"zh-Hant"' in serialize(tuples, "jsonld", context={}).decode()
    assert 'xml:lang="zh-Hant"' in serialize(tuples, "rdfxml").decode()


@pytest.mark.parametrize("tag,expected", [("zh-hant", "zh-Hant"), ("en", "en"), ("zh-tw", "zh-TW"),
                                          ("zh-hant-tw", "zh-Hant-TW"), ("EN-GB", "en-GB"),
                                          ("es-419", "es-419"), ("en-x-private", "en-x-private"), ("", "")])
def test_bcp47_case(tag, expected):
    assert bcp47(tag) == expected


def test_writers_escape_awkward_literals():
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    texts = ['quote " and \\ backslash', "line\nbreak\ttab", "控制\x01字元", "<&> in XML", "'''triple'''"]
    triples = [ox.Triple(s, p, ox.Literal(t)) for t in texts[:-2]] + \
              [ox.Triple(s, p, ox.Literal(texts[3], language="en")),
               ox.Triple(s, p, ox.Literal(texts[4], datatype=ox.NamedNode("http://example.org/dt")))]
    tuples = light_triples(triples)
    for fmt, rf in RDFLIB_FORMAT.items():
        if fmt == "rdfxml":
            with pytest.raises(UnwritableGraph):  # XML 1.0 cannot carry U+0001
                serialize(tuples, fmt)
            continue
        g = rdflib.Graph().parse(data=serialize(tuples, fmt, context={}), format=rf)
        assert {str(o) for o in g.objects()} == set(texts), fmt


# ------------------------------------------------------------------ SPARQL results

QUERY = """PREFIX lz: <https://w3id.org/lianzheng/vocab#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?case ?name ?amount ?benchmark WHERE {
  ?case a lz:IntegrityPlatform ; skos:prefLabel ?name ; lz:monitors/lz:estimatedAmount ?amount .
  OPTIONAL { ?case lz:benchmarkCase ?benchmark }
} ORDER BY ?case ?name"""


def _solutions(store):
    res = store.query(QUERY)
    variables = [v.value for v in res.variables]
    table, truncated = results.rows(res, list(range(len(variables))), 10_000)
    return variables, table, truncated


@pytest.mark.parametrize("fmt,rf", [("sparql-json", "json"), ("sparql-xml", "xml"), ("csv", "csv"),
                                    ("tsv", "tsv")])
def test_select_writers_read_back(store, fmt, rf):
    variables, table, truncated = _solutions(store)
    assert not truncated and len(table) > 40
    data = results.SELECT_WRITERS[fmt](variables, table, False, 10_000)
    parsed = Result.parse(io.BytesIO(data), format=rf)
    assert [str(v) for v in parsed.vars] == variables
    got = [[None if row[v] is None else str(row[v]) for v in parsed.vars] for row in parsed]
    expected = [[None if t is None else t[0] if isinstance(t, Lit) else str(t) for t in r] for r in table]
    if rf == "csv":  # CSV cannot tell an unbound value from an empty string
        expected = [[x or None for x in r] for r in expected]
        got = [[x or None for x in r] for r in got]
    assert got == expected
    if rf in ("json", "xml", "tsv"):
        langs = {row["name"].language for row in parsed}
        assert langs == {"zh-Hant", "en"}


def test_select_truncation_is_said_in_the_body(store):
    res = store.query(QUERY)
    variables = [v.value for v in res.variables]
    table, truncated = results.rows(res, list(range(len(variables))), 5)
    assert truncated and len(table) == 5
    body = json.loads(results.select_json(variables, table, True, 5))
    assert body["truncated"] is True and body["limit"] == 5 and len(body["results"]["bindings"]) == 5
    assert results.TRUNCATED_LINK in body["head"]["link"]
    assert results.TRUNCATED_LINK.encode() in results.select_xml(variables, table, True, 5)


def test_ask_writers_read_back():
    for value in (True, False):
        assert Result.parse(io.BytesIO(results.ask_json(value)), format="json").askAnswer is value
        assert Result.parse(io.BytesIO(results.ask_xml(value)), format="xml").askAnswer is value


@pytest.mark.parametrize("query, limit", [
    (None, 10_000),
    (None, 5),  # truncated
    # blank nodes (the shapes'), typed and language-tagged literals, unbound values, an RDF-star triple
    ("SELECT ?s ?p ?o ?none WHERE { ?s ?p ?o FILTER(isBlank(?s)) OPTIONAL { ?s <urn:x:none> ?none } } LIMIT 60",
     10_000),
    ('SELECT ?x ?y WHERE { VALUES (?x ?y) { (1 "a"@zh-TW) ("2021-01-02"^^<http://www.w3.org/2001/XMLSchema#date> '
     '"plain") (<<( <urn:a> <urn:b> "c" )>> UNDEF) } }', 10_000),
])
def test_json_straight_from_solutions_is_the_same_document(store, query, limit):
    """The worker's fast path for SPARQL JSON writes the bytes the general path writes."""
    query = query or QUERY
    res = store.query(query)
    variables = [v.value for v in res.variables]
    table, truncated = results.rows(res, list(range(len(variables))), limit)
    res = store.query(query)
    body, count, fast_truncated = results.select_json_solutions(res, [v.value for v in res.variables], limit)
    assert body == results.select_json(variables, table, truncated, limit)
    assert (count, fast_truncated) == (len(table), truncated) and count > 0
