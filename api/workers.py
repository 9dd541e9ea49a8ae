"""SPARQL queries run in worker processes that can be stopped for certain.

Neither pyoxigraph nor rdflib can cancel a running query from Python, and a thread
cannot be killed. So every query runs in one of a pool of worker processes, each
with the store opened read-only; the service waits for the answer on an asyncio
pipe (the event loop never blocks), and past the deadline it kills the worker with
SIGKILL, reaps it and starts another. The rest of the service never waits on a query.

Each worker also:

* leaves the network before it opens the store (a new network namespace, via
  ``unshare``, where the kernel allows it): a query that got past the checks in
  :mod:`api.query_guard` still could not reach any URL; ``/-/health`` says whether
  the workers are isolated;
* has its data memory bounded (``RLIMIT_DATA``, :data:`WORKER_MEMORY`): a query
  that needs more makes the worker fail, and the client gets 503;
* writes at most ``limit`` rows or triples, and says when there were more.

The protocol between the service and a worker, on the worker's stdin and stdout:
frames of two 4-byte big-endian lengths (JSON header, body), the header, the body. The first frame to a worker is its configuration; it answers
``{"ready": true}``, then one answer per job.
"""

from __future__ import annotations

import asyncio
import logging
import os
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

FRAME = struct.Struct(">II")  # header length, body length
WORKER_MEMORY = 768 * 1024 * 1024  # bytes of data memory a worker may use
START_TIMEOUT = 30.0  # seconds for a worker to open the store and say it is ready
ROOT = Path(__file__).resolve().parents[1]

log = logging.getLogger("lianzheng.workers")


# ----------------------------------------------------------------- the worker

def isolate_network() -> bool:
    """Move this (still single-threaded) process into a new, empty network namespace."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    clone_newuser, clone_newnet = 0x10000000, 0x40000000
    for flags in (clone_newnet, clone_newuser | clone_newnet):
        if libc.unshare(flags) == 0:
            return True
    return False


def limit_memory(nbytes: int) -> bool:
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            nbytes = min(nbytes, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (nbytes, hard))
        return True
    except (ImportError, ValueError, OSError):
        return False


def _read_exact(stream, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _send(stream, header: dict, body: bytes = b"") -> None:
    import orjson

    data = orjson.dumps(header)
    stream.write(FRAME.pack(len(data), len(body)) + data + body)
    stream.flush()


def _receive(stream) -> dict | None:
    import orjson

    raw = _read_exact(stream, FRAME.size)
    if raw is None:
        return None
    size, _ = FRAME.unpack(raw)
    data = _read_exact(stream, size)
    return None if data is None else orjson.loads(data)


def execute(store, job: dict, config: dict) -> tuple[dict, bytes]:
    """Run one query job; return the answer's header and body."""
    import pyoxigraph as ox

    from . import rdf_out, results
    from .media import FORMATS

    fmt = job["format"]
    limit = int(job["limit"])
    kw = {}
    if job.get("base_iri"):
        kw["base_iri"] = job["base_iri"]  # relative IRIs in the query resolve against the endpoint
    if job.get("default_graph") is not None:
        kw["default_graph"] = [ox.NamedNode(g) for g in job["default_graph"]]
    if job.get("named_graphs") is not None:
        kw["named_graphs"] = [ox.NamedNode(g) for g in job["named_graphs"]]
    try:
        res = store.query(job["query"], **kw)
    except SyntaxError as exc:
        return {"ok": False, "status": 400, "error": "the query is not valid SPARQL 1.1",
                "detail": str(exc)[:500]}, b""
    count, truncated = 0, False
    if isinstance(res, ox.QueryBoolean):
        writer = results.ASK_WRITERS.get(fmt)
        if writer is None:
            return _not_acceptable("an ASK query", results.ASK_WRITERS), b""
        body, count = writer(bool(res)), 1
    elif isinstance(res, ox.QuerySolutions):
        writer = results.SELECT_WRITERS.get(fmt)
        if writer is None:
            return _not_acceptable("a SELECT query", results.SELECT_WRITERS), b""
        variables = [v.value for v in res.variables]
        if fmt == "sparql-json":  # the default format: written without the term tuples
            body, count, truncated = results.select_json_solutions(res, variables, limit)
        else:
            table, truncated = results.rows(res, list(range(len(variables))), limit)
            body, count = writer(variables, table, truncated, limit), len(table)
    else:
        if fmt not in rdf_out.WRITERS:
            return _not_acceptable("a CONSTRUCT or DESCRIBE query", rdf_out.WRITERS), b""
        triples = []
        for t in res:
            if len(triples) >= limit:
                truncated = True
                break
            triples.append(t)
        try:
            body = rdf_out.write(rdf_out.to_tuples(triples), fmt, prefixes=config.get("prefixes"),
                                 context=config.get("context"))
        except rdf_out.UnwritableGraph as exc:
            return {"ok": False, "status": 406, "error": f"the result cannot be written as "
                    f"{FORMATS[fmt].label}", "detail": str(exc)}, b""
        count = len(triples)
    return {"ok": True, "count": count, "truncated": truncated}, body


