"""The log on disk and publishing into it: an append, a rerun that adds nothing, an old
version refused, a rollback that is itself an entry; and the proofs' sides for a shell walk."""

from __future__ import annotations

import json
import shutil

import pytest

from pipelines.errors import CannotRun
from pipelines.log import keys, merkle
from pipelines.log.note import Checkpoint, open_note, split
from pipelines.log.publishing import record_rollback, signer_for
from pipelines.log.store import ReleaseLog, _sides
from pipelines.publish import publish
from tests.conftest import EPOCH

from .conftest import BASE, lianzheng


@pytest.mark.parametrize("size", range(1, 41))
def test_sides_walk_every_inclusion_proof_to_the_root(size):
    """What docs/release-log.md does by hand: left is H(0x01 || proof || running)."""
    leaves = [merkle.leaf_hash(bytes([i])) for i in range(size)]
    for index in range(size):
        path, sides = merkle.inclusion_proof(leaves, index), _sides(index, size)
        assert len(sides) == len(path)
        running = leaves[index]
        for h, side in zip(path, sides, strict=True):
            running = merkle.node_hash(h, running) if side == "left" else merkle.node_hash(running, h)
        assert running == merkle.root(leaves), (index, size)


def test_log_append_rerun_refusal_and_rollback(two_releases, tmp_path):
    releases = two_releases.copy(tmp_path / "r")
    signer = signer_for(str(two_releases.key), BASE)[0]
    log = ReleaseLog.open(releases)
    assert [(e.index, e.kind, e.version) for e in log.entries] == [(0, "release", "0.0.1"), (1, "release", "0.0.2")]
    assert log.entries[1].data["previous"] == log.entries[0].digest and log.entries[0].data["previous"] is None
    assert log.entries[1].data["changes"]["changed"]["danjiang-bridge"]["tables"] == ["cases"]
    cp = Checkpoint.parse(split(log.checkpoint_note)[0])
    assert (cp.size, cp.root) == (2, log.root)
    assert open_note(log.checkpoint_note, [signer.verifier]).verified == {signer.name: 0}
    assert (releases / "log" / "key").read_text().strip() == signer.verifier.vkey
    assert keys.raw_from_pem((releases / "log" / "key.pem").read_bytes()) == signer.verifier.public

    # publishing the served version again with the same files adds nothing
    again = publish(two_releases.sources[1], releases, signer=signer, source_date_epoch=EPOCH)
    assert again.ok and ReleaseLog.open(releases).size == 2
    # an old version is refused: releases are immutable, returning to one is a rollback
    refused = publish(two_releases.sources[0], releases, signer=signer, source_date_epoch=EPOCH)
    assert not refused.ok and [p.type for p in refused.report.problems] == ["version-logged"]
    assert ReleaseLog.open(releases).size == 2

    index = record_rollback(releases, "0.0.1", signer, reason="0.0.2 was wrong")
    log = ReleaseLog.open(releases)
    assert index == 2 and log.current is not None
    assert (log.current.kind, log.current.version, log.current.data["returns_to"]) == ("rollback", "0.0.1", 0)
    assert log.current.sums == log.entries[0].sums and log.releases()[-1].version == "0.0.2"
    with pytest.raises(CannotRun):
        record_rollback(releases, "0.0.1", signer, reason="again")  # already served
    with pytest.raises(CannotRun):
        record_rollback(releases, "9.9.9", signer, reason="never published")
    proof = json.loads((releases / "log" / "proofs" / "consistency-2-3.json").read_text())
    assert merkle.verify_consistency(2, 3, cp.root, log.root, [bytes.fromhex(h) for h in proof["path"]])
    done = lianzheng("verify", releases, "--key", signer.verifier.vkey, "--quick")
    assert done.returncode == 0, done.stdout


def test_log_refuses_a_changed_release_on_rerun(two_releases, tmp_path):
    releases = two_releases.copy(tmp_path / "r")
    signer = signer_for(str(two_releases.key), BASE)[0]
    shutil.copy(releases / "0.0.2" / "release.json", releases / "0.0.2" / "extra.json")
    (releases / "0.0.2" / "SHA256SUMS").write_text("changed\n")
    again = publish(two_releases.sources[1], releases, signer=signer, source_date_epoch=EPOCH)
    assert not again.ok and [p.type for p in again.report.problems] == ["release-changed"]
    assert ReleaseLog.open(releases).size == 2
