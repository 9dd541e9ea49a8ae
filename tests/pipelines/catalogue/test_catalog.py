"""The DCAT-AP catalogue: the official shapes accept it, it describes every file, it holds versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import RDF, SH, Namespace

from pipelines.catalogue.catalog import inventory_problems
from pipelines.catalogue.context import CATALOG_FILES, inventory
from tests.two_releases import key_of, publish_third

from .conftest import DCAT_AP, need, report

SPDX = "http://spdx.org/rdf/terms#"
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # open: DCAT 3 terms


def shacl(data: Graph, *names: str) -> list[tuple[str, str, str, str]]:
    """pySHACL with the named DCAT-AP shape files: (severity, focus, path, message) rows."""
    from pyshacl import validate

    shapes = Graph()
    for name in names:
        shapes.parse(need(DCAT_AP / name))
    _, results, _ = validate(data, shacl_graph=shapes, inference="none", allow_warnings=True)
    rows = set()
    for r in results.subjects(RDF.type, SH.ValidationResult):
        rows.add((str(results.value(r, SH.resultSeverity)).rsplit("#", 1)[-1], str(results.value(r, SH.focusNode)),
                  str(results.value(r, SH.resultPath)), str(results.value(r, SH.resultMessage))))
    return sorted(rows)


@pytest.fixture(scope="module")
def real_catalog(real_release) -> Graph:
    return Graph().parse(real_release / "catalog.ttl")


def test_catalog_has_no_violation_of_the_dcat_ap_shapes(real_catalog):
    # shapes.ttl (mandatory properties, cardinalities) and range.ttl (classes of values), together
    rows = shacl(real_catalog, "shapes.ttl", "range.ttl")
    assert [r for r in rows if r[0] == "Violation"] == []
    assert rows == []


def test_catalog_warnings_of_the_recommended_shapes_are_reported(real_catalog, release_pair):
    real = shacl(real_catalog, "shapes_recommended.ttl")
    pair = shacl(Graph().parse(release_pair[1] / "catalog.ttl"), "shapes.ttl", "range.ttl", "shapes_recommended.ttl")
    report(f"DCAT-AP 3.0.1 on the real release's catalog.ttl: 0 Violations, {len(real)} Warnings "
           "(shapes_recommended.ttl)")
    report(f"DCAT-AP 3.0.1 on the test release 0.0.2: {sum(r[0] == 'Violation' for r in pair)} Violations, "
           f"{sum(r[0] == 'Warning' for r in pair)} Warnings")
    for row in real + pair:
        report("  " + " | ".join(row))
    # the real metadata leaves no recommended property out but the kind of its publisher, whom the
    # shipped records leave for the operator to set (the build warns: publisher-not-set)
    assert [r[1:3] for r in real] in ([], [("https://w3id.org/lianzheng/id/catalog/lianzheng#publisher",
                                             "http://purl.org/dc/terms/type")])
    assert [r for r in pair if r[0] == "Violation"] == []


@pytest.mark.parametrize("name", CATALOG_FILES[1:])
def test_catalog_formats_hold_the_same_graph(real_release, name):
    turtle = Graph().parse(real_release / CATALOG_FILES[0])
    other = Graph().parse(real_release / name)
    if not isomorphic(turtle, other):
        _, only_ttl, only_other = graph_diff(to_isomorphic(turtle), to_isomorphic(other))
        pytest.fail(f"{name} differs:\nonly in Turtle:\n{only_ttl.serialize(format='nt')}\n"
                    f"only in {name}:\n{only_other.serialize(format='nt')}")


def test_every_other_release_file_is_a_distribution_with_its_size_and_checksum(real_release, real_catalog):
    late = ("release.json", "validation-report.json", "validation-report.txt", *CATALOG_FILES)
    files = {f.path: f for f in inventory(real_release, exclude=late)}
    seen = {}
    for d in real_catalog.subjects(RDF.type, DCAT.Distribution):
        url = str(real_catalog.value(d, DCAT.downloadURL))
        assert str(real_catalog.value(d, DCAT.accessURL)) == url
        path = url.split("/downloads/", 1)[1]
        checksum = real_catalog.value(d, URIRef(SPDX + "checksum"))
        assert real_catalog.value(checksum, URIRef(SPDX + "algorithm")) == URIRef(SPDX + "checksumAlgorithm_sha256")
        seen[path] = (int(real_catalog.value(d, DCAT.byteSize)),
                      str(real_catalog.value(checksum, URIRef(SPDX + "checksumValue"))))
        assert str(real_catalog.value(d, DCAT.mediaType)).startswith("http://www.iana.org/assignments/media-types/")
        assert real_catalog.value(d, URIRef("http://purl.org/dc/terms/license")) == URIRef("https://data.gov.tw/license")
    assert set(seen) == set(files)
    for path, f in files.items():
        assert seen[path] == (f.bytes, f.sha256), path
    assert "data/cases.csv" in seen and "ocds.json" in seen and "void.ttl" in seen
    assert inventory_problems(real_release, None) == []


def test_catalog_download_urls_are_under_the_base_iri(real_catalog):
    urls = {str(o) for o in real_catalog.objects(None, DCAT.downloadURL)}
    assert "https://w3id.org/lianzheng/downloads/data/cases.csv" in urls
    assert all(u.startswith("https://w3id.org/lianzheng/downloads/") for u in urls)


def test_each_release_is_a_version_of_the_dataset(release_pair):
    first, second = release_pair
    g = Graph().parse(second / "catalog.ttl")
    dataset = URIRef("https://w3id.org/lianzheng/id/dataset/lianzheng-test")
    current = URIRef("https://w3id.org/lianzheng/id/dataset/lianzheng-test/0.0.2")
    previous = URIRef("https://w3id.org/lianzheng/id/dataset/lianzheng-test/0.0.1")
    assert g.value(dataset, DCAT.hasCurrentVersion) == current
    assert g.value(current, DCAT.version) == Literal("0.0.2")
    assert g.value(dataset, DCAT.version) == Literal("0.0.2")
    assert g.value(current, DCAT.previousVersion) == previous
    assert {current, previous} <= set(g.objects(dataset, DCAT.hasVersion))
    assert (None, DCAT.previousVersion, None) not in Graph().parse(first / "catalog.ttl")


def test_catalog_lists_the_sparql_endpoint_the_api_and_the_reconciliation_service(real_catalog):
    endpoints = {str(real_catalog.value(s, DCAT.endpointURL))
                 for s in real_catalog.subjects(RDF.type, DCAT.DataService)}
    assert endpoints == {"https://w3id.org/lianzheng/sparql", "https://w3id.org/lianzheng/api",
                         "https://w3id.org/lianzheng/reconcile"}
    catalog = URIRef("https://w3id.org/lianzheng/id/catalog/lianzheng")
    assert len(set(real_catalog.objects(catalog, DCAT.service))) == 3


def test_the_publisher_is_the_operators_and_the_facts_are_credited_to_the_aac(real_catalog, release_pair):
    """Issue 14: the shipped records leave the publisher to the operator and say so; the release
    says plainly that it is transcribed from the AAC's two documents."""
    dct = "http://purl.org/dc/terms/"
    catalog = URIRef("https://w3id.org/lianzheng/id/catalog/lianzheng")
    dataset = URIRef("https://w3id.org/lianzheng/id/dataset/lianzheng")
    publisher = real_catalog.value(catalog, URIRef(dct + "publisher"))
    assert str(publisher) == "https://w3id.org/lianzheng/id/catalog/lianzheng#publisher"  # not the AAC's IRI
    names = {str(o) for o in real_catalog.objects(publisher, URIRef("http://xmlns.com/foaf/0.1/name"))}
    assert names == {"（未設定發布者）", "(publisher not set)"}
    statement = real_catalog.value(dataset, URIRef(dct + "provenance"))
    label = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
    said = " ".join(str(o) for o in real_catalog.objects(statement, label))
    assert "轉錄自法務部廉政署" in said and "not official data published by the AAC" in said
    assert "《機關採購廉政平臺指引手冊》" in said
    assert "The Introduction of Government Procurement Integrity Platform" in said
    # records that name an agency of the registry as publisher (the test records: aac) publish as it
    test = Graph().parse(release_pair[0] / "catalog.ttl")
    test_catalog = URIRef("https://w3id.org/lianzheng/id/catalog/lianzheng-test")
    assert str(test.value(test_catalog, URIRef(dct + "publisher"))) == "https://w3id.org/lianzheng/id/agency/aac"


