"""The release step: accepted submissions folded into the source records, then published.

``lianzheng release`` (and the reviewer's button) runs :func:`release`:

1. every accepted submission, oldest first, is written into a copy of the records and read
   back by the build's reader; one that no longer applies (a later edit took its place) is
   ``returned`` with the reason, and the rest go on;
2. the dataset's ``version`` goes up a minor step and ``modified`` becomes today, and the
   whole copy is checked as a submission is (:mod:`.check`);
3. the new files go to a journal beside the database (flushed), then into the records, each
   by a rename, then the submissions are marked ``folded`` and the journal removed; a step
   killed in the middle is finished from the journal by the next run, so no submission is
   lost or applied twice;
4. where the records' folder is in a git work tree, the files are committed with a message
   naming the submissions;
5. the release is built, logged and published (:func:`pipelines.publish.publish`), and the
   submissions are marked ``released`` with its version.

One release step runs at a time (an flock beside the database).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ERROR, Problem, ProblemsFound, Report
from ..folders import sync_folder
from ..read.reader import read_dataset
from . import ledger
from .check import _ids, _shacl_problems, _table_problems, agency_name, copy_records, old_values
from .database import now
from .records import apply, dump, load, styled

JOURNAL = ".fold-journal.json"


@dataclass
class ReleaseOutcome:
    ok: bool
    version: str = ""
    folded: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    report: Report = field(default_factory=lambda: Report(checks=["records"]))
    commit: str = ""
    message: str = ""


@contextmanager
def _locked(database: Path) -> Iterator[None]:
    with open(database.with_name(database.name + ".release-lock"), "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    sync_folder(path.parent)


def _finish_journal(db: sqlite3.Connection, source: Path, journal: Path) -> list[int]:
    """Write what a cut-short fold had decided, mark its submissions folded; return their ids."""
    data = json.loads(journal.read_text(encoding="utf-8"))
    for rel, text in data["files"].items():
        target = source / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        _write(target, text)
    ids = [i for i in data["submissions"] if (e := ledger.get(db, i)) is not None and e.state == "accepted"]
    if ids:
        ledger.decide(db, ids, "folded", reason=data.get("version", ""))
    journal.unlink()
    sync_folder(journal.parent)
    return [int(i) for i in data["submissions"]]


def bump(version: str) -> str:
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    if not m:
        raise ValueError(f"dataset.yaml's version '{version}' is not MAJOR.MINOR.PATCH")
    return f"{m.group(1)}.{int(m.group(2)) + 1}.0"


def release(
    source: Path,
    releases: Path,
    database: Path,
    db: sqlite3.Connection,
    *,
    signer: Callable[[], object] | None = None,
    base: str,
    git: bool = True,
    publish_kw: dict | None = None,
) -> ReleaseOutcome:
    """Fold the accepted submissions into ``source`` and publish a release of it.

    ``signer`` gives the publisher's key (:func:`pipelines.log.publishing.signer_for`) when there
    is something to publish; without one the release is published unlogged (as ``build --out``)."""
    source, releases, database = Path(source), Path(releases), Path(database)
    out = ReleaseOutcome(ok=False)
    with _locked(database):
        journal = database.with_name(JOURNAL)
        if journal.exists():
            out.folded += _finish_journal(db, source, journal)
        accepted = ledger.listing(db, state="accepted", limit=10_000)
        if accepted:
            problems = _fold(db, source, database, accepted, out, base=base)
            if problems:
                out.report.extend(problems)
                out.message = "The records with the accepted submissions do not pass the checks: nothing was written."
                return out
        waiting = [e.id for e in ledger.listing(db, state="folded", limit=10_000)]
        if not waiting:
            out.ok = True
            out.message = "Nothing to release: no submission is accepted and waiting."
            return out
        if git:
            out.commit = _commit(source, waiting, db)
        from ..publish import publish

        entries = [ledger.get(db, i) for i in waiting]
        reason = "Submissions " + ", ".join(f"#{e.id} ({e.agency}: {e.summary})" for e in entries if e)
        result = publish(
            source, releases, signer=signer() if signer else None, reason=reason[:2000], base=base, **(publish_kw or {})
        )
        out.report = result.report
        if not result.ok:
            out.message = "The release did not pass its checks; the submissions stay folded and the next run retries."
            return out
        assert result.out is not None
        out.version = result.out.name
        ledger.decide(db, waiting, "released", release=out.version)
        out.released = waiting
        out.ok = True
        out.message = f"Released {out.version} with {len(waiting)} submission(s)."
    return out


def _fold(
    db: sqlite3.Connection,
    source: Path,
    database: Path,
    accepted: list[ledger.Entry],
    out: ReleaseOutcome,
    *,
    base: str,
) -> list[Problem]:
    with tempfile.TemporaryDirectory(prefix="lianzheng-fold-") as tmp:
        work = copy_records(source, Path(tmp))
        ds = read_dataset(work)
        taken, folded = _ids(ds), []
        for entry in accepted:
            sub = entry.submission()
            keep = {
                rel: (work / rel).read_text(encoding="utf-8")
                for rel in ("sources.yaml", f"cases/{sub.case}.yaml")
                if (work / rel).exists()
            }
            try:
                apply(work, sub, entry.stamp(agency_name(ds, entry.agency)), set(taken), old_values(ds, sub.case))
                ds = read_dataset(work)
            except (ProblemsFound, KeyError, TypeError, ValueError) as exc:
                for rel, text in keep.items():  # the copy as it was before this one
                    (work / rel).write_text(text, encoding="utf-8")
                if sub.new_case and f"cases/{sub.case}.yaml" not in keep:
                    (work / f"cases/{sub.case}.yaml").unlink(missing_ok=True)
                ds = read_dataset(work)
                if isinstance(exc, ProblemsFound):
                    first = exc.problems[0]
                    why = f"{first.message_zh} / {first.message_en} ({first.where()})"
                else:
                    why = f"無法寫入來源紀錄 / It could not be written into the records: {exc}"
                ledger.decide(db, [entry.id], "returned", reason=why[:1000])
                out.returned.append(entry.id)
                continue
            taken = _ids(ds)
            folded.append(entry)
        if not folded:
            return []
        meta = load(work / "dataset.yaml")
        meta["version"] = styled(bump(str(meta["version"])), "date")
        meta["modified"] = styled(now()[:10], "date")
        (work / "dataset.yaml").write_text(dump(meta), encoding="utf-8")
        try:
            ds = read_dataset(work)
        except ProblemsFound as exc:
            return exc.problems
        problems = _table_problems(ds, base, Path(tmp))
        for case in sorted({e.case for e in folded}):
            problems += _shacl_problems(ds, base, case)
        errors = [p for p in problems if p.severity == ERROR]
        if errors:
            return errors
        files = {}
        for path in sorted(work.rglob("*.y*ml")):
            rel = path.relative_to(work).as_posix()
            text = path.read_text(encoding="utf-8")
            if not (source / rel).exists() or (source / rel).read_text(encoding="utf-8") != text:
                files[rel] = text
        journal = database.with_name(JOURNAL)
        _write(
            journal,
            json.dumps(
                {"submissions": [e.id for e in folded], "files": files, "version": str(meta["version"])},
                ensure_ascii=False,
            ),
        )
        out.folded += _finish_journal(db, source, journal)
        shutil.rmtree(work, ignore_errors=True)
    return []


def _commit(source: Path, waiting: list[int], db: sqlite3.Connection) -> str:
    """Commit the records' changes where ``source`` is in a git work tree; return the commit."""

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(source), *args], capture_output=True, text=True, timeout=60)

    try:
        inside = git("rev-parse", "--is-inside-work-tree")
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        return ""
    git("add", "--", ".")
    if git("diff", "--cached", "--quiet", "--", ".").returncode == 0:
        return ""  # committed by a run that was cut short after it
    entries = [e for e in (ledger.get(db, i) for i in waiting) if e]
    message = (
        "Fold submissions "
        + ", ".join(f"#{e.id}" for e in entries)
        + " into the records\n\n"
        + "\n".join(f"#{e.id} {e.agency} {e.received} sha256:{e.sha256}: {e.summary}" for e in entries)
        + "\n"
    )
    who = (
        []
        if git("config", "user.email").stdout.strip()
        else ["-c", "user.name=lianzheng release", "-c", "user.email=release@lianzheng.invalid"]
    )
    done = git(*who, "commit", "-q", "-m", message, "--", ".")
    if done.returncode != 0:
        return ""
    return git("rev-parse", "HEAD").stdout.strip()
