"""The victim: health checks and lookups on a fixed schedule, and what counts as a miss."""

from __future__ import annotations

import asyncio
import collections
import itertools
import math
import random
import time
from collections.abc import Callable

from bench.serve_bench import LOOKUP

from .config import (
    HEALTH_EVERY,
    HEALTH_P99_MS,
    LOOKUP_EVERY,
    LOOKUP_P99_MS,
    MAX_VICTIM_ERRORS,
    VICTIM_IN_FLIGHT,
    VICTIM_TIMEOUT,
)
from .wire import Reply, Target, exchange, http_request, sparql_get


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
