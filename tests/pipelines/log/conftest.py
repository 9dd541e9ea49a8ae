"""What the log tests share.

- A real two-release log, built once from two different sources (``two_releases``): what the
  verification tests copy and tamper with.
- For the crash, write-error and two-publisher tests: three sources (versions 0.0.1, 0.0.2 and
  0.0.3, each with a fact of its own), the publisher's key, folders of releases with logs of 0
  to 3 entries to start runs from (made once, by the real command), and the check that a folder
  of releases and its log are consistent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipelines.checksums import SUMS, sha256_file, verify_sums
from pipelines.log import keys
from pipelines.log.note import Checkpoint, Signer, Verifier, open_note
from pipelines.log.store import LOG_DIR, ReleaseLog, entry_name, origin_for
from pipelines.rdf.ids import DEFAULT_BASE
from tests.conftest import EPOCH, MINIMAL, ROOT

VERSIONS = ("0.0.1", "0.0.2", "0.0.3")
LOG_FILES = {".lock", "checkpoint", "checkpoints", "entries", "key", "key.pem", "proofs"}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "api.cli", *args]


def publish_command(source: Path, releases: Path, key: Path) -> list[str]:
    return command("build", "--source", str(source), "--releases", str(releases), "--signing-key", str(key),
                   "--reason", "r", "--no-store", "--quiet")


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300, **kw)


def make_source(dest: Path, version: str) -> Path:
    """The minimal source at ``version``, with the first case's amount changed to say which."""
    shutil.copytree(MINIMAL, dest)
    meta = dest / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('version: "0.0.1"', f'version: "{version}"'),
                    encoding="utf-8")
    case = dest / "cases" / "danjiang-bridge.yaml"
    amount = f'amount: "約 {125 + VERSIONS.index(version)} 億"'
    case.write_text(case.read_text(encoding="utf-8").replace('amount: "約 125 億"', amount), encoding="utf-8")
    return dest


