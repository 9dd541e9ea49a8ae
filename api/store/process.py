"""One worker process as the pool sees it (:class:`Worker`): its pipes, its queue of jobs
(:class:`Job`), its timers and the board it says what it runs on; how long to wait before
replacing one that crashed (:func:`backoff`)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import mmap
import os
from dataclasses import dataclass

from .frames import BOARD_SIZE, FRAME, JOB_ID, JOB_START

# Seconds before a crashed worker is replaced, by crashes in a row (no answer between them):
# the first two at once, then a pause that doubles, at most the last.
BACKOFF = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


@dataclass(eq=False)
class Job:
    """A query job inside the pool: waiting, queued on a worker, or running (the first of its queue)."""

    id: int
    frame: bytes
    timeout: float
    future: asyncio.Future
    worker: Worker | None = None
    started: float | None = None  # loop time it became the first of its worker's queue
    held_since: float = 0.0  # time.monotonic() then: the loop's clock may count whole milliseconds
    wait_timer: asyncio.TimerHandle | None = None
    taken_back: bool = False  # from behind a slow job once: it now waits for an idle worker
    client: str = ""  # whose job it is: the key of its budget and of its share of the workers

    def stop_waiting(self) -> None:
        if self.wait_timer is not None:
            self.wait_timer.cancel()
            self.wait_timer = None


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process):
        self.proc = proc
        self.pid = proc.pid
        assert proc.stdin is not None and proc.stdout is not None  # started with both pipes
        self.stdin: asyncio.StreamWriter = proc.stdin
        self.stdout: asyncio.StreamReader = proc.stdout
        self.isolated = False
        self.memory_limited = False
        self.jobs: collections.deque[Job] = collections.deque()  # sent here, in order; the first runs
        self.run_timer: asyncio.TimerHandle | None = None  # the deadline of the running job
        self.stall_timer: asyncio.TimerHandle | None = None  # when the queued jobs are taken back
        self.reader: asyncio.Task | None = None
        self.retired = False  # killed, or found dead: gets no more jobs
        self.suspect = False  # a job was taken back from it: it may run that job anyway, unasked
        self.board: mmap.mmap | None = None  # the page the worker writes what it runs on, if the system has one

    def running(self) -> tuple[int, float, bool] | None:
        """The id of the job the worker runs or ran last, when it started it (time.monotonic), and
        whether it still runs it; None before its first job, or where there is no board."""
        if self.board is None:
            return None
        for _ in range(3):
            (last,) = JOB_ID.unpack_from(self.board, 16)
            (start,) = JOB_START.unpack_from(self.board, 8)
            (first,) = JOB_ID.unpack_from(self.board, 0)
            if first and (first == last or first == -last):
                return first, start, first == last
            if not first and not last:
                return None
        return None  # being written again and again: not known now

    def head_started(self) -> float:
        """When the first job of the queue started (every head of a queue has)."""
        started = self.jobs[0].started
        assert started is not None
        return started

    @property
    def alive(self) -> bool:
        return self.proc.returncode is None

    @property
    def usable(self) -> bool:
        return not self.retired and self.proc.returncode is None

    async def send(self, header: dict) -> None:
        import orjson

        data = orjson.dumps(header)
        self.stdin.write(FRAME.pack(len(data), 0) + data)
        await self.stdin.drain()

    def post(self, frame: bytes) -> None:
        """Send a frame without waiting: the pipe's transport keeps what the pipe cannot take yet
        (at most QUEUE_DEPTH jobs and their cancellations). To a worker that has gone it is
        lost, and its reader finds the end and hands its jobs back or fails them."""
        with contextlib.suppress(RuntimeError, ConnectionError):
            self.stdin.write(frame)

    async def receive(self) -> tuple[dict, bytes]:
        import orjson

        n, size = FRAME.unpack(await self.stdout.readexactly(FRAME.size))
        data = await self.stdout.readexactly(n + size)
        return orjson.loads(data[:n]), data[n:]

    def close_board(self) -> None:
        if self.board is not None:
            self.board.close()
            self.board = None

    def stop_timers(self) -> None:
        for timer in (self.run_timer, self.stall_timer):
            if timer is not None:
                timer.cancel()
        self.run_timer = self.stall_timer = None

    def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()  # SIGKILL: the query cannot be cancelled any other way

    async def reap(self, timeout: float = 5.0) -> int | None:
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            return None

    async def finish(self, timeout: float = 2.0) -> None:
        """End the process and wait for its pipes to close, so that asyncio closes its
        transport while the loop still runs (one left for the collector after the loop has
        closed raises in its ``__del__``)."""
        if await self.reap(timeout) is None:
            self.kill()
            await self.reap()
        with contextlib.suppress(Exception):  # the pipe may be broken already
            self.stdin.close()
            await asyncio.wait_for(self.stdin.wait_closed(), timeout)
        if self.reader is not None:  # it reads stdout to its end, then returns
            with contextlib.suppress(Exception, asyncio.CancelledError):  # failed or cancelled: done
                await asyncio.wait_for(self.reader, timeout)


def _board() -> int | None:
    """A shared page for a worker to say what it runs (a memfd), or None where there is none."""
    try:
        fd = os.memfd_create("lianzheng-worker-board")  # close-on-exec: only pass_fds hands it on
    except (AttributeError, OSError):
        return None
    os.ftruncate(fd, BOARD_SIZE)
    return fd


def backoff(crashes: int) -> float:
    """Seconds to wait before replacing a worker after ``crashes`` crashes in a row."""
    if crashes <= 2:
        return 0.0
    return BACKOFF[min(crashes - 3, len(BACKOFF) - 1)]
