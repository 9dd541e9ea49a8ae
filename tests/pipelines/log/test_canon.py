"""RDFC-1.0 against the W3C test suite (every eval, map and negative test of its manifest), the
canonical N-Quads form of terms case by case, and the digests of a real release: the same from
its three RDF files and from a copy another tool re-serialised, another after one change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from pipelines.log.canon import CanonicalizationError, _relabel, _row, canonical_nquads, rdfc_digest

from ...conftest import STANDARDS

SUITE = STANDARDS / "w3c-rdf-canon"  # ../shared/standards beside the project
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
RDFC = rdflib.Namespace("https://w3c.github.io/rdf-canon/tests/vocab#")


def _manifest() -> list[tuple[str, str, Path, Path | None, str]]:
    """(id, kind, action, result, hash) of every test in the manifest's entries, in its order."""
    path = SUITE / "manifest.ttl"
    if not path.exists():
        return []
    graph = rdflib.Graph().parse(path, format="turtle", publicID=path.as_uri())
    entries = next(graph.objects(None, MF.entries))
    tests = []
    for test in rdflib.collection.Collection(graph, entries):
        kind = str(graph.value(test, rdflib.RDF.type)).split("#")[1]
        result = graph.value(test, MF.result)
        algorithm = {"SHA384": "sha384"}.get(str(graph.value(test, RDFC.hashAlgorithm)), "sha256")
        tests.append((str(test).split("#")[1], kind, Path(str(graph.value(test, MF.action)).removeprefix("file://")),
                      Path(str(result).removeprefix("file://")) if result else None, algorithm))
    return tests


TESTS = _manifest()


def _suite(kind: str) -> list:
    found = [pytest.param(action, result, algorithm, id=name) for name, k, action, result, algorithm in TESTS
             if k == kind]
    return found or [pytest.param(None, None, None, marks=pytest.mark.skip(
        reason=f"the W3C RDFC-1.0 tests are not here ({SUITE}): they live in ../shared/standards beside the project"))]


def _read(path: Path) -> list[ox.Quad]:
    return list(ox.parse(path=path, format=ox.RdfFormat.N_QUADS))


def test_canon_w3c_suite_is_complete():
    if not TESTS:
        pytest.skip(f"the W3C RDFC-1.0 tests are not here ({SUITE})")
    kinds = [kind for _, kind, *_ in TESTS]
    assert (kinds.count("RDFC10EvalTest"), kinds.count("RDFC10MapTest"), kinds.count("RDFC10NegativeEvalTest")) \
        == (64, 21, 1)


@pytest.mark.parametrize(("action", "result", "algorithm"), _suite("RDFC10EvalTest"))
def test_canon_w3c_eval(action, result, algorithm):
    assert canonical_nquads(_read(action), hash_algorithm=algorithm).decode() == result.read_text(encoding="utf-8")


@pytest.mark.parametrize(("action", "result", "algorithm"), _suite("RDFC10MapTest"))
def test_canon_w3c_issued_identifiers(action, result, algorithm):
    rows = {_row(quad) for quad in _read(action)}
    issued = _relabel(rows, lambda text: hashlib.new(algorithm, text.encode()).hexdigest(), 100_000)
    assert {node[2:]: label[2:] for node, label in issued.items()} == json.loads(result.read_text())


@pytest.mark.parametrize(("action", "result", "algorithm"), _suite("RDFC10NegativeEvalTest"))
def test_canon_w3c_poison_refused(action, result, algorithm):
    with pytest.raises(CanonicalizationError, match="poison"):
        canonical_nquads(_read(action))


