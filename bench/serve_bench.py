"""Benchmark of the service against its ceiling and against rdflib-endpoint, in one run.

    python -m bench.serve_bench --release /tmp/rel10k

On this machine, loopback only, one target at a time, with ``wrk`` (Debian package)
at 16 connections for a few seconds each:

* the ceiling: a FastAPI hello-world (``bench/serve_hello.py``) on the same FastAPI
  and uvicorn;
* ``lianzheng serve``: a REST case lookup (``/api/cases/{id}``), a SPARQL lookup of one
  case's triples, and a SPARQL aggregate that returns 1,000 rows;
* rdflib-endpoint over the same N-Triples and the same queries. It is installed in a
  venv of its own (``--rdflib-venv``, made on first use), never in the project's.

Each workload cycles through a list of requests (a wrk Lua script): REST lookups
through the 10,000 case ids; SPARQL lookups either through all 10,000 (distinct
queries, with a comment of their own in each round: no cache of parsed queries or
answers helps) or through 500 (repeated: both servers' caches do). Every target is
measured in turns with its baseline (hello-world with the REST lookup, rdflib-endpoint
with our SPARQL lookups; both servers stay up, idle between turns), three rounds, and
the median run of each is kept: the machine is shared, and runs minutes apart differ
by a third; the aggregate with a different comment each time, so that it is
evaluated every time. A target that takes more than a quarter of a second per request
is measured with sequential requests instead (rdflib-endpoint evaluates a query on the
event loop, so it answers one at a time whatever the concurrency), at least 3 requests
or 20 s.

Also reported for the service on this release: the time to load its store (what
``lianzheng build`` does when it publishes a release), the time from start to a
healthy ``/-/health`` after that (the first start of a published release), and the
same with an empty store cache (a release that arrived any other way: the store is
loaded at start), and the memory of all its processes (RSS summed, and PSS, which counts shared pages
once), at start-up's peak and after the load.

Prints a table and the ratios against the targets; writes JSON to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
LZ = "https://w3id.org/lianzheng/vocab#"
LOOKUP = "SELECT ?p ?o WHERE {{ <{iri}> ?p ?o }}"
# Activities per case, the 1,000 with most. (A tie-break ORDER BY ?case would cost pyoxigraph
# 4.9 s instead of 0.06 s: it sorts IRIs by their text, read back from the store.)
AGGREGATE = (f"PREFIX lz: <{LZ}> SELECT ?case (COUNT(?a) AS ?activities) WHERE {{ ?case lz:activity ?a }} "
             "GROUP BY ?case ORDER BY DESC(?activities) LIMIT 1000")
JSON_RESULTS = "application/sparql-results+json"
TARGETS = {"lookup_vs_ceiling": 0.70, "lookup_vs_rdflib": 6.0, "aggregate_vs_rdflib": 20.0,
           "ready_seconds": 10.0, "memory_bytes": 1 << 30}

RDFLIB_LAUNCHER = """
import sys, time
t = time.perf_counter()
from rdflib import Graph
g = Graph()
g.parse(sys.argv[1], format="nt")
print(f"loaded {len(g)} triples in {time.perf_counter() - t:.1f} s", flush=True)
from rdflib_endpoint import SparqlEndpoint
import uvicorn
app = SparqlEndpoint(graph=g, path="/sparql", cors_enabled=True)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ processes and memory

def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def memory(pid: int) -> dict[str, int]:
    """RSS summed over the process tree, and PSS (shared pages counted once), in bytes."""
    rss = pss = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return {"rss": rss, "pss": pss, "processes": len(tree(pid))}


class Proc:
    def __init__(self, args: list[str], log: Path, env: dict | None = None):
        self.log = log
        self.fh = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=self.fh, stderr=subprocess.STDOUT, cwd=str(ROOT),
                                     env=env or dict(os.environ))
        self.peak = {"rss": 0, "pss": 0}

    def wait_ready(self, url: str, timeout: float) -> float:
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.proc.args[:4]} stopped: {self.log.read_text(errors='replace')[-2000:]}")
            m = memory(self.proc.pid)
            self.peak = {k: max(self.peak[k], m[k]) for k in ("rss", "pss")}
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return time.monotonic() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"not ready in {timeout} s: {self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.fh.close()


