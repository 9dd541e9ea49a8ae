"""Two publishers at once, and the holes between building a release and logging it (issue 15).

Two processes publishing different versions into one folder both end in the log, one after the
other, each entry naming the one before it; ``latest`` ends at the log's last entry even when
the first publisher moves it after the second (held back by ``strace`` at that very step). A
release left built but not logged (a publish killed in between) is logged by the next publish
as it is, not built again; one built from other records is not logged in its place.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time

import pytest

from pipelines.log.store import ReleaseLog
from pipelines.publish import publish
from pipelines.release import build
from tests.conftest import ROOT

from .conftest import assert_consistent, assert_nothing_stale, publish_command, run

pytestmark = pytest.mark.slow


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def both(first: list[str], second: list[str], *, second_when=None) -> None:
    """Run two commands at once (the second once ``second_when()`` is true, if given)."""
    procs = [start(first)]
    deadline = time.monotonic() + 120
    while second_when is not None and not second_when() and time.monotonic() < deadline:
        time.sleep(0.02)
    procs.append(start(second))
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err


def assert_both_logged(releases, world, size):
    log = assert_consistent(releases, world.verifier)
    assert log.size == size + 2
    assert sorted(e.version for e in log.entries[size:]) == ["0.0.2", "0.0.3"]
    for e in log.entries[size:]:  # each names the entry before it, and what it came after
        assert e.data["previous"] == log.entries[e.index - 1].digest
        assert e.data["after"] == log.entries[e.index - 1].version
    assert_nothing_stale(releases, log)
    return log


def test_two_publishers_at_once_both_end_in_the_log_one_after_the_other(world, tmp_path):
    releases = world.start(1, tmp_path / "releases")
    both(publish_command(world.sources["0.0.2"], releases, world.key),
         publish_command(world.sources["0.0.3"], releases, world.key))
    assert_both_logged(releases, world, 1)


@pytest.mark.skipif(shutil.which("strace") is None or platform.machine() != "x86_64",
                    reason="needs strace, and x86-64 (where Python's os.replace is rename(2))")
def test_latest_ends_at_the_log_last_entry_when_publishers_interleave(world, tmp_path):
    """The first publisher (of 0.0.2) is held for 4 s on entering the rename that moves
    ``latest`` (its 7th: folder, entry, two proofs, checkpoints/2, checkpoint, latest); the
    second starts once the first has logged 0.0.2, and has time to build and log 0.0.3 and move
    ``latest`` before the first moves it. ``latest`` ends at the log's last entry, 0.0.3."""
    releases = world.start(1, tmp_path / "releases")
    held = ["strace", "-qq", "-o", "/dev/null", "-e", "trace=rename",
            "-e", "inject=rename:delay_enter=4000000:when=7",
            *publish_command(world.sources["0.0.2"], releases, world.key)]
    both(held, publish_command(world.sources["0.0.3"], releases, world.key),
         second_when=lambda: ReleaseLog.open(releases).size == 2)
    log = assert_both_logged(releases, world, 1)
    assert [e.version for e in log.entries] == ["0.0.1", "0.0.2", "0.0.3"]
    assert os.readlink(releases / "latest") == "0.0.3"


def test_a_release_built_but_not_logged_is_logged_as_it_is(world, tmp_path):
    """A publish killed between building 0.0.3 and logging it left the folder in place: the next
    publish logs it without building it again (the folder is the same one, not a new swap)."""
    releases = world.start(2, tmp_path / "releases")
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    assert build(world.sources["0.0.3"], releases / "0.0.3", replace=False, previous=releases / "0.0.2",
                 log_key=world.verifier.vkey,
                 sync=True, source_date_epoch=epoch).ok
    folder = os.stat(releases / "0.0.3").st_ino
    done = run(publish_command(world.sources["0.0.3"], releases, world.key)[:-1])  # not --quiet
    assert done.returncode == 0, done.stderr
    assert "release unchanged, already built" in done.stdout
    assert os.stat(releases / "0.0.3").st_ino == folder
    log = assert_consistent(releases, world.verifier)
    assert [e.version for e in log.entries] == ["0.0.1", "0.0.2", "0.0.3"]
    assert_nothing_stale(releases, log)


def test_a_release_built_from_other_records_is_not_logged_in_their_place(world, tmp_path):
    """The folder left for 0.0.3 was built from records that have changed since: it is not
    logged as if it were what the records make now; the publish is refused (releases are
    immutable) and the log stays as it was."""
    releases = world.start(2, tmp_path / "releases")
    source = shutil.copytree(world.sources["0.0.3"], tmp_path / "source")
    assert build(source, releases / "0.0.3", replace=False, previous=releases / "0.0.2",
                 log_key=world.verifier.vkey, sync=True,
                 source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH")).ok
    case = source / "cases" / "danjiang-bridge.yaml"
    case.write_text(case.read_text(encoding="utf-8").replace("約 127 億", "約 128 億"), encoding="utf-8")
    signer = world.signer
    result = publish(source, releases, signer=signer, reason="r")
    assert not result.ok
    assert [p.type for p in result.report.errors] == ["release-exists"]
    assert ReleaseLog.open(releases).size == 2


def test_a_rerun_after_a_rollback_compares_with_the_release_it_was_built_after(world, tmp_path):
    """After 0.0.1, 0.0.2 and a rollback to 0.0.1, 0.0.3 is built after 0.0.1 (the one served).
    Publishing 0.0.3 again must compare with 0.0.1 too (its entry's ``after``), not with 0.0.2,
    the newest release logged before it: else the rerun makes other files and is refused."""
    from pipelines.log.publishing import before

    releases = world.start(3, tmp_path / "releases")
    first = run(publish_command(world.sources["0.0.3"], releases, world.key))
    assert first.returncode == 0, first.stderr
    assert before(releases, "0.0.3") == releases / "0.0.1"
    again = run(publish_command(world.sources["0.0.3"], releases, world.key))
    assert again.returncode == 0, again.stderr
    log = assert_consistent(releases, world.verifier)
    assert [e.version for e in log.entries] == ["0.0.1", "0.0.2", "0.0.1", "0.0.3"]
