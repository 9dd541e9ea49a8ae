"""A query worker: the process in which one SPARQL query (or reconciliation batch) runs at a
time, which the service can stop for certain by killing it (:mod:`api.store.pool`).

Neither pyoxigraph nor rdflib can cancel a running query from Python, and a thread cannot be
killed; so each query runs here, with the store opened read-only. Each worker also:

* leaves the network before it opens the store (a new network namespace, via ``unshare``,
  where the kernel allows it): a query that got past the checks in :mod:`api.sparql.guard`
  still could not reach any URL; ``/-/health`` says whether the workers are isolated;
* has its data memory bounded (``RLIMIT_DATA``, :data:`WORKER_MEMORY`): a query that needs
  more makes the worker fail, and the client gets 503;
* writes at most ``limit`` rows or triples, and says when there were more.

``python -m api.sparql.worker PARENT_PID`` is how the pool starts one; the wire between
them is :mod:`api.store.frames`.
"""

from __future__ import annotations

import logging
import mmap
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from ..store.frames import BOARD_SIZE, JOB_ID, JOB_START, SPOOL_BYTES, Inbox, send_frame

MODULE = "api.sparql.worker"  # what the pool runs (python -m MODULE PARENT_PID)
WORKER_MEMORY = 768 * 1024 * 1024  # bytes of data memory a worker may use
WORKER_STACK = 112 * 1024 * 1024  # bytes its main thread's stack may grow to (see deepen_stack)

log = logging.getLogger("lianzheng.workers")


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
    return any(libc.unshare(flags) == 0 for flags in (clone_newnet, clone_newuser | clone_newnet))


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


def execute(store, job: dict, config: dict) -> tuple[dict, bytes]:
    """Run one query job; return the answer's header and body."""
    import pyoxigraph as ox

    from pipelines.rdf import serialize

    from ..media import FORMATS
    from ..store.terms import light_triples
    from . import results

    if job.get("check") is not None:  # the service left the query check to the worker
        checked = check(job, job["check"])
        if checked[0] is not None:
            return checked[0], b""
        job = dict(job, format=checked[1], media_type=checked[2], unknown_graphs=checked[3])
    fmt = job["format"]
    limit = int(job["limit"])
    max_bytes = int(job["max_bytes"]) if job.get("max_bytes") else None
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
        ask_writer = results.ASK_WRITERS.get(fmt)
        if ask_writer is None:
            return _not_acceptable("an ASK query", results.ASK_WRITERS), b""
        body, count = ask_writer(bool(res)), 1
    elif isinstance(res, ox.QuerySolutions):
        writer = results.SELECT_WRITERS.get(fmt)
        if writer is None:
            return _not_acceptable("a SELECT query", results.SELECT_WRITERS), b""
        variables = [v.value for v in res.variables]
        if fmt == "sparql-json":  # the default format: written without the term tuples
            body, count, truncated = results.select_json_solutions(res, variables, limit, max_bytes)
        else:
            table, truncated = results.rows(res, list(range(len(variables))), limit, max_bytes)
            more = truncated
            body, count = results.fitted(  # a part shorter than the table is cut too, and says so
                lambda part: writer(variables, part, more or len(part) < len(table), limit), table, max_bytes)
            truncated = more or count < len(table)
    else:
        if fmt not in serialize.FORMATS:
            return _not_acceptable("a CONSTRUCT or DESCRIBE query", serialize.FORMATS), b""
        triples, truncated = results.triples_within(res, limit, max_bytes)
        try:  # in the writer's order, so that a cut keeps whole subjects first
            terms = serialize.canonical(light_triples(triples), unique=True)[0]
            body, count = results.fitted(lambda part: serialize.serialize(
                part, fmt, prefixes=config.get("prefixes"), context=config.get("context"), ordered=True),
                terms, max_bytes)
        except serialize.UnwritableGraph as exc:
            return {"ok": False, "status": 406, "error": f"the result cannot be written as "
                    f"{FORMATS[fmt].label}", "detail": str(exc)}, b""
        truncated = truncated or count < len(terms)
    header = {"ok": True, "count": count, "truncated": truncated}
    if job.get("unknown_graphs"):  # named in FROM, not held: read as empty
        header["unknown_graphs"] = job["unknown_graphs"]
    if job.get("media_type"):
        header["media_type"] = job["media_type"]
    return header, body