# ------------------------------------------------------------------ load

def lua_script(paths: list[str], accept: str | None, folder: Path) -> Path:
    items = ",\n".join(json.dumps(p) for p in paths)
    header = f'wrk.headers["Accept"] = {json.dumps(accept)}\n' if accept else ""
    script = folder / f"paths-{abs(hash(tuple(paths))) % 10**8}.lua"
    script.write_text(f"""{header}local paths = {{
{items}
}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
""")
    return script


def parse_wrk(text: str) -> dict:
    out = {"requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    lat = re.search(r"Latency\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)", text)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1000.0}
    if lat:
        out["latency_ms_avg"] = float(lat.group(1)) * scale[lat.group(2)]
        out["latency_ms_max"] = float(lat.group(5)) * scale[lat.group(6)]
    for pct in ("50", "99"):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", text)
        if m:
            out[f"latency_ms_p{pct}"] = float(m.group(1)) * scale[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    out["non_2xx"] = int(errors.group(1)) if errors else 0
    socket_errors = re.search(r"Socket errors: (.*)", text)
    out["socket_errors"] = socket_errors.group(1).strip() if socket_errors else ""
    out["requests"] = int(re.search(r"(\d+) requests in", text).group(1))
    return out


def load(base: str, paths: list[str], accept: str | None, args, folder: Path) -> dict:
    """Requests per second and latency for GETs of ``paths`` (cycled) against ``base``."""
    with httpx.Client(timeout=120, headers={"accept": accept} if accept else {}) as client:
        t = time.perf_counter()
        first = client.get(base + paths[0])
        single = time.perf_counter() - t
        if first.status_code != 200:
            raise RuntimeError(f"{base}{paths[0][:80]} answered {first.status_code}: {first.text[:300]}")
        if single > 0.25:  # slow: sequential requests (the server answers one at a time anyway)
            n, times, deadline = 0, [], time.monotonic() + max(20.0, 3 * single)
            while n < 3 or time.monotonic() < deadline:
                t = time.perf_counter()
                r = client.get(base + paths[n % len(paths)])
                times.append(time.perf_counter() - t)
                if r.status_code != 200:
                    raise RuntimeError(f"{r.status_code}: {r.text[:300]}")
                n += 1
            total = sum(times)
            return {"requests_per_second": n / total, "latency_ms_avg": 1000 * total / n,
                    "latency_ms_max": 1000 * max(times), "requests": n, "non_2xx": 0, "socket_errors": "",
                    "method": "sequential (1 connection)"}
    script = lua_script(paths, accept, folder)
    run = subprocess.run(["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
                          "--timeout", "60s", "--latency", "-s", str(script), base],
                         capture_output=True, text=True, check=True)
    out = parse_wrk(run.stdout)
    out["method"] = f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s"
    return out


# ------------------------------------------------------------------ the run

def ensure_rdflib_venv(folder: Path) -> Path:
    python = folder / "bin" / "python"
    if not python.exists():
        print(f"making a venv for rdflib-endpoint in {folder} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "rdflib-endpoint>=0.6", "uvicorn>=0.34"],
                       check=True)
    return python


def case_ids(release: Path) -> list[str]:
    with open(release / "data" / "cases.csv", encoding="utf-8", newline="") as fh:
        return [r["case_id"] for r in csv.DictReader(fh)]


def every(ids: list[str], n: int) -> list[str]:
    return ids[::max(1, len(ids) // n)][:n]


def sparql_paths(queries: list[str]) -> list[str]:
    return ["/sparql?query=" + urllib.parse.quote(q, safe="") for q in queries]


def fmt_mb(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.serve_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--release", type=Path, required=True, help="A built release (the 10k-case one: /tmp/rel10k)")
    p.add_argument("--duration", type=int, default=5, help="Seconds of load per target (default 5)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rdflib-venv", type=Path, default=Path(tempfile.gettempdir()) / "lianzheng-bench-rdflib",
                   help="Where rdflib-endpoint is installed (made on first use)")
    p.add_argument("--skip-rdflib", action="store_true", help="Leave rdflib-endpoint out")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = p.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk", file=sys.stderr)
        return 2
    release = args.release.resolve()
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    ids = case_ids(release)
    base_iri = manifest["base"]
    work = Path(tempfile.mkdtemp(prefix="lianzheng-serve-bench-"))
    results: dict = {"release": str(release), "triples": manifest["triples"], "cases": manifest["rows"]["cases"],
                     "when": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "cpus": os.cpu_count(), "load": {}, "service": {}}
    rest_paths = [f"/api/cases/{i}" for i in ids]

    def distinct(r: int) -> list[str]:  # a comment of its own per round: no answer cache helps
        return sparql_paths([LOOKUP.format(iri=f"{base_iri}/id/case/{i}") + f" # round {r}" for i in ids])

    repeated = sparql_paths([LOOKUP.format(iri=f"{base_iri}/id/case/{i}") for i in every(ids, 500)])
    aggregates = sparql_paths([f"{AGGREGATE} # {n}" for n in range(2000)])
    rdflib_proc = None
    try:
        # the service: cold (the store is built at start), first
        serve = [sys.executable, "-m", "api.cli", "serve", "--release", str(release), "--releases",
                 str(work / "datasets" / "releases"), "--host", "127.0.0.1", "--client-budget", "1000000"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIANZHENG_")}
        port = free_port()
        proc = Proc(serve + ["--port", str(port)], work / "serve-cold.log", env)
        try:
            ready = proc.wait_ready(f"http://127.0.0.1:{port}/-/health", 600)
            results["service"]["ready_seconds_cold"] = round(ready, 2)
            results["service"]["startup_peak_cold"] = proc.peak
            print(f"lianzheng serve (cold cache): ready in {ready:.1f} s", flush=True)
        finally:
            proc.stop()
        # as `lianzheng build` does when it publishes: load the store, then start
        from api.store.embedded import prepare_store

        published_cache = work / "published" / "cache"
        t = time.perf_counter()
        prepare_store(release, published_cache).wait(timeout=1800)
        results["service"]["store_load_seconds"] = round(time.perf_counter() - t, 2)
        print(f"store loaded as `lianzheng build` does: {results['service']['store_load_seconds']:.1f} s",
              flush=True)
        serve = serve[:serve.index("--releases") + 1] + [str(work / "published" / "releases")] + \
            serve[serve.index("--releases") + 2:]

        # rdflib-endpoint, up (idle) beside ours, so that the two are measured in turns
        rdflib_url = None
        if not args.skip_rdflib:
            python = ensure_rdflib_venv(args.rdflib_venv)
            launcher = work / "rdflib_endpoint_launcher.py"
            launcher.write_text(RDFLIB_LAUNCHER)
            rport = free_port()
            print("rdflib-endpoint: loading the N-Triples (a minute or two) ...", flush=True)
            rdflib_proc = Proc([str(python), str(launcher), str(release / "lianzheng.nt"), str(rport)],
                               work / "rdflib.log")
            ready = rdflib_proc.wait_ready(f"http://127.0.0.1:{rport}/sparql?query=ASK%7B%7D", 1800)
            results["rdflib_endpoint"] = {
                "ready_seconds": round(ready, 1), "memory_ready": memory(rdflib_proc.proc.pid),
                "version": subprocess.run([str(python), "-c", "import importlib.metadata as m;"
                                           "print(m.version('rdflib-endpoint'))"],
                                          capture_output=True, text=True).stdout.strip()}
            rdflib_url = f"http://127.0.0.1:{rport}"

        hello_port, port = free_port(), free_port()
        hello = Proc([sys.executable, "-m", "uvicorn", "bench.serve_hello:app", "--host", "127.0.0.1", "--port",
                      str(hello_port), "--log-level", "warning", "--no-access-log"], work / "hello.log")
        proc = Proc(serve + ["--port", str(port)], work / "serve-warm.log", env)
        try:
            hello.wait_ready(f"http://127.0.0.1:{hello_port}/", 60)
            ready = proc.wait_ready(f"http://127.0.0.1:{port}/-/health", 600)
            results["service"]["ready_seconds_warm"] = round(ready, 2)
            results["service"]["startup_peak_warm"] = proc.peak
            results["service"]["memory_ready_warm"] = memory(proc.proc.pid)
            print(f"lianzheng serve (store loaded by the build): ready in {ready:.1f} s", flush=True)
            url = f"http://127.0.0.1:{port}"
            # Targets and their baselines in turns, the median of three each: this machine
            # is shared, and a ratio of two runs minutes apart means little.
            print("hello-world and REST lookups, in turns ...", flush=True)
            turns(results, 3, [("ceiling: FastAPI hello-world",
                                lambda r: load(f"http://127.0.0.1:{hello_port}", ["/"], None, args, work)),
                               ("lianzheng: REST case lookup", lambda r: load(url, rest_paths, None, args, work))])
            print("SPARQL lookups, lianzheng and rdflib-endpoint in turns ...", flush=True)
            for name, paths_of in (("SPARQL lookup, distinct queries", distinct),
                                   ("SPARQL lookup, 500 repeated", lambda r: repeated)):
                pairs = [(f"lianzheng: {name}", lambda r, p=paths_of: load(url, p(r), JSON_RESULTS, args, work))]
                if rdflib_url:
                    pairs.append((f"rdflib-endpoint: {name}",
                                  lambda r, p=paths_of: load(rdflib_url, p(r), JSON_RESULTS, args, work)))
                turns(results, 3, pairs)
            print("SPARQL aggregate ...", flush=True)
            name = "SPARQL aggregate (1,000 rows)"
            results["load"][f"lianzheng: {name}"] = load(url, aggregates, JSON_RESULTS, args, work)
            if rdflib_url:  # 0.3-0.5 req/s, measured sequentially for 20 s: once
                results["load"][f"rdflib-endpoint: {name}"] = load(rdflib_url, aggregates, JSON_RESULTS, args, work)
            results["service"]["memory_after_load"] = memory(proc.proc.pid)
        finally:
            proc.stop()
            hello.stop()
    finally:
        if rdflib_proc is not None:
            rdflib_proc.stop()
        shutil.rmtree(work, ignore_errors=True)

    report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"serve-{results['when'].replace(':', '')}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out}")
    return 0


def turns(results: dict, rounds: int, targets: list) -> None:
    """Measure each (name, run(round)) in turn, ``rounds`` times; keep the median run of each."""
    runs: dict[str, list] = {name: [] for name, _ in targets}
    for r in range(rounds):
        for name, run in targets:
            runs[name].append(run(r))
    for name, got in runs.items():
        got.sort(key=lambda x: x["requests_per_second"])
        mid = got[len(got) // 2]
        results["load"][name] = dict(mid, method=mid["method"] + f", median of {rounds} in turns",
                                     all_runs=[round(x["requests_per_second"], 1) for x in got])


def ratio(results: dict, a: str, b: str) -> float | None:
    la, lb = results["load"].get(a), results["load"].get(b)
    if not la or not lb or not lb["requests_per_second"]:
        return None
    return la["requests_per_second"] / lb["requests_per_second"]


def report(results: dict) -> None:
    print(f"\nrelease: {results['release']} ({results['cases']:,} cases, {results['triples']:,} triples), "
          f"{results['cpus']} CPUs, loopback\n")
    print(f"{'target':<52} {'req/s':>10} {'avg ms':>9} {'p99 ms':>9} {'non-2xx':>8}  method")
    for name, r in results["load"].items():
        p99 = r.get("latency_ms_p99")
        print(f"{name:<52} {r['requests_per_second']:>10,.1f} {r.get('latency_ms_avg', 0):>9.2f} "
              f"{(f'{p99:.2f}' if p99 is not None else '-'):>9} {r['non_2xx']:>8}  {r['method']}")
    L, R = "lianzheng: ", "rdflib-endpoint: "
    checks = [
        ("REST lookup / hello-world ceiling", ratio(results, L + "REST case lookup", "ceiling: FastAPI hello-world"),
         TARGETS["lookup_vs_ceiling"], "x"),
        ("SPARQL lookup, distinct / hello-world ceiling",
         ratio(results, L + "SPARQL lookup, distinct queries", "ceiling: FastAPI hello-world"), None, "x"),
        ("SPARQL lookup, distinct: lianzheng / rdflib-endpoint",
         ratio(results, L + "SPARQL lookup, distinct queries", R + "SPARQL lookup, distinct queries"),
         TARGETS["lookup_vs_rdflib"], "x"),
        ("SPARQL lookup, 500 repeated: lianzheng / rdflib-endpoint",
         ratio(results, L + "SPARQL lookup, 500 repeated", R + "SPARQL lookup, 500 repeated"),
         TARGETS["lookup_vs_rdflib"], "x"),
        ("REST lookup / rdflib-endpoint SPARQL lookup, distinct",
         ratio(results, L + "REST case lookup", R + "SPARQL lookup, distinct queries"), None, "x"),
        ("SPARQL aggregate: lianzheng / rdflib-endpoint",
         ratio(results, L + "SPARQL aggregate (1,000 rows)", R + "SPARQL aggregate (1,000 rows)"),
         TARGETS["aggregate_vs_rdflib"], "x"),
    ]
    print("\nratios")
    for label, value, target, unit in checks:
        if value is None:
            print(f"  {label:<56} -")
            continue
        verdict = "" if target is None else ("  meets" if value >= target else "  BELOW") + f" target {target:g}{unit}"
        print(f"  {label:<56} {value:8.2f}{unit}{verdict}")
    s = results["service"]
    print("\nlianzheng serve on this release")
    if "store_load_seconds" in s:
        print(f"  store load (done by `lianzheng build` when it publishes): {s['store_load_seconds']:6.2f} s")
    for state, label in (("warm", "first start of a published release (store loaded by the build)"),
                         ("cold", "start with an empty store cache (store loaded at start)")):
        if f"ready_seconds_{state}" in s and f"startup_peak_{state}" in s:
            ok = "meets" if s[f"ready_seconds_{state}"] <= TARGETS["ready_seconds"] else "ABOVE"
            peak = s[f"startup_peak_{state}"]
            print(f"  ready, {label}: {s[f'ready_seconds_{state}']:6.2f} s ({ok} target "
                  f"{TARGETS['ready_seconds']:g} s)\n"
                  f"    start-up peak RSS {fmt_mb(peak['rss'])}, PSS {fmt_mb(peak['pss'])}")
    for key, label in (("memory_ready_warm", "ready"), ("memory_after_load", "after the load")):
        if key in s:
            m = s[key]
            ok = "meets" if m["rss"] <= TARGETS["memory_bytes"] else "ABOVE"
            print(f"  memory {label}: RSS {fmt_mb(m['rss'])} summed over {m['processes']} processes "
                  f"({ok} target 1 GiB), PSS {fmt_mb(m['pss'])}")
    if "rdflib_endpoint" in results:
        r = results["rdflib_endpoint"]
        print(f"\nrdflib-endpoint {r['version']}: ready in {r['ready_seconds']} s, "
              f"RSS {fmt_mb(r['memory_ready']['rss'])}")


if __name__ == "__main__":
    sys.exit(main())
