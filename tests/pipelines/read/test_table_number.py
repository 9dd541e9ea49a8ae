"""A platform added since the guidebook's table (a submitted new case) has no table number, and
none is made up: it reads, builds its rows and triples without one, passes the shapes, and sorts
after the table's cases; a number given is still checked (1 or more, one case each)."""

from __future__ import annotations

import shutil

import pytest

from pipelines.errors import ProblemsFound
from pipelines.rdf.graph import dataset_triples
from pipelines.read.reader import read_dataset
from pipelines.tables import package, views
from tests.conftest import ROOT

BASE = "https://w3id.org/lianzheng"


@pytest.fixture()
def source(tmp_path):
    out = tmp_path / "source"
    shutil.copytree(ROOT / "datasets" / "source", out)
    text = (out / "cases" / "danjiang-bridge.yaml").read_text(encoding="utf-8")
    new = "\n".join(line for line in text.replace("danjiang-bridge", "aaa-new-platform").splitlines()
                    if not line.startswith("table_number:") and not line.startswith("benchmark:"))
    (out / "cases" / "aaa-new-platform.yaml").write_text(new + "\n", encoding="utf-8")
    return out


def test_a_case_without_a_table_number_reads_and_sorts_last(source):
    ds = read_dataset(source)
    assert ds.cases["aaa-new-platform"].table_number is None
    assert all(c.table_number for cid, c in ds.cases.items() if cid != "aaa-new-platform")
    from pipelines.rdf.ids import Minter

    rows = package.rows(ds, Minter(BASE))
    row = next(r for r in rows["cases"] if r[0] == "aaa-new-platform")
    assert row[1] == ""
    named = [dict(zip(["case_id", "table_number"], r[:2], strict=False)) for r in rows["cases"]]
    assert sorted(named, key=views.table_order)[-1]["case_id"] == "aaa-new-platform"  # first by id, last here


def test_its_graph_has_no_table_number_and_the_others_keep_theirs(source):
    from pipelines.terms import LZ

    ds = read_dataset(source)
    numbered = {str(s) for s, p, _ in dataset_triples(ds, BASE) if str(p) == str(LZ.tableNumber)}
    assert len(numbered) == len(ds.cases) - 1 and not any("aaa-new-platform" in s for s in numbered)


def test_a_number_given_is_still_checked(source):
    path = source / "cases" / "aaa-new-platform.yaml"
    path.write_text("table_number: 10\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ProblemsFound) as found:
        read_dataset(source)
    assert any(p.field == "table_number" and p.type.endswith("duplicate-identifier") for p in found.value.problems)
    path.write_text(path.read_text(encoding="utf-8").replace("table_number: 10", "table_number: 0"),
                    encoding="utf-8")
    with pytest.raises(ProblemsFound):
        read_dataset(source)
