"""The nested views of a release's tables: what the service serves as JSON for a case and an agency.

The CSV writer (:mod:`.package`) flattens the model into one table a kind; this puts it back
together: a case with its place and divisions, its activities (and their participants),
documents, observations, risks, the laws its chapter cites, quality notes and every source cited
(with its kind: the AAC's own document or an outside source); the laws with the cases that cite
them; an agency with its sub-agencies, its cases, and
the cases its sub-agencies (at any depth) procure.
Read from the release's files only (``data/*.csv``), so what is served is what was published.
Links inside the views are paths on the service (``/api/cases/{id}``, ``/id/case/{id}``);
``iri`` is the record's permanent IRI. The service (:mod:`api.tables`) indexes them.
"""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

from ..normalise import fold
from .schema import SEP, TABLES


class View(NamedTuple):
    """One case or agency: its id, its table row (with keys of the views' own: ``_agencies``,
    ``_amount``), its summary (list items), its detail and its folded search text."""

    id: str
    row: dict[str, Any]
    summary: dict
    detail: dict
    search: str



def table_order(row: dict) -> tuple:
    """A case row's place in the guidebook's table order: by its row there, the platforms added
    since (no row) after them, by id."""
    number = row["table_number"]
    return (0, int(number), row["case_id"]) if number else (1, 0, row["case_id"])

def _text(zh: str, en: str) -> dict | None:
    return {"zh": zh, "en": en} if (zh or en) else None


def _number(text: str):
    """A JSON number from a table cell: int when whole, float otherwise, None when empty."""
    if text == "":
        return None
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _list(text: str, sep: str = SEP) -> list[str]:
    return [x.strip() for x in text.split(sep) if x.strip()] if text else []


def read_table(release: Path, name: str) -> list[dict[str, str]]:
    """The rows of one table; none for a table the release does not have (one built before the
    table existed, such as ``accounts`` before 1.1), so that every past release can be served."""
    path = release / "data" / f"{name}.csv"
    if name in OPTIONAL_TABLES and not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


OPTIONAL_TABLES = frozenset({"accounts"})  # tables added after the first release


def read_rows(release: Path) -> dict[str, list[dict[str, Any]]]:
    """Every table of the release, by name: a dict a row, the cells as written."""
    return {t.name: read_table(Path(release), t.name) for t in TABLES}


def law_views(rows: dict[str, list[dict[str, Any]]]) -> list[dict]:
    """Every law (the laws table, in id order) with the cases that cite it. A release built
    before laws had kinds and cases (1.0) reads as laws of no kind, cited by no case."""
    titles = {c["case_id"]: _text(c["name_zh"], c["name_en"]) for c in rows["cases"]}
    out = []
    for r in rows["laws"]:
        lid = r["law_id"]
        case_ids = _list(r.get("case_ids", ""))
        out.append({
            "id": lid, "iri": r["iri"], "name": _text(r["name_zh"], r["name_en"]),
            "alt_names": _list(r.get("alt_names", "")), "kind": r.get("kind") or None,
            "in_appendix": r.get("in_appendix") == "true", "url": r["url"] or None,
            "sources": _list(r.get("source_ids", "")),
            "cases": [{"id": cid, "name": titles.get(cid), "links": {"api": f"/api/cases/{cid}",
                                                                     "html": f"/id/case/{cid}"}}
                      for cid in case_ids],
            "links": {"html": f"/id/law/{lid}"},
        })
    return out


