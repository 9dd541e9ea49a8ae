"""The cached on-disk store and the query workers: build once, reuse, bound, stop for certain."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import shutil
import socket
import threading
import time

import pytest

from api.linked_data import OWNED
from api.sparql.budget import Budget
from api.sparql.worker import MODULE as WORKER
from api.store.embedded import KEEP_CACHES, SHAPES_GRAPH, VOCAB_GRAPH, OxigraphStore, cache_key, prepare_store
from api.store.lines import ClientBusy, Lines, OverBudget, PoolBusy, QueryTimeout, WorkerCrashed, WorkerFailed
from api.store.pool import WorkerPool
from api.store.process import BACKOFF, backoff

CASE = "https://w3id.org/lianzheng/id/case/anping-water-reclamation"
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # hours on any real graph
CRASH = "SELECT * WHERE " + "{" * 60000 + "}" * 60000  # overflows even a 112 MiB stack (SIGSEGV)
ASK = {"query": "ASK {}", "format": "sparql-json", "limit": 1}
SLOW = {"query": CARTESIAN, "format": "csv", "limit": 10}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def store_path(real_release, cache):
    return prepare_store(real_release, cache).wait(timeout=120)


def test_store_is_built_once_and_reused(real_release, cache, store_path):
    stats = json.loads((store_path / "store.json").read_text())
    manifest = json.loads((real_release / "release.json").read_text())
    assert stats["triples"] >= manifest["triples"]  # the data, plus the vocabulary
    assert stats["graphs"][VOCAB_GRAPH] > 0 and stats["graphs"][SHAPES_GRAPH] > 0
    again = prepare_store(real_release, cache)
    assert again.proc is None and again.wait() == store_path  # a restart opens it at once
    assert store_path.name == cache_key(real_release)


def test_a_changed_release_gets_its_own_store(real_release, tmp_path):
    copy = tmp_path / "release"
    shutil.copytree(real_release, copy)
    sums = copy / "SHA256SUMS"
    sums.write_text(sums.read_text() + "0" * 64 + "  extra.txt\n")
    assert cache_key(copy) != cache_key(real_release)


def test_old_stores_are_pruned(real_release, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    for i in range(KEEP_CACHES + 3):
        old = cache / f"{i:064x}"
        old.mkdir()
        (old / "store.json").write_text("{}")
        os.utime(old, (1000 + i, 1000 + i))
    build = prepare_store(real_release, cache)
    path = build.wait(timeout=120)
    kept = sorted(p.name for p in cache.iterdir() if not p.name.startswith("."))
    assert path.name in kept and len(kept) == KEEP_CACHES + 1
    assert f"{KEEP_CACHES + 2:064x}" in kept and f"{0:064x}" not in kept  # the newest stay


@pytest.fixture(scope="module")
def oxstore(store_path):
    return OxigraphStore(store_path, worker=WORKER, workers=1, worker_config={})


def test_describe_follows_the_parts_a_case_owns(oxstore):
    quads = oxstore.describe(CASE, follow=OWNED)
    subjects = {q.subject.value for q in quads}
    assert CASE in subjects
    assert any("/id/activity/" in s for s in subjects)
    assert any("/id/participation/" in s for s in subjects)  # two hops: case, activity, participation
    assert any("/id/procurement/" in s for s in subjects)
    assert not any("/id/agency/" in s for s in subjects)  # agencies are linked, not described
    assert len(oxstore.describe(CASE, follow=OWNED, limit=5)) == 5


def test_describe_keeps_blank_nodes_of_shapes(oxstore):
    """A shape with an sh:in list: its description holds the list's blank nodes, to the end."""
    with_list = [q.subject.value for q in oxstore.graph(SHAPES_GRAPH)
                 if q.predicate.value == "http://www.w3.org/ns/shacl#in"]
    assert with_list
    quads = oxstore.describe(with_list[0], graph=SHAPES_GRAPH)
    cells = [q for q in quads if type(q.subject).__name__ == "BlankNode"]
    assert cells
    assert any(q.object.value == "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil" for q in cells)


