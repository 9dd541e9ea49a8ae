"""Serving history and switching live, measured in one run.

    python -m bench.switch_bench --releases /tmp/sw10k/releases

``RELEASES`` holds a log of at least ``--past`` + 2 releases (made with ``python -m bench.synth
DIR --cases 10000`` and ``lianzheng build`` once per version). ``lianzheng serve`` runs over it
(``--log-poll 1``, ``--releases-open PAST``), and, with ``wrk`` (Debian package) cycling
through every case's ``/api/cases/{id}``:

* lookups per second at rest, before and after (the baseline, in the same run);
* lookups per second while the log is switched ``--switches`` times (rollback entries to
  releases that are open only as past releases, so each switch opens its release in full:
  tables, store, query workers, checksums) -- the target is at least 90% of the rate at rest,
  and no error (wrk's non-2xx and socket errors);
* for each switch, the time from the log's commit to ``/-/version`` naming it;
* with ``--publish SOURCE``: a new release published while the service runs (its build, then
  the time from the log's commit to served: its store is loaded then, as after a publish
  without ``build --store``);
* the memory of the service's processes (RSS summed, and PSS, which counts shared pages
  once) with no past release open, with one and with ``--past``, and the time each past
  release took to open on its first request.

Prints the figures and the ratio; writes JSON to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from .serve_bench import ROOT, Proc, case_ids, fmt_mb, free_port, lua_script, memory, parse_wrk

TARGET = 0.90  # lookups during switches / at rest


def served(url: str) -> str:
    return httpx.get(url + "/-/version", timeout=30).json()["release"]


def wait_served(url: str, version: str, timeout: float = 600) -> float:
    start = time.monotonic()
    while served(url) != version:
        if time.monotonic() - start > timeout:
            raise RuntimeError(f"{version} not served after {timeout} s")
        time.sleep(0.05)
    return time.monotonic() - start


def wrk(url: str, script: Path, args, seconds: int) -> subprocess.Popen:
    return subprocess.Popen(["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout",
                             "30s", "--latency", "-s", str(script), url], stdout=subprocess.PIPE, text=True)


def rest(url: str, script: Path, args) -> dict:
    out, _ = wrk(url, script, args, args.duration).communicate()
    return parse_wrk(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.switch_bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--releases", type=Path, required=True, help="A folder of releases with a log")
    p.add_argument("--past", type=int, default=10, help="Past releases to open (default 10)")
    p.add_argument("--switches", type=int, default=6, help="Switches during the load (default 6)")
    p.add_argument("--publish", type=Path, help="A source folder to publish while the service runs")
    p.add_argument("--duration", type=int, default=15, help="Seconds of each load at rest (default 15)")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--open-share", type=float, default=0.1,
                   help="The service's open_share (default 0.1; 1 opens without stepping aside: the old way)")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = p.parse_args(argv)

    from pipelines.log.publishing import record_rollback, signer_for
    from pipelines.log.store import ReleaseLog

    releases = args.releases.resolve()
    log = ReleaseLog.open(releases)
    if log.current is None:
        print(f"{releases} has no release log", file=sys.stderr)
        return 2
    current = log.current.version
    others = [e.version for e in log.releases() if e.version != current]
    if len(others) < max(args.past, args.switches):
        print(f"{releases} has {len(others)} releases besides {current}: need {max(args.past, args.switches)}",
              file=sys.stderr)
        return 2
    past = others[-args.past:]
    manifest = json.loads((releases / current / "release.json").read_text(encoding="utf-8"))
    signer = signer_for("", manifest["base"])[0]
    work = Path(tempfile.mkdtemp(prefix="lianzheng-switch-bench-"))
    script = lua_script([f"/api/cases/{i}" for i in case_ids(releases / current)], None, work)
    results: dict = {"releases": str(releases), "cases": manifest["rows"]["cases"], "triples": manifest["triples"],
                     "when": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "cpus": os.cpu_count(),
                     "past": args.past, "open_share": args.open_share, "memory": {}, "open_seconds": {}, "switches": []}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANZHENG_")}
    proc = Proc([sys.executable, "-m", "api.cli", "serve", "--releases", str(releases), "--port", str(port),
                 "--host", "127.0.0.1", "--client-budget", "1000000", "--log-poll", "1",
                 "--releases-open", str(args.past), "--release-idle", "3600", "--open-share", str(args.open_share)],
                work / "serve.log", env)
    try:
        results["ready_seconds"] = round(proc.wait_ready(url + "/-/health", 900), 2)
        print(f"serving {current}: ready in {results['ready_seconds']} s", flush=True)
        time.sleep(2)
        results["memory"]["none"] = memory(proc.proc.pid)
        for n, version in enumerate(past, start=1):
            from api.store.embedded import cache_key

            warm = (releases.parent / "cache" / cache_key(releases / version) / "store.json").exists()
            t = time.perf_counter()
            r = httpx.get(f"{url}/releases/{version}/api/cases?per_page=1", timeout=600)
            assert r.status_code == 200, r.text
            results["open_seconds"][version] = {"seconds": round(time.perf_counter() - t, 2),
                                                "store_cached": warm}
            print(f"  opened past release {version} in {results['open_seconds'][version]['seconds']} s "
                  f"({'warm' if warm else 'cold'} store cache)", flush=True)
            if n == 1:
                time.sleep(1)
                results["memory"]["one"] = memory(proc.proc.pid)
        time.sleep(2)
        results["memory"]["all"] = memory(proc.proc.pid)

        results["rest_before"] = rest(url, script, args)
        print(f"at rest: {results['rest_before']['requests_per_second']:,.0f} lookups/s", flush=True)

        load = wrk(url, script, args, 3600)
        time.sleep(2)
        t0 = time.monotonic()
        targets = past[-args.switches:]  # open as past releases (one worker): each switch opens in full
        for version in targets:
            record_rollback(releases, version, signer, reason="switch bench")
            took = wait_served(url, version)
            results["switches"].append({"to": version, "commit_to_served_seconds": round(took, 2)})
            print(f"  switched to {version}: served {took:.2f} s after the log's commit", flush=True)
            time.sleep(1)
        switching = time.monotonic() - t0
        load.send_signal(signal.SIGINT)
        out, _ = load.communicate()
        results["during_switches"] = parse_wrk(out)
        results["during_switches"]["switching_seconds"] = round(switching, 1)
        results["rest_after"] = rest(url, script, args)
        print(f"at rest again: {results['rest_after']['requests_per_second']:,.0f} lookups/s", flush=True)
        results["memory"]["after_switches"] = memory(proc.proc.pid)

        if args.publish:
            from pipelines.publish import publish

            t = time.perf_counter()
            built = publish(args.publish, releases, signer=signer, reason="switch bench: a new release")
            results["publish_seconds"] = round(time.perf_counter() - t, 1)
            assert built.ok, built.report.to_text()[-2000:]
            version = json.loads((Path(built.out) / "release.json").read_text(encoding="utf-8"))["version"]
            results["publish_commit_to_served_seconds"] = round(wait_served(url, version), 2)
        text = proc.log.read_text(errors="replace")
        results["collect_ms"] = [int(m) for m in re.findall(r"collected the closed releases in (\d+) ms", text)]
        results["open_logged"] = re.findall(r"opened release (\S+) \((\w+)\) in ([\d.]+) s", text)
    finally:
        proc.stop()
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = results["when"].replace(":", "")
    (args.out / f"switch-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    report(results)
    return 0


def report(r: dict) -> None:
    print(f"\n{r['cases']:,} cases, {r['triples']:,} triples a release; {r['cpus']} CPUs, loopback, wrk\n")
    before, during, after = r["rest_before"], r["during_switches"], r["rest_after"]
    rest_rate = (before["requests_per_second"] + after["requests_per_second"]) / 2
    for label, x in (("at rest, before", before), ("during switches", during), ("at rest, after", after)):
        print(f"  {label:<18} {x['requests_per_second']:>9,.0f} lookups/s  p99 {x.get('latency_ms_p99', 0):8.1f} ms"
              f"  max {x.get('latency_ms_max', 0):8.1f} ms  errors: {x['non_2xx']} non-2xx, "
              f"socket {x['socket_errors'] or 'none'}  ({x['requests']:,} requests)")
    ratio = during["requests_per_second"] / rest_rate
    verdict = "meets" if ratio >= TARGET and during["non_2xx"] == 0 and not during["socket_errors"] else "BELOW"
    print(f"\n  during switches / at rest: {ratio:.2f} ({verdict} target {TARGET:.2f}, 0 errors); "
          f"{len(r['switches'])} switches in {during['switching_seconds']} s")
    times = [s["commit_to_served_seconds"] for s in r["switches"]]
    print(f"  log commit to served, per switch: {', '.join(f'{t:.2f}' for t in times)} s")
    if "publish_seconds" in r:
        print(f"  a new release: published in {r['publish_seconds']} s, served "
              f"{r['publish_commit_to_served_seconds']} s after the log's commit")
    opens = [o["seconds"] for o in r["open_seconds"].values()]
    print(f"  first request to a past release (opens it): {min(opens):.1f}-{max(opens):.1f} s")
    if r["collect_ms"]:
        print(f"  collection after each close: {min(r['collect_ms'])}-{max(r['collect_ms'])} ms")
    m = r["memory"]
    for key, label in (("none", "no past release open"), ("one", "1 past release open"),
                       ("all", f"{r['past']} past releases open"), ("after_switches", "after the switches")):
        if key in m:
            print(f"  memory, {label:<24} RSS {fmt_mb(m[key]['rss']):>9}  PSS {fmt_mb(m[key]['pss']):>9}  "
                  f"({m[key]['processes']} processes)")
    if "all" in m and "none" in m:
        per = (m["all"]["pss"] - m["none"]["pss"]) / max(1, r["past"])
        print(f"  each past release open adds PSS {fmt_mb(int(per))}")


if __name__ == "__main__":
    sys.exit(main())