def _not_acceptable(what: str, writers) -> dict:
    from .media import FORMATS

    return {"ok": False, "status": 406, "error": f"{what} cannot be answered in the format asked for",
            "detail": "available: " + ", ".join(FORMATS[k].media_type for k in writers if k in FORMATS)}


def worker_main() -> int:
    isolated = isolate_network()  # first, while this process has a single thread
    chan_in = os.fdopen(os.dup(0), "rb", buffering=0)
    chan_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # anything printed goes to stderr, never into the answers
    config = _receive(chan_in)
    if config is None:
        return 0
    limited = limit_memory(int(config.get("memory", WORKER_MEMORY)))
    import pyoxigraph as ox

    store = ox.Store.read_only(config["store"])
    _send(chan_out, {"ready": True, "pid": os.getpid(), "isolated": isolated, "memory_limited": limited})
    while True:
        job = _receive(chan_in)
        if job is None:
            return 0
        t = time.perf_counter()
        try:
            header, body = execute(store, job, config)
        except MemoryError:
            header, body = {"ok": False, "status": 503, "error": "the query needed more memory than "
                            "a query may use"}, b""
        except Exception as exc:  # noqa: BLE001 - a failed query must not end the worker
            header, body = {"ok": False, "status": 500, "error": "the query could not be evaluated",
                            "detail": type(exc).__name__}, b""
        header["seconds"] = round(time.perf_counter() - t, 6)
        _send(chan_out, header, body)


# ------------------------------------------------------------ the service side

class QueryTimeout(Exception):
    pass


class PoolBusy(Exception):
    pass


class WorkerFailed(Exception):
    def __init__(self, returncode):
        super().__init__(f"query worker stopped ({returncode})")
        self.returncode = returncode


@dataclass
class Answer:
    ok: bool
    body: bytes
    count: int = 0
    truncated: bool = False
    seconds: float = 0.0
    status: int = 200
    error: str = ""
    detail: str | None = None
    worker: int = 0  # pid of the worker that answered


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.pid = proc.pid
        self.isolated = False
        self.memory_limited = False

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

    async def send(self, header: dict) -> None:
        import orjson

        data = orjson.dumps(header)
        self.proc.stdin.write(FRAME.pack(len(data), 0) + data)
        await self.proc.stdin.drain()

    async def receive(self) -> tuple[dict, bytes]:
        import orjson

        n, size = FRAME.unpack(await self.proc.stdout.readexactly(FRAME.size))
        data = await self.proc.stdout.readexactly(n + size)
        return orjson.loads(data[:n]), data[n:]

    def kill(self) -> None:
        if self.alive:
            try:
                self.proc.kill()  # SIGKILL: the query cannot be cancelled any other way
            except ProcessLookupError:
                pass

    async def reap(self, timeout: float = 5.0) -> int | None:
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except asyncio.TimeoutError:
            return None


