"""Cross-links (tender numbers, agency codes, Wikidata items) reach every output where the sources give them.

The values come from the test fixture (tests/pipelines/catalogue/conftest.py) and are marked there as
not real; the project's records give none, and nothing is invented for them.
"""

from __future__ import annotations

import csv
import json

from rdflib import Graph, Literal, URIRef

from .conftest import TEST_AGENCY_CODE, TEST_TENDER, TEST_WIKIDATA

ID = "https://w3id.org/lianzheng/id/"
LZ = "https://w3id.org/lianzheng/vocab#"


def rows(folder, table):
    with open(folder / "data" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return {r[next(iter(r))]: r for r in csv.DictReader(fh)}


def test_the_real_records_give_no_cross_links_and_none_are_made_up(real_release):
    for r in rows(real_release, "agencies").values():
        assert r["agency_code"] == "" and r["wikidata"] == ""
    g = Graph().parse(real_release / "lianzheng.ttl")
    assert not list(g.triples((None, URIRef(LZ + "pccTenderId"), None)))
    assert not list(g.triples((None, URIRef(LZ + "agencyCode"), None)))


def test_rdf_carries_tender_numbers_agency_codes_and_wikidata(release_pair):
    g = Graph().parse(release_pair[0] / "lianzheng.ttl")
    assert (URIRef(ID + "procurement/danjiang-bridge"), URIRef(LZ + "pccTenderId"), Literal(TEST_TENDER)) in g
    assert (URIRef(ID + "agency/thb"), URIRef(LZ + "agencyCode"), Literal(TEST_AGENCY_CODE)) in g
    assert (URIRef(ID + "agency/thb"), URIRef("http://www.w3.org/2002/07/owl#sameAs"),
            URIRef(f"http://www.wikidata.org/entity/{TEST_WIKIDATA}")) in g


def test_agencies_table_carries_agency_codes_and_wikidata(release_pair):
    thb = rows(release_pair[0], "agencies")["thb"]
    assert thb["agency_code"] == TEST_AGENCY_CODE and thb["wikidata"] == TEST_WIKIDATA


def test_cases_table_carries_tender_numbers(release_pair):
    case = rows(release_pair[0], "cases")["danjiang-bridge"]
    assert case["pcc_tender_ids"] == TEST_TENDER


def test_ocds_carries_them_as_identifiers(release_pair):
    pkg = json.loads((release_pair[0] / "ocds.json").read_text(encoding="utf-8"))
    r = next(r for r in pkg["releases"] if r["ocid"].endswith("danjiang-bridge"))
    assert r["tender"]["id"] == TEST_TENDER
    schemes = {(i["scheme"], i["id"]) for p in r["parties"] for i in p.get("additionalIdentifiers", [])}
    assert schemes == {("TW-AGENCY-CODE", TEST_AGENCY_CODE), ("WIKIDATA", TEST_WIKIDATA)}
