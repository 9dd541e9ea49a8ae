"""The release's tables in memory: what the REST API serves.

At start-up the CSV tables of a release (columns in ``docs/model.md``) are read once and
put together into nested views (:mod:`pipelines.tables.views`, beside the writer they
invert), indexed by id, and every case's and agency's JSON is rendered to bytes, so that a
lookup is a dict get and a list page is a filter over prepared rows. Nothing here reads
SPARQL or the source records; the texts only the graph has come in by :meth:`Tables.add_texts`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from pipelines.normalise import fold
from pipelines.tables import views

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 20
CASE_SORTS = ("table_number", "established", "amount", "name", "id")
AGENCY_SORTS = ("id", "name", "cases")


def _dumps(obj) -> bytes:
    return orjson.dumps(obj)


def _lang_key(tag: str) -> str:
    """The pages' two languages: ``zh`` for any Chinese tag, ``en`` for the rest."""
    return "zh" if tag.lower().startswith("zh") else "en"


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
    agency_below: dict[str, frozenset[str]] = field(default_factory=dict)  # sub-agencies at any depth
    laws: list[dict] = field(default_factory=list)  # every law with the cases citing it, by id
    # texts from the graph the tables do not carry, by IRI (add_texts):
    # {"description": {"zh": ..., "en": ...}, "alt_names": [{"zh": ..., "en": ...}, ...]}
    texts: dict[str, dict] = field(default_factory=dict)

    # ------------------------------------------------------------------ cases

    def filter_cases(self, *, agency: str | None = None, authority: str | None = None,
                     level: str | None = None, status: str | None = None, year: int | None = None,
                     amount_min: float | None = None, amount_max: float | None = None,
                     q: str | None = None, sort: str = "table_number", sub_agencies: bool = True,
                     division: str | None = None) -> list[str]:
        """Case ids matching every condition given, in ``sort`` order. ``agency``: the cases it
        procures, and (``sub_agencies``) those its sub-agencies at any depth procure.
        ``division``: the cases in that special municipality, county or city (an ISO 3166-2:TW
        code), whatever the basis of the division (each case's ``division_basis`` says it)."""
        descending = sort.startswith("-")
        ids = self.case_order[sort.lstrip("-")]
        if descending:
            ids = ids[::-1]
        terms = [fold(t) for t in (q or "").split() if fold(t)]
        if not any(v is not None for v in (agency, authority, level, status, year, amount_min,
                                           amount_max, division)) and not terms:
            return ids
        year_text = None if year is None else f"{year:04d}"
        wanted = None if agency is None else \
            {agency} | (self.agency_below.get(agency, frozenset()) if sub_agencies else frozenset())
        out = []
        for cid in ids:
            row = self.case_rows[cid]
            if wanted is not None and wanted.isdisjoint(row["_agencies"]):
                continue
            if authority is not None and row["authority_id"] != authority:
                continue
            if level is not None and row["level"] != level:
                continue
            if status is not None and row["status"] != status:
                continue
            if division is not None and division not in row["_divisions"]:
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
        the descriptions and other names of cases and agencies, by IRI, for their pages
        (:attr:`texts`; the other kinds' descriptions are in the views already), and the cases'
        other names to the text REST and the portal search alike."""
        by_iri = {row["iri"]: cid for cid, row in self.case_rows.items()}
        kept = by_iri.keys() | {row["iri"] for row in self.agency_rows.values()}
        alts: dict[str, dict[str, list[str]]] = {}
        for iri, text, lang in descriptions:
            if iri in kept:
                self.texts.setdefault(iri, {}).setdefault("description", {})[_lang_key(lang)] = text
        for iri, text, lang in other_names:
            if iri not in kept:
                continue
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
    """Read a release's tables and prepare every response: the views (:mod:`pipelines.tables.views`)
    indexed, rendered to bytes and sorted every way a list can be."""
    release = Path(release)
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    rows = views.read_rows(release)
    tables = Tables(version=str(manifest.get("version", "")), created=str(manifest.get("created", "")),
                    base=str(manifest.get("base", "")),
                    counts={k: len(v) for k, v in rows.items()})
    cases, agencies = views.build(rows)
    tables.laws = views.law_views(rows)
    tables.agency_below = views.descendants(rows["agencies"])
    for v in cases:
        tables.case_ids.append(v.id)
        tables.case_rows[v.id] = v.row
        tables.case_summary[v.id] = v.summary
        tables.case_summary_bytes[v.id] = _dumps(v.summary)
        tables.case_detail_bytes[v.id] = _dumps(v.detail)
        tables.case_search[v.id] = v.search
    ids = tables.case_ids
    rowsof = tables.case_rows
    tables.case_order = {
        "table_number": list(ids),
        "established": sorted(ids, key=lambda i: (rowsof[i]["established"], views.table_order(rowsof[i]))),
        "amount": sorted(ids, key=lambda i: (rowsof[i]["_amount"] is None, rowsof[i]["_amount"] or 0,
                                             views.table_order(rowsof[i]))),
        "name": sorted(ids, key=lambda i: (rowsof[i]["name_en"].casefold(), i)),
        "id": sorted(ids),
    }

    for v in agencies:
        tables.agency_ids.append(v.id)
        tables.agency_rows[v.id] = v.row
        tables.agency_case_count[v.id] = v.summary["case_count"]
        tables.agency_summary_bytes[v.id] = _dumps(v.summary)
        tables.agency_detail_bytes[v.id] = _dumps(v.detail)
        tables.agency_search[v.id] = v.search
    aids = sorted(tables.agency_ids)
    arows = tables.agency_rows
    tables.agency_order = {
        "id": aids,
        "name": sorted(aids, key=lambda i: (arows[i]["name_en"].casefold(), i)),
        "cases": sorted(aids, key=lambda i: (tables.agency_case_count[i], i)),
    }
    return tables


