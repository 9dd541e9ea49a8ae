"""The OCDS export: libcoveocds accepts it (offline), one planning-stage process per case."""

from __future__ import annotations

import json

import pytest

from pipelines.catalogue.context import Release
from pipelines.catalogue.ocds import package
from pipelines.read.reader import Reader
from tests.conftest import REAL

from .conftest import OCDS_ZIP, TEST_AGENCY_CODE, TEST_TENDER, TEST_WIKIDATA, need, report


def cove(path, tmp_path) -> dict:
    """libcoveocds' result for a file, against the 1.1.5 schema zip (never the network)."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig()
    config.config["standard_zip"] = need(OCDS_ZIP).resolve().as_uri()
    config.config["context"] = "api"
    return ocds_json_output(str(tmp_path), str(path), None, lib_cove_ocds_config=config)


@pytest.mark.parametrize("which", ["real", "linked"])
def test_ocds_package_has_no_validation_errors(which, real_release, release_pair, tmp_path):
    folder = real_release if which == "real" else release_pair[1]
    result = cove(folder / "ocds.json", tmp_path)
    report(f"libcoveocds on the {which} release's ocds.json: {len(result['validation_errors'])} validation "
           f"errors, additional fields {[f['field'] for f in result.get('additional_fields', [])]}")
    assert result["validation_errors"] == []
    assert result["version_used"] == "1.1"
    assert result["additional_closed_codelist_values"] == {}
    assert result["unique_ocids_count"] == len(json.loads((folder / "ocds.json").read_text())["releases"])


def test_one_planning_process_per_case_with_buyer_value_and_parties(real_release):
    pkg = json.loads((real_release / "ocds.json").read_text(encoding="utf-8"))
    assert len(pkg["releases"]) == 32
    assert pkg["uri"] == "https://w3id.org/lianzheng/downloads/ocds.json"
    r = next(r for r in pkg["releases"] if r["ocid"] == "ocds-lianzheng-danjiang-bridge")
    assert r["tag"] == ["planning"]
    assert r["tender"]["status"] == "planning"
    assert r["tender"]["value"] == {"amount": 12500000000, "currency": "TWD"}
    assert r["tender"]["title"] == "淡江大橋及其連絡道路"
    assert r["buyer"]["id"] == "https://w3id.org/lianzheng/id/agency/thb"
    roles = {p["id"].rsplit("/", 1)[1]: p["roles"] for p in r["parties"]}
    assert roles["thb"] == ["buyer", "procuringEntity"]
    assert "interestedParty" in roles["motc"]  # the ministry the table groups it under
    assert all(p["id"] in {q["id"] for q in r["parties"]} for p in [r["buyer"], r["tender"]["procuringEntity"]])


def test_ocid_prefix_is_the_setting(tmp_path):
    ds = Reader(REAL).read()
    rel = Release(ds, tmp_path, "https://w3id.org/lianzheng", "2026-11-22T00:00:00Z", None, "ocds-abc123")
    pkg = package(rel)
    suffix = f"-{ds.meta['version']}"
    assert [r["ocid"] for r in pkg["releases"]] == [f"ocds-abc123-{r['id'][:-len(suffix)]}" for r in pkg["releases"]]
    assert [r["ocid"] for r in pkg["releases"]] == [f"ocds-abc123-{c}" for c in ds.cases]


def test_cross_links_are_carried_only_where_the_sources_give_them(real_release, release_pair):
    real = json.loads((real_release / "ocds.json").read_text(encoding="utf-8"))
    for r in real["releases"]:  # the real records give no tender numbers, codes or Wikidata items
        assert "pccTenderIds" not in r["tender"]
        assert all("additionalIdentifiers" not in p for p in r["parties"])
    linked = json.loads((release_pair[0] / "ocds.json").read_text(encoding="utf-8"))
    r = next(r for r in linked["releases"] if r["ocid"].endswith("-danjiang-bridge"))
    assert r["tender"]["id"] == TEST_TENDER
    assert r["tender"]["pccTenderIds"] == [TEST_TENDER]
    thb = next(p for p in r["parties"] if p["id"].endswith("/thb"))
    assert {"scheme": "TW-AGENCY-CODE", "id": TEST_AGENCY_CODE, "legalName": "交通部公路總局"} in \
        thb["additionalIdentifiers"]
    assert {"scheme": "WIKIDATA", "id": TEST_WIKIDATA, "uri": f"http://www.wikidata.org/entity/{TEST_WIKIDATA}"} \
        in thb["additionalIdentifiers"]
    doc = r["planning"]["documents"][0]
    assert doc["url"] == "https://example.org/danjiang-bridge"
    assert doc["datePublished"] == "2019-05-10T00:00:00+08:00"


@pytest.mark.parametrize("value,ok", [("ocds-213czf", True), ("ocds-lianzheng", True), ("ocds-", False),
                                      ("ocds 1", False), ("-ocds", False)])
def test_ocid_prefix_setting_is_checked(value, ok):
    from api.settings import SettingError, load

    if ok:
        assert load({"LIANZHENG_OCID_PREFIX": value}).ocid_prefix == value
    else:
        with pytest.raises(SettingError):
            load({"LIANZHENG_OCID_PREFIX": value})