def test_labels_by_language(oxstore):
    labels = oxstore.labels([CASE, "https://w3id.org/lianzheng/vocab/case-status/ended", "http://nowhere/x"])
    assert labels[CASE]["zh-Hant"] and labels[CASE]["en"]
    assert labels["https://w3id.org/lianzheng/vocab/case-status/ended"]["zh-Hant"] == "已結束"
    assert "http://nowhere/x" not in labels


# ------------------------------------------------------------------ workers

def run(coro):
    return asyncio.run(coro)


@contextlib.asynccontextmanager
async def started_pool(store_path, size: int = 1, config: dict | None = None, **kw):
    """A started WorkerPool of ``size`` workers, closed afterwards."""
    pool = WorkerPool(store_path, worker=WORKER, size=size, config=config or {}, **kw)
    await pool.start()
    try:
        yield pool
    finally:
        await pool.close()


def test_pool_answers_and_limits(store_path):
    async def go():
        async with started_pool(store_path) as pool:
            a = await pool.run({"query": "SELECT ?s WHERE { ?s ?p ?o }", "format": "csv", "limit": 3}, 10)
            b = await pool.run({"query": "SELECT * WHERE { ?s ?p", "format": "csv", "limit": 3}, 10)
            c = await pool.run({"query": "ASK {}", "format": "csv", "limit": 3}, 10)
            return a, b, c

    a, b, c = run(go())
    assert a.ok and a.count == 3 and a.truncated and a.body.count(b"\r\n") == 4
    assert not b.ok and b.status == 400 and "not valid SPARQL" in b.error and b.detail
    assert not c.ok and c.status == 406  # ASK has no CSV form


def test_a_query_past_its_time_is_killed_and_replaced(store_path):
    async def go():
        async with started_pool(store_path) as pool:
            first = pool.pids()[0]
            started = time.monotonic()
            with pytest.raises(QueryTimeout):
                await pool.run({"query": CARTESIAN, "format": "csv", "limit": 10}, 1.5)
            took = time.monotonic() - started
            gone = not os.path.exists(f"/proc/{first}")
            after = await pool.run({"query": "ASK {}", "format": "sparql-json", "limit": 10}, 30)
            return took, gone, first, after, pool.pids(), pool.kills

    took, gone, first, after, pids, kills = run(go())
    assert 1.5 <= took < 1.5 + 5  # stopped at the deadline, not when the query would end
    assert gone, "the killed worker still exists"
    assert after.ok and after.body == b'{"head":{},"boolean":true}'
    assert first not in pids and kills == 1


def test_each_job_gets_its_own_answer_when_workers_queue_them(store_path):
    """Hundreds of jobs at once on two workers: queued behind each other, answered by id."""
    async def go():
        async with started_pool(store_path, size=2) as pool:
            jobs = [{"query": f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}", "format": "csv", "limit": 5}
                    for n in range(300)]
            return await asyncio.gather(*(pool.run(j, 30) for j in jobs)), pool.health()

    answers, health = run(go())
    assert [a.body for a in answers] == [f"n\r\n{n}\r\n".encode() for n in range(300)]
    assert len({a.worker for a in answers}) == 2 and health["workers_idle"] == 2


def test_jobs_queued_behind_a_slow_query_go_to_another_worker(store_path):
    """A short job queued on the worker that runs a long one is taken back (STALL) and answered
    by the other worker long before the long one ends at its deadline."""
    async def go():
        async with started_pool(store_path, size=2) as pool:
            slow = asyncio.ensure_future(pool.run({"query": CARTESIAN, "format": "csv", "limit": 10}, 4))
            await asyncio.sleep(0)  # the slow job is sent first, to an idle worker
            slow_pid = pool.workers[0].pid if pool.workers[0].jobs else pool.workers[1].pid
            started = time.monotonic()
            quick = await asyncio.gather(*(pool.run({"query": "ASK {}", "format": "sparql-json", "limit": 1}, 30)
                                           for _ in range(6)))
            quick_took = time.monotonic() - started
            with pytest.raises(QueryTimeout):
                await slow
            return quick, quick_took, slow_pid, pool.taken_back, pool.kills

    quick, took, slow_pid, taken_back, kills = run(go())
    assert all(a.ok for a in quick) and slow_pid not in {a.worker for a in quick}
    assert taken_back >= 1  # some were queued behind the slow one, then moved
    assert took < 2, "short jobs waited for the slow one"
    assert kills == 1