def test_catalog_is_the_same_for_the_same_records(tmp_path):
    from pipelines.release import build
    from tests.conftest import EPOCH, MINIMAL

    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert build(MINIMAL, out, source_date_epoch=EPOCH).ok
    for name in (*CATALOG_FILES, "void.ttl", "ocds.json", "changes.atom", "datagovtw.json", "reconcile.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_release_json_is_not_needed_to_read_the_catalogue(real_release):
    # the manifest is written after the harvesting files; the catalogue stands alone
    manifest = json.loads((real_release / "release.json").read_text(encoding="utf-8"))
    assert manifest["version"] in (real_release / "catalog.ttl").read_text(encoding="utf-8")
    assert Path(real_release / "catalog.jsonld").read_text(encoding="utf-8").startswith('{"@context"')


def test_catalog_and_data_graph_together_have_no_violation(real_release, real_catalog):
    # a harvester that dereferences the dataset IRI, or a store holding both, sees the two graphs merged
    merged = Graph()
    merged += real_catalog
    merged.parse(real_release / "lianzheng.nt")
    assert [r for r in shacl(merged, "shapes.ttl", "range.ttl") if r[0] == "Violation"] == []


def test_catalog_states_the_purpose_in_the_sources_words(real_catalog, real_release):
    """The purpose the records give (dataset.yaml `purpose`) is on the dataset and on its current
    version, in both languages, with the sections it comes from; DCAT-AP's shapes still pass
    (test above), and datapackage.json carries the same words with their locators."""
    from pipelines.read.reader import read_dataset
    from pipelines.terms import LZ
    from tests.conftest import REAL

    purpose = read_dataset(REAL).purpose
    assert purpose is not None
    package = json.loads((real_release / "datapackage.json").read_text(encoding="utf-8"))
    assert package["purpose"] == {"zh": purpose.text.zh, "en": purpose.text.en, "sources": [
        {"source": c.source, "locator": c.locator} for c in purpose.cited]}
    datasets = list(real_catalog.subjects(RDF.type, DCAT.Dataset))
    assert len(datasets) == 2
    for node in datasets:
        stated = {(o.language, str(o)) for o in real_catalog.objects(node, LZ.statedPurpose)}
        assert stated == {("zh-Hant", purpose.text.zh), ("en", purpose.text.en)}, node
        sources = {str(o).rsplit("/source/", 1)[1] for o in real_catalog.objects(node, LZ.purposeSource)}
        assert sources == {c.source for c in purpose.cited}, node


def test_every_logged_version_is_a_version_of_the_dataset_after_a_rollback(two_releases, tmp_path):
    """A release published after a rollback follows (dcat:previousVersion) the release it replaces in
    service, 0.0.1, yet the dataset names every version the log holds, 0.0.2 too; the DCAT-AP
    shapes still accept the catalogue."""
    third = publish_third(two_releases, tmp_path, key_of(two_releases))
    g = Graph().parse(third / "catalog.ttl")
    dataset = URIRef("https://w3id.org/lianzheng/id/dataset/lianzheng-test")
    v = {n: URIRef(f"{dataset}/0.0.{n}") for n in (1, 2, 3)}
    assert g.value(dataset, DCAT.version) == Literal("0.0.3")
    assert g.value(dataset, DCAT.hasCurrentVersion) == v[3]
    assert set(g.objects(dataset, DCAT.hasVersion)) == set(v.values())
    assert g.value(v[3], DCAT.previousVersion) == v[1]
    assert g.value(v[2], DCAT.version) == Literal("0.0.2")
    assert [r for r in shacl(g, "shapes.ttl", "range.ttl") if r[0] == "Violation"] == []
    # and the second release, built in the log, names the first
    second = Graph().parse(two_releases.second / "catalog.ttl")
    assert set(second.objects(dataset, DCAT.hasVersion)) == {v[1], v[2]}
    assert second.value(dataset, DCAT.version) == Literal("0.0.2")
