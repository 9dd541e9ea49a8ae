"""Nothing lost, nothing torn: the publishing process killed with SIGKILL (issue 15).

Each run starts ``lianzheng build --releases`` (the real command, in a subprocess and its own
process group) on a copy of a folder of releases whose log has 0 to 3 entries, publishing a new
version or again one already published, and kills it: after a random delay spread over the whole
publish (0 to 1.2 times what one took, measured first; one run in four near the end), or, where
``strace`` is there, right before the N-th ``rename(2)`` of the publish, which is each write of
the release folder, of the log and of ``latest`` in turn. After each kill: the log opens and is
consistent (every entry a complete, verified release; the signed tree head right), no process of
the publish is left, and ``latest`` names a logged release. Then the same publish is run again
to completion: it succeeds, the log has grown by exactly one entry for that version (none if it
was published before), the entries there before are byte for byte as they were, and nothing
stale is left.

The seed is printed (``-s``) and can be set with LIANZHENG_CRASH_SEED; LIANZHENG_CRASH_RUNS
sets how many random kills (40).
"""

from __future__ import annotations

import collections
import os
import platform
import random
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pipelines.log.store import LOG_DIR, ReleaseLog
from tests.conftest import ROOT

from .conftest import World, assert_consistent, assert_nothing_stale, publish_command, run

pytestmark = pytest.mark.slow

# (log size to start from, version to publish): new versions on logs of 0 to 3 entries (the third
# a rollback), and a rerun of the version served
SCENARIOS = ((0, "0.0.1"), (1, "0.0.2"), (2, "0.0.3"), (3, "0.0.3"), (2, "0.0.2"))
PARALLEL = 2


def group_alive(pgid: int) -> list[int]:
    """The processes of group ``pgid`` that still run (not zombies)."""
    alive = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[2]) == pgid and stat[0] not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


def phase(releases: Path, before: ReleaseLog, version: str, had_folder: bool, finished: bool) -> str:
    """Where the kill landed, from what is on disk."""
    log = ReleaseLog.open(releases)
    folder = releases / LOG_DIR
    if finished:
        return "finished before the kill"
    if log.size > before.size:
        latest = releases / "latest"
        moved = os.path.lexists(latest) and os.readlink(latest) == version
        return "after commit" if moved else "after commit, before latest"
    beyond = [p for sub in ("entries", "checkpoints", "proofs") if (folder / sub).is_dir()
              for p in (folder / sub).iterdir() if p.name.endswith(".tmp")]
    beyond += list(folder.glob(".*.tmp")) if folder.is_dir() else []
    names = {p.name for p in (folder / "entries").iterdir()} if (folder / "entries").is_dir() else set()
    if beyond or len(names) > log.size or (before.size == 0 and (folder / "key").exists()):
        return "log write"
    if (releases / version).is_dir() and not had_folder:
        return "release in place, not logged"
    return "build"


def crash_and_rerun(world: World, where: Path, size: int, version: str, *, delay: float | None = None,
                    rename: int | None = None) -> str:
    """Publish ``version`` on the log of ``size`` entries, killed after ``delay`` seconds or at its
    ``rename``-th rename; check the state, rerun, check again. The phase the kill landed in."""
    releases = world.start(size, where / "releases")
    before = ReleaseLog.open(releases)
    had_folder = (releases / version).is_dir()
    args = publish_command(world.sources[version], releases, world.key)
    if rename is not None:  # SIGKILL on entering its rename-th rename(2) (not -f: its workers run untraced)
        args = ["strace", "-qq", "-o", "/dev/null", "-e", "trace=rename",
                "-e", f"inject=rename:signal=KILL:when={rename}", *args]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    if delay is not None:
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=300)
    finished = proc.returncode == 0
    assert finished or proc.returncode == -signal.SIGKILL, err.decode()
    deadline = time.monotonic() + 10
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_alive(proc.pid), "the publish's workers outlived it"
    where_it_landed = phase(releases, before, version, had_folder, finished)

    assert_consistent(releases, world.verifier)
    again = run(publish_command(world.sources[version], releases, world.key))
    assert again.returncode == 0, again.stderr
    log = assert_consistent(releases, world.verifier)
    grew = 0 if before.release(version) is not None else 1
    assert log.size == before.size + grew
    assert [e.raw for e in log.entries[:before.size]] == [e.raw for e in before.entries]
    assert log.entries[-1].version == version and log.entries[-1].kind == "release"
    assert_nothing_stale(releases, log)
    shutil.rmtree(where)
    return where_it_landed


def report(title: str, phases: list[str]) -> None:
    counts = collections.Counter(phases)
    print(f"\n{title}: " + ", ".join(f"{name} {n}" for name, n in sorted(counts.items())))


def test_killed_at_random_points_the_log_stays_consistent_and_a_rerun_completes(world, tmp_path):
    seed = int(os.environ.get("LIANZHENG_CRASH_SEED") or random.SystemRandom().randrange(2**32))
    runs = int(os.environ.get("LIANZHENG_CRASH_RUNS") or 40)
    print(f"\ncrash seed {seed} (LIANZHENG_CRASH_SEED={seed} repeats it); a publish took "
          + ", ".join(f"{s:.2f}" for s in world.publish_seconds) + " s")
    rng = random.Random(seed)
    longest = max(world.publish_seconds)
    # most delays spread over the whole publish; one in four near its end, where the log is written
    plan = [(i, *rng.choice(SCENARIOS), rng.uniform(0.8, 1.05) * longest if i % 4 == 3
             else rng.uniform(0, 1.2 * longest)) for i in range(runs)]

    def one(job):
        i, size, version, delay = job
        try:
            return crash_and_rerun(world, tmp_path / f"run-{i}", size, version, delay=delay)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, run {i}: {version} on a log of {size}, killed after "
                                 f"{delay:.3f} s: {exc}") from exc

    with ThreadPoolExecutor(PARALLEL) as pool:
        phases = list(pool.map(one, plan))
    report(f"{runs} random kills (seed {seed})", phases)
    assert len(phases) == runs


@pytest.mark.skipif(shutil.which("strace") is None or platform.machine() != "x86_64",
                    reason="needs strace, and x86-64 (where Python's os.replace is rename(2))")
def test_killed_before_each_rename_of_a_publish(world, tmp_path):
    """Before the release folder is put in place, before each file of the log is (entry, proofs,
    tree head, key, the checkpoint that commits), before ``latest`` moves, and after all of it."""
    # renames of a publish: the folder, the entry, its inclusion proof, the consistency proof (not
    # for the first entry), checkpoints/N, key and key.pem (first entry only), checkpoint, latest
    plan = [(0, "0.0.1", n) for n in range(1, 10)] + [(2, "0.0.3", n) for n in range(1, 9)]

    def one(job):
        size, version, n = job
        try:
            return crash_and_rerun(world, tmp_path / f"{size}-{n}", size, version, rename=n)
        except AssertionError as exc:
            raise AssertionError(f"{version} on a log of {size}, killed at rename {n}: {exc}") from exc

    with ThreadPoolExecutor(PARALLEL) as pool:
        phases = list(pool.map(one, plan))
    report("kills before each rename", phases)
    # every phase was reached: before the folder, during the log write, between commit and latest
    assert {"build", "log write", "after commit, before latest", "finished before the kill"} <= set(phases)