def reconcile(index, job: dict, config: dict) -> tuple[dict, bytes]:
    """Answer one request of the reconciliation service (:mod:`api.harvest`) over ``index``.

    ``op``: ``batch`` (``queries``, the JSON text a client sent), ``extend`` (``extend``, likewise),
    ``suggest`` (``prefix``, ``cursor``), ``preview`` or ``view`` (``entity``: an IRI or slug). The
    matching is CPU work that grows with the release and the batch: it runs here, bounded by the
    deadline and charged to the client."""
    import orjson

    from pipelines.catalogue.matching import QueryError
    from pipelines.catalogue.reconcile import BATCH_SIZE

    op = job.get("op")
    try:
        if op == "batch":
            try:
                queries = orjson.loads(job["queries"])
            except orjson.JSONDecodeError:
                return _refused(400, "'queries' is not JSON: send a reconciliation query batch"), b""
            if isinstance(queries, dict) and len(queries) > BATCH_SIZE:
                return _refused(413, f"at most {BATCH_SIZE} queries per batch (the manifest's batchSize)"), b""
            return {"ok": True}, orjson.dumps(index.batch(queries))
        if op == "extend":
            try:
                query = orjson.loads(job["extend"])
            except orjson.JSONDecodeError:
                return _refused(400, "'extend' is not JSON: send a data extension query"), b""
            if isinstance(query, dict) and isinstance(query.get("ids"), list) and len(query["ids"]) > BATCH_SIZE:
                return _refused(413, f"at most {BATCH_SIZE} ids per data extension query"), b""
            return {"ok": True}, orjson.dumps(index.extend(query))
        if op == "suggest":
            return {"ok": True}, orjson.dumps(index.suggest(str(job.get("prefix", "")), int(job.get("cursor", 0))))
        if op in ("preview", "view"):
            ident = str(job.get("entity", ""))
            found = index.lookup(ident)
            if found is None:
                return _refused(404, f"no case or agency with id '{ident}'"), b""
            if op == "view":
                return {"ok": True}, orjson.dumps({"id": found.row["id"]})
            return {"ok": True}, index.preview_html(ident).encode("utf-8")
    except QueryError as exc:
        return _refused(400, f"invalid reconciliation query: {exc}"), b""
    return _refused(400, f"unknown reconciliation operation {op!r}"), b""


def _refused(status: int, error: str) -> dict:
    return {"ok": False, "status": status, "error": error}


def check(job: dict, graphs: list[str]) -> tuple[dict | None, str, str, list[str]]:
    """The query check and content negotiation the service did not do in its own process
    (:func:`api.sparql.guard.quick_inspect` had no cheap answer): a refusal's header, or None and
    the format and media type to answer in; and the graphs its FROM names that are not held."""
    from ..media import QUERY_FORM_FORMATS, acceptable, form_not_acceptable, negotiate
    from .guard import QueryRefused, inspect

    try:
        info = inspect(job["query"], frozenset(graphs))
    except QueryRefused as exc:
        return {"ok": False, "status": exc.status, "error": exc.message, "detail": exc.detail}, "", "", []
    offers = QUERY_FORM_FORMATS[info.form]
    chosen = negotiate(job.get("accept"), offers)
    if chosen is None:
        return {"ok": False, "status": 406, "error": form_not_acceptable(info.form),
                "detail": {"available": acceptable(offers)}}, "", "", []
    fmt, media_type = chosen
    return None, fmt.key, fmt.content_type(media_type), info.unknown_graphs


