"""Nothing accepted is lost or applied twice: ``lianzheng release`` killed with SIGKILL (issue 16).

A folder is prepared once: a copy of the real records, a release built from them and logged, and
a submissions database with three accepted submissions (an activity, a quarterly report, a
changed status with its reason), each carrying a marker text of its own. Each run copies it and
starts the real command (``python -m api.cli release``, in its own process group), kills the
group after a random delay spread over a whole release step (0 to 1.2 times what one took,
measured first; half of them in its second half), and then checks what a crash may leave: the database passes SQLite's
``integrity_check``; the records read cleanly with the build's reader and hold each marker at most
once; each submission's decisions are a prefix of accepted, folded, released; the log is
consistent and its tree head verified. Then the command is run again to completion: it succeeds,
every marker is in the records exactly once, every submission is released in one version, and
the log has grown by exactly one entry.

The seed is printed (``-s``) and can be set with LIANZHENG_CRASH_SEED; LIANZHENG_CRASH_RUNS sets
how many kills (40).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipelines.log.publishing import signer_for
from pipelines.log.store import ReleaseLog
from pipelines.read.reader import read_dataset
from pipelines.submissions import changes, database, ledger, tokens

from ..log.conftest import assert_consistent as assert_log_consistent

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
BASE = "https://w3id.org/lianzheng"
CASE, AGENCY = "bitan-weir", "new-taipei-water-resources"
MARKS = ("崩潰測試甲", "崩潰測試乙", "崩潰測試丙")
SUBMISSIONS = (
    {"case": CASE, "changes": [{"kind": "activity", "record": {
        "type": "liaison-meeting", "date": "2026-10-02", "title": {"zh": MARKS[0], "en": "Crash test A"}}}]},
    {"case": CASE, "changes": [{"kind": "quarterly-report", "year": 2026, "quarter": 3,
                                "figures": [{"indicator": "meetings-held", "value": 2, "unit": "count"}],
                                "summary": {"zh": MARKS[1], "en": "Crash test B"}}]},
    {"case": CASE, "changes": [{"kind": "field", "field": "status", "value": "ended",
                                "reason": {"zh": MARKS[2], "en": "Crash test C"}}]},
)
STATES = ("accepted", "folded", "released")
PARALLEL = 2


def release_command(world: Path) -> list[str]:
    return [sys.executable, "-m", "api.cli", "release", "--format", "json", "--no-git",
            "--source", str(world / "source"), "--releases", str(world / "releases"),
            "--database", str(world / "submissions.sqlite3"), "--base", BASE,
            "--signing-key", str(world / "key.pem")]


def run(world: Path) -> subprocess.CompletedProcess:
    return subprocess.run(release_command(world), capture_output=True, text=True, cwd=ROOT, timeout=600)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> tuple[Path, float]:
    """The folder each run copies, and how long one release step took on it."""
    world = tmp_path_factory.mktemp("release-crash") / "world"
    shutil.copytree(ROOT / "datasets" / "source", world / "source")
    signer_for(world / "key.pem", BASE)  # made once: every run signs with the same key
    built = subprocess.run([sys.executable, "-m", "api.cli", "build", "--source", str(world / "source"),
                            "--releases", str(world / "releases"), "--signing-key", str(world / "key.pem")],
                           capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    db = database.connect(world / "submissions.sqlite3")
    _, holder = tokens.create(db, AGENCY, "submitter")
    for doc in SUBMISSIONS:
        sub, problems = changes.parse(doc)
        assert sub is not None, problems
        sid = ledger.add(db, holder.id, AGENCY, sub, doc)
        ledger.decide(db, [sid], "accepted", reason="crash test")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    probe = world.parent / "probe"
    shutil.copytree(world, probe, symlinks=True)
    started = time.monotonic()
    done = run(probe)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    assert_finished(probe, ReleaseLog.open(world / "releases").size)
    return world, took


def marks_in(source: Path) -> list[int]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(source.rglob("*.yaml")))
    return [text.count(mark) for mark in MARKS]


def states(world: Path) -> list[list[str]]:
    with sqlite3.connect(world / "submissions.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT submission, state FROM decisions ORDER BY id").fetchall()
    out: dict[int, list[str]] = {}
    for sid, state in rows:
        out.setdefault(sid, []).append(state)
    return [out[sid] for sid in sorted(out)]


def assert_consistent(world: Path) -> None:
    """What any moment of a release step may leave."""
    history = states(world)
    assert all(h == list(STATES[: len(h)]) for h in history), history
    read_dataset(world / "source")  # raises ProblemsFound on a torn or half-written record
    assert all(n <= 1 for n in marks_in(world / "source")), marks_in(world / "source")
    assert_log_consistent(world / "releases", signer_for(world / "key.pem", BASE)[0].verifier)


def assert_finished(world: Path, size_before: int) -> None:
    history = states(world)
    assert history == [list(STATES)] * len(SUBMISSIONS), history
    assert marks_in(world / "source") == [1, 1, 1]
    log = ReleaseLog.open(world / "releases")
    assert log.size == size_before + 1
    with sqlite3.connect(world / "submissions.sqlite3") as db:
        versions = {r[0] for r in db.execute("SELECT release FROM decisions WHERE state = 'released'")}
    assert versions == {log.current.version}, versions


def one_run(prepared: tuple[Path, float], n: int, delay: float) -> str:
    world, _ = prepared
    copy = world.parent / f"run-{n}"
    shutil.copytree(world, copy, symlinks=True)
    size_before = ReleaseLog.open(copy / "releases").size
    proc = subprocess.Popen(release_command(copy), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        proc.wait(timeout=delay)
        landed = "finished before the kill"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        landed = "killed"
    assert_consistent(copy)
    folded = sum(1 for h in states(copy) if "folded" in h)
    again = run(copy)
    assert again.returncode == 0, (n, delay, again.stderr[-2000:])
    assert_finished(copy, size_before)
    shutil.rmtree(copy, ignore_errors=True)  # the disk back; what is checked is checked above
    return f"{landed}, {folded} folded" if landed == "killed" else landed


def test_a_release_step_killed_anywhere_loses_nothing_and_a_rerun_finishes(prepared):
    _, took = prepared
    seed = int(os.environ.get("LIANZHENG_CRASH_SEED", random.randrange(1 << 30)))
    runs = int(os.environ.get("LIANZHENG_CRASH_RUNS", "40"))
    rng = random.Random(seed)
    # half anywhere, half in the step's second half (folding, building, publishing: the start is Python's)
    delays = [rng.uniform(0, 1.2 * took) if i % 2 else rng.uniform(0.5 * took, 1.05 * took) for i in range(runs)]
    print(f"seed {seed}: {runs} kills over 0-{1.2 * took:.1f} s (one step took {took:.1f} s)")
    with ThreadPoolExecutor(PARALLEL) as pool:
        landed = list(pool.map(lambda a: one_run(prepared, *a), enumerate(delays)))
    counts: dict[str, int] = {}
    for where in landed:
        counts[where] = counts.get(where, 0) + 1
    print(counts)
    assert sum(n for where, n in counts.items() if where.startswith("killed")) >= runs // 2, counts
