"""`lianzheng verify` through the real command: a two-release log from two sources verifies,
and each way of rewriting history in a copy is caught by the check meant for it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipelines.checksums import write_sums
from pipelines.log import keys
from pipelines.log.note import Signer
from pipelines.log.store import LOG_DIR, ReleaseLog, append

from .conftest import TwoReleases, lianzheng


def verify(*args) -> tuple[int, dict]:
    done = lianzheng("verify", *args, "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def failed(report: dict) -> list[tuple[str, int | None]]:
    return [(c["check"], c["entry"]) for c in report["checks"] if not c["ok"]]


def rebuild(releases: Path, datas: list[dict], signer: Signer) -> None:
    """Write the log anew from entry data (what an operator who rewrites history does)."""
    shutil.rmtree(releases / LOG_DIR)
    for data in datas:
        append(releases, lambda log, d=data: d, signer, keys.public_pem(signer))


def entry_data(releases: Path) -> list[dict]:
    return [{k: v for k, v in e.data.items() if k not in ("index", "previous", "log")}
            for e in ReleaseLog.open(releases).entries]


def real_signer(two: TwoReleases) -> Signer:
    return keys.load_signer(two.key, "lianzheng.example.tw/log")[0]


def test_verify_two_releases_from_two_sources_pass(two_releases):
    code, report = verify(two_releases.releases, "--key", two_releases.vkey)
    assert code == 0, report
    checks = [c["check"] for c in report["checks"]]
    for version in ("0.0.1", "0.0.2"):
        for check in ("checksums", "sums in entry", "inclusion", "RDF lianzheng.nt", "RDF lianzheng.ttl",
                      "RDF lianzheng.jsonld"):
            assert f"{version}: {check}" in checks
    assert report["warnings"] == [] and report["size"] == 2
    text = lianzheng("verify", two_releases.releases / "0.0.1", "--key", two_releases.vkey)
    assert text.returncode == 0 and "✓ 0.0.1: inclusion" in text.stdout and "RDFC-1.0 digests" in text.stderr


def test_the_catalogue_publishes_the_key_a_reader_pins(two_releases):
    """Each release's DCAT catalogue names the log's verifier key; pinned, it verifies the log."""
    from rdflib import Graph, URIRef

    from pipelines.terms import LZ

    for version in ("0.0.1", "0.0.2"):
        g = Graph().parse(two_releases.releases / version / "catalog.ttl")
        keys_named = {str(o) for o in g.objects(None, URIRef(str(LZ.releaseLogKey)))}
        assert keys_named == {two_releases.vkey}
    assert (two_releases.releases / LOG_DIR / "key").read_text().strip() == two_releases.vkey
    code, report = verify(two_releases.releases, "--key", keys_named.pop(), "--quick")
    assert code == 0, report


def test_verify_without_a_pinned_key_warns(two_releases):
    code, report = verify(two_releases.releases / "0.0.2", "--quick")
    assert code == 0
    assert [w["type"] for w in report["warnings"]] == ["key-not-pinned"]


def test_verify_catches_a_byte_changed_in_an_old_release(two_releases, tmp_path):
    releases = two_releases.copy(tmp_path / "r")
    csv = releases / "0.0.1" / "data" / "cases.csv"
    data = bytearray(csv.read_bytes())
    data[-2] ^= 0x01
    csv.write_bytes(bytes(data))
    code, report = verify(releases, "--key", two_releases.vkey, "--quick")
    assert code == 1
    assert failed(report) == [("0.0.1: checksums", 0)]
    assert report["first_failure"]["problem"]["type"] == "checksum-mismatch"
    assert report["first_failure"]["file"].endswith("data/cases.csv")


def test_verify_catches_an_old_release_rewritten_with_its_sums(two_releases, tmp_path):
    releases = two_releases.copy(tmp_path / "r")
    csv = releases / "0.0.1" / "data" / "cases.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("125", "100"), encoding="utf-8")
    write_sums(releases / "0.0.1")
    code, report = verify(releases, "--key", two_releases.vkey, "--quick")
    assert code == 1
    assert failed(report) == [("0.0.1: sums in entry", 0)]
    assert report["first_failure"]["version"] == "0.0.1"


def test_verify_catches_an_old_entry_rewritten(two_releases, tmp_path):
    releases = two_releases.copy(tmp_path / "r")
    entry = releases / LOG_DIR / "entries" / "000000.json"
    entry.write_text(entry.read_text(encoding="utf-8").replace('"first release"', '"another reason"'),
                     encoding="utf-8")
    code, report = verify(releases, "--key", two_releases.vkey, "--quick")
    assert code == 1
    found = failed(report)
    assert ("previous hashes", 1) in found and ("Merkle root", 0) in found
    assert ("0.0.1: inclusion", 0) in found
    assert report["first_failure"]["check"] == "previous hashes"


def test_verify_catches_a_log_rewritten_and_signed_by_another_key(two_releases, tmp_path):
    releases = two_releases.copy(tmp_path / "r")
    datas = entry_data(releases)
    datas[0]["reason"] = "history, rewritten"
    other = tmp_path / "other.pem"
    keys.generate(other)
    rebuild(releases, datas, keys.load_signer(other, "lianzheng.example.tw/log")[0])
    code, report = verify(releases, "--key", two_releases.vkey, "--quick")
    assert code == 1
    assert report["first_failure"]["check"] == "checkpoint"
    assert report["first_failure"]["problem"]["type"] == "bad-signature"
    assert ("stored checkpoints", 0) in failed(report)
    # the log's own key is the rewriter's: without a pinned key the rewrite passes, with a warning
    code, report = verify(releases, "--quick")
    assert code == 0 and [w["type"] for w in report["warnings"]] == ["key-not-pinned"]


def test_verify_since_catches_the_last_entry_dropped_and_resigned(two_releases, tmp_path):
    releases = two_releases.copy(tmp_path / "r")
    kept = tmp_path / "kept-checkpoint"
    shutil.copy(releases / LOG_DIR / "checkpoint", kept)
    rebuild(releases, entry_data(releases)[:1], real_signer(two_releases))
    code, report = verify(releases, "--key", two_releases.vkey, "--quick")
    assert code == 0  # signed by the real key and consistent on its own
    assert [w["type"] for w in report["warnings"]] == ["not-logged"]  # 0.0.2 is no longer in it
    code, report = verify(releases, "--key", two_releases.vkey, "--quick", "--since", kept)
    assert code == 1
    assert failed(report) == [("since", 1)]  # entry 1 is the one gone
    assert report["first_failure"]["problem"]["type"] == "log-shrank"


def fork(two: TwoReleases, dest: Path) -> Path:
    """Another log signed by the same key: the same first entry, then another history."""
    releases = two.copy(dest)
    datas = entry_data(releases)
    datas[1]["reason"] = "a different story"
    rollback = {"kind": "rollback", "version": "0.0.1", "time": datas[1]["time"], "sums": datas[0]["sums"],
                "reason": "back", "returns_to": 0, "created": datas[0]["created"]}
    rebuild(releases, [*datas, rollback], real_signer(two))
    return releases


def test_verify_since_catches_a_fork(two_releases, tmp_path):
    forked = fork(two_releases, tmp_path / "fork")
    assert verify(forked, "--key", two_releases.vkey, "--quick")[0] == 0  # consistent on its own
    kept = two_releases.releases / LOG_DIR / "checkpoint"
    code, report = verify(forked, "--key", two_releases.vkey, "--quick", "--since", kept)
    assert code == 1
    assert failed(report) == [("since", 1)]
    assert report["first_failure"]["problem"]["type"] == "inconsistent"
    # the same with a size and root hash written down instead of the file
    root = kept.read_text(encoding="utf-8").splitlines()[2]
    code, report = verify(forked, "--key", two_releases.vkey, "--quick", "--since-size", "2", "--since-root", root)
    assert code == 1 and failed(report) == [("since", 1)]
    code, _ = verify(two_releases.releases, "--key", two_releases.vkey, "--quick", "--since",
                     two_releases.releases / LOG_DIR / "checkpoints" / "1")
    assert code == 0


def test_witness_refuses_to_cosign_a_fork(two_releases, tmp_path):
    releases = two_releases.releases
    key = tmp_path / "witness.pem"
    made = lianzheng("witness", "keygen", "--out", key, "--name", "witness.example.org")
    assert made.returncode == 0, made.stderr
    witness = made.stdout.strip()
    assert witness.startswith("witness.example.org+")

    def cosign(checkpoint: Path, log: Path):
        return lianzheng("witness", "cosign", checkpoint, "--key", key, "--name", "witness.example.org",
                         "--log-key", two_releases.vkey, "--log", log)

    first = cosign(releases / LOG_DIR / "checkpoints" / "1", releases / LOG_DIR)
    assert first.returncode == 0, first.stderr
    second = cosign(releases / LOG_DIR / "checkpoint", releases / LOG_DIR)  # extends the first: cosigned
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[-1].startswith("— witness.example.org ")
    forked = fork(two_releases, tmp_path / "fork")
    refused = cosign(forked / LOG_DIR / "checkpoint", forked / LOG_DIR)
    assert refused.returncode == 1
    assert "split view" in refused.stderr and "分叉" in refused.stderr
    # the publisher adds the cosignature; verify then counts it
    copy = two_releases.copy(tmp_path / "r")
    note = tmp_path / "cosigned"
    note.write_text(second.stdout, encoding="utf-8")
    added = lianzheng("witness", "add", note, "--witness", witness, "--releases", copy)
    assert added.returncode == 0, added.stderr
    code, report = verify(copy, "--key", two_releases.vkey, "--witness", witness, "--quick")
    assert code == 0
    assert "verified witness.example.org" in report["checks"][1]["detail"]
    code, report = verify(two_releases.releases, "--key", two_releases.vkey, "--witness", witness, "--quick")
    assert code == 1 and report["first_failure"]["check"] == "cosignatures"  # the original has none


def test_witness_add_refuses_a_line_that_does_not_verify(two_releases, tmp_path):
    copy = two_releases.copy(tmp_path / "r")
    key = tmp_path / "w.pem"
    witness = lianzheng("witness", "keygen", "--out", key, "--name", "w.example").stdout.strip()
    signed = lianzheng("witness", "cosign", copy / LOG_DIR / "checkpoint", "--key", key, "--name", "w.example",
                       "--log-key", two_releases.vkey, "--log", copy / LOG_DIR).stdout
    lines = signed.splitlines(keepends=True)
    blob = lines[-1].split(" ")[-1]
    lines[-1] = lines[-1].replace(blob, blob[:20] + ("A" if blob[20] != "A" else "B") + blob[21:])
    note = tmp_path / "bad"
    note.write_text("".join(lines), encoding="utf-8")
    before = (copy / LOG_DIR / "checkpoint").read_bytes()
    refused = lianzheng("witness", "add", note, "--witness", witness, "--releases", copy)
    assert refused.returncode == 1 and "does not verify" in refused.stderr
    assert (copy / LOG_DIR / "checkpoint").read_bytes() == before


@pytest.fixture(scope="module")
def reserialised(two_releases, tmp_path_factory) -> tuple[Path, Path]:
    import rdflib

    g = rdflib.Graph()
    g.parse(two_releases.releases / "0.0.2" / "lianzheng.ttl", format="turtle")
    out = tmp_path_factory.mktemp("rdf")
    same = out / "copy.jsonld"
    same.write_text(g.serialize(format="json-ld"), encoding="utf-8")
    s, p, o = next((s, p, o) for s, p, o in g if isinstance(o, rdflib.Literal))
    g.remove((s, p, o))
    g.add((s, p, rdflib.Literal(str(o) + " (edited)", lang=o.language, datatype=o.datatype)))
    edited = out / "edited.jsonld"
    edited.write_text(g.serialize(format="json-ld"), encoding="utf-8")
    return same, edited


def test_verify_rdf_accepts_a_reserialised_copy(two_releases, reserialised):
    same, _ = reserialised
    code, report = verify(two_releases.releases / "0.0.2", "--key", two_releases.vkey, "--quick", "--rdf", same)
    assert code == 0
    assert report["checks"][-1]["check"] == "RDF copy.jsonld" and report["checks"][-1]["entry"] == 1


def test_verify_rdf_refuses_an_edited_triple(two_releases, reserialised):
    _, edited = reserialised
    code, report = verify(two_releases.releases / "0.0.2", "--key", two_releases.vkey, "--quick", "--rdf", edited)
    assert code == 1
    assert failed(report) == [("RDF edited.jsonld", 1)]
    assert report["first_failure"]["problem"]["type"] == "rdf-mismatch"


@pytest.mark.parametrize("args", [
    ("{tmp}/nowhere",),
    ("{releases}", "--key", "not-a-key"),
    ("{releases}", "--since-size", "1"),
    ("{releases}/0.0.1", "--log", "{tmp}"),
])
def test_verify_exits_2_when_it_cannot_run(two_releases, tmp_path, args):
    argv = [a.format(tmp=tmp_path, releases=two_releases.releases) for a in args]
    done = lianzheng("verify", *argv)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.strip()
