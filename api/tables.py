"""The release's tables in memory: what the REST API serves.

At start-up the CSV tables of a release (columns in ``docs/model.md``) are read
once into plain dicts and lists, indexed by id, and every case's and agency's
JSON is rendered to bytes, so that a lookup is a dict get and a list page is a
filter over prepared rows. Nothing here reads SPARQL or the source records.

Links inside the JSON are paths on this server (``/api/cases/{id}``,
``/id/case/{id}``); ``iri`` is the record's permanent IRI.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from pipelines.normalise import fold
from pipelines.tables.package import SEP, TABLES

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
CASE_SORTS = ("table_number", "established", "amount", "name", "id")
AGENCY_SORTS = ("id", "name", "cases")


def _dumps(obj) -> bytes:
    return orjson.dumps(obj)


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


def _lang_key(tag: str) -> str:
    """The pages' two languages: ``zh`` for any Chinese tag, ``en`` for the rest."""
    return "zh" if tag.lower().startswith("zh") else "en"


def read_table(release: Path, name: str) -> list[dict[str, str]]:
    path = release / "data" / f"{name}.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Tables:
    """Rows, indexes and pre-rendered JSON of one release."""

    version: str
    created: str
    base: str
    counts: dict[str, int]
    case_ids: list[str] = field(default_factory=list)  # in table order
    case_rows: dict[str, dict] = field(default_factory=dict)
    case_summary: dict[str, dict] = field(default_factory=dict)
    case_summary_bytes: dict[str, bytes] = field(default_factory=dict)
    case_detail_bytes: dict[str, bytes] = field(default_factory=dict)
    case_search: dict[str, str] = field(default_factory=dict)  # folded text to search
    case_order: dict[str, list[str]] = field(default_factory=dict)  # sort key -> ids ascending
    agency_ids: list[str] = field(default_factory=list)
    agency_rows: dict[str, dict] = field(default_factory=dict)
    agency_summary_bytes: dict[str, bytes] = field(default_factory=dict)
    agency_detail_bytes: dict[str, bytes] = field(default_factory=dict)
    agency_search: dict[str, str] = field(default_factory=dict)
    agency_case_count: dict[str, int] = field(default_factory=dict)
    agency_order: dict[str, list[str]] = field(default_factory=dict)
    # texts from the graph the tables do not carry, by IRI (add_texts):
    # {"description": {"zh": ..., "en": ...}, "alt_names": [{"zh": ..., "en": ...}, ...]}
    texts: dict[str, dict] = field(default_factory=dict)

    # ------------------------------------------------------------------ cases

    def filter_cases(self, *, agency: str | None = None, authority: str | None = None,
                     level: str | None = None, status: str | None = None, year: int | None = None,
                     amount_min: float | None = None, amount_max: float | None = None,
                     q: str | None = None, sort: str = "table_number") -> list[str]:
        descending = sort.startswith("-")
        ids = self.case_order[sort.lstrip("-")]
        if descending:
            ids = ids[::-1]
        terms = [fold(t) for t in (q or "").split() if fold(t)]
        if not any(v is not None for v in (agency, authority, level, status, year, amount_min,
                                           amount_max)) and not terms:
            return ids
        year_text = None if year is None else f"{year:04d}"
        out = []
        for cid in ids:
            row = self.case_rows[cid]
            if agency is not None and agency not in row["_agencies"]:
                continue
            if authority is not None and row["authority_id"] != authority:
                continue
            if level is not None and row["level"] != level:
                continue
            if status is not None and row["status"] != status:
                continue
            if year_text is not None and not row["established"].startswith(year_text):
                continue
            amount = row["_amount"]
            if amount_min is not None and (amount is None or amount < amount_min):
                continue
            if amount_max is not None and (amount is None or amount > amount_max):
                continue
            if terms:
                hay = self.case_search[cid]
                if not all(t in hay for t in terms):
                    continue
            out.append(cid)
        return out

    def add_texts(self, descriptions: Iterable[tuple[str, str, str]],
                  other_names: Iterable[tuple[str, str, str]]) -> None:
        """Add the texts the tables do not carry, from the graph (``(IRI, text, language)`` each):
        descriptions and other names, by IRI, for the pages (:attr:`texts`), and the cases'
        other names to the text REST and the portal search alike."""
        by_iri = {row["iri"]: cid for cid, row in self.case_rows.items()}
        alts: dict[str, dict[str, list[str]]] = {}
        for iri, text, lang in descriptions:
            self.texts.setdefault(iri, {}).setdefault("description", {})[_lang_key(lang)] = text
        for iri, text, lang in other_names:
            alts.setdefault(iri, {}).setdefault(_lang_key(lang), []).append(text)
            cid = by_iri.get(iri)
            if cid is not None:
                self.case_search[cid] += " " + fold(text)
        for iri, by_lang in alts.items():  # paired by language, in order: [{"zh": ..., "en": ...}, ...]
            ordered = {k: sorted(v) for k, v in by_lang.items()}
            n = max(len(v) for v in ordered.values())
            self.texts.setdefault(iri, {})["alt_names"] = [
                {k: v[i] for k, v in ordered.items() if i < len(v)} for i in range(n)]

    def page_bytes(self, ids: list[str], page: int, per_page: int, rendered: dict[str, bytes]) -> bytes:
        start = (page - 1) * per_page
        items = b",".join(rendered[i] for i in ids[start:start + per_page])
        head = _dumps({"total": len(ids), "page": page, "per_page": per_page})[:-1]
        return head + b',"items":[' + items + b"]}"

    # --------------------------------------------------------------- agencies

    def filter_agencies(self, *, kind: str | None = None, level: str | None = None,
                        parent: str | None = None, q: str | None = None, sort: str = "id") -> list[str]:
        descending = sort.startswith("-")
        ids = self.agency_order[sort.lstrip("-")]
        if descending:
            ids = ids[::-1]
        terms = [fold(t) for t in (q or "").split() if fold(t)]
        out = []
        for aid in ids:
            row = self.agency_rows[aid]
            if kind is not None and row["kind"] != kind:
                continue
            if level is not None and row["level"] != level:
                continue
            if parent is not None and row["parent_id"] != parent:
                continue
            if terms and not all(t in self.agency_search[aid] for t in terms):
                continue
            out.append(aid)
        return out