class WorkerPool:
    """``size`` worker processes; :meth:`run` sends a job to an idle one, with a deadline."""

    def __init__(self, store_path: Path, *, size: int, config: dict):
        self.size = max(1, int(size))
        self.config = dict(config, store=str(store_path))
        self.workers: list[Worker] = []
        self._idle: asyncio.Queue | None = None
        self._tasks: set[asyncio.Task] = set()
        self.kills = 0
        self.started = 0
        self.starting = 0  # workers being started in place of stopped ones

    async def _spawn(self) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "api.workers", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, cwd=str(ROOT),
            env=dict(os.environ, RUST_BACKTRACE="0"))
        worker = Worker(proc)
        try:
            await worker.send(self.config)
            header, _ = await asyncio.wait_for(worker.receive(), START_TIMEOUT)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError) as exc:
            worker.kill()
            await worker.reap()
            raise WorkerFailed(proc.returncode) from exc
        worker.isolated = bool(header.get("isolated"))
        worker.memory_limited = bool(header.get("memory_limited"))
        self.workers.append(worker)
        self.started += 1
        return worker

    async def start(self) -> None:
        self._idle = asyncio.Queue()
        spawned = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        for w in spawned:
            self._idle.put_nowait(w)
        if not all(w.isolated for w in spawned):
            log.warning("query workers could not leave the network (unshare refused); SERVICE "
                        "is refused by the query check alone")

    def _replace(self, old: Worker) -> None:
        if old in self.workers:
            self.workers.remove(old)

        async def respawn():
            self.starting += 1
            try:
                for attempt in range(5):
                    try:
                        self._idle.put_nowait(await self._spawn())
                        return
                    except Exception:  # noqa: BLE001 - keep trying, slower
                        log.exception("could not start a query worker")
                        await asyncio.sleep(0.5 * (attempt + 1))
            finally:
                self.starting -= 1

        task = asyncio.get_running_loop().create_task(respawn())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retire(self, worker: Worker) -> int | None:
        worker.kill()
        self.kills += 1
        code = await worker.reap()
        self._replace(worker)
        return code

    async def run(self, job: dict, timeout: float) -> Answer:
        if self._idle is None:
            raise WorkerFailed("not started")
        try:
            worker = self._idle.get_nowait()
        except asyncio.QueueEmpty:
            try:
                worker = await asyncio.wait_for(self._idle.get(), timeout)
            except asyncio.TimeoutError:
                raise PoolBusy() from None
        if not worker.alive:
            await self._retire(worker)
            raise WorkerFailed(worker.proc.returncode)
        try:
            async with asyncio.timeout(timeout):  # no task per call, unlike wait_for
                await worker.send(job)
                header, body = await worker.receive()
        except TimeoutError:
            await self._retire(worker)
            raise QueryTimeout(worker.pid) from None
        except (asyncio.IncompleteReadError, ConnectionError):
            code = await self._retire(worker)
            raise WorkerFailed(code) from None
        except asyncio.CancelledError:
            worker.kill()
            self._replace(worker)
            raise
        self._idle.put_nowait(worker)
        return Answer(ok=bool(header.get("ok")), body=body, count=int(header.get("count", 0)),
                      truncated=bool(header.get("truncated")), seconds=float(header.get("seconds", 0)),
                      status=int(header.get("status", 200)), error=str(header.get("error", "")),
                      detail=header.get("detail"), worker=worker.pid)

    def health(self) -> dict:
        alive = [w for w in self.workers if w.alive]
        return {"workers": self.size, "workers_alive": len(alive), "workers_starting": self.starting,
                "workers_idle": self._idle.qsize() if self._idle else 0,
                "workers_network_isolated": bool(alive) and all(w.isolated for w in alive),
                "workers_memory_limited": bool(alive) and all(w.memory_limited for w in alive),
                "workers_killed": self.kills}

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.alive]

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for w in list(self.workers):
            if w.alive:
                try:
                    w.proc.stdin.close()  # end of input: the worker leaves its loop
                except Exception:  # noqa: BLE001
                    pass
        for w in list(self.workers):
            if await w.reap(2.0) is None:
                w.kill()
                await w.reap()
        self.workers.clear()


if __name__ == "__main__":
    sys.exit(worker_main())
