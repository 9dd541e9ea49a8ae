"""The query pool (:mod:`api.store.pool`) against pebble's ``ProcessPool``, in one run.

    .venv/bin/pip install -e '.[bench]'                            # pebble, for this bench only
    python -m bench.pool_bench --store datasets/cache/<hash>      # a store `lianzheng build --store` made

Issue 12 asked whether the home-made pool could give way to a well-kept library.
``pebble.ProcessPool`` has what the pool needs most: a per-task timeout that kills the
worker process, and an initializer (here: open the store read-only). Both run the same
task, :func:`api.sparql.worker.execute`, in two worker processes, on this machine:

* **lookups**: distinct SPARQL lookups of one case's triples, 16 in flight at a time,
  for ``--seconds``; answers a second, and latency p50 and p99 (submit to answer);
* **recovery**: two queries that cannot finish (timeout 1 s) take both workers, then 32
  lookups are sent; how long until the slow ones fail, and until every lookup is answered
  (a killed worker is replaced and the store opened again).

The rest of what the pool does has no counterpart in pebble and would be built on top of
it: a client's share of the workers and its line, the budget charged as a query runs, and
queueing a job behind one that just started. The figures say what that costs or saves.
Prints a table.

Measured 2026-12-03 on the 10k-case store (1,130,788 triples), 2 cores, median of 2
rounds of 6 s, the pools in turns (pebble 5.2.3, forkserver):

=================================  ==========  ==================
                                   WorkerPool  pebble.ProcessPool
=================================  ==========  ==================
lookups, answers a second               2,292               1,699
lookups, p50 / p99 ms               5.9 / 24.8          9.0 / 21.2
slow queries fail after (s, 1 s)          1.09               7.35
every lookup answered by (s)              1.28               7.57
after recovery, answers a second         2,470               1,586
=================================  ==========  ==================

So the pool stays: pebble answers 26% fewer lookups (a result goes through pickling and
its manager thread), and a query past its timeout held its worker for over 7 s rather than
1 s (it is stopped by the pool manager's own schedule, then the worker replaced) while the
lookups behind it waited; and the fairness above would have to be built on top anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LOOKUP = "SELECT ?p ?o WHERE {{ <https://w3id.org/lianzheng/id/case/{case}> ?p ?o }} # {n}"
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }} # {n}"
CONFIG = {"prefixes": {}, "context": {}}


def job(query: str) -> dict:
    return {"query": query, "format": "sparql-json", "limit": 10_000, "max_bytes": 16 << 20}


def case_ids(store: Path, n: int) -> list[str]:
    import pyoxigraph as ox

    s = ox.Store.read_only(str(store))
    prefix = "https://w3id.org/lianzheng/id/case/"
    rows = s.query("SELECT DISTINCT ?c WHERE { ?c a <https://w3id.org/lianzheng/vocab#IntegrityPlatform> } "
                   f"LIMIT {n}")
    return [row[0].value[len(prefix):] for row in rows]  # type: ignore[index]


# ------------------------------------------------------------------ the two pools, one face

class Ours:
    name = "api.store.pool.WorkerPool"

    def __init__(self, store: Path):
        from api.sparql.worker import MODULE
        from api.store.pool import WorkerPool

        self.pool = WorkerPool(store, worker=MODULE, size=2, config=CONFIG)

    async def start(self) -> None:
        await self.pool.start()

    async def run(self, query: str, timeout: float) -> bool:
        answer = await self.pool.run(job(query), timeout)
        return answer.ok

    async def close(self) -> None:
        await self.pool.close()


_STORE = None


def _open(path: str) -> None:
    global _STORE
    import pyoxigraph as ox

    _STORE = ox.Store.read_only(path)


def _execute(query: str) -> bool:
    from api.sparql.worker import execute

    header, _ = execute(_STORE, job(query), CONFIG)
    return bool(header.get("ok"))


class Pebble:
    name = "pebble.ProcessPool"

    def __init__(self, store: Path):
        import multiprocessing

        import pebble

        self.pool = pebble.ProcessPool(max_workers=2, initializer=_open, initargs=(str(store),),
                                       context=multiprocessing.get_context("forkserver"))

    async def start(self) -> None:
        await self.run(LOOKUP.format(case="x", n="warm"), 60)  # the workers start on first use
        await asyncio.gather(*(self.run(LOOKUP.format(case="x", n=f"warm{i}"), 60) for i in range(4)))

    async def run(self, query: str, timeout: float) -> bool:
        future = self.pool.schedule(_execute, args=(query,), timeout=timeout)
        return await asyncio.wrap_future(future)

    async def close(self) -> None:
        self.pool.stop()
        self.pool.join()


# ------------------------------------------------------------------ workloads

async def lookups(pool, cases: list[str], seconds: float, in_flight: int = 16) -> dict:
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    end = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        while time.perf_counter() < end:
            n = next(counter)
            t = time.perf_counter()
            try:
                ok = await pool.run(LOOKUP.format(case=cases[n % len(cases)], n=n), 10)
            except Exception:  # noqa: BLE001 - counted
                ok = False
            latencies.append(time.perf_counter() - t)
            errors += not ok

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(in_flight)))
    elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"answers/s": len(latencies) / elapsed, "p50 ms": q[49] * 1e3, "p99 ms": q[98] * 1e3, "errors": errors}


async def recovery(pool, cases: list[str]) -> dict:
    t0 = time.perf_counter()
    slow = [asyncio.ensure_future(pool.run(ENDLESS.format(n=i), 1.0)) for i in range(2)]
    await asyncio.sleep(0.05)  # both workers are on them
    fast = [asyncio.ensure_future(pool.run(LOOKUP.format(case=cases[i], n=f"r{i}"), 30)) for i in range(32)]
    failed = await asyncio.gather(*slow, return_exceptions=True)
    t_slow = time.perf_counter() - t0
    done = await asyncio.gather(*fast, return_exceptions=True)
    t_fast = time.perf_counter() - t0
    return {"slow ones fail at s": t_slow, "all lookups by s": t_fast,
            "slow killed": sum(isinstance(x, BaseException) for x in failed),
            "lookups ok": sum(x is True for x in done)}


async def measure(cls, store: Path, cases: list[str], seconds: float) -> dict:
    pool = cls(store)
    await pool.start()
    try:
        out = await lookups(pool, cases, seconds)
        out.update(await recovery(pool, cases))
        await asyncio.sleep(3)  # the replacements are up
        out["after recovery, answers/s"] = (await lookups(pool, cases, seconds))["answers/s"]
        return out
    finally:
        await pool.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--store", type=Path, required=True, help="a store folder (datasets/cache/<hash>)")
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--rounds", type=int, default=3, help="rounds, the two pools in turns")
    args = p.parse_args(argv)
    try:
        import pebble  # noqa: F401
    except ImportError:
        print("pebble is not installed: .venv/bin/pip install -e '.[bench]'", file=sys.stderr)
        return 2
    cases = case_ids(args.store, 2000)
    results: dict[str, list[dict]] = {}
    for _ in range(args.rounds):
        for cls in (Ours, Pebble):
            results.setdefault(cls.name, []).append(asyncio.run(measure(cls, args.store, cases, args.seconds)))
    keys = list(next(iter(results.values()))[0])
    print(f"{'median of ' + str(args.rounds) + ' rounds, 2 workers':40s}" + "".join(f"{k:>28s}" for k in results))
    for k in keys:
        cells = [statistics.median(r[k] for r in rs) for rs in results.values()]
        print(f"{k:40s}" + "".join(f"{c:28.2f}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
