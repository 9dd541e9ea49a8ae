"""The checks with standard tools only (docs/release-log.md) run as written: bash with PATH
limited to /usr/bin:/bin (no Python), against a real two-release log and a longer one; they
accept them and refuse tampered copies. One checks a release's inclusion, the other that the
log extends a checkpoint a reader kept (a consistency proof, RFC 9162 §2.1.4.2)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import orjson
import pytest

from pipelines.checksums import sha256_file, write_sums
from pipelines.log import keys
from pipelines.log.store import LOG_DIR, ReleaseLog, append
from tests.conftest import ROOT

from .conftest import TwoReleases


def procedure(heading: str = "## Checking with standard tools only") -> str:
    doc = (ROOT / "docs" / "release-log.md").read_text(encoding="utf-8")
    section = doc.split(heading, 1)[1]
    return re.findall(r"```sh\n(.*?)```", section, re.S)[0]


def bash(tmp: Path, script: str, **env: str) -> subprocess.CompletedProcess:
    path = tmp / "check.sh"
    path.write_text(script, encoding="utf-8")
    return subprocess.run(["/bin/bash", str(path)], env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", **env},
                          cwd=tmp, capture_output=True, text=True, timeout=120)


def run(tmp: Path, release: Path, key: Path, log: Path | None = None) -> subprocess.CompletedProcess:
    env = {"RELEASE": str(release), "KEY": str(key)}
    if log is not None:
        env["LOG"] = str(log)
    return bash(tmp, procedure(), **env)


def grown(tmp: Path, kept: Path, log: Path, key: Path, proof: Path | None = None,
          new: Path | None = None) -> subprocess.CompletedProcess:
    """The consistency check of docs/release-log.md: does ``log`` extend the checkpoint ``kept``?"""
    env = {"OLD": str(kept), "LOG": str(log), "KEY": str(key)}
    if proof is not None:
        env["PROOF"] = str(proof)
    if new is not None:
        env["NEW"] = str(new)
    return bash(tmp, procedure("## Checking that the log only grew, with standard tools only"), **env)


def served_proof(releases: Path, first: int, second: int, dest: Path) -> Path:
    """The proof as ``/log/proof/consistency/{first}/{second}`` answers it (api.release_log), saved."""
    dest.write_bytes(orjson.dumps(ReleaseLog.open(releases).consistency(first, second),
                                  option=orjson.OPT_INDENT_2) + b"\n")
    return dest


def long_log(releases: Path, signer, n: int, stamp: str = "") -> Path:
    """A log of ``n`` releases (a file each) signed by ``signer``; ``stamp`` makes another history."""
    for i in range(n):
        folder = releases / f"1.0.{i}"
        folder.mkdir(parents=True)
        (folder / "data.csv").write_text(f"n\n{i}{stamp}\n")
        write_sums(folder)
        data = {"kind": "release", "version": folder.name, "time": "2026-01-01T00:00:00Z",
                "sums": sha256_file(folder / "SHA256SUMS"), "reason": f"release {i}"}
        append(releases, lambda log, d=data: d, signer, keys.public_pem(signer))
    return releases / LOG_DIR


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
    long_log(releases, keys.load_signer(two_releases.key, "lianzheng.example.tw/log")[0], 13)
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


# ------------------------------------------------------------------ that the log only grew

def test_consistency_procedure_accepts_a_kept_checkpoint_of_each_size(two_releases, pinned, tmp_path):
    """The real log of two releases and a rollback to the first (three entries): a reader kept the
    tree head of 1, 2 or 3 entries; 2 -> 3 with the proof file the rollback wrote, 1 -> 3 with the
    served one."""
    from pipelines.log.publishing import record_rollback

    releases = two_releases.copy(tmp_path / "r")
    signer = keys.load_signer(two_releases.key, "lianzheng.example.tw/log")[0]
    record_rollback(releases, "0.0.1", signer, reason="退回 rolled back", time="2026-12-02T03:00:00Z")
    log = releases / LOG_DIR
    assert ReleaseLog.open(releases).size == 3
    done = grown(tmp_path, log / "checkpoints" / "2", log, pinned)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].startswith("VERIFIED: the tree of 3 entries signed by ")
    assert done.stdout.splitlines()[-1].endswith(" extends the tree of 2 entries you kept")
    proof = served_proof(releases, 1, 3, tmp_path / "proof-1-3.json")
    done = grown(tmp_path, log / "checkpoints" / "1", log, pinned, proof)
    assert done.returncode == 0 and "extends the tree of 1 entries you kept" in done.stdout, done.stdout + done.stderr
    done = grown(tmp_path, log / "checkpoints" / "3", log, pinned)
    assert done.returncode == 0 and "VERIFIED: the tree of 3 entries is the one you kept" in done.stdout
    done = grown(tmp_path, log / "checkpoints" / "1", log, pinned)  # no such file: the reader is told where
    assert done.returncode == 1 and "save /log/proof/consistency/1/3 and set PROOF" in done.stdout


@pytest.mark.parametrize("kept", [3, 5, 6, 7, 8, 12])
def test_consistency_procedure_walks_longer_proofs(two_releases, pinned, tmp_path, kept):
    """13 entries: from sizes that are and are not powers of two, both kinds of step."""
    releases = tmp_path / "releases"
    log = long_log(releases, keys.load_signer(two_releases.key, "lianzheng.example.tw/log")[0], 13)
    proof = served_proof(releases, kept, 13, tmp_path / "proof.json")
    steps = len(orjson.loads(proof.read_bytes())["path"])
    done = grown(tmp_path, log / "checkpoints" / str(kept), log, pinned, proof)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"extends the tree of {kept} entries you kept" in done.stdout
    walked = done.stdout.count("    left ") + done.stdout.count("    right ")
    assert walked == steps - (0 if kept & (kept - 1) == 0 else 1) >= 1  # the old root first for a power of 2
    if kept in (5, 6, 7):
        assert "    left " in done.stdout and "    right " in done.stdout


def test_consistency_procedure_refuses_a_rewritten_history(two_releases, pinned, tmp_path):
    """The publisher's key signed another tree of 5 entries (a history rewritten, or shown to
    this reader only): its checkpoint verifies, its root is not the one the log extends."""
    signer = keys.load_signer(two_releases.key, "lianzheng.example.tw/log")[0]
    log = long_log(tmp_path / "releases", signer, 13)
    forked = long_log(tmp_path / "forked", signer, 5, stamp=" (rewritten)")
    kept = forked / "checkpoints" / "5"
    assert (kept.read_text().splitlines()[:2] == (log / "checkpoints" / "5").read_text().splitlines()[:2]
            and kept.read_text() != (log / "checkpoints" / "5").read_text())
    proof = served_proof(tmp_path / "releases", 5, 13, tmp_path / "proof.json")
    done = grown(tmp_path, kept, log, pinned, proof)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED: the consistency proof leads to " in done.stdout and " of the tree you kept" in done.stdout

    good = proof.read_text()
    first = orjson.loads(proof.read_bytes())["path"][1]
    proof.write_text(good.replace(first, "0" * 64))  # a proof hash changed
    done = grown(tmp_path, log / "checkpoints" / "5", log, pinned, proof)
    assert done.returncode == 1 and "FAILED: the consistency proof leads to " in done.stdout
    proof.write_text(good)

    edited = tmp_path / "edited-checkpoint"  # the kept checkpoint's root edited: its signature fails
    lines = (log / "checkpoints" / "5").read_text().splitlines(keepends=True)
    lines[2] = (forked / "checkpoints" / "5").read_text().splitlines(keepends=True)[2]
    edited.write_text("".join(lines))
    done = grown(tmp_path, edited, log, pinned, proof)
    assert done.returncode == 1 and f"FAILED: the signature of {edited} does not verify" in done.stdout
    done = grown(tmp_path, log / "checkpoints" / "5", log, pinned, proof, new=edited)  # and a newest one
    assert done.returncode == 1 and f"FAILED: the signature of {edited} does not verify" in done.stdout
