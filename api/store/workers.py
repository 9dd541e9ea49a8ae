"""The pool's worker processes: started, read, killed, reaped and replaced.

:class:`Workers` keeps ``size`` processes running the module it is given (``python -m``).
It reads each one's answers and hands them to :meth:`Workers._answered`; a worker that
stops, by itself or killed, is taken out of service, the jobs it held go back through
:meth:`Workers._requeue`, and another is started in its place, after a pause that grows
with crashes in a row (:data:`.process.BACKOFF`). Which job runs where is the subclass's
business (:class:`.pool.WorkerPool`); the three methods it must give are named above and
:meth:`Workers._dispatch`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mmap
import os
import sys
import time
from pathlib import Path

from .frames import BOARD_SIZE
from .lines import WorkerCrashed, WorkerFailed
from .process import BACKOFF, Job, Worker, _board, backoff

START_TIMEOUT = 30.0  # seconds for a worker to open the store and say it is ready
ROOT = Path(__file__).resolve().parents[2]  # the checkout: where `python -m api...` is found

log = logging.getLogger("lianzheng.workers")


class Workers:
    """The worker processes of a pool, and their counts for ``/-/health``."""

    def __init__(self, store_path: Path | None, *, worker: str, size: int, config: dict):
        self.worker = worker  # the module a worker process runs (python -m)
        self.size = max(1, int(size))
        self.config = dict(config, store=str(store_path) if store_path is not None else None)
        self.workers: list[Worker] = []  # in service
        self._tasks: set[asyncio.Task] = set()
        self._live: set[Worker] = set()  # every process started and not yet reaped
        self._running = False
        self.kills = 0  # workers killed here: at a deadline, or running a job nobody waits for
        self.crashes = 0  # workers that died by themselves under a job
        self.crash_streak = 0  # crashes since the last answer: sets the pause before a restart
        self.last_crash: float | None = None  # time.time() of the last crash
        self.started = 0
        self.starting = 0  # workers being started in place of stopped ones

    # ------------------------------------------------------------ the subclass's part

    def _answered(self, worker: Worker, header: dict, body: bytes) -> None:
        raise NotImplementedError

    def _requeue(self, jobs: list[Job]) -> None:
        raise NotImplementedError

    def _dispatch(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ processes

    async def _spawn(self) -> Worker:
        board_fd = _board()
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", self.worker, str(os.getpid()), stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE, cwd=str(ROOT), env=dict(os.environ, RUST_BACKTRACE="0"),
                pass_fds=() if board_fd is None else (board_fd,))
            worker = Worker(proc)
            self._live.add(worker)
            if board_fd is not None:
                worker.board = mmap.mmap(board_fd, BOARD_SIZE)
        finally:
            if board_fd is not None:
                os.close(board_fd)
        try:
            await worker.send(dict(self.config, board_fd=board_fd))
            header, _ = await asyncio.wait_for(worker.receive(), START_TIMEOUT)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as exc:
            worker.kill()
            worker.close_board()
            await worker.finish()
            self._live.discard(worker)
            raise WorkerFailed(proc.returncode) from exc
        worker.isolated = bool(header.get("isolated"))
        worker.memory_limited = bool(header.get("memory_limited"))
        worker.reader = asyncio.get_running_loop().create_task(self._read(worker))
        self.workers.append(worker)
        self.started += 1
        return worker

    async def start(self) -> None:
        spawned = await asyncio.gather(*(self._spawn() for _ in range(self.size)))
        self._running = True
        if not all(w.isolated for w in spawned):
            log.warning("query workers could not leave the network (unshare refused); SERVICE "
                        "is refused by the query check alone")

    def _background(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _respawn(self) -> None:
        """Start a worker in place of one that stopped: at once, unless workers keep crashing
        (then after a pause that doubles with each crash in a row); and keep trying while the
        pool runs, a failed start pausing longer each time."""
        self.starting += 1
        try:
            pause = backoff(self.crash_streak)
            while self._running:
                if pause:
                    await asyncio.sleep(pause)
                try:
                    await self._spawn()
                    self._dispatch()
                    return
                except Exception:  # noqa: BLE001 - keep trying, slower
                    log.exception("could not start a query worker")
                    pause = min(BACKOFF[-1], max(BACKOFF[0], pause * 2))
        finally:
            self.starting -= 1

    def _retire(self, worker: Worker, started: bool = True) -> Job | None:
        """Take ``worker`` out of service: no more jobs; the queued ones go back to the waiting
        line, in order and first; returns the job it was running, if any (``started``: the first
        of its queue runs; else none of them did, and all go back). Starts a replacement."""
        worker.retired = True
        worker.stop_timers()
        worker.close_board()
        head = worker.jobs.popleft() if worker.jobs and started else None
        if head is not None:
            head.worker = None
        self._requeue(list(worker.jobs))
        worker.jobs.clear()
        if worker in self.workers:
            self.workers.remove(worker)
        if self._running:
            self._background(self._respawn())
        self._dispatch()
        return head

    async def _bury(self, worker: Worker, head: Job | None, error) -> None:
        """Wait for ``worker`` to be gone, then fail the job it ran with ``error(returncode)``."""
        code = await worker.reap()
        self._live.discard(worker)
        if error is WorkerCrashed:
            log.warning("query worker %d ended by itself (%s)", worker.pid, code)
        if head is not None and not head.future.done():
            head.future.set_exception(error(code))

    def _kill(self, worker: Worker, error, started: bool = True) -> None:
        worker.kill()
        self.kills += 1
        head = self._retire(worker, started)
        self._background(self._bury(worker, head, error))

    async def _read(self, worker: Worker) -> None:
        """The worker's answers, as they come; its end, if it stops by itself."""
        try:
            while True:
                header, body = await worker.receive()
                self._answered(worker, header, body)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        if worker.retired:
            return  # killed here: dealt with already
        self.crashes += 1
        self.crash_streak += 1
        self.last_crash = time.time()
        head = self._retire(worker)
        if head is not None:
            log.warning("a query worker (pid %d) died under a job of client %s", worker.pid, head.client)
        await self._bury(worker, head, WorkerCrashed)

    def pids(self) -> list[int]:
        return [w.pid for w in self.workers if w.usable]

    async def close_workers(self) -> None:
        """Fail the jobs the workers hold, end every worker process (those being replaced too)
        and wait for them, so that nothing outlives the event loop."""
        self._running = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for w in list(self._live):
            w.retired = True
            w.stop_timers()
            w.close_board()
            for job in w.jobs:
                if job.wait_timer is not None:
                    job.wait_timer.cancel()
                if not job.future.done():
                    job.future.set_exception(WorkerFailed("closed"))
            w.jobs.clear()
            if w.alive:
                with contextlib.suppress(Exception):
                    w.stdin.close()  # end of input: the worker leaves its loop
        await asyncio.gather(*(w.finish() for w in list(self._live)))
        self._live.clear()
        self.workers.clear()
