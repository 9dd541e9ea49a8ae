"""The attacker's side: processes of their own, at a lower priority, that tally what they saw."""

from __future__ import annotations

import asyncio
import collections
import itertools
import multiprocessing
import os
import queue
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .config import ATTACK_GRACE, ATTACKER, ATTACKER_NICE, VICTIM
from .wire import Reply, Target, exchange


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