def load(release: Path) -> Tables:
    """Read a release's tables and prepare every response."""
    release = Path(release)
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    # the CSV rows, to which the views below add keys of their own ("_agencies", "_amount")
    rows: dict[str, list[dict[str, Any]]] = {t.name: read_table(release, t.name) for t in TABLES}
    tables = Tables(version=str(manifest.get("version", "")), created=str(manifest.get("created", "")),
                    base=str(manifest.get("base", "")),
                    counts={k: len(v) for k, v in rows.items()})

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
                        "iri": s["iri"] if s else None,
                        "links": {"html": f"/id/source/{sid}"}})
        return out

    case_count: dict[str, int] = {}
    authority_cases: dict[str, list[str]] = {}
    procuring_cases: dict[str, list[str]] = {}
    for c in sorted(rows["cases"], key=lambda r: int(r["table_number"])):
        cid = c["case_id"]
        agency_list = _list(c["agency_ids"])
        c["_agencies"] = frozenset(agency_list)
        amount = _number(c["amount_twd"])
        c["_amount"] = amount
        for aid in agency_list:
            case_count[aid] = case_count.get(aid, 0) + 1
            procuring_cases.setdefault(aid, []).append(cid)
        authority_cases.setdefault(c["authority_id"], []).append(cid)
        summary = {
            "id": cid, "iri": c["iri"], "table_number": int(c["table_number"]),
            "name": _text(c["name_zh"], c["name_en"]),
            "procurement": _text(c["procurement_zh"], c["procurement_en"]),
            "agencies": [agency_ref(a) for a in agency_list],
            "authority": agency_ref(c["authority_id"]),
            "level": c["level"], "established": c["established"],
            "established_roc": c["established_roc"], "amount_twd": amount,
            "amount_text": c["amount_text"], "status": c["status"],
            "benchmark": _int(c["benchmark"]), "links": case_links(cid),
        }
        parts = by_case.get(cid, {})
        cited = list(dict.fromkeys(
            _list(c["source_ids"])
            + [s for name in ("activities", "documents", "observations", "risks")
               for item in parts.get(name, ()) for s in item["sources"]]
            + [s for n in parts.get("quality_notes", ()) for s in (n["official_source"], n["other_source"]) if s]))
        detail = dict(summary)
        detail.update({
            "sources": source_refs(cited),
            "activities": parts.get("activities", []),
            "documents": parts.get("documents", []),
            "observations": parts.get("observations", []),
            "risks": parts.get("risks", []),
            "quality_notes": parts.get("quality_notes", []),
        })
        detail["links"] = dict(case_links(cid), turtle=f"/id/case/{cid}.ttl",
                               jsonld=f"/id/case/{cid}.jsonld")
        names = [c["name_zh"], c["name_en"], c["procurement_zh"], c["procurement_en"], cid,
                 c["amount_text"]]
        for aid in agency_list + [c["authority_id"]]:
            named = agencies.get(aid)
            if named:
                names += [named["name_zh"], named["name_en"], aid]
        tables.case_ids.append(cid)
        tables.case_rows[cid] = c
        tables.case_summary[cid] = summary
        tables.case_summary_bytes[cid] = _dumps(summary)
        tables.case_detail_bytes[cid] = _dumps(detail)
        tables.case_search[cid] = fold(" ".join(names))

    ids = tables.case_ids
    rowsof = tables.case_rows
    tables.case_order = {
        "table_number": list(ids),
        "established": sorted(ids, key=lambda i: (rowsof[i]["established"], int(rowsof[i]["table_number"]))),
        "amount": sorted(ids, key=lambda i: (rowsof[i]["_amount"] is None, rowsof[i]["_amount"] or 0,
                                             int(rowsof[i]["table_number"]))),
        "name": sorted(ids, key=lambda i: (rowsof[i]["name_en"].casefold(), i)),
        "id": sorted(ids),
    }

    children: dict[str, list[str]] = {}
    for a in rows["agencies"]:
        if a["parent_id"]:
            children.setdefault(a["parent_id"], []).append(a["agency_id"])
    for a in rows["agencies"]:
        aid = a["agency_id"]
        summary = {
            "id": aid, "iri": a["iri"], "name": _text(a["name_zh"], a["name_en"]), "kind": a["kind"],
            "level": a["level"] or None, "parent": agency_ref(a["parent_id"]),
            "agency_code": a["agency_code"] or None, "wikidata": a["wikidata"] or None,
            "case_count": case_count.get(aid, 0),
            "links": {"api": f"/api/agencies/{aid}", "html": f"/id/agency/{aid}"},
        }
        cases = []
        for cid in procuring_cases.get(aid, []):
            cases.append({"role": "procuring-agency", **_case_ref(tables.case_summary[cid])})
        for cid in authority_cases.get(aid, []):
            cases.append({"role": "authority", **_case_ref(tables.case_summary[cid])})
        detail = dict(summary)
        detail["children"] = [agency_ref(x) for x in sorted(children.get(aid, []))]
        detail["cases"] = cases
        tables.agency_ids.append(aid)
        tables.agency_rows[aid] = a
        tables.agency_case_count[aid] = case_count.get(aid, 0)
        tables.agency_summary_bytes[aid] = _dumps(summary)
        tables.agency_detail_bytes[aid] = _dumps(detail)
        tables.agency_search[aid] = fold(" ".join([aid, a["name_zh"], a["name_en"], a["agency_code"]]))
    aids = sorted(tables.agency_ids)
    arows = tables.agency_rows
    tables.agency_order = {
        "id": aids,
        "name": sorted(aids, key=lambda i: (arows[i]["name_en"].casefold(), i)),
        "cases": sorted(aids, key=lambda i: (case_count.get(i, 0), i)),
    }
    return tables


def _case_ref(summary: dict) -> dict:
    return {"id": summary["id"], "name": summary["name"], "status": summary["status"],
            "established": summary["established"], "links": summary["links"]}