S, P = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(("term", "written"), [
    (ox.Literal("plain"), '"plain"'),
    (ox.Literal("x", datatype=ox.NamedNode(XSD + "string")), '"x"'),  # xsd:string left out
    (ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")), f'"1"^^<{XSD}integer>'),
    (ox.Literal("\b\t\n\f\r\"\\"), r'"\b\t\n\f\r\"\\"'),  # ECHAR
    (ox.Literal("\x00\x07\x0b\x0e\x1f\x7f"), r'"\u0000\u0007\u000B\u000E\u001F\u007F"'),  # UCHAR, upper-case HEX
    (ox.Literal("\ufffe\uffff"), r'"\uFFFE\uFFFF"'),  # not an XML 1.1 Char
    (ox.Literal("é\x80\ufffd\U0001f600 '"), '"é\x80\ufffd\U0001f600 \'"'),  # everything else as itself
    (ox.Literal("廉政", language="zh-Hant"), '"廉政"@zh-hant'),  # our canonical case: lower
    (ox.NamedNode("http://example.org/é?q=a b".replace(" ", "%20")), "<http://example.org/é?q=a%20b>"),
])
def test_canon_term_written_canonically(term, written):
    assert canonical_nquads([ox.Triple(S, P, term)]) == f"<http://example.org/s> <http://example.org/p> {written} .\n" \
        .encode()


def test_canon_document_sorted_deduplicated_with_graphs():
    a, b = ox.NamedNode("http://example.org/a"), ox.NamedNode("http://example.org/b")
    quads = [ox.Quad(b, P, a, a), ox.Quad(b, P, a), ox.Quad(a, P, b), ox.Quad(b, P, a)]
    # code point order: " ." (U+002E) before " <" (U+003C)
    assert canonical_nquads(quads) == (b"<http://example.org/a> <http://example.org/p> <http://example.org/b> .\n"
                                       b"<http://example.org/b> <http://example.org/p> <http://example.org/a> .\n"
                                       b"<http://example.org/b> <http://example.org/p> <http://example.org/a> "
                                       b"<http://example.org/a> .\n")
    assert canonical_nquads([]) == b""


def test_canon_blank_nodes_relabelled_whatever_their_names():
    one = [ox.Triple(ox.BlankNode("x"), P, ox.Literal("1")), ox.Triple(S, P, ox.BlankNode("x"))]
    other = [ox.Triple(ox.BlankNode("q9"), P, ox.Literal("1")), ox.Triple(S, P, ox.BlankNode("q9"))]
    assert canonical_nquads(one) == canonical_nquads(other)
    assert b"_:c14n0" in canonical_nquads(one)


def test_canon_triple_term_refused():
    quoted = ox.Triple(S, P, ox.BlankNode("x"))
    with pytest.raises(CanonicalizationError, match="triple term"):
        canonical_nquads([ox.Triple(S, P, quoted)])


def test_canon_work_bound_configurable():
    ring = [ox.Triple(ox.BlankNode(f"n{i}"), P, ox.BlankNode(f"n{(i + 1) % 6}")) for i in range(6)]
    assert canonical_nquads(ring).count(b"\n") == 6
    with pytest.raises(CanonicalizationError, match="more than 5 steps"):
        canonical_nquads(ring, max_work=5)


def test_canon_language_tag_case_same_in_every_format(tmp_path):
    (tmp_path / "a.ttl").write_text('<http://example.org/s> <http://example.org/p> "廉政"@zh-Hant .\n')
    (tmp_path / "b.nt").write_text('<http://example.org/s> <http://example.org/p> "廉政"@zh-hant .\n')
    (tmp_path / "c.jsonld").write_text(json.dumps({"@id": "http://example.org/s", "http://example.org/p": {
        "@value": "廉政", "@language": "ZH-HANT"}}))
    assert len({rdfc_digest(tmp_path / name) for name in ("a.ttl", "b.nt", "c.jsonld")}) == 1


def test_canon_digest_format_named_or_unknown(tmp_path):
    (tmp_path / "data.txt").write_text('<http://example.org/s> <http://example.org/p> "x" .\n')
    assert rdfc_digest(tmp_path / "data.txt", "nt") == rdfc_digest(tmp_path / "data.txt", "application/n-triples")
    with pytest.raises(ValueError, match="which RDF format"):
        rdfc_digest(tmp_path / "data.txt")


def test_canon_real_release_same_digest_from_every_format(real_release):
    digests = {name: rdfc_digest(real_release / name) for name in ("lianzheng.nt", "lianzheng.ttl", "lianzheng.jsonld")}
    assert len(set(digests.values())) == 1, digests


def test_canon_real_release_reserialised_copy_verifies_and_change_does_not(real_release, tmp_path):
    expected = rdfc_digest(real_release / "lianzheng.nt")
    graph = rdflib.Graph().parse(real_release / "lianzheng.ttl", format="turtle")
    graph.serialize(tmp_path / "copy.ttl", format="turtle")
    graph.serialize(tmp_path / "copy.nt", format="nt", encoding="utf-8")
    graph.serialize(tmp_path / "copy.jsonld", format="json-ld")
    assert {rdfc_digest(tmp_path / name) for name in ("copy.ttl", "copy.nt", "copy.jsonld")} == {expected}

    subject, predicate, value = next(t for t in graph if isinstance(t[2], rdflib.Literal) and t[2].language)
    graph.remove((subject, predicate, value))
    graph.add((subject, predicate, rdflib.Literal(str(value) + "。", lang=value.language)))
    graph.serialize(tmp_path / "changed.nt", format="nt", encoding="utf-8")
    assert rdfc_digest(tmp_path / "changed.nt") != expected