def build(rows: dict[str, list[dict[str, Any]]]) -> tuple[list[View], list[View]]:
    """The views of every case (by table number) and every agency (in table order)."""
    agencies = {r["agency_id"]: r for r in rows["agencies"]}
    sources = {r["source_id"]: r for r in rows["sources"]}

    def agency_ref(aid: str) -> dict | None:
        if not aid:
            return None
        a = agencies.get(aid)
        name = _text(a["name_zh"], a["name_en"]) if a else None
        return {"id": aid, "name": name, "links": {"api": f"/api/agencies/{aid}", "html": f"/id/agency/{aid}"}}

    def case_links(cid: str) -> dict:
        return {"api": f"/api/cases/{cid}", "html": f"/id/case/{cid}"}

    # children of each case
    by_case: dict[str, dict[str, list]] = {}

    def bucket(cid: str, name: str) -> list:
        return by_case.setdefault(cid, {}).setdefault(name, [])

    participants: dict[str, list[dict]] = {}
    for p in rows["participants"]:
        participants.setdefault(p["activity_id"], []).append({
            "position": _int(p["position"]),
            "role": p["role"],
            "agency": agency_ref(p["agency_id"]),
            "description": _text(p["description_zh"], p["description_en"]),
            "person": _text(p["person_zh"], p["person_en"]),
            "person_title": _text(p["person_title_zh"], p["person_title_en"]),
        })
    for plist in participants.values():
        plist.sort(key=lambda x: x["position"] or 0)
    for a in rows["activities"]:
        bucket(a["case_id"], "activities").append({
            "id": a["activity_id"], "iri": a["iri"], "type": a["type"], "date": a["date"],
            "date_precision": a["date_precision"], "end_date": a["end_date"] or None,
            "ordinal": _int(a["ordinal"]), "title": _text(a["title_zh"], a["title_en"]),
            "description": _text(a["description_zh"], a["description_en"]),
            "sources": _list(a["source_ids"]), "locators": _list(a["locator"], " | "),
            "participants": participants.get(a["activity_id"], []),
            "links": {"html": f"/id/activity/{a['activity_id']}"},
        })
    for d in rows["documents"]:
        bucket(d["case_id"], "documents").append({
            "id": d["document_id"], "iri": d["iri"], "category": d["category"],
            "title": _text(d["title_zh"], d["title_en"]), "publisher": agency_ref(d["publisher_id"]),
            "date": d["date"] or None, "url": d["url"] or None, "sources": _list(d["source_ids"]),
            "links": {"html": f"/id/document/{d['document_id']}"},
        })
    for o in rows["observations"]:
        bucket(o["case_id"], "observations").append({
            "id": o["observation_id"], "iri": o["iri"], "indicator": o["indicator"],
            "value": _number(o["value"]), "unit": o["unit"] or None, "value_text": o["value_text"] or None,
            "phase": o["phase"] or None, "date": o["date"] or None,
            "description": _text(o["description_zh"], o["description_en"]),
            "sources": _list(o["source_ids"]), "links": {"html": f"/id/observation/{o['observation_id']}"},
        })
    for r in rows["risks"]:
        bucket(r["case_id"], "risks").append({
            "id": r["risk_id"], "iri": r["iri"], "category": r["category"],
            "description": _text(r["description_zh"], r["description_en"]),
            "mitigation": _text(r["mitigation_zh"], r["mitigation_en"]),
            "sources": _list(r["source_ids"]), "links": {"html": f"/id/risk/{r['risk_id']}"},
        })
    for s in rows["accounts"]:
        bucket(s["case_id"], "accounts").append({
            "id": s["account_id"], "iri": s["iri"], "title": _text(s["title_zh"], s["title_en"]),
            "quote": s["quote"], "summary": _text(s["summary_zh"], s["summary_en"]),
            "names_project": s["names_project"] == "true",
            "attribution": _text(s["attribution_zh"], s["attribution_en"]),
            "stated_date": s["stated_date"] or None, "sources": _list(s["source_ids"]),
            "links": {"html": f"/id/account/{s['account_id']}"},
        })
    for n in rows["quality_notes"]:
        if not n["case_id"]:
            continue  # notes on the dataset as a whole
        bucket(n["case_id"], "quality_notes").append({
            "id": n["note_id"], "iri": n["iri"], "type": n["type"], "field": n["field"],
            "official_value": n["official_value"] or None, "official_source": n["official_source_id"],
            "other_value": n["other_value"] or None, "other_source": n["other_source_id"] or None,
            "description": _text(n["description_zh"], n["description_en"]),
            "resolution": _text(n["resolution_zh"], n["resolution_en"]),
            "links": {"html": f"/id/note/{n['note_id']}"},
        })
    for law in law_views(rows):
        ref = {k: law[k] for k in ("id", "iri", "name", "kind", "in_appendix", "url", "links")}
        for case in law["cases"]:
            bucket(case["id"], "laws").append(ref)
    for parts in by_case.values():
        if "activities" in parts:
            parts["activities"].sort(key=lambda a: (a["date"], a["ordinal"] or 0, a["id"]))

    def source_refs(ids: list[str]) -> list[dict]:
        out = []
        for sid in ids:
            s = sources.get(sid)
            out.append({"id": sid, "title": _text(s["title_zh"], s["title_en"]) if s else None,
                        "document": s["document_id"] if s else sid.split("/")[0],
                        "document_title": s["document_title_zh"] if s else None,
                        "iri": s["iri"] if s else None, "kind": (s.get("kind") or None) if s else None,
                        "links": {"html": f"/id/source/{sid}"}})
        return out

    case_count: dict[str, int] = {}
    summaries: dict[str, dict] = {}
    order = {c["case_id"]: table_order(c) for c in rows["cases"]}
    case_views: list[View] = []
    agency_views: list[View] = []
    authority_cases: dict[str, list[str]] = {}
    procuring_cases: dict[str, list[str]] = {}
    for c in sorted(rows["cases"], key=table_order):
        cid = c["case_id"]
        agency_list = _list(c["agency_ids"])
        c["_agencies"] = frozenset(agency_list)
        divisions = _list(c.get("divisions", ""))  # a release before 1.1 has no such column
        c["_divisions"] = frozenset(divisions)
        amount = _number(c["amount_twd"])
        c["_amount"] = amount
        for aid in agency_list:
            case_count[aid] = case_count.get(aid, 0) + 1
            procuring_cases.setdefault(aid, []).append(cid)
        authority_cases.setdefault(c["authority_id"], []).append(cid)
        summary = {
            "id": cid, "iri": c["iri"], "table_number": int(c["table_number"]) if c["table_number"] else None,
            "name": _text(c["name_zh"], c["name_en"]),
            "procurement": _text(c["procurement_zh"], c["procurement_en"]),
            "agencies": [agency_ref(a) for a in agency_list],
            "authority": agency_ref(c["authority_id"]),
            "level": c["level"], "established": c["established"],
            "established_roc": c["established_roc"], "amount_twd": amount,
            "amount_text": c["amount_text"], "status": c["status"],
            "benchmark": _int(c["benchmark"]),
            "place": _text(c.get("place_zh", ""), c.get("place_en", "")),
            "divisions": divisions, "division_basis": c.get("division_basis") or None,
            "links": case_links(cid),
        }
        parts = by_case.get(cid, {})
        cited = list(dict.fromkeys(
            _list(c["source_ids"])
            + [s for name in ("activities", "documents", "observations", "risks", "accounts")
               for item in parts.get(name, ()) for s in item["sources"]]
            + [s for n in parts.get("quality_notes", ()) for s in (n["official_source"], n["other_source"]) if s]))
        detail = dict(summary)
        detail.update({
            "sources": source_refs(cited),
            "activities": parts.get("activities", []),
            "documents": parts.get("documents", []),
            "observations": parts.get("observations", []),
            "risks": parts.get("risks", []),
            "accounts": parts.get("accounts", []),
            "laws": parts.get("laws", []),
            "quality_notes": parts.get("quality_notes", []),
        })
        detail["links"] = dict(case_links(cid), turtle=f"/id/case/{cid}.ttl",
                               jsonld=f"/id/case/{cid}.jsonld")
        names = [c["name_zh"], c["name_en"], c["procurement_zh"], c["procurement_en"], cid,
                 c["amount_text"], c.get("place_zh", ""), c.get("place_en", "")]
        for aid in agency_list + [c["authority_id"]]:
            named = agencies.get(aid)
            if named:
                names += [named["name_zh"], named["name_en"], aid]
        case_views.append(View(cid, c, summary, detail, fold(" ".join(names))))
        summaries[cid] = summary

    children = children_of(rows["agencies"])
    below = descendants(rows["agencies"])
    for a in rows["agencies"]:
        aid = a["agency_id"]
        summary = {
            "id": aid, "iri": a["iri"], "name": _text(a["name_zh"], a["name_en"]), "kind": a["kind"],
            "level": a["level"] or None, "parent": agency_ref(a["parent_id"]),
            "agency_code": a["agency_code"] or None, "wikidata": a["wikidata"] or None,
            "case_count": case_count.get(aid, 0),
            "case_count_with_sub_agencies": 0,  # below
            "links": {"api": f"/api/agencies/{aid}", "html": f"/id/agency/{aid}"},
        }
        cases = []
        for cid in procuring_cases.get(aid, []):
            cases.append({"role": "procuring-agency", **_case_ref(summaries[cid])})
        for cid in authority_cases.get(aid, []):
            cases.append({"role": "authority", **_case_ref(summaries[cid])})
        own = set(procuring_cases.get(aid, []))
        through: dict[str, str] = {}  # a case a sub-agency procures -> the first such sub-agency
        for sub in sorted(below[aid]):
            for cid in procuring_cases.get(sub, []):
                if cid not in own:
                    through.setdefault(cid, sub)
        summary["case_count_with_sub_agencies"] = len(own) + len(through)
        detail = dict(summary)
        detail["children"] = [agency_ref(x) for x in sorted(children.get(aid, []))]
        detail["cases"] = cases
        detail["sub_agency_cases"] = [{"role": "procuring-agency", "through": agency_ref(sub),
                                       **_case_ref(summaries[cid])}
                                      for cid, sub in sorted(through.items(), key=lambda kv: order[kv[0]])]
        agency_views.append(View(aid, a, summary, detail,
                                 fold(" ".join([aid, a["name_zh"], a["name_en"], a["agency_code"]]))))
    return case_views, agency_views


def children_of(agencies: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each agency's direct sub-agencies (their ``parent_id`` names it), in table order."""
    children: dict[str, list[str]] = {}
    for a in agencies:
        if a["parent_id"]:
            children.setdefault(a["parent_id"], []).append(a["agency_id"])
    return children


def descendants(agencies: list[dict[str, Any]]) -> dict[str, frozenset[str]]:
    """Every agency's sub-agencies at any depth (``parent_id`` chains; a loop is cut where it
    closes), by agency id."""
    children = children_of(agencies)
    out: dict[str, frozenset[str]] = {}
    for a in agencies:
        aid, seen, stack = a["agency_id"], set(), list(children.get(a["agency_id"], []))
        while stack:
            x = stack.pop()
            if x in seen or x == aid:
                continue
            seen.add(x)
            stack.extend(children.get(x, []))
        out[aid] = frozenset(seen)
    return out


def _case_ref(summary: dict) -> dict:
    return {"id": summary["id"], "name": summary["name"], "status": summary["status"],
            "established": summary["established"], "links": summary["links"]}
