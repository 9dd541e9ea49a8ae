"""Build benchmark: a full `lianzheng build` of synthetic releases, against a named baseline.

    python -m bench.build_bench                 # 1k and 10k cases
    python -m bench.build_bench --cases 1000    # one size

For each size it generates the synthetic records (bench/synth.py, deterministic),
runs the real command line (`lianzheng build --out`) in a subprocess and reports
the wall time, the peak memory of the whole process tree (PSS, sampled from /proc),
and where the time went (the build's own stage timings; stages overlap, since
the XLSX copy and the checks run in worker processes).

Baseline, measured in the same run at the smallest size: the straightforward
pipeline over the same triples and shapes — rdflib's own Turtle, N-Triples and
JSON-LD serialisers and pySHACL as shipped (no batching), in one process. Both
sides write and check the same graph; the ratio is baseline time / ours.

Target (issue 2): 10k cases (~1M triples), every format and check, within 60 s
and 2 GiB on this machine (2 cores).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIANZHENG = Path(sys.executable).parent / "lianzheng"


def _tree_memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of a process and all its descendants, in bytes.

    Forked workers share the parent's pages until they write to them, so adding
    up RSS counts a shared page once per process; PSS divides each shared page
    among the processes that map it, so the sum is the tree's real footprint.
    Both are reported; the target is judged on PSS.
    """
    pss = rss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return pss, rss


def run_build(source: Path, out: Path) -> dict:
    """Run the real CLI; return wall seconds, peak tree PSS and RSS and the build's stage timings."""
    if out.exists():
        shutil.rmtree(out)
    start = time.perf_counter()
    proc = subprocess.Popen([str(LIANZHENG), "build", "--source", str(source), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": "1795305600"})
    peak = peak_rss = 0
    stop = threading.Event()

    def sample():
        nonlocal peak, peak_rss
        while not stop.is_set():
            pss, rss = _tree_memory(proc.pid)
            peak, peak_rss = max(peak, pss), max(peak_rss, rss)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"build failed ({proc.returncode}):\n{stderr[-3000:]}")
    stages = dict(re.findall(r"(\w[\w ]*?) ([\d.]+)(?:,|$)", (re.search(r"seconds: (.*)", stdout) or [""])[0]
                             .removeprefix("seconds: ")))
    triples = int(re.search(r"triples: (\d+)", stdout).group(1))
    return {"wall": wall, "peak": peak, "peak_rss": peak_rss, "stages": stages, "triples": triples}


def machine_speed(source: Path, files: int = 400) -> float:
    """Milliseconds to parse one synthetic case file with PyYAML's C loader, in this process.

    A fixed, single-threaded probe printed beside the figures: this machine is a shared
    VM whose speed drifts by a third within an hour (1.07 ms a file quiet, 1.43 when
    slow, in session 2), so a figure means most next to the probe taken with it.
    """
    import yaml

    texts = [p.read_text(encoding="utf-8") for p in sorted((source / "cases").glob("*.yaml"))[:files]]
    t = time.perf_counter()
    for text in texts:
        yaml.load(text, Loader=yaml.CSafeLoader)
    return (time.perf_counter() - t) / max(1, len(texts)) * 1000


def baseline(source: Path, out: Path) -> dict:
    """The straightforward pipeline over the same graph: rdflib serialisers + plain pySHACL."""
    from pyshacl import validate
    from rdflib import Graph

    from pipelines.checks.shacl import shapes_graph
    from pipelines.rdf.graph import dataset_triples
    from pipelines.rdf.ids import DEFAULT_BASE
    from pipelines.rdf.prefixes import jsonld_context
    from pipelines.rdf.terms import to_rdflib
    from pipelines.read.reader import read_dataset

    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ds = read_dataset(source)
    g = to_rdflib(dataset_triples(ds, DEFAULT_BASE), Graph())
    t1 = time.perf_counter()
    g.serialize(out / "b.ttl", format="turtle")
    g.serialize(out / "b.nt", format="nt")
    g.serialize(out / "b.jsonld", format="json-ld", context=jsonld_context(DEFAULT_BASE))
    t2 = time.perf_counter()
    conforms, _, _ = validate(g, shacl_graph=shapes_graph(), inference="none", allow_warnings=True)
    t3 = time.perf_counter()
    return {"wall": t3 - t0, "read+graph": t1 - t0, "serialise": t2 - t1, "shacl": t3 - t2,
            "conforms": conforms, "triples": len(g)}


def main() -> int:
    p = argparse.ArgumentParser(description="Build benchmark (see the module docstring).")
    p.add_argument("--cases", type=int, action="append", help="sizes to build (default 1000 and 10000)")
    p.add_argument("--work", type=Path, help="folder for generated records and releases (default: a temp dir)")
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline")
    args = p.parse_args()
    sizes = args.cases or [1000, 10000]
    sys.path.insert(0, str(ROOT))
    from bench.synth import generate

    work = args.work or Path(tempfile.mkdtemp(prefix="lianzheng-bench-"))
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; work folder {work}")
    results = {}
    for n in sizes:
        src = work / f"syn{n}"
        if not (src / "cases").is_dir() or len(list((src / "cases").glob("*.yaml"))) != n:
            t = time.perf_counter()
            generate(src, n)
            print(f"generated {n} cases in {time.perf_counter() - t:.1f} s")
        speed = machine_speed(src)
        r = results[n] = run_build(src, work / f"release{n}")
        r["probe"] = (speed + machine_speed(src)) / 2
        stages = ", ".join(f"{k} {float(v):.1f}" for k, v in r["stages"].items())
        print(f"ours   {n:>6} cases {r['triples']:>9} triples: {r['wall']:6.1f} s wall, "
              f"peak {r['peak'] / 2**20:5.0f} MiB PSS "
              f"({r['peak_rss'] / 2**20:.0f} MiB adding up RSS; process tree)\n       stages (s, overlapping): {stages}"
              f"\n       machine speed probe (before and after): {r['probe']:.2f} ms a YAML file "
              "(1.07 on a quiet machine in session 2)")
    if not args.no_baseline:
        n = min(sizes)
        b = baseline(work / f"syn{n}", work / "baseline")
        ours = results[n]["wall"]
        print(f"baseline {n:>4} cases {b['triples']:>9} triples: {b['wall']:6.1f} s "
              f"(read+graph {b['read+graph']:.1f}, rdflib serialisers {b['serialise']:.1f}, "
              f"plain pySHACL {b['shacl']:.1f}; conforms {b['conforms']})")
        print(f"ratio at {n} cases: baseline / ours = {b['wall'] / ours:.1f}x "
              "(ours also writes CSV, XLSX, checksums and runs Frictionless)")
    if 10000 in results:
        r = results[10000]
        ok = r["wall"] <= 60 and r["peak"] <= 2 * 2**30
        print(f"target 10k: <= 60 s and <= 2048 MiB: {r['wall']:.1f} s, {r['peak'] / 2**20:.0f} MiB PSS "
              f"-> {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
