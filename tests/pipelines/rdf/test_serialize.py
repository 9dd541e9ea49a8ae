"""Our fast writers produce the same graph rdflib reads back, for awkward literals too."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from pipelines.rdf.serialize import write_jsonld, write_ntriples, write_turtle
from pipelines.rdf.terms import IRI, RDF_TYPE, Lit, to_rdflib, typed

XSD = "http://www.w3.org/2001/XMLSchema#"
S = IRI("https://w3id.org/lianzheng/id/case/x")
P = IRI("https://w3id.org/lianzheng/vocab#p")
PREFIXES = {"lz": "https://w3id.org/lianzheng/vocab#", "xsd": XSD,
            "case": "https://w3id.org/lianzheng/id/case/"}

AWKWARD = [
    Lit('quote " and backslash \\ and tab \t'),
    Lit("line\nbreak\r\nwindows"),
    Lit("control \x01\x1f and DEL \x7f"),
    Lit("臺灣 emoji 🏗️ and 𠀋 (outside the BMP)"),
    Lit("「引號」與全形：ＡＢＣ", "zh-Hant"),
    Lit("English", "en"),
    Lit(""),
    typed("12500000000.0", XSD + "decimal"),
    typed("2021-01", XSD + "gYearMonth"),
    typed("2019-05-10", XSD + "date"),
    IRI("https://law.moj.gov.tw/LawClass/LawAll.aspx?pcode=C0000001"),
    IRI("https://w3id.org/lianzheng/id/source/guidebook/table"),
    IRI("https://w3id.org/lianzheng/id/case/9-starts-with-digit"),
]


@pytest.mark.parametrize("fmt", ["nt", "turtle", "json-ld"])
def test_writers_round_trip_awkward_terms(tmp_path, fmt):
    triples = [(S, P, o) for o in AWKWARD] + [(S, IRI("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                                IRI("https://w3id.org/lianzheng/vocab#IntegrityPlatform"))]
    path = tmp_path / "out"
    if fmt == "nt":
        write_ntriples(triples, path)
    elif fmt == "turtle":
        write_turtle(triples, path, PREFIXES)
    else:
        write_jsonld(triples, path, {"@version": 1.1, **PREFIXES})
    parsed = Graph().parse(path, format=fmt)
    expected = to_rdflib(triples)
    assert isomorphic(parsed, expected), parsed.serialize(format="nt")


def test_rdflib_conversion_keeps_language_and_datatype():
    g = to_rdflib([(S, P, Lit("x", "zh-Hant")), (S, P, typed("1", XSD + "integer")), (S, P, Lit("plain"))])
    objs = set(g.objects(URIRef(S), URIRef(P)))
    assert Literal("x", lang="zh-Hant") in objs
    assert Literal("1", datatype=URIRef(XSD + "integer")) in objs
    assert Literal("plain") in objs


def test_writer_refuses_an_iri_rdf_does_not_allow(tmp_path):
    with pytest.raises(ValueError):
        write_ntriples([(S, P, IRI("https://example.org/a b"))], tmp_path / "x.nt")


def test_ntriples_are_sorted_and_stable(tmp_path):
    triples = [(S, P, o) for o in AWKWARD]
    write_ntriples(triples, tmp_path / "a.nt")
    write_ntriples(list(reversed(triples)), tmp_path / "b.nt")
    a = (tmp_path / "a.nt").read_bytes()
    assert a == (tmp_path / "b.nt").read_bytes()
    subjects = [line.split(" ", 1)[0] for line in a.decode().splitlines()]
    assert subjects == sorted(subjects)


@pytest.mark.parametrize("fmt", ["ntriples", "turtle", "jsonld", "rdfxml"])
def test_serialize_drops_duplicates_and_takes_ordered_input_as_it_is(fmt):
    """In memory (the service): a triple given twice is written once, whatever the order given;
    triples already canonical and unique (canonical(..., unique=True)) give the same bytes."""
    from pipelines.rdf.serialize import canonical, serialize

    objects = [o for o in AWKWARD if not (isinstance(o, Lit) and "\x01" in o.lex)]  # (XML 1.0 cannot carry U+0001)
    triples = [(S, P, o) for o in objects] + [(S, IRI(RDF_TYPE), IRI(PREFIXES["lz"] + "Case"))]
    shuffled = list(reversed(triples)) + triples[:4]  # out of order, four twice
    once = serialize(triples, fmt, prefixes=PREFIXES, context=PREFIXES)
    assert serialize(shuffled, fmt, prefixes=PREFIXES, context=PREFIXES) == once
    ordered, lines = canonical(shuffled, unique=True)
    assert len(ordered) == len(lines) == len(triples) and lines == sorted(set(lines))
    assert serialize(ordered, fmt, prefixes=PREFIXES, context=PREFIXES, ordered=True) == once
    rdflib_format = {"ntriples": "nt", "turtle": "turtle", "jsonld": "json-ld", "rdfxml": "xml"}[fmt]
    assert len(Graph().parse(data=once, format=rdflib_format)) == len(triples)
