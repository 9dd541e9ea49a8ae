"""Running one attack beside its baseline, and the report."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import itertools
import json
import resource
import shlex
import time
from pathlib import Path

from bench.serve_bench import LOOKUP

from .attacker import Attack, Attackers
from .config import (
    ATTACK_LEAD,
    ATTACKER,
    FD_MARGIN,
    HEALTH_EVERY,
    HEALTH_P99_MS,
    LOOKUP_EVERY,
    LOOKUP_P99_MS,
    MAX_VICTIM_ERRORS,
    VICTIM,
    VICTIM_TIMEOUT,
)
from .server import Sampler, Server, fd_limit
from .victim import problems, victim
from .wire import Target, exchange, http_request, sparql_get


def release_target(release: Path) -> tuple[Target, dict]:
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))

    def rows(name: str) -> list[dict]:
        with open(release / "data" / name, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    cases, agencies = rows("cases.csv"), rows("agencies.csv")
    names = (v for a in agencies for v in (a["name_zh"], a["name_en"], a["agency_id"]) if v)
    texts = (" ".join(filter(None, (c["name_zh"], c["name_en"], c["procurement_zh"],
                                    c["procurement_en"]))) for c in cases)
    target = Target(host="127.0.0.1", port=0, case_iris=tuple(c["iri"] for c in cases),
                    agency_names=tuple(names), case_texts=tuple(texts))
    return target, manifest


def cannot_run(attack: Attack) -> str | None:
    """Why this machine cannot hold the attack's connections, if it cannot."""
    if not attack.held:
        return None
    files, ports = attack.held + FD_MARGIN, attack.held * attack.processes
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if files > hard:
        return f"needs {files:,} open files in a process; the hard limit is {hard:,}"
    low, high = map(int, Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    if ports > high - low + 1:
        return f"needs {ports:,} local ports; the range has {high - low + 1:,}"
    return None


def window(server: Server, target: Target, seconds: float, source: str,
           attack: Attack | None = None) -> dict:
    """The victim (and the attack, if any) for ``seconds``, the server sampled meanwhile."""
    start_at = time.time() + (ATTACK_LEAD if attack else 0.0)
    attackers = Attackers(attack, target, start_at, start_at + seconds) if attack else None
    sampler = Sampler(server.pid, on_cap=attackers.kill if attackers else None)
    sampler.start()
    try:
        phase = asyncio.run(victim(target, source, start_at, seconds))
    finally:
        sampled = sampler.result()
        seen = attackers.collect() if attackers else None
    phase["server"] = sampled
    if seen is not None:
        phase["attacker"] = seen
    return phase


async def warm_up(target: Target, source: str) -> None:
    """A few lookups and health checks, unrecorded: the first queries open the store's files."""
    health = http_request(target, "GET", "/-/health")
    for n, iri in zip(range(20), itertools.cycle(target.case_iris)):
        lookup = sparql_get(target, LOOKUP.format(iri=iri) + f" # warm-up {n}")
        for data in (lookup, health):
            await exchange(target, data, source=source, timeout=VICTIM_TIMEOUT)


def run_attack(attack: Attack, target: Target, release: Path, work: Path, args) -> dict:
    """A fresh server; the baseline; the attack; how the server is after it."""
    out: dict = {"label": attack.label}
    reason = cannot_run(attack)
    if reason:
        return dict(out, skipped=reason)
    server = Server(release, work, [*attack.server_flags, *args.server_flags])
    out["server_command"] = shlex.join(server.command[1:])
    try:
        out["ready_seconds"] = round(server.wait_ready(), 2)
        out["server_fd_limit"] = fd_limit(server.pid)
        target = dataclasses.replace(target, port=server.port)
        asyncio.run(warm_up(target, attack.victim))
        out["baseline"] = window(server, target, args.seconds, attack.victim)
        killed_before = server.health().get("workers_killed")
        out["attack"] = window(server, target, args.seconds, attack.victim, attack)
        out["recovered_after_s"] = server.recovery()
        out["workers_killed"] = [killed_before, server.health().get("workers_killed")]
    except Exception as exc:  # noqa: BLE001 - a variant that cannot run does not end the probe
        out["failed"] = f"{type(exc).__name__}: {exc}"[:2000]
    finally:
        server.stop()
    if attack.probe_facts is not None:
        out["probe_facts"] = attack.probe_facts()
    for phase in ("baseline", "attack"):
        if phase in out:
            out[phase]["problems"] = problems(out[phase])
    return out


# ------------------------------------------------------------------ the report

def fmt_ms(v: float | None) -> str:
    return "-" if v is None else f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def fmt_value(name: str, value) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return str(value)
    if name.endswith("bytes"):
        return (f"{value:,} B" if value < 1024 else f"{value / 1024:,.1f} KB" if value < 2**20
                else f"{value / 2**20:,.1f} MB")
    return f"{value:,}"


def fmt_items(items: dict) -> str:
    return ", ".join(f"{k} {fmt_value(k, v)}" for k, v in items.items())


def fmt_counter(counter: dict) -> str:
    ordered = sorted(counter.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k} x{v:,}" for k, v in ordered) or "none"


COLUMNS = (("", 12), ("health n", 9), ("p50", 7), ("p99", 8), ("lookup n", 9), ("p50", 7),
           ("p99", 8), ("errors", 7), ("RSS MB", 8), ("peak", 6), ("fds", 7), ("peak", 7))


def row(cells: list[str], verdict: str) -> str:
    first, *rest = cells
    widths = [w for _, w in COLUMNS]
    aligned = "".join(f"{c:>{w}}" for c, w in zip(rest, widths[1:], strict=True))
    return f"{first:<{widths[0]}}{aligned}  {verdict}"


def phase_line(name: str, phase: dict) -> str:
    h, lk, s = phase["health"], phase["lookup"], phase["server"]
    verdict = "PASS" if not phase["problems"] else "FAIL: " + "; ".join(phase["problems"])
    return row([f"  {name}", f"{h['requests']:,}", fmt_ms(h["p50_ms"]), fmt_ms(h["p99_ms"]),
                f"{lk['requests']:,}", fmt_ms(lk["p50_ms"]), fmt_ms(lk["p99_ms"]),
                f"{h['errors'] + lk['errors']:,}", f"{s['rss_start'] / 2**20:,.0f}",
                f"{s['rss_peak'] / 2**20:,.0f}", f"{s['fds_start']:,}", f"{s['fds_peak']:,}"],
               verdict)


def finding_lines(result: dict) -> list[str]:
    attack, seen = result["attack"], result["attack"]["attacker"]
    saw = f"{fmt_counter(seen['statuses'])}; errors {fmt_counter(seen['errors'])}"
    lines = [f"    attacker saw: {saw}"]
    more = {**seen["counts"], **seen["peaks"], **seen["facts"]}
    if more:
        lines.append(f"    attacker: {fmt_items(more)}")
    for kind in ("health", "lookup"):
        if attack[kind]["error_kinds"]:
            lines.append(f"    victim {kind} errors: {fmt_counter(attack[kind]['error_kinds'])}")
    before, after = result.get("workers_killed", [None, None])
    recovered = result.get("recovered_after_s")
    server = {"workers_killed": f"{before} -> {after}",
              "processes_started": attack["server"]["processes_started"],
              "fd_limit": result.get("server_fd_limit"),
              "healthy_again_after": "not within 30 s" if recovered is None else f"{recovered} s"}
    capped = "attack_stopped_at_rss_cap_after_s"
    if capped in attack["server"]:
        server[capped] = attack["server"][capped]
    lines.append(f"    server: {fmt_items(server)}")
    if result.get("probe_facts"):
        lines.append(f"    probe: {fmt_items(result['probe_facts'])}")
    return lines


def report(results: dict) -> None:
    print(f"\nrelease {results['release']} ({results['cases']:,} cases, "
          f"{results['triples']:,} triples), {results['cpus']} CPUs, loopback, "
          f"{results['seconds']:g} s a window")
    print(f"victim {VICTIM}: GET /-/health every {HEALTH_EVERY * 1000:g} ms and a SPARQL lookup of "
          f"a case every {LOOKUP_EVERY * 1000:g} ms, each on a fresh connection, time-out "
          f"{VICTIM_TIMEOUT:g} s; attacker {ATTACKER}")
    print(f"limits: health p99 < {HEALTH_P99_MS:g} ms, lookup p99 < {LOOKUP_P99_MS:g} ms, "
          f"victim errors <= {MAX_VICTIM_ERRORS}; latencies in ms; RSS of the server's process "
          "tree, fds of its main process, at the start and at peak")
    for name, scenario in results["scenarios"].items():
        print(f"\n== {name}: {scenario['summary']}")
        print(row([title for title, _ in COLUMNS], "verdict"))
        for result in scenario["variants"]:
            print(result["label"])
            if "skipped" in result or "failed" in result:
                print(f"    could not run: {result.get('skipped') or result.get('failed')}")
            for phase in ("baseline", "attack"):
                if phase in result:
                    print(phase_line(phase, result[phase]))
            if "attack" in result:
                print("\n".join(finding_lines(result)))
