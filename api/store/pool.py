"""The worker pool: query jobs run in worker processes that can be stopped for certain.

The service waits for each answer on an asyncio pipe (the event loop never blocks); past a
job's deadline its worker is killed with SIGKILL, reaped, and replaced. The rest of the
service never waits on a query. What a worker runs is the module the pool is given
(``worker``, run as ``python -m``: :mod:`api.sparql.worker`); the wire between them is
:mod:`api.store.frames`. A job and the lines jobs wait in are :mod:`.lines`; one worker
process as the pool sees it is :mod:`.process`, and starting, reading, killing and replacing
them is :mod:`.workers`; what is left here is which job runs where and when.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from pathlib import Path

from .frames import FRAME, cancel_frame
from .lines import Answer, ClientBusy, Lines, OverBudget, PoolBusy, QueryTimeout, WorkerCrashed, WorkerFailed
from .process import Job, Worker
from .workers import Workers

QUEUE_DEPTH = 4  # jobs a worker holds at once: the one it runs and those queued behind it
LINE_LIMIT = 32  # jobs one client may have waiting for a worker (ClientBusy past it)
MAX_WAITING = 2048  # jobs waiting for a worker, over all clients (PoolBusy past it)
PIPELINE_WINDOW = 0.005  # seconds: a job is queued only behind one that started this recently
STALL = 0.005  # seconds: jobs queued behind one running this long are taken back

log = logging.getLogger("lianzheng.workers")


class WorkerPool(Workers):
    """``size`` worker processes; :meth:`run` runs a job on one of them, within a deadline.

    A job goes to an idle worker if there is one. When all are busy, it may be queued
    behind the job a worker runs (at most :data:`QUEUE_DEPTH` jobs a worker), but only
    behind one that started less than :data:`PIPELINE_WINDOW` ago: a worker then goes
    from one short query to the next without sleeping and being woken, which on two
    cores is a large part of a short query's cost. A job queued behind one that turns
    out slow is taken back after :data:`STALL` (the worker is told to skip it) and goes
    to the next free worker: a slow query never holds up others for longer than that.
    Otherwise jobs wait here (:class:`Lines`): one line per client, the clients in turn.

    Fairness (``share``, ``line_limit``, ``budget``): a client's jobs go to at most
    ``share`` workers at once (a job may still queue behind one of its own on a worker it
    holds); the rest wait in its line, at most ``line_limit`` of them (:class:`ClientBusy`
    past that). A job is admitted against the client's budget when it goes to a worker,
    counting the time its running jobs have held workers so far (:class:`OverBudget`), and
    charged, when it ends, the time it held its worker; a job whose worker crashed under it
    is charged at least its whole timeout. So one client with many slow queries holds
    ``share`` workers, not all of them, and spends its budget at the rate it holds them.

    Deadlines: a job that has not started within its timeout fails with
    :class:`PoolBusy` (or :class:`ClientBusy` if it waited behind its own client's jobs);
    one that runs past its timeout (counted from its start) has its worker killed
    (:class:`QueryTimeout`), and the jobs queued behind it go back to the front of the
    waiting line. A worker that dies by itself fails its running job
    (:class:`WorkerCrashed`) and likewise hands back the rest. Killed and dead workers
    are replaced; after crashes in a row with no answer between them, with a growing
    pause (:data:`BACKOFF`), so that a crash loop cannot keep the machine busy starting
    workers.
    """

    def __init__(self, store_path: Path | None, *, worker: str, size: int, config: dict,
                 share: int | None = None, line_limit: int = LINE_LIMIT, budget=None):
        super().__init__(store_path, worker=worker, size=size, config=config)
        self.share = None if share is None or share <= 0 else int(share)
        self.line_limit = max(1, int(line_limit))
        self.budget = budget  # an api.sparql.budget.Budget, or None: no admission, no charge
        self._lines = Lines()
        self._ids = itertools.count(1)
        self.timeouts = 0  # workers killed at a job's deadline (of the kills counted in Workers)
        self.taken_back = 0  # queued jobs taken back from a worker whose current job was slow

    # ------------------------------------------------------------ jobs

    def _requeue(self, jobs: list[Job]) -> None:
        loop = asyncio.get_running_loop()
        live = []
        for job in jobs:  # never started: back to the front, in their order
            job.worker = None
            job.started = None
            if job.future.done():
                continue
            if job.wait_timer is None:  # it was thought started
                job.wait_timer = loop.call_later(job.timeout, self._give_up, job)
            live.append(job)
        self._lines.put_back(live)

    def held_by(self, client: str) -> list[Worker]:
        """The workers that run or hold queued a job of ``client``."""
        return [w for w in self.workers if w.usable and any(j.client == client for j in w.jobs)]

    def _may_take(self, client: str) -> bool:
        """Whether ``client`` may have a job on one more worker than it holds now."""
        return self.share is None or len(self.held_by(client)) < self.share

    def _held_seconds(self, client: str) -> float:
        """How long the jobs ``client`` runs now have held their workers so far."""
        clock = time.monotonic()
        return sum(clock - w.jobs[0].held_since for w in self.workers
                   if w.jobs and w.jobs[0].client == client and w.jobs[0].started is not None)

    def _choose(self, job: Job, now: float, queue: bool) -> Worker | None:
        """An idle worker; else, if ``queue``, the least loaded one whose job started just now --
        within the client's share: a worker it holds already, or any if it holds fewer."""
        new = self._may_take(job.client)
        best = None
        for w in self.workers:
            if not w.usable:
                continue
            queued = len(w.jobs)
            if queued == 0:
                if new:
                    return w
                continue
            if queue and queued < QUEUE_DEPTH and now - w.head_started() <= PIPELINE_WINDOW \
                    and (best is None or queued < len(best.jobs)) \
                    and (new or any(j.client == job.client for j in w.jobs)):
                best = w
        return best

    def _next(self, now: float) -> tuple[Job, Worker] | None:
        """The next job to go out, and its worker: the first client in turn whose first job can go.

        A job taken back once is not queued again (it would go from one slow job to the next while
        idle workers took younger ones): it waits for an idle worker, and while it does, the
        clients after it in turn get only idle workers too."""
        queue = True
        for job in self._lines.heads():
            worker = self._choose(job, now, queue=queue and not job.taken_back)
            if worker is not None:
                return job, worker
            if job.taken_back and self._may_take(job.client):
                queue = False  # it waits for an idle worker: nobody overtakes it on a busy one
        return None

    def _admit(self, job: Job, now: float) -> bool:
        """Whether the client's budget lets ``job`` run now; if not, the job fails with OverBudget."""
        if self.budget is None or not job.client:
            return True
        wait = self.budget.retry_after(job.client, held=self._held_seconds(job.client))
        if wait is None:
            return True
        job.stop_waiting()
        if not job.future.done():
            job.future.set_exception(OverBudget(wait))
        return False

    def _dispatch(self) -> None:
        """Jobs to workers, clients in turn, each within its share and its budget."""
        if not self._lines:
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._lines:
            found = self._next(now)
            if found is None:
                return
            job, worker = found
            self._lines.pop(job.client)
            if not self._admit(job, now):
                continue
            job.worker = worker
            worker.jobs.append(job)
            worker.post(job.frame)
            if len(worker.jobs) == 1:
                self._start(worker, now)
            elif worker.stall_timer is None:
                worker.stall_timer = loop.call_at(worker.head_started() + STALL, self._stalled, worker)

    def _start(self, worker: Worker, now: float) -> None:
        """The first job of ``worker``'s queue starts: its deadline runs from now."""
        job = worker.jobs[0]
        job.started = now
        job.held_since = time.monotonic()
        if job.wait_timer is not None:
            job.wait_timer.cancel()
            job.wait_timer = None
        loop = asyncio.get_running_loop()
        worker.run_timer = loop.call_at(now + job.timeout, self._overrun, worker, job)
        if len(worker.jobs) > 1 or worker.suspect:
            worker.stall_timer = loop.call_at(now + STALL, self._stalled, worker)

    def _answered(self, worker: Worker, header: dict, body: bytes) -> None:
        self.crash_streak = 0
        if worker.jobs and worker.jobs[0].id == header.get("id"):
            job = worker.jobs.popleft()
            job.worker = None
            worker.stop_timers()
            if not job.future.done():
                job.future.set_result((header, body, worker.pid))
            if worker.jobs:
                self._start(worker, asyncio.get_running_loop().time())
        # else: a job taken back from this worker that had started when the cancellation
        # came; it was given to another worker, whose answer counts
        self._dispatch()

    def _overrun(self, worker: Worker, job: Job) -> None:
        worker.run_timer = None
        if worker.jobs and worker.jobs[0] is job and not worker.retired:
            self.timeouts += 1
            self._kill(worker, lambda code: QueryTimeout(worker.pid))

    def _stalled(self, worker: Worker) -> None:
        """The running job is slow: the jobs queued behind it go to the next free worker.

        Where the worker shows what it runs (its board), that decides, not the answers read so
        far: the service may be a few milliseconds behind, and a worker that has moved on to the
        next job is not stalled, nor are jobs it has started taken back (they would run twice).
        """
        worker.stall_timer = None
        if worker.retired or not worker.jobs or (len(worker.jobs) < 2 and not worker.suspect):
            return
        loop = asyncio.get_running_loop()
        jobs = list(worker.jobs)
        position = 0
        running = worker.running()
        if running is not None:
            job_id, since, busy = running
            position = next((i for i, job in enumerate(jobs) if job.id == job_id), -1)
            ran = time.monotonic() - since
            if position < 0 and busy and ran >= STALL:
                # a job taken back as the worker started it (the cancellation came too late), and
                # slow, runs ahead of all the jobs queued here: none of those has started
                self._kill(worker, WorkerFailed, started=False)
                return
            if position >= 0:
                worker.suspect = False  # on a job of its queue: past anything taken back
            if position < 0 or not busy:  # between two jobs: look again soon
                worker.stall_timer = loop.call_later(STALL / 5, self._stalled, worker)
                return
            if ran < STALL:
                worker.stall_timer = loop.call_later(STALL - ran, self._stalled, worker)
                return
        queued = jobs[position + 1:]
        if not queued:
            if worker.suspect:  # still between jobs, or not known: look again soon
                worker.stall_timer = loop.call_later(STALL, self._stalled, worker)
            return
        for _ in queued:
            worker.jobs.pop()
        for job in queued:
            worker.post(cancel_frame(job.id))
            job.taken_back = True
        worker.suspect = worker.board is not None  # what the board will settle
        self.taken_back += len(queued)
        self._requeue(queued)
        self._dispatch()

    def _withdraw(self, job: Job) -> None:
        """Take back a job that has not started, from the waiting line or a worker's queue."""
        worker = job.worker
        if worker is None:
            self._lines.remove(job)
            return
        worker.jobs.remove(job)
        worker.post(cancel_frame(job.id))
        worker.suspect = worker.board is not None  # what the board will settle
        job.worker = None

    def _abandon(self, job: Job) -> None:
        """Nobody waits for ``job`` any more: take it back, or stop it where it runs."""
        if job.wait_timer is not None:
            job.wait_timer.cancel()
            job.wait_timer = None
        worker = job.worker
        if worker is None:
            self._withdraw(job)  # still waiting here
            return
        if job not in worker.jobs:
            return  # dealt with already
        if job.started is not None:
            if worker.jobs[0] is job:
                self._kill(worker, WorkerFailed)  # a query nobody waits for is not left running
            return
        running = worker.running()
        if running is not None and running[0] == job.id and running[2]:
            # its worker has started it (the answers before it are on their way): stop it there,
            # and run again what was queued there
            worker.jobs.remove(job)
            job.worker = None
            self._kill(worker, WorkerFailed, started=False)
        else:
            self._withdraw(job)

    def _give_up(self, job: Job) -> None:
        job.wait_timer = None
        if job.started is not None or job.future.done():
            return
        if job.worker is not None:
            running = job.worker.running()
            if running is not None and running[0] == job.id:
                return  # it has started (the answers before it are on their way): its deadline will follow
        self._withdraw(job)
        if not self._may_take(job.client):  # it waited behind its own client's jobs
            job.future.set_exception(ClientBusy(max(1, math.ceil(job.timeout))))
        else:
            job.future.set_exception(PoolBusy())

    def _charge(self, job: Job, crashed: bool) -> None:
        """Charge the client the time ``job`` held its worker (a crash: at least its timeout)."""
        if self.budget is None or not job.client or job.started is None:
            return
        held = max(0.0, time.monotonic() - job.held_since)
        self.budget.charge(job.client, max(held, job.timeout) if crashed else held)

    async def run(self, job: dict, timeout: float, client: str = "") -> Answer:
        """Run ``job`` for ``client`` within ``timeout`` seconds of its start (see the class)."""
        if not self._running:
            raise WorkerFailed("not started")
        if self.budget is not None and client:
            wait = self.budget.retry_after(client)
            if wait is not None:
                raise OverBudget(wait)
        if self._lines.waiting(client) >= self.line_limit and not self._may_take(client):
            raise ClientBusy(1)
        if len(self._lines) >= MAX_WAITING:
            raise PoolBusy()
        import orjson

        loop = asyncio.get_running_loop()
        job_id = next(self._ids)
        data = orjson.dumps(dict(job, id=job_id))
        item = Job(job_id, FRAME.pack(len(data), 0) + data, timeout, loop.create_future(), client=client)
        item.wait_timer = loop.call_later(timeout, self._give_up, item)
        self._lines.append(item)
        self._dispatch()
        crashed = False
        try:
            header, body, pid = await item.future
        except asyncio.CancelledError:  # nobody waits for the answer any more
            self._abandon(item)
            raise
        except WorkerCrashed:
            crashed = True
            raise
        finally:
            self._charge(item, crashed)
        return Answer(ok=bool(header.get("ok")), body=body, count=int(header.get("count", 0)),
                      truncated=bool(header.get("truncated")), seconds=float(header.get("seconds", 0)),
                      status=int(header.get("status", 200)), error=str(header.get("error", "")),
                      detail=header.get("detail"), worker=pid, media_type=str(header.get("media_type", "")),
                      spool=str(header.get("spool", "")),
                      unknown_graphs=tuple(str(g) for g in header.get("unknown_graphs") or ()))

    # ------------------------------------------------------------ state

    def health(self) -> dict:
        alive = [w for w in self.workers if w.usable]
        return {"workers": self.size, "workers_alive": len(alive), "workers_starting": self.starting,
                "workers_idle": sum(1 for w in alive if not w.jobs),
                "workers_network_isolated": bool(alive) and all(w.isolated for w in alive),
                "workers_memory_limited": bool(alive) and all(w.memory_limited for w in alive),
                "workers_killed": self.kills, "workers_timed_out": self.timeouts,
                "workers_crashed": self.crashes,
                "seconds_since_crash": None if self.last_crash is None else round(time.time() - self.last_crash, 1),
                "jobs_waiting": len(self._lines), "clients_waiting": self._lines.clients()}

    async def close(self) -> None:
        """Stop: fail every job not answered, then end every worker process and wait for it."""
        self._running = False
        for job in self._lines.clear():
            job.stop_waiting()
            if not job.future.done():
                job.future.set_exception(WorkerFailed("closed"))
        await self.close_workers()
