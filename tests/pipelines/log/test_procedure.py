"""The check with standard tools only (docs/release-log.md) runs as written: bash with PATH
limited to /usr/bin:/bin (no Python), against a real two-release log and a longer one; it
accepts them and refuses tampered copies."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from pipelines.checksums import sha256_file, write_sums
from pipelines.log import keys
from pipelines.log.store import LOG_DIR, append
from tests.conftest import ROOT

from .conftest import TwoReleases


def procedure() -> str:
    doc = (ROOT / "docs" / "release-log.md").read_text(encoding="utf-8")
    section = doc.split("## Checking with standard tools only", 1)[1]
    return re.findall(r"```sh\n(.*?)```", section, re.S)[0]


def run(tmp: Path, release: Path, key: Path, log: Path | None = None) -> subprocess.CompletedProcess:
    script = tmp / "check.sh"
    script.write_text(procedure(), encoding="utf-8")
    env = {"PATH": "/usr/bin:/bin", "RELEASE": str(release), "KEY": str(key), "LC_ALL": "C.UTF-8"}
    if log is not None:
        env["LOG"] = str(log)
    return subprocess.run(["/bin/bash", str(script)], env=env, cwd=tmp, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def pinned(two_releases: TwoReleases, tmp_path_factory) -> Path:
    """The publisher's public key as a reader keeps it (not the log's own copy)."""
    path = tmp_path_factory.mktemp("kept") / "publisher.pem"
    path.write_bytes(keys.public_pem(keys.load_signer(two_releases.key, "lianzheng.example.tw/log")[0]))
    return path


@pytest.mark.parametrize("version, index", [("0.0.1", 0), ("0.0.2", 1)])
def test_procedure_accepts_both_releases(two_releases, pinned, tmp_path, version, index):
    done = run(tmp_path, two_releases.releases / version, pinned)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith(f"VERIFIED: release {version} is entry {index} of the log")


def test_procedure_walks_longer_proofs(two_releases, pinned, tmp_path):
    """13 entries: the proofs of entries 6 and 11 have three steps, with left and right."""
    releases = tmp_path / "releases"
    signer = keys.load_signer(two_releases.key, "lianzheng.example.tw/log")[0]
    for i in range(13):
        folder = releases / f"1.0.{i}"
        folder.mkdir(parents=True)
        (folder / "data.csv").write_text(f"n\n{i}\n")
        write_sums(folder)
        data = {"kind": "release", "version": folder.name, "time": "2026-01-01T00:00:00Z",
                "sums": sha256_file(folder / "SHA256SUMS"), "reason": f"release {i}"}
        append(releases, lambda log, d=data: d, signer, keys.public_pem(signer))
    for i in (6, 11, 12):
        done = run(tmp_path, releases / f"1.0.{i}", pinned)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"entry {i} of the log, in the tree of {i + 1} entries" in done.stdout
    assert done.stdout.count("    left ") + done.stdout.count("    right ") >= 2


def test_procedure_refuses_tampered_copies(two_releases, pinned, tmp_path):
    releases = two_releases.copy(tmp_path / "r")
    entry = releases / LOG_DIR / "entries" / "000001.json"
    good = entry.read_bytes()
    entry.write_bytes(good.replace(b'"a corrected amount"', b'"a quiet change"'))
    done = run(tmp_path, releases / "0.0.2", pinned)
    assert done.returncode == 1 and "FAILED: the inclusion proof ends at" in done.stdout
    entry.write_bytes(good)

    csv = releases / "0.0.1" / "data" / "cases.csv"
    csv.write_bytes(csv.read_bytes().replace(b"125", b"100"))
    done = run(tmp_path, releases / "0.0.1", pinned)
    assert done.returncode == 1 and "FAILED: a file does not match SHA256SUMS" in done.stdout
    write_sums(releases / "0.0.1")  # rewritten consistently: no entry names its SHA256SUMS
    done = run(tmp_path, releases / "0.0.1", pinned)
    assert done.returncode == 1 and "FAILED: no entry of the log names this SHA256SUMS" in done.stdout

    other = tmp_path / "other.pem"
    keys.generate(other)
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(keys.public_pem(keys.load_signer(other, "x")[0]))
    done = run(tmp_path, releases / "0.0.2", stranger)
    assert done.returncode == 1 and "FAILED: the signature of" in done.stdout