@dataclass
class World:
    root: Path
    key: Path
    sources: dict[str, Path]
    templates: dict[int, Path]  # log size -> a folder of releases (0: none yet)
    publish_seconds: list[float] = field(default_factory=list)

    @property
    def signer(self) -> Signer:
        return keys.load_signer(self.key, origin_for(DEFAULT_BASE))[0]

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier

    def start(self, size: int, dest: Path) -> Path:
        """A copy of the folder of releases whose log has ``size`` entries, at ``dest``."""
        if size:
            shutil.copytree(self.templates[size], dest, symlinks=True)
        return dest


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> World:
    """Logs of 1, 2 and 3 entries: 0.0.1; 0.0.1, 0.0.2; 0.0.1, 0.0.2, rollback to 0.0.1."""
    root = tmp_path_factory.mktemp("publishing")
    key = root / "key.pem"
    keys.generate(key)
    sources = {v: make_source(root / f"source-{v}", v) for v in VERSIONS}
    w = World(root, key, sources, {0: root / "none"})
    previous = None
    for size, step in ((1, "0.0.1"), (2, "0.0.2"), (3, "rollback")):
        releases = root / f"log-{size}"
        if previous is not None:
            shutil.copytree(previous, releases, symlinks=True)
        t = time.perf_counter()
        if step == "rollback":
            done = run(command("rollback", "0.0.1", "--reason", "r", "--releases", str(releases),
                               "--signing-key", str(key)))
        else:
            done = run(publish_command(sources[step], releases, key))
            w.publish_seconds.append(time.perf_counter() - t)
        assert done.returncode == 0, done.stderr
        assert ReleaseLog.open(releases).size == size
        w.templates[size] = previous = releases
    return w


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every file's bytes and every link's target under ``folder`` (what "as it was" compares)."""
    found: dict[str, bytes | str] = {}
    if not folder.exists():
        return found
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                found[rel] = path.read_bytes()
            else:
                found[rel] = "dir"
    return found


def assert_consistent(releases: Path, verifier: Verifier) -> ReleaseLog:
    """The log opens, its signed tree head counts its entries and their root, each entry names a
    complete release (every file as its SHA256SUMS says, and the SHA-256 of that file as the entry
    says), the entries chain, each has its proofs, and ``latest`` (if any) is a logged release."""
    log = ReleaseLog.open(releases)
    folder = releases / LOG_DIR
    if log.size:
        assert log.checkpoint_note is not None
        assert (folder / "key").read_text().strip() == verifier.vkey
        opened = open_note(log.checkpoint_note, [verifier])
        assert verifier.name in opened.verified and not opened.failed
        head = Checkpoint.parse(opened.text)
        assert head.size == log.size and head.root == log.root
        assert (folder / "checkpoints" / str(log.size)).read_bytes() == log.checkpoint_note
    for i, entry in enumerate(log.entries):
        assert entry.index == i and entry.data["index"] == i
        assert entry.data["previous"] == (log.entries[i - 1].digest if i else None)
        release = releases / entry.version
        assert (release / SUMS).is_file(), f"entry {i} names {release}, which has no {SUMS}"
        assert verify_sums(release) == [], f"entry {i} names {release}, which is not complete"
        assert sha256_file(release / SUMS) == entry.sums
        assert (folder / "proofs" / f"inclusion-{i}-{i + 1}.json").is_file()
        if i:
            assert (folder / "proofs" / f"consistency-{i}-{i + 1}.json").is_file()
    latest = releases / "latest"
    if os.path.lexists(latest):
        target = os.readlink(latest)
        assert log.release(target) is not None, f"latest points at {target}, which the log does not name"
        assert verify_sums(releases / target) == []
    return log


def assert_nothing_stale(releases: Path, log: ReleaseLog) -> None:
    """No temporary folder, link or file, no release the log does not name, and nothing in the log
    beyond the size its checkpoint states."""
    logged = {e.version for e in log.entries}
    assert set(os.listdir(releases)) == logged | {"latest", LOG_DIR}
    folder = releases / LOG_DIR
    assert set(os.listdir(folder)) == LOG_FILES
    n = log.size
    assert set(os.listdir(folder / "entries")) == {entry_name(i) for i in range(n)}
    assert set(os.listdir(folder / "checkpoints")) == {str(i) for i in range(1, n + 1)}
    assert set(os.listdir(folder / "proofs")) == ({f"inclusion-{i}-{i + 1}.json" for i in range(n)}
                                                  | {f"consistency-{i}-{i + 1}.json" for i in range(1, n)})
    assert os.readlink(releases / "latest") == log.entries[-1].version


# --- the two-release log the verification tests tamper with ----------------------------

BASE = "https://lianzheng.example.tw"


@dataclass(frozen=True)
class TwoReleases:
    releases: Path  # releases/0.0.1, releases/0.0.2, releases/log
    key: Path  # the publisher's private key
    vkey: str  # the publisher's verifier key, as a reader pins it
    sources: tuple[Path, Path]

    def copy(self, dest: Path) -> Path:
        shutil.copytree(self.releases, dest, symlinks=True)
        return dest


def second_source(first: Path, dest: Path) -> Path:
    """The minimal source with its version raised and one fact changed."""
    shutil.copytree(first, dest)
    meta = dest / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('version: "0.0.1"', 'version: "0.0.2"'), encoding="utf-8")
    case = dest / "cases" / "danjiang-bridge.yaml"
    text = case.read_text(encoding="utf-8")
    assert 'amount: "約 125 億"' in text
    case.write_text(text.replace('amount: "約 125 億"', 'amount: "約 126 億"'), encoding="utf-8")
    return dest


@pytest.fixture(scope="session")
def two_releases(tmp_path_factory) -> TwoReleases:
    from pipelines.log.publishing import signer_for
    from pipelines.publish import publish

    root = tmp_path_factory.mktemp("two-releases")
    first = root / "source-1"
    shutil.copytree(MINIMAL, first)
    second = second_source(first, root / "source-2")
    key = root / "publisher.pem"
    signer = signer_for(str(key), BASE)[0]
    releases = root / "releases"
    for source, reason in ((first, "first release"), (second, "a corrected amount")):
        result = publish(source, releases, signer=signer, reason=reason, source_date_epoch=EPOCH)
        assert result.ok, result.report.to_text()
    return TwoReleases(releases, key, signer.verifier.vkey, (first, second))


def lianzheng(*args: str | Path) -> subprocess.CompletedProcess:
    """The real command, in a subprocess, as a reader runs it."""
    return subprocess.run([sys.executable, "-m", "api.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
