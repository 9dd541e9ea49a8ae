"""What the pages show, taken from the release the service already holds in memory.

The service loads a release once (``api.tables.Tables``: rows, indexes, prepared JSON);
the pages read that same object, never the files again and never the source records.
``Portal`` adds only what pages need on top: the release's vocabulary labels, small
aggregates for the home page and the charts (counts per year, sums per ministry), and an
index of which agency took part in which activity. A case page parses the case's
prepared JSON when it is asked for.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pipelines.normalise import fold

from .vocab import Vocabulary, load_vocabulary

PER_PAGE = 50
SORTS = ("table_number", "established", "-established", "-amount", "amount", "name")
LEVELS = ("central", "local")
STATUSES = ("operating", "ended")


@dataclass(frozen=True)
class Query:
    """A case-list request: every field comes from the URL, so the list is shareable."""

    q: str = ""
    authority: str = ""
    level: str = ""
    status: str = ""
    year: str = ""
    sort: str = "table_number"
    page: int = 1
    division: str = ""

    def params(self, **change) -> dict:
        values = {"q": self.q, "authority": self.authority, "level": self.level, "status": self.status,
                  "year": self.year, "division": self.division, "sort": self.sort, "page": self.page}
        values.update(change)
        if values["sort"] == "table_number":
            values["sort"] = ""
        if values["page"] in (1, "1"):
            values["page"] = ""
        return values


class Portal:
    """The pages' view of one release: the service's tables plus labels and aggregates."""

    def __init__(self, tables, release_dir: Path, releases_dir: Path | None = None):
        self.tables = tables
        self.release_dir = Path(release_dir)
        self.releases_dir = Path(releases_dir) if releases_dir else None
        self.manifest = json.loads((self.release_dir / "release.json").read_text(encoding="utf-8"))
        self.vocab: Vocabulary = load_vocabulary(self.release_dir / "vocab")
        self._aggregate()

    # ----------------------------------------------------------------- basics

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", ""))

    @property
    def as_of(self) -> str:
        return str(self.manifest.get("as_of", ""))

    @property
    def base(self) -> str:
        return str(self.manifest.get("base", "")).rstrip("/")

    def extra(self, iri: str) -> dict:
        """The texts of ``iri`` from the graph (descriptions, other names: ``Tables.texts``)."""
        return self.tables.texts.get(iri, {})

    def case_summary(self, cid: str) -> dict:
        return self.tables.case_summary[cid]

    def case_detail(self, cid: str) -> dict | None:
        raw = self.tables.case_detail_bytes.get(cid)
        return json.loads(raw) if raw is not None else None

    def agency_detail(self, aid: str) -> dict | None:
        raw = self.tables.agency_detail_bytes.get(aid)
        return json.loads(raw) if raw is not None else None

    def agency_name(self, aid: str) -> dict:
        row = self.tables.agency_rows.get(aid)
        return {"zh": row["name_zh"], "en": row["name_en"]} if row else {"zh": aid, "en": aid}

    def label(self, scheme: str, code: str) -> dict:
        return self.vocab.label(scheme, code)

    # ------------------------------------------------------------- aggregates

    def _aggregate(self) -> None:
        t = self.tables
        rows = t.case_rows
        self.totals = {
            "cases": len(t.case_ids),
            "operating": sum(1 for c in rows.values() if c["status"] == "operating"),
            "ended": sum(1 for c in rows.values() if c["status"] == "ended"),
            "central": sum(1 for c in rows.values() if c["level"] == "central"),
            "local": sum(1 for c in rows.values() if c["level"] == "local"),
            "amount": sum((Decimal(c["amount_twd"]) for c in rows.values() if c["amount_twd"]), Decimal(0)),
            "activities": t.counts.get("activities", 0),
            "documents": t.counts.get("documents", 0),
            "agencies": t.counts.get("agencies", 0),
            "quality_notes": t.counts.get("quality_notes", 0),
        }
        self.benchmarks = sorted((cid for cid in t.case_ids if rows[cid]["benchmark"]),
                                 key=lambda cid: int(rows[cid]["benchmark"]))
        self.per_year = Counter(rows[cid]["established"][:4] for cid in t.case_ids if rows[cid]["established"])
        amount_by_authority: dict[str, Decimal] = defaultdict(Decimal)
        count_by_authority: Counter = Counter()
        for cid in t.case_ids:
            c = rows[cid]
            count_by_authority[c["authority_id"]] += 1
            if c["amount_twd"]:
                amount_by_authority[c["authority_id"]] += Decimal(c["amount_twd"])
        self.authorities = sorted(count_by_authority, key=lambda a: (-amount_by_authority.get(a, 0), a))
        self.amount_by_authority = dict(amount_by_authority)
        self.count_by_authority = dict(count_by_authority)

        # activities: counts per year and type, who took part where (ids and short texts only)
        self.activities_per_year: Counter = Counter()
        self.activity_types: Counter = Counter()
        self.case_activity_count: Counter = Counter()
        self.agency_activities: dict[str, list[dict]] = defaultdict(list)
        for cid in t.case_ids:
            detail = self.case_detail(cid) or {}
            for a in detail.get("activities", []):
                if a.get("date"):
                    self.activities_per_year[a["date"][:4]] += 1
                self.activity_types[a["type"]] += 1
                self.case_activity_count[cid] += 1
                for p in a.get("participants", []):
                    agency = p.get("agency") or {}
                    if agency.get("id"):
                        self.agency_activities[agency["id"]].append({
                            "id": a["id"], "date": a.get("date") or "", "type": a["type"],
                            "title": a.get("title"), "case": cid, "role": p["role"]})
        for items in self.agency_activities.values():
            items.sort(key=lambda x: (x["date"], x["id"]))
        # the divisions cases are placed in, in the code list's order (a release before 1.1 has none)
        placed = {d for cid in t.case_ids for d in rows[cid].get("_divisions", ())}
        scheme = self.vocab.scheme("division")
        listed = [x.code for x in scheme.concepts] if scheme else []
        self.division_codes = [d for d in listed if d in placed] + sorted(placed - set(listed))
        self.agencies_with_cases = sorted(
            {a for cid in t.case_ids for a in rows[cid]["_agencies"]} | set(count_by_authority)
            | set(self.agency_activities))

    # ------------------------------------------------------------- case list

    def search(self, query: Query) -> tuple[list[str], dict]:
        """Case ids matching ``query`` in its order, and facet counts.

        A facet's counts are taken over the cases that match every *other* condition, so
        each number says how many results choosing that value would give.
        """
        t = self.tables
        terms = [fold(x) for x in query.q.split() if fold(x)]
        sort = query.sort if query.sort in SORTS else "table_number"
        ordered = t.case_order[sort.lstrip("-")]
        if sort.startswith("-"):
            ordered = ordered[::-1]

        def text_ok(cid: str) -> bool:
            if not terms:
                return True
            hay = t.case_search[cid]  # with the other names (api.tables, as REST searches)
            return all(x in hay for x in terms)

        def ok(cid: str, skip: str = "") -> bool:
            c = t.case_rows[cid]
            return ((skip == "authority" or not query.authority or c["authority_id"] == query.authority)
                    and (skip == "level" or not query.level or c["level"] == query.level)
                    and (skip == "status" or not query.status or c["status"] == query.status)
                    and (skip == "year" or not query.year or c["established"][:4] == query.year)
                    and (skip == "division" or not query.division or query.division in c["_divisions"]))

        matching = [cid for cid in ordered if text_ok(cid)]
        ids = [cid for cid in matching if ok(cid)]
        facets = {
            "authority": Counter(t.case_rows[c]["authority_id"] for c in matching if ok(c, "authority")),
            "level": Counter(t.case_rows[c]["level"] for c in matching if ok(c, "level")),
            "status": Counter(t.case_rows[c]["status"] for c in matching if ok(c, "status")),
            "year": Counter(t.case_rows[c]["established"][:4] for c in matching if ok(c, "year")),
            # a case in two cities counts in each
            "division": Counter(d for c in matching if ok(c, "division") for d in t.case_rows[c]["_divisions"]),
        }
        return ids, facets

    # -------------------------------------------------------------- downloads

    def release_files(self) -> list[dict]:
        """Every file of the release with its size and SHA-256 (from SHA256SUMS)."""
        sums = {}
        path = self.release_dir / "SHA256SUMS"
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                digest, _, name = line.partition("  ")
                if name:
                    sums[name.lstrip("*")] = digest
        names = sorted(sums) if sums else sorted(
            str(p.relative_to(self.release_dir)) for p in self.release_dir.rglob("*") if p.is_file())
        if "SHA256SUMS" not in names and path.exists():
            names.append("SHA256SUMS")
        out = []
        for name in names:
            p = self.release_dir / name
            if p.is_file():
                out.append({"name": name, "size": p.stat().st_size, "sha256": sums.get(name, "")})
        return out

    def history(self) -> list[dict]:
        """The releases beside this one (newest first), from their release.json files."""
        folders = []
        parent = self.releases_dir if self.releases_dir and self.releases_dir.is_dir() else None
        if parent is not None:
            for p in parent.iterdir():
                if p.is_dir() and not p.is_symlink() and (p / "release.json").exists():
                    folders.append(p)
        if not any(p.resolve() == self.release_dir.resolve() for p in folders):
            folders.append(self.release_dir)
        out = []
        for p in folders:
            try:
                m = json.loads((p / "release.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            out.append({"version": str(m.get("version", p.name)), "created": str(m.get("created", "")),
                        "as_of": str(m.get("as_of", "")), "rows": m.get("rows", {}),
                        "current": p.resolve() == self.release_dir.resolve(), "folder": p.name})
        out.sort(key=lambda r: (r["created"], r["version"]), reverse=True)
        return out