def test_jobs_waiting_when_a_worker_is_killed_run_on_its_replacement(store_path):
    async def go():
        async with started_pool(store_path) as pool:
            slow = asyncio.ensure_future(pool.run({"query": CARTESIAN, "format": "csv", "limit": 10}, 1.5))
            await asyncio.sleep(0)
            first = pool.pids()[0]
            rest = await asyncio.gather(*(pool.run({"query": f"SELECT ?n WHERE {{ BIND({n} AS ?n) }}",
                                                    "format": "csv", "limit": 5}, 30) for n in range(4)))
            with pytest.raises(QueryTimeout):
                await slow
            return first, rest, pool.pids()

    first, rest, pids = run(go())
    assert [a.body for a in rest] == [f"n\r\n{n}\r\n".encode() for n in range(4)]
    assert {a.worker for a in rest} == set(pids) and first not in pids


def test_a_job_that_cannot_start_in_time_is_refused_as_busy(store_path):
    async def go():
        async with started_pool(store_path) as pool:
            slow = asyncio.ensure_future(pool.run({"query": CARTESIAN, "format": "csv", "limit": 10}, 3))
            await asyncio.sleep(0)
            started = time.monotonic()
            with pytest.raises(PoolBusy):
                await pool.run({"query": "ASK {}", "format": "sparql-json", "limit": 1}, 0.5)
            waited = time.monotonic() - started
            with pytest.raises(QueryTimeout):
                await slow
            return waited, await pool.run({"query": "ASK {}", "format": "sparql-json", "limit": 1}, 30)

    waited, after = run(go())
    assert 0.5 <= waited < 2.5 and after.ok


def test_the_worker_inbox_skips_cancelled_jobs_and_keeps_order():
    import orjson

    from api.store.frames import FRAME, Inbox

    def frame(header):
        data = orjson.dumps(header)
        return FRAME.pack(len(data), 0) + data

    r, w = os.pipe()
    try:
        inbox = Inbox(r)
        os.write(w, frame({"store": "x"}) + frame({"id": 1}) + frame({"id": 2}))
        assert inbox.next() == {"store": "x"}
        assert inbox.next() == {"id": 1}
        # while job 1 runs: job 2 is cancelled, job 3 comes, and a cancellation of job 1 (too late)
        big = {"id": 3, "query": "x" * 200_000}  # more than one read
        os.write(w, frame({"cancel": 2}) + frame({"cancel": 1}))
        writer = threading.Thread(target=os.write, args=(w, frame(big)))
        writer.start()
        assert inbox.next() == big
        writer.join()
        os.close(w)
        w = None
        assert inbox.next() is None
    finally:
        os.close(r)
        if w is not None:
            os.close(w)


def test_a_query_that_needs_too_much_memory_stops_its_worker(store_path):
    async def go():
        async with started_pool(store_path, config={"memory": 256 * 1024 * 1024}) as pool:
            with pytest.raises(WorkerFailed):
                await pool.run({"query": "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i",
                                "format": "csv", "limit": 10}, 60)
            return await pool.run({"query": "ASK {}", "format": "sparql-json", "limit": 10}, 30)

    assert run(go()).ok  # and the pool goes on with a new worker


