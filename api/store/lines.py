"""What a pool's job answers (:class:`Answer`), the ways it can be refused or fail, and the
lines jobs wait in, one per client (:class:`Lines`); a job itself is :class:`.process.Job`."""

from __future__ import annotations

import collections
from dataclasses import dataclass

from .process import Job


class QueryTimeout(Exception):
    pass


class PoolBusy(Exception):
    """No worker could take the job within its timeout (the pool is full of other clients' work)."""


class ClientBusy(Exception):
    """The client already holds its share of the workers and has as many jobs waiting as it may,
    or its job waited its whole timeout behind its own earlier ones."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class OverBudget(Exception):
    """The client has used its budget of worker time (counting the jobs it runs now)."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class WorkerFailed(Exception):
    def __init__(self, returncode):
        super().__init__(f"query worker stopped ({returncode})")
        self.returncode = returncode


class WorkerCrashed(WorkerFailed):
    """The worker died by itself while it ran the job (a crash of the engine, or out of memory)."""


@dataclass
class Answer:
    ok: bool
    body: bytes
    count: int = 0
    truncated: bool = False
    seconds: float = 0.0
    status: int = 200
    error: str = ""
    detail: object = None
    worker: int = 0  # pid of the worker that answered
    media_type: str = ""  # the Content-Type, where the worker negotiated it (it checked the query)
    spool: str = ""  # the answer's file in the spool folder, where it was too large for the pipe
    unknown_graphs: tuple[str, ...] = ()  # graphs the query's FROM named that the store does not hold


class Lines:
    """Jobs waiting for a worker: one line per client, the clients served in turn.

    A client's jobs keep their order; after one of its jobs goes to a worker the client goes
    to the back of the turn. Jobs handed back (taken from behind a slow job, or from a worker
    that stopped) go to the front of their client's line, and their client to the front of
    the turn: they came first.
    """

    def __init__(self) -> None:
        self._by_client: collections.OrderedDict[str, collections.deque[Job]] = collections.OrderedDict()
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def __iter__(self):
        for line in self._by_client.values():
            yield from line

    def waiting(self, client: str) -> int:
        line = self._by_client.get(client)
        return len(line) if line else 0

    def clients(self) -> int:
        return len(self._by_client)

    def append(self, job: Job) -> None:
        self._by_client.setdefault(job.client, collections.deque()).append(job)
        self.size += 1

    def put_back(self, jobs: list[Job]) -> None:
        for job in reversed(jobs):
            self._by_client.setdefault(job.client, collections.deque()).appendleft(job)
            self._by_client.move_to_end(job.client, last=False)
            self.size += 1

    def remove(self, job: Job) -> bool:
        line = self._by_client.get(job.client)
        if not line:
            return False
        try:
            line.remove(job)
        except ValueError:
            return False
        self.size -= 1
        if not line:
            del self._by_client[job.client]
        return True

    def heads(self) -> list[Job]:
        """The first job of each client's line, in turn order."""
        return [line[0] for line in self._by_client.values()]

    def pop(self, client: str) -> Job:
        line = self._by_client[client]
        job = line.popleft()
        self.size -= 1
        if line:
            self._by_client.move_to_end(client)
        else:
            del self._by_client[client]
        return job

    def clear(self) -> list[Job]:
        jobs = list(self)
        self._by_client.clear()
        self.size = 0
        return jobs
