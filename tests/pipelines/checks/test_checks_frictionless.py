"""Sharing Frictionless's foreign-key lookups changes its speed, not its findings."""

from __future__ import annotations

import csv
import json
import shutil

import pytest

from pipelines.checks.frictionless import frictionless_check, shared_lookups


def _tables_only(release, target):
    """The release's tables and a descriptor of just them (what the build checks)."""
    shutil.copytree(release / "data", target / "data")
    pkg = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    pkg["resources"] = [r for r in pkg["resources"] if r.get("type") == "table"]
    for r in pkg["resources"]:  # the edits below change the bytes
        r.pop("hash", None)
        r.pop("bytes", None)
    (target / "datapackage.json").write_text(json.dumps(pkg, ensure_ascii=False), encoding="utf-8")
    return target


def _edit(path, column, value, row=0):
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row + 1][rows[0].index(column)] = value
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _findings(problems):
    return sorted((p.type, p.file, p.record, p.field, p.message_en) for p in problems)


def test_same_findings_on_a_valid_package(real_release, tmp_path):
    folder = _tables_only(real_release, tmp_path)
    assert frictionless_check(folder, shared=True) == frictionless_check(folder, shared=False) == []


@pytest.mark.parametrize("table, column, value", [
    ("activities", "case_id", "no-such-case"),
    ("participants", "agency_id", "no-such-agency"),
    ("documents", "case_id", "no-such-case"),
    ("case_agencies", "agency_id", "no-such-agency"),
    ("participants", "activity_id", "no-such-activity"),
])
def test_same_findings_on_a_broken_foreign_key(real_release, tmp_path, table, column, value):
    folder = _tables_only(real_release, tmp_path)
    _edit(folder / "data" / f"{table}.csv", column, value)
    _edit(folder / "data" / "risks.csv", "case_id", "another-missing-case", row=1)
    shared = _findings(frictionless_check(folder, shared=True))
    plain = _findings(frictionless_check(folder, shared=False))
    assert shared == plain
    assert {(t, f) for t, f, *_ in shared} >= {("frictionless:foreign-key", f"data/{table}.csv"),
                                                ("frictionless:foreign-key", "data/risks.csv")}


def test_frictionless_is_restored_afterwards():
    from frictionless.resources.table import TableResource

    before = TableResource._TableResource__open_lookup
    with shared_lookups():
        assert TableResource._TableResource__open_lookup is not before
    assert TableResource._TableResource__open_lookup is before


def test_on_a_frictionless_the_speed_up_was_not_checked_with_its_own_code_runs(monkeypatch):
    from frictionless.resources.table import TableResource

    from pipelines.checks import gate

    monkeypatch.setattr(gate, "FRICTIONLESS", ("0.0.0",))
    before = TableResource._TableResource__open_lookup
    with shared_lookups():
        assert TableResource._TableResource__open_lookup is before
