"""A failing write while publishing leaves the log and the releases as they were, byte for byte,
and says which file and what to do, in zh-Hant and English (issue 15).

The failures are the operating system's own: a file size limit (``RLIMIT_FSIZE``, set in the
publishing process before it starts: its writes past the limit fail with EFBIG), a full
filesystem (a small tmpfs mounted under the log, filled: ENOSPC; root only), and a log folder
that cannot be written (read-only: a read-only bind mount for root, EROFS, or no write
permission for anyone else, EACCES). After each, the same publish with the cause removed
succeeds.
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import signal
import subprocess
from pathlib import Path

import pytest

from pipelines.log.store import LOG_DIR, ReleaseLog
from pipelines.release import build

from .conftest import World, assert_consistent, assert_nothing_stale, publish_command, run, tree

pytestmark = pytest.mark.slow


def file_size_limit(nbytes: int):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # fail the write, do not kill the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return preexec


def assert_refused(done: subprocess.CompletedProcess, code: str, words: str, file: str) -> None:
    """Exit 2 with the project's bilingual problem, naming the file, the error and the fix."""
    assert done.returncode == 2, done.stderr
    err = done.stderr
    assert "Traceback" not in err
    assert f"({code})" in err and os.strerror(getattr(errno, code)) in err
    assert "無法寫入或讀取檔案" in err and "A file could not be written or read" in err
    assert "修正方式：" in err and "Fix: " in err and words in err
    assert "發行紀錄與各發行版均維持原狀" in err and "The release log and the releases are as they were" in err
    assert file in err.splitlines()[0], err


def publish_again(world: World, releases: Path, version: str, size: int) -> None:
    done = run(publish_command(world.sources[version], releases, world.key))
    assert done.returncode == 0, done.stderr
    log = assert_consistent(releases, world.verifier)
    assert log.size == size + 1 and log.entries[-1].version == version
    assert_nothing_stale(releases, log)


def test_a_file_size_limit_while_building_leaves_everything_as_it_was(world, tmp_path):
    releases = world.start(2, tmp_path / "releases")
    before = tree(releases)
    done = run(publish_command(world.sources["0.0.3"], releases, world.key), preexec_fn=file_size_limit(8192))
    assert_refused(done, "EFBIG", "ulimit -f", str(releases))
    assert tree(releases) == before
    publish_again(world, releases, "0.0.3", 2)


def test_a_file_size_limit_while_writing_the_log_leaves_it_as_it_was(world, tmp_path):
    """The release is built (as a publish killed before logging it leaves it), so that the first
    write of the publish is the log's entry: it fails, and neither the entry nor its temporary
    file is left."""
    releases = world.start(2, tmp_path / "releases")
    made = build(world.sources["0.0.3"], releases / "0.0.3", replace=False, previous=releases / "0.0.2",
                 log_key=world.verifier.vkey,
                 sync=True, source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH"))
    assert made.ok
    before = tree(releases)
    done = run(publish_command(world.sources["0.0.3"], releases, world.key), preexec_fn=file_size_limit(64))
    assert_refused(done, "EFBIG", "ulimit -f", str(releases / LOG_DIR / "entries" / "000002.json"))
    assert tree(releases) == before
    publish_again(world, releases, "0.0.3", 2)


@contextlib.contextmanager
def mounted(where: Path, *options: str):
    done = subprocess.run(["mount", *options, str(where)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount here ({done.stderr.strip() or 'not root'})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def test_a_full_disk_under_the_log_leaves_the_log_and_the_releases_as_they_were(world, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    releases = world.start(2, tmp_path / "releases")
    log_dir = releases / LOG_DIR
    saved = tree(log_dir)
    for path in sorted(log_dir.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    with mounted(log_dir, "-t", "tmpfs", "-o", "size=256k", "tmpfs"):
        for rel, content in sorted(saved.items()):
            if content == "dir":
                (log_dir / rel).mkdir()
            else:
                assert isinstance(content, bytes)
                (log_dir / rel).write_bytes(content)
        filler = log_dir / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        with pytest.raises(OSError) as full:
            while True:
                os.write(fd, b"\0" * 4096)
        os.close(fd)
        assert full.value.errno == errno.ENOSPC
        before = tree(releases)
        done = run(publish_command(world.sources["0.0.3"], releases, world.key))
        assert_refused(done, "ENOSPC", "Free some disk space", str(log_dir / "entries"))
        assert tree(releases) == before  # and the release it built is gone again
        filler.unlink()
        publish_again(world, releases, "0.0.3", 2)


def test_a_log_that_cannot_be_written_leaves_everything_as_it_was(world, tmp_path):
    releases = world.start(1, tmp_path / "releases")
    log_dir = releases / LOG_DIR
    if os.geteuid() == 0:  # root writes through permissions: make the folder read-only instead
        stack = contextlib.ExitStack()
        stack.enter_context(mounted(log_dir, "--bind", str(log_dir)))
        subprocess.run(["mount", "-o", "remount,bind,ro", str(log_dir)], check=True)
        code, words = "EROFS", "remount it read-write"
    else:
        stack = contextlib.ExitStack()
        for folder in (log_dir, *(p for p in log_dir.iterdir() if p.is_dir())):
            folder.chmod(0o500)
            stack.callback(folder.chmod, 0o755)
        code, words = "EACCES", "change the folder's permissions"
    with stack:
        before = tree(releases)
        done = run(publish_command(world.sources["0.0.2"], releases, world.key))
        assert_refused(done, code, words, str(log_dir))
        assert tree(releases) == before
        assert ReleaseLog.open(releases).size == 1
    publish_again(world, releases, "0.0.2", 1)
