"""RDFC-1.0 canonical N-Quads (:mod:`pipelines.log.canon`) against PyLD's URDNA2015, in one run.

    python -m bench.canon_bench --release /tmp/canon/real --release /tmp/canon/rel10k

A release is a folder that `lianzheng build --out` wrote (the 10k-case one from
``python -m bench.synth DIR --cases 10000`` and ``lianzheng build --source DIR``, ~1M triples).
For each release:

* **ours**: ``rdfc_digest`` of ``lianzheng.nt``, ``.ttl`` and ``.jsonld``: wall time, peak RSS,
  and whether the three digests agree;
* **baseline**, PyLD (``jsonld.normalize`` with ``URDNA2015``, N-Quads in and out), the
  pure-Python canonicaliser that JSON-LD tools use: given the N-Quads that ours hashes (oxigraph's
  reading of ``lianzheng.nt``, language tags in lower case), its wall time and peak RSS, and
  whether its document is byte for byte ours. It is stopped after ``--timeout`` seconds.

Each side runs in its own process, sampled from /proc for its peak RSS. The ratio is
baseline time / ours, on the same N-Triples file.

Measured 2026-12-03, 2 cores, PyLD 3.3.0, pyoxigraph 0.5.13 (neither release has blank
nodes, so ours is oxigraph's serialiser and a sort); times include starting the process:

==============================  ==================================  ==============================
release                         ours, .nt / .ttl / .jsonld / .nq    PyLD URDNA2015, .nq
==============================  ==================================  ==============================
real, 4,699 triples             0.10 s each, 28-32 MiB               2.17 s, 45 MiB; the same
                                                                    document; 21x
10k cases, 1,130,974 triples    3.8 / 3.8 / 8.0 / 4.7 s,            stopped after 240 s at
                                765 / 733 / 1,543 / 757 MiB          870 MiB, no result; > 51x
==============================  ==================================  ==============================

All three formats gave one digest at both sizes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

FORMATS = ("nt", "ttl", "jsonld")


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def run(args: list[str], timeout: float) -> dict:
    """Run ``python -m bench.canon_bench --worker ...``; wall seconds, peak RSS, its stdout, or a timeout."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench.canon_bench", "--worker", *args],
                            stdout=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _rss(proc.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, _ = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        timed_out = True
    stop.set()
    sampler.join()
    return {"wall": time.perf_counter() - start, "peak": peak, "out": out.strip(),
            "timed_out": timed_out, "rc": proc.returncode}


def worker(kind: str, source: Path, result: Path) -> None:
    """In a child process: canonicalise ``source`` one way, write the document to ``result``."""
    if kind == "ours":
        import pyoxigraph as ox

        from pipelines.log.canon import canonical_nquads, rdfc_digest

        if source.suffix == ".nq":
            document = canonical_nquads(ox.parse(path=source, format=ox.RdfFormat.N_QUADS))
            result.write_bytes(document)
            print(hashlib.sha256(document).hexdigest())
        else:
            print(rdfc_digest(source))
    else:
        from pyld import jsonld

        document = jsonld.normalize(source.read_text(encoding="utf-8"), {
            "algorithm": "URDNA2015", "inputFormat": "application/n-quads", "format": "application/n-quads"})
        result.write_bytes(document.encode("utf-8"))
        print(hashlib.sha256(document.encode("utf-8")).hexdigest())


def bench_release(release: Path, work: Path, timeout: float) -> None:
    import pyoxigraph as ox

    nt = release / "lianzheng.nt"
    with open(nt, "rb") as fh:
        triples = sum(1 for _ in fh)
    print(f"\n{release}: {triples:,} triples")
    ours = {}
    for fmt in FORMATS:
        ours[fmt] = r = run(["ours", str(release / f"lianzheng.{fmt}"), os.devnull], timeout)
        print(f"  ours  .{fmt:<7} {r['wall']:7.2f} s  {r['peak'] / 2**20:6.0f} MiB  {r['out']}")
    agree = len({r["out"] for r in ours.values()}) == 1
    print(f"  the three formats give {'the same digest' if agree else 'DIFFERENT digests'}")

    # the same N-Quads for both sides: oxigraph's reading of the N-Triples
    nq = work / f"{release.name}.nq"
    nq.write_bytes(ox.serialize(ox.parse(path=nt, format=ox.RdfFormat.N_TRIPLES), format=ox.RdfFormat.N_QUADS))
    mine, theirs = work / f"{release.name}.ours.nq", work / f"{release.name}.pyld.nq"
    a = run(["ours", str(nq), str(mine)], timeout)
    b = run(["pyld", str(nq), str(theirs)], timeout)
    print(f"  ours  .nq      {a['wall']:7.2f} s  {a['peak'] / 2**20:6.0f} MiB")
    if b["timed_out"]:
        print(f"  PyLD  .nq      stopped after {b['wall']:.0f} s, {b['peak'] / 2**20:.0f} MiB RSS then, no result; "
              f"ratio PyLD / ours > {b['wall'] / a['wall']:.0f}x")
        return
    if b["rc"] != 0:
        print(f"  PyLD  .nq      failed (exit {b['rc']}) after {b['wall']:.1f} s, {b['peak'] / 2**20:.0f} MiB")
        return
    same = mine.read_bytes() == theirs.read_bytes()
    print(f"  PyLD  .nq      {b['wall']:7.2f} s  {b['peak'] / 2**20:6.0f} MiB  "
          f"{'the same document' if same else 'a DIFFERENT document'}")
    print(f"  ratio PyLD / ours: {b['wall'] / a['wall']:.1f}x")


def main() -> int:
    p = argparse.ArgumentParser(description="RDFC-1.0 benchmark (see the module docstring).")
    p.add_argument("--release", type=Path, action="append", help="a built release folder (repeatable)")
    p.add_argument("--timeout", type=float, default=240, help="seconds before a side is stopped (default 240)")
    p.add_argument("--worker", nargs=3, metavar=("KIND", "SOURCE", "RESULT"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        kind, source, result = args.worker
        worker(kind, Path(source), Path(result))
        return 0
    if not args.release:
        p.error("name at least one --release")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        for release in args.release:
            bench_release(release, Path(tmp), args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
