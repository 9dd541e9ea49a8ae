"""The nested views put back together what the CSV writer flattened: checked against the
model read from the sources, case by case, not against the views' own output."""

from __future__ import annotations

import pytest

from pipelines.read.reader import read_dataset
from pipelines.tables import views
from tests.conftest import REAL


@pytest.fixture(scope="module")
def built(real_release):
    return views.build(views.read_rows(real_release))


@pytest.fixture(scope="module")
def dataset():
    return read_dataset(REAL)


def _text(t):
    return None if t is None else {"zh": t.zh, "en": t.en}


def test_every_case_comes_back_with_its_parts(built, dataset):
    cases, _ = built
    assert [v.id for v in cases] == [c.id for c in sorted(dataset.cases.values(), key=lambda c: c.table_number)]
    for v in cases:
        case = dataset.cases[v.id]
        d = v.detail
        assert d["name"] == _text(case.name) and d["procurement"] == _text(case.procurement)
        assert [a["id"] for a in d["agencies"]] == list(case.agencies)
        assert d["authority"]["id"] == case.authority and d["status"] == case.status
        assert d["established"] == case.established.iso and d["amount_text"] == case.amount_text
        model_acts = [a for a in dataset.activities if a.case == case.id]
        assert sorted(a["id"] for a in d["activities"]) == sorted(a.id for a in model_acts)
        by_id = {a.id: a for a in model_acts}
        for a in d["activities"]:
            act = by_id[a["id"]]
            assert a["date"] == act.date.iso and a["title"] == _text(act.title) and a["type"] == act.type
            assert [(p["role"], (p["agency"] or {}).get("id", "")) for p in a["participants"]] == \
                [(p.role, p.agency) for p in act.participants]
        assert [a["date"] for a in d["activities"]] == sorted(a["date"] for a in d["activities"])
        for part, items in (("documents", dataset.documents), ("observations", dataset.observations),
                            ("risks", dataset.risks)):
            assert sorted(x["id"] for x in d[part]) == sorted(x.id for x in items if x.case == case.id), part
        assert sorted(n["id"] for n in d["quality_notes"]) == \
            sorted(n.id for n in dataset.notes if getattr(n, "case", "") == case.id)
        cited = [s["id"] for s in d["sources"]]
        assert len(cited) == len(set(cited))
        assert {c.source for c in case.cited} | {c.source for a in model_acts for c in a.cited} <= set(cited)
        assert all(s["title"] for s in d["sources"]), "every source cited is in the sources table"
        assert {k: d[k] for k in v.summary if k != "links"} == {k: v.summary[k] for k in v.summary if k != "links"}


def test_every_agency_comes_back_with_its_cases_and_children(built, dataset):
    cases, agencies = built
    assert sorted(v.id for v in agencies) == sorted(dataset.agencies)
    procuring = {c.id: set(c.agencies) for c in dataset.cases.values()}
    for v in agencies:
        agency = dataset.agencies[v.id]
        assert v.detail["name"] == _text(agency.name) and v.detail["kind"] == agency.kind
        assert {x["id"] for x in v.detail["children"]} == \
            {a.id for a in dataset.agencies.values() if a.parent == v.id}
        mine = {(x["id"], x["role"]) for x in v.detail["cases"]}
        assert {cid for cid, role in mine if role == "procuring-agency"} == \
            {cid for cid, ags in procuring.items() if v.id in ags}
        assert {cid for cid, role in mine if role == "authority"} == \
            {c.id for c in dataset.cases.values() if c.authority == v.id}
        assert v.summary["case_count"] == sum(v.id in ags for ags in procuring.values())