def _not_acceptable(what: str, writers) -> dict:
    from ..media import FORMATS

    return {"ok": False, "status": 406, "error": f"{what} cannot be answered in the format asked for",
            "detail": "available: " + ", ".join(FORMATS[k].media_type for k in writers if k in FORMATS)}


def deepen_stack(nbytes: int) -> bool:
    """Let the main thread's stack grow to ``nbytes``: the engine's parser and planner recurse once
    per nested group or chained operator (8 MiB overflowed at 2,500 nested braces, 5,000 BINDs or
    MINUSes, 20,000 ``||``); measured with 64 MiB, no query of the longest length the endpoint
    takes (100,000 characters) of those shapes overflowed, and the query check refuses deeper
    nesting (:data:`api.sparql.guard.MAX_NESTING`). Kept below the 128 MiB that Linux leaves
    free below the stack of a process started with the usual 8 MiB limit."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
        if soft != resource.RLIM_INFINITY and soft < nbytes:
            if hard != resource.RLIM_INFINITY:
                nbytes = min(nbytes, hard)
            resource.setrlimit(resource.RLIMIT_STACK, (nbytes, hard))
        return True
    except (ImportError, ValueError, OSError):
        return False


def worker_main(parent: int | None = None) -> int:
    if parent is not None:
        from pipelines.processes import die_with_parent

        die_with_parent(parent)  # a worker running a hostile query must not outlive the service
    isolated = isolate_network()  # first, while this process has a single thread
    deepen_stack(WORKER_STACK)
    inbox = Inbox(os.dup(0))
    chan_out = os.fdopen(os.dup(1), "wb", buffering=0)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # anything printed goes to stderr, never into the answers
    config = inbox.next()
    if config is None:
        return 0
    limited = limit_memory(int(config.get("memory", WORKER_MEMORY)))
    board = None
    if config.get("board_fd") is not None:
        board = mmap.mmap(int(config["board_fd"]), BOARD_SIZE)
    if config.get("task") == "reconcile":  # a reconciliation worker: names matched over the index
        from pipelines.catalogue.matching import Index

        state: object = Index.load(config["index"])
        task: Callable[[Any, dict, dict], tuple[dict, bytes]] = reconcile
    else:
        import pyoxigraph as ox

        state, task = ox.Store.read_only(config["store"]), execute
    spool = config.get("spool")
    send_frame(chan_out, {"ready": True, "pid": os.getpid(), "isolated": isolated, "memory_limited": limited})
    while True:
        job = inbox.next()
        if job is None:
            return 0
        t = time.perf_counter()
        if board is not None:  # what runs now, for the service to see without asking
            job_id = int(job.get("id") or 0)
            JOB_ID.pack_into(board, 0, job_id)
            JOB_START.pack_into(board, 8, time.monotonic())
            JOB_ID.pack_into(board, 16, job_id)
        try:
            header, body = task(state, job, config)
        except MemoryError:
            header, body = {"ok": False, "status": 503, "error": "the query needed more memory than "
                            "a query may use"}, b""
        except Exception as exc:  # noqa: BLE001 - a failed query must not end the worker
            header, body = {"ok": False, "status": 500, "error": "the query could not be evaluated",
                            "detail": type(exc).__name__}, b""
        header["id"] = job.get("id")
        header["seconds"] = round(time.perf_counter() - t, 6)
        if spool is not None and len(body) > SPOOL_BYTES:  # too large for the pipe: on disk
            name = f"{os.getpid()}-{job.get('id')}"
            try:
                with open(os.path.join(spool, name), "wb") as fh:
                    fh.write(body)
                header["spool"] = name
            except OSError as exc:
                log.error("could not write an answer to %s: %s", spool, exc)
                header = {"id": header["id"], "ok": False, "status": 503,
                          "error": "the answer could not be written for sending; try again later"}
            body = b""
        if board is not None:
            JOB_ID.pack_into(board, 16, -job_id)  # done: written before the answer is sent
        send_frame(chan_out, header, body)


if __name__ == "__main__":
    sys.exit(worker_main(int(sys.argv[1]) if len(sys.argv) > 1 else None))
