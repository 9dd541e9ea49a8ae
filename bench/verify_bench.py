"""``lianzheng verify`` on releases and on a log of 1,000 entries; proof sizes; one proof
verified against recomputing the tree from every leaf (the baseline), in one run.

    python -m bench.verify_bench [--release DIR ...] [--entries 1000]

Each ``--release`` is a built release folder (``lianzheng build --out``; the 10k-case one from
``python -m bench.synth DIR --cases 10000``): it is linked (hard links) into a temporary folder of
releases, logged with a temporary key, and verified there, in full and with ``--quick``. Without
``--release``, the project's own records are built and published first (~30 s).

The log of ``--entries`` entries is made with :func:`pipelines.log.store.append` directly (small
entries naming no release folder); then: the time of ``verify`` on the log folder, the lengths of
inclusion and consistency proofs (the RFC's are about log2(n) hashes), and the time of verifying
one inclusion proof and one consistency proof against recomputing the root from all n leaves
(which is what checking without proofs takes). The ratio is baseline / proof.

Measured 2026-12-03, 2 cores (``--release`` the real records' release and the 10k-case one):

==============================  =========================================================
release (verify full / quick)   real records, 3 MB, 4,699 triples: 0.06 s / 0.01 s;
                                10k cases, 357 MB, 1.13M triples: 17.0 s / 0.29 s (the
                                RDFC-1.0 digests of .nt, .ttl and .jsonld are the rest)
log of 1,000 entries            appended in 27.4 s (fsync per file); verify the log
                                folder 1.05 s (1,000 stored checkpoints, 1,999 proofs)
inclusion proofs, n = 1,000     8..10 hashes (log2 1000 = 9.97); one verified in 5.4 us
                                against 0.79 ms to recompute the root: 147x
consistency proofs m -> 1,000   1..11 hashes; 500 -> 1,000 (9 hashes) verified in 6.9 us
                                against 1.17 ms for both roots from the leaves: 169x
==============================  =========================================================
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from pipelines.log import keys, merkle
from pipelines.log.note import Signer
from pipelines.log.publishing import record_release
from pipelines.log.store import ReleaseLog, append, origin_for
from pipelines.log.verify import verify

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://bench.example.tw"


def signer(tmp: Path) -> Signer:
    return keys.load_signer(tmp / "key.pem", origin_for(BASE), create=True)[0]


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def bench_release(folder: Path, tmp: Path, s: Signer) -> None:
    releases = tmp / f"releases-{folder.name}"
    dest = releases / folder.name
    shutil.copytree(folder, dest, copy_function=os.link)
    t, _ = timed(lambda: record_release(releases, dest, s, reason="bench"))
    full, out = timed(lambda: verify(dest, key=s.verifier.vkey))
    assert out.ok, out.to_text()  # type: ignore[attr-defined]
    quick, _ = timed(lambda: verify(dest, key=s.verifier.vkey, quick=True))
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file())
    print(f"release {folder} ({size / 1e6:.0f} MB): logged in {t:.1f} s; verify {full:.2f} s, --quick {quick:.2f} s")


def build_real(tmp: Path) -> Path:
    from pipelines.release import build

    out = tmp / "real"
    result = build(ROOT / "datasets" / "source", out)
    assert result.ok, result.report.to_text()
    return out


def bench_log(n: int, tmp: Path, s: Signer) -> None:
    releases = tmp / "log-bench"
    pem = keys.public_pem(s)
    t = time.perf_counter()
    for i in range(n):
        data = {"kind": "release", "version": f"1.0.{i}", "time": "2026-01-01T00:00:00Z",
                "sums": f"{i:064x}", "reason": f"entry {i}"}
        append(releases, lambda log, d=data: d, s, pem)
    made = time.perf_counter() - t
    log_dir = releases / "log"
    took, out = timed(lambda: verify(log_dir, key=s.verifier.vkey))
    assert out.ok, out.to_text()  # type: ignore[attr-defined]
    proofs = len(list((log_dir / "proofs").glob("*.json")))
    print(f"log of {n} entries: appended in {made:.1f} s; verify the log folder {took:.2f} s "
          f"({n} stored checkpoints, {proofs} stored proofs)")

    log = ReleaseLog.open(releases)
    leaves = log.leaves
    root = merkle.root(leaves)
    lengths = [len(merkle.inclusion_proof(leaves, i)) for i in range(n)]
    cons = [len(merkle.consistency_proof(leaves, m)) for m in range(1, n)]
    print(f"inclusion proofs at n={n}: {min(lengths)}..{max(lengths)} hashes (log2 n = {math.log2(n):.2f}); "
          f"consistency proofs m -> {n}: {min(cons)}..{max(cons)} hashes")

    i, m = n // 3, n // 2
    path = merkle.inclusion_proof(leaves, i)
    one, ok = timed(lambda: merkle.verify_inclusion(leaves[i], i, n, path, root), repeat=200)
    assert ok
    base, _ = timed(lambda: merkle.root(leaves), repeat=20)
    print(f"one inclusion proof ({len(path)} hashes) verified in {one * 1e6:.1f} us; recomputing the root "
          f"from all {n} leaves {base * 1e3:.2f} ms: {base / one:.0f}x")
    cpath = merkle.consistency_proof(leaves, m)
    old = merkle.root(leaves[:m])
    one, ok = timed(lambda: merkle.verify_consistency(m, n, old, root, cpath), repeat=200)
    assert ok
    base, _ = timed(lambda: (merkle.root(leaves[:m]), merkle.root(leaves)), repeat=20)
    print(f"one consistency proof {m} -> {n} ({len(cpath)} hashes) verified in {one * 1e6:.1f} us; both roots "
          f"from the leaves {base * 1e3:.2f} ms: {base / one:.0f}x")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.verify_bench", description=__doc__.splitlines()[0])
    ap.add_argument("--release", type=Path, action="append", default=[], help="A built release folder; repeatable.")
    ap.add_argument("--entries", type=int, default=1000, help="Entries in the log benchmark.")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lianzheng-verify-bench-") as name:
        tmp = Path(name)
        s = signer(tmp)
        for folder in args.release or [build_real(tmp)]:
            bench_release(folder, tmp, s)
        bench_log(args.entries, tmp, s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
