"""Fixtures for the harvesting tests: a cross-linked source, and two releases to compare.

The cross-link values here are test data and say so: ``X00000000A`` is not an agency
code, ``X00000000A-TEST-0001`` is not a tender number, and ``Q4115189`` is Wikidata's
own sandbox item. The real records give none of these, and none are invented.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import EPOCH, MINIMAL, STANDARDS

DCAT_AP = STANDARDS / "dcat-ap-3.0.1"
OCDS_ZIP = STANDARDS / "ocds-1.1.5" / "standard-1__1__5-schema.zip"
TEST_AGENCY_CODE = "X00000000A"
TEST_TENDER = "X00000000A-TEST-0001"
TEST_WIKIDATA = "Q4115189"  # the Wikidata sandbox item
PORTAL = {  # fixture values for the data.gov.tw block of dataset.yaml: none is a real code
    "identifier": "X00000000A-000001",
    "category_code": "X00",
    "category": "測試分類",
    "publisher_oid": "2.16.886.0.0.0",
    "publisher_org_code": "X00000000A",
    "contact_name": "測試聯絡人",
    "contact_phone": "02-0000-0000",
    "contact_email": "opendata@example.org",
}

_REPORT: list[str] = []  # lines for the terminal summary (DCAT-AP warnings)


def report(line: str) -> None:
    _REPORT.append(line)


def pytest_terminal_summary(terminalreporter):
    if _REPORT:
        terminalreporter.section("harvesting: validators' findings")
        for line in _REPORT:
            terminalreporter.write_line(line)


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"the standards' files are not here ({path}): they live in ../shared/standards beside "
                    "the project")
    return path


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def make_linked_source(dest: Path) -> Path:
    """The minimal source with keywords, portal settings and (test) cross-links."""
    shutil.copytree(MINIMAL, dest)

    def meta(d):
        d["keywords"] = {"zh": ["廉政平臺", "政府採購"], "en": ["integrity platform", "government procurement"]}
        d["language"] = ["zh-Hant", "en"]
        d["contact"] = {"name": {"zh": "法務部廉政署", "en": "Agency Against Corruption"},
                        "url": "https://www.aac.moj.gov.tw/"}
        d["update_frequency"] = "irregular"
        d["datagovtw"] = dict(PORTAL)

    def agencies(rows):
        for row in rows:
            if row["id"] == "thb":
                row["agency_code"] = TEST_AGENCY_CODE
                row["wikidata"] = TEST_WIKIDATA

    def case(d):
        d["pcc_tender_ids"] = [TEST_TENDER]
        d["documents"][0]["url"] = "https://example.org/danjiang-bridge"
        d["documents"][0]["date"] = "2019-05-10"

    _edit_yaml(dest / "dataset.yaml", meta)
    _edit_yaml(dest / "agencies.yaml", agencies)
    _edit_yaml(dest / "cases" / "danjiang-bridge.yaml", case)
    return dest


def make_next_version(src: Path, dest: Path) -> Path:
    """The next version of a source: a new activity and document, a corrected amount, a new case."""
    shutil.copytree(src, dest)
    _edit_yaml(dest / "dataset.yaml", lambda d: d.update(version="0.0.2", modified="2026-12-01"))

    def danjiang(d):
        d["activities"].append({
            "id": "danjiang-bridge-2021-12-01-training", "type": "training", "date": "2021-12-01",
            "title": {"zh": "廉政教育訓練", "en": "Integrity training"},
            "participants": [{"role": "anti-corruption", "agency": "aac"}],
            "cited": [{"source": "guidebook/benchmark-1"}]})
        d["documents"].append({
            "id": "danjiang-bridge-minutes", "category": "meeting-records",
            "title": {"zh": "聯繫會議紀錄", "en": "Liaison meeting minutes"}, "publisher": "thb",
            "cited": [{"source": "guidebook/benchmark-1"}]})

    _edit_yaml(dest / "cases" / "danjiang-bridge.yaml", danjiang)
    _edit_yaml(dest / "cases" / "taipei-eco-park.yaml", lambda d: d.update(amount="約 41 億"))
    new_case = yaml.safe_load((dest / "cases" / "taipei-eco-park.yaml").read_text(encoding="utf-8"))
    new_case.update(id="taipei-music-center", table_number=24,
                    name={"zh": "音樂與圖書中心新建工程廉政平臺", "en": "Music and Library Center Integrity Platform"},
                    procurement={"zh": "音樂與圖書中心新建工程", "en": "Music and Library Center construction"})
    for key in ("activities", "documents", "observations", "risks", "notes"):
        new_case.pop(key, None)
    (dest / "cases" / "taipei-music-center.yaml").write_text(
        yaml.safe_dump(new_case, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


@pytest.fixture(scope="session")
def linked_source(tmp_path_factory) -> Path:
    return make_linked_source(tmp_path_factory.mktemp("linked") / "source")


@pytest.fixture(scope="session")
def release_pair(tmp_path_factory, linked_source) -> tuple[Path, Path]:
    """Two releases of the linked source: 0.0.1, and 0.0.2 built with 0.0.1 as the previous one."""
    from pipelines.release import build

    root = tmp_path_factory.mktemp("pair")
    first = root / "0.0.1"
    result = build(linked_source, first, source_date_epoch=EPOCH)
    assert result.ok, result.report.to_text()
    second_src = make_next_version(linked_source, root / "source-2")
    second = root / "0.0.2"
    result = build(second_src, second, source_date_epoch=str(int(EPOCH) + 86400), previous=first)
    assert result.ok, result.report.to_text()
    return first, second
