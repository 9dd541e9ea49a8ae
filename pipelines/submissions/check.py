"""Checking a submission with the build's own rules, on the case as it would be after it.

The source records are copied into a temporary folder, the submissions accepted before this
one are written into the copy, then this one (:mod:`.records`); the copy is read by the
build's reader, its tables are written and checked by Frictionless as a release's are, and
the changed case is checked by SHACL with the release's shapes. A problem is then named by
the change it comes from (``changes[2]``, and the sheet and row where the change came from
a sheet), not by the temporary file.

It takes about a second on the real records (reading 0.25 s, Frictionless 0.5 s, SHACL of
one case 0.03 s once the shapes are parsed), so the service answers a submission at once.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import model as m
from ..errors import ERROR, Problem, ProblemsFound
from ..rdf.ids import DEFAULT_BASE, Minter
from ..read.reader import read_dataset
from .changes import FILE, Submission
from .records import Applied, Stamp, apply

PROVISIONAL = "new"  # the section number a submission is checked under before it has one


@dataclass
class Outcome:
    problems: list[Problem] = field(default_factory=list)
    before: m.Dataset | None = None
    after: m.Dataset | None = None
    applied: Applied | None = None

    @property
    def ok(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)


def _ids(ds: m.Dataset) -> set[str]:
    taken = set(ds.cases)
    for group in (ds.activities, ds.documents, ds.observations, ds.risks, ds.accounts, ds.notes):
        taken.update(item.id for item in group)
    return taken


def old_values(ds: m.Dataset, case: str) -> dict:
    c = ds.cases.get(case)
    if c is None:
        return {}
    return {
        "status": c.status,
        "name": c.name.zh,
        "procurement": c.procurement.zh,
        "amount": c.amount_text,
        "established": c.established.original or c.established.iso,
        "description": c.description.zh if c.description else "",
        "place": c.place.zh if c.place else "",
        "wikidata": c.wikidata,
    }


def agency_name(ds: m.Dataset, agency: str) -> str:
    a = ds.agencies.get(agency)
    return a.name.zh if a else agency


def may_submit(ds: m.Dataset, agency: str, case: m.Case | None, new_record: dict | None = None) -> bool:
    """Whether ``agency`` may submit for ``case``: it is one of the case's agencies or its
    authority, or above one of them in the registry (``parent``)."""
    if case is not None:
        mine = list(case.agencies) + [case.authority]
    else:
        rec = new_record or {}
        mine = [str(a) for a in rec.get("agencies") or []] + [str(rec.get("authority") or "")]
    for start in mine:
        cur, seen = start, set()
        while cur and cur not in seen:
            if cur == agency:
                return True
            seen.add(cur)
            cur = ds.agencies[cur].parent if cur in ds.agencies else ""
    return False


def copy_records(source: Path, into: Path) -> Path:
    target = into / "source"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".git", "*.tmp", ".fold-journal.json"))
    return target


def check(
    source: Path,
    sub: Submission,
    stamp: Stamp,
    prior: list[tuple[Submission, Stamp]] | None = None,
    *,
    base: str = DEFAULT_BASE,
    tables: bool = True,
) -> Outcome:
    """Every problem ``sub`` would bring to the records in ``source``, after ``prior``."""
    out = Outcome()
    with tempfile.TemporaryDirectory(prefix="lianzheng-submission-") as tmp:
        work = copy_records(Path(source), Path(tmp))
        try:
            before = read_dataset(work)
        except ProblemsFound as exc:
            out.problems = [
                Problem(
                    "records-broken",
                    "來源紀錄本身有錯，暫無法接受提交。",
                    "The source records themselves have errors: no submission can be checked now.",
                    file=p.file,
                    record=p.record,
                    field=p.field,
                    fix_zh="請通知廉政署修正來源紀錄。",
                    fix_en="Tell the AAC to fix the records.",
                )
                for p in exc.problems[:5]
            ]
            return out
        for earlier, earlier_stamp in prior or []:
            apply(work, earlier, earlier_stamp, _ids(before), old_values(before, earlier.case))
            try:
                before = read_dataset(work)
            except ProblemsFound:
                continue  # an accepted one that no longer applies is the reviewer's to see at release
        out.before = before
        problems = _refusals(before, sub)
        if problems:
            out.problems = problems
            return out
        applied = apply(work, sub, stamp, _ids(before), old_values(before, sub.case))
        out.applied = applied
        try:
            after = read_dataset(work)
        except ProblemsFound as exc:
            out.problems = [
                p
                for p in (_named(p, sub, applied, stamp) for p in exc.problems)
                if p.severity == ERROR or p.record.startswith("changes")
            ]
            return out
        out.after = after
        found = _table_problems(after, base, Path(tmp)) if tables else []
        found += _shacl_problems(after, base, sub.case)
        out.problems = [
            p
            for p in (_named(p, sub, applied, stamp) for p in found)
            if p.severity == ERROR or p.record.startswith("changes")
        ]
    return out


def _refusals(ds: m.Dataset, sub: Submission) -> list[Problem]:
    if sub.new_case and sub.case in ds.cases:
        return [
            Problem(
                "submission:case-exists",
                f"案件「{sub.case}」已存在。",
                f"The case '{sub.case}' exists already.",
                file=FILE,
                record="submission",
                field="case",
                check="submission",
                fix_zh="新案件請用未用過的識別碼；更新既有案件請勿用 kind: case。",
                fix_en="A new case needs an unused id; to update an existing one, do not use kind: case.",
            )
        ]
    if not sub.new_case and sub.case not in ds.cases:
        return [
            Problem(
                "submission:unknown-case",
                f"沒有案件「{sub.case}」。",
                f"There is no case '{sub.case}'.",
                file=FILE,
                record="submission",
                field="case",
                check="submission",
                fix_zh="用案件頁網址中的識別碼。",
                fix_en="Use the id in the case page's address.",
            )
        ]
    return []


def _table_problems(ds: m.Dataset, base: str, tmp: Path) -> list[Problem]:
    from ..checks import frictionless
    from ..tables import package as tabular
    from ..terms import load_codes

    folder = tmp / "tables"
    folder.mkdir()
    rows = tabular.rows(ds, Minter(base))
    stats = tabular.write_csvs(rows, folder)
    meta = dict(ds.meta, iri=Minter(base).dataset(str(ds.meta.get("id", "lianzheng"))))
    package = tabular.datapackage(meta, stats, load_codes(), created="2000-01-01T00:00:00Z", purpose=ds.purpose)
    (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False), encoding="utf-8")
    return frictionless.frictionless_check(folder)


def _shacl_problems(ds: m.Dataset, base: str, case: str) -> list[Problem]:
    from ..checks import shacl
    from ..rdf.graph import TripleParts

    parts = TripleParts(ds, base)
    shacl.prepare_shacl(parts)
    shacl._STATE["chunks"] = [[case]]  # the changed case, with the records it points at
    try:
        rows = shacl.run_shacl_chunk(0)
    finally:
        shacl.finish_shacl()
    return shacl.shacl_problems(ds, base, [rows])


def _named(p: Problem, sub: Submission, applied: Applied, stamp: Stamp) -> Problem:
    """``p`` named by the change it comes from, not the temporary copy of the records."""
    change = None
    for index, ids in applied.records.items():
        if p.record in ids:
            change = sub.changes[index]
    if change is None and p.record == sub.case:
        fields = [c for c in sub.changes if c.kind == "field" and c.data.get("field") == p.field.split(".")[0]]
        change = fields[0] if fields else next((c for c in sub.changes if c.kind == "case"), None)
    if change is None:
        return Problem(
            p.type,
            p.message_zh,
            p.message_en,
            file=FILE,
            record=p.record,
            field=p.field,
            fix_zh=p.fix_zh,
            fix_en=p.fix_en,
            severity=p.severity,
            check=p.check,
        )
    where = change.where
    if change.origin:
        where = f"{where} ({change.origin.get('sheet', '')} row {change.origin.get('row', '')})"
    return Problem(
        p.type,
        p.message_zh.replace(stamp.section, "此次提交"),
        p.message_en.replace(stamp.section, "this submission"),
        file=FILE,
        record=where,
        field=p.field,
        fix_zh=p.fix_zh,
        fix_en=p.fix_en,
        severity=p.severity,
        check=p.check,
    )