def test_a_worker_cannot_reach_the_network_even_if_a_service_got_through(store_path):
    """Defence in depth: the query check refuses SERVICE; here it is sent to a worker directly."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                connections.append(conn.recv(200))
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    async def go():
        async with started_pool(store_path) as pool:
            if not pool.health()["workers_network_isolated"]:
                return None
            return await pool.run({"query": f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/sparql> "
                                   "{ ?s ?p ?o } }", "format": "csv", "limit": 10}, 20)

    try:
        answer = run(go())
        time.sleep(0.3)
    finally:
        stop.set()
        thread.join()
        listener.close()
    if answer is None:
        pytest.skip("this kernel does not let the workers leave the network (unshare refused)")
    assert not answer.ok
    assert connections == []


def _cache_entries(cache):
    return sorted(p.name for p in cache.iterdir() if (p / "store.json").exists()) if cache.exists() else []


def test_publishing_prepares_the_store_serve_will_open(tmp_path, minimal_source, capsys):
    """`lianzheng build` (publishing) loads the store, so that the first start only opens it."""
    from api.cli import main

    releases = tmp_path / "datasets" / "releases"
    assert main(["build", "--source", str(minimal_source), "--releases", str(releases)]) == 0
    assert "query store ready" in capsys.readouterr().out
    cache = tmp_path / "datasets" / "cache"
    latest = (releases / "latest").resolve()
    assert _cache_entries(cache) == [cache_key(latest)]
    ready = prepare_store(releases / "latest", cache)
    assert ready.proc is None  # nothing left to load: the service opens it
    store = OxigraphStore(ready.wait(), worker=WORKER, workers=1, worker_config={})
    assert store.triples > 100 and store.describe(
        "https://w3id.org/lianzheng/id/case/taipei-eco-park")


def test_build_store_flags(tmp_path, minimal_source):
    from api.cli import main

    releases = tmp_path / "datasets" / "releases"
    cache = tmp_path / "datasets" / "cache"
    assert main(["build", "--source", str(minimal_source), "--releases", str(releases), "--no-store",
                 "--quiet"]) == 0
    assert _cache_entries(cache) == []
    out = tmp_path / "out"
    assert main(["build", "--source", str(minimal_source), "--releases", str(releases), "--out", str(out),
                 "--quiet"]) == 0
    assert _cache_entries(cache) == []  # --out: not unless asked
    assert main(["build", "--source", str(minimal_source), "--releases", str(releases), "--out", str(out),
                 "--store", "--quiet"]) == 0
    assert _cache_entries(cache) == [cache_key(out)]


def test_a_worker_shows_the_job_it_runs(store_path):
    """The page a worker shares with the service names the running job and its start, which
    the pool trusts over its own (later) view when it decides a job is slow."""
    async def go():
        async with started_pool(store_path) as pool:
            worker = pool.workers[0]
            if worker.board is None:
                return None
            before = worker.running()
            slow = asyncio.ensure_future(pool.run({"query": CARTESIAN, "format": "csv", "limit": 10}, 2))
            await asyncio.sleep(0.5)
            job = worker.jobs[0]
            during = worker.running()
            with pytest.raises(QueryTimeout):
                await slow
            return before, job.id, during, time.monotonic()

    seen = run(go())
    if seen is None:
        pytest.skip("no memfd_create here: the pool goes by the answers it has read")
    before, job_id, (running_id, since, busy), now = seen
    assert before is None  # nothing run yet
    assert running_id == job_id and busy and now - 3 < since < now - 1.4


@pytest.mark.parametrize("short_jobs", [1, 2])
def test_a_job_that_ran_anyway_after_it_was_taken_back_does_not_hold_up_the_rest(store_path, short_jobs):
    """The race the board cannot close: a job is taken back just as its worker starts it. If it
    is slow, the jobs queued behind it (none started) go back to the line and the worker is
    replaced, instead of waiting for it until the first of them times out."""
    async def go():
        async with started_pool(store_path) as pool:
            worker = pool.workers[0]
            if worker.board is None:
                return None
            slow = asyncio.ensure_future(pool.run({"query": CARTESIAN, "format": "csv", "limit": 10}, 20))
            await asyncio.sleep(0.3)
            # as if it had been taken back too late: the pool forgets it while the worker runs it
            ghost = worker.jobs.popleft()
            worker.stop_timers()
            worker.suspect = True  # as after any job is taken back from a worker
            slow.cancel()
            ghost.future.cancel()
            started = time.monotonic()
            # the pool thinks the worker idle, so the first short job is sent as if it ran (and a
            # second queued behind it); the stall check then finds the worker on none of them
            answers = await asyncio.gather(*(pool.run({"query": "ASK {}", "format": "sparql-json", "limit": 1}, 20)
                                             for _ in range(short_jobs)))
            return answers, time.monotonic() - started, worker.pid, pool.pids(), pool.kills

    seen = run(go())
    if seen is None:
        pytest.skip("no memfd_create here")
    answers, took, old_pid, pids, kills = seen
    assert all(a.ok and a.worker != old_pid for a in answers) and old_pid not in pids
    assert took < 10 and kills == 1  # not the 20 s of the first one's deadline


def test_a_job_abandoned_as_its_worker_starts_it_is_stopped_there(store_path):
    """Nobody waits for a job the pool still thinks queued, but the worker has started it (the
    answer before it is unread): its worker is replaced, and the job before it runs again."""
    async def go():
        async with started_pool(store_path) as pool:
            worker = pool.workers[0]
            if worker.board is None:
                return None
            first = asyncio.ensure_future(pool.run({"query": "ASK {}", "format": "sparql-json", "limit": 1}, 20))
            slow = asyncio.ensure_future(pool.run({"query": CARTESIAN, "format": "csv", "limit": 10}, 20))
            await asyncio.sleep(0)  # both sent: the short one runs, the slow one is queued behind it
            job = worker.jobs[1]
            deadline = time.monotonic() + 20
            while (worker.running() or (0,))[0] != job.id and time.monotonic() < deadline:
                time.sleep(0.01)  # the event loop stands still: the short job's answer stays unread
            assert job.started is None and worker.running()[0] == job.id
            slow.cancel()
            with pytest.raises(asyncio.CancelledError):
                await slow
            answer = await first  # its answer was lost with the worker: it ran again
            return answer, worker.pid, pool.pids(), pool.kills

    seen = run(go())
    if seen is None:
        pytest.skip("no memfd_create here")
    answer, old_pid, pids, kills = seen
    assert answer.ok and old_pid not in pids and answer.worker in pids and kills == 1


# ------------------------------------------------------------------ fairness between clients

def test_lines_serve_clients_in_turn_and_put_jobs_back_first():
    from api.store.process import Job

    lines = Lines()
    jobs = {(c, n): Job(n, b"", 1.0, None, client=c) for c in "ab" for n in range(3)}
    for n in range(3):
        lines.append(jobs[("a", n)])
    lines.append(jobs[("b", 0)])
    assert [j.client for j in lines.heads()] == ["a", "b"]
    assert lines.pop("a") is jobs[("a", 0)]  # a goes to the back of the turn
    assert [j.client for j in lines.heads()] == ["b", "a"]
    lines.put_back([jobs[("a", 0)]])  # handed back: first in its line, its client first in turn
    assert lines.heads()[0] is jobs[("a", 0)] and len(lines) == 4 and lines.waiting("a") == 3
    assert lines.remove(jobs[("b", 0)]) and not lines.remove(jobs[("b", 0)]) and lines.clients() == 1
    assert lines.clear() == [jobs[("a", n)] for n in range(3)] and len(lines) == 0


def test_one_client_flooding_slow_queries_holds_only_its_share(store_path):
    """Twelve slow queries from one client hold one of three workers; another client's quick
    queries are answered by the other two while they run."""
    async def go():
        async with started_pool(store_path, size=3, share=1) as pool:
            flood = [asyncio.ensure_future(pool.run(SLOW, 2, "attacker")) for _ in range(12)]
            await asyncio.sleep(0.3)
            held = len(pool.held_by("attacker"))
            quick = await asyncio.gather(*(pool.run(ASK, 30, "victim") for _ in range(20)))
            waiting = pool.health()["jobs_waiting"]
            for f in flood:
                f.cancel()
            await asyncio.gather(*flood, return_exceptions=True)
            return held, quick, waiting, {w.pid for w in pool.workers}

    held, quick, waiting, pids = run(go())
    assert held == 1
    assert all(a.ok for a in quick)
    assert waiting >= 10, "the attacker's other queries wait in its line"


def test_a_client_past_its_line_gets_client_busy(store_path):
    async def go():
        async with started_pool(store_path, size=2, share=1, line_limit=3) as pool:
            held = [asyncio.ensure_future(pool.run(SLOW, 5, "a")) for _ in range(4)]  # 1 runs, 3 wait
            await asyncio.sleep(0.1)
            with pytest.raises(ClientBusy):
                await pool.run(ASK, 5, "a")
            other = await pool.run(ASK, 5, "b")
            for f in held:
                f.cancel()
            await asyncio.gather(*held, return_exceptions=True)
            return other

    assert run(go()).ok


def test_a_job_that_waits_out_its_time_behind_its_own_client_is_client_busy(store_path):
    async def go():
        async with started_pool(store_path, size=2, share=1) as pool:
            slow = asyncio.ensure_future(pool.run(SLOW, 3, "a"))
            await asyncio.sleep(0.05)
            with pytest.raises(ClientBusy):
                await pool.run(ASK, 0.5, "a")  # a worker is idle, but not for client a
            with pytest.raises(QueryTimeout):
                await slow

    run(go())


def test_running_queries_count_against_the_budget_before_they_end(store_path):
    """The budget is charged by the time a query holds a worker: with 1 s of budget, a client
    whose query has run 1.2 s cannot start another, even on an idle worker."""
    async def go():
        budget = Budget(1.0, 3600)
        async with started_pool(store_path, size=2, share=2, budget=budget) as pool:
            slow = asyncio.ensure_future(pool.run(SLOW, 3, "a"))
            await asyncio.sleep(1.2)
            with pytest.raises(OverBudget) as refused:
                await pool.run(ASK, 5, "a")
            other = await pool.run(ASK, 5, "b")
            with pytest.raises(QueryTimeout):
                await slow
            return refused.value.retry_after, other, budget.remaining("a"), budget.remaining("b")

    retry, other, left_a, left_b = run(go())
    assert retry >= 1 and other.ok
    assert left_a <= 1.0 - 3 + 0.1  # charged the 3 s its query held a worker
    assert left_b > 0.5  # a quick query costs milliseconds (more on a loaded machine), not a's 3 s


def test_a_crash_is_counted_charged_and_its_worker_replaced(store_path):
    async def go():
        budget = Budget(100.0, 3600)
        async with started_pool(store_path, size=1, budget=budget) as pool:
            first = pool.pids()[0]
            with pytest.raises(WorkerCrashed) as crashed:
                await pool.run({"query": CRASH, "format": "csv", "limit": 1}, 7)
            after = await pool.run(ASK, 30, "other")
            return crashed.value.returncode, first, pool.pids(), after, pool.health(), budget

    async def with_client():
        budget = Budget(100.0, 3600)
        async with started_pool(store_path, size=1, budget=budget) as pool:
            with pytest.raises(WorkerCrashed):
                await pool.run({"query": CRASH, "format": "csv", "limit": 1}, 7, "attacker")
            return budget.remaining("attacker"), pool.health()

    code, first, pids, after, health, _ = run(go())
    assert code < 0 and first not in pids and after.ok
    assert health["workers_crashed"] == 1 and health["workers_killed"] == 0
    assert health["seconds_since_crash"] is not None
    left, health = run(with_client())
    assert left <= 100.0 - 7 + 0.01, "a crash is charged at least the query's whole timeout"


def test_crashes_in_a_row_pause_the_restarts():
    assert [backoff(n) for n in range(4)] == [0.0, 0.0, 0.0, BACKOFF[0]]
    assert backoff(100) == BACKOFF[-1] and all(a < b for a, b in itertools.pairwise(BACKOFF))


def _worker_children() -> list[int]:
    """This process's children that are query workers (zombies too: not yet reaped)."""
    pids = []
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as f:
            pids += [int(p) for p in f.read().split()]
    found = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except FileNotFoundError:
            continue
        if b"api.sparql.worker" in cmdline or not cmdline:  # a zombie's cmdline is empty
            found.append(pid)
    return found


def test_closing_while_a_worker_is_replaced_leaves_no_process_for_after_the_loop(store_path, monkeypatch):
    """A killed worker being reaped and its replacement being started when the pool closes:
    both are ended and waited for before the loop ends, so no process is left as a zombie and
    no asyncio transport is left for the collector (its __del__ would raise: loop closed)."""
    import gc
    import sys

    before = set(_worker_children())

    async def go():
        async with started_pool(store_path, size=1) as pool:
            with pytest.raises(QueryTimeout):
                await pool.run(SLOW, 0.5)  # killed; reaping and replacing run in the background
            return pool.kills

    kills = run(go())
    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    gc.collect()
    assert kills == 1
    assert set(_worker_children()) - before == set(), "a worker process outlived its pool"
    assert [u.exc_value for u in unraisable] == []
