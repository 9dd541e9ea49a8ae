"""Running a job on a worker pool from a route: the pool's refusals as the one error body.

Every pool (the store's SPARQL workers, the reconciliation worker) admits a job against its
client's share of the workers and its budget, stops it at its deadline and charges it
(:class:`api.store.pool.WorkerPool`); this is where each of those outcomes becomes an HTTP
status: 503 with ``Retry-After`` for a deadline, a busy pool or a worker that stopped; 429
with ``Retry-After`` for a spent budget or a client that sends more than its share.
"""

from __future__ import annotations

import math

from ..errors import ServiceError
from ..store.lines import ClientBusy, OverBudget, PoolBusy, QueryTimeout, WorkerCrashed, WorkerFailed


async def run_job(runner, job: dict, settings, client: str):
    """Run ``job`` for ``client`` on ``runner`` (a pool, or a store that runs jobs on its pool)
    within ``query_timeout``; raise :class:`ServiceError` for each way it can be refused."""
    timeout = settings.query_timeout
    try:
        return await runner.run(job, timeout, client)
    except QueryTimeout:
        retry = str(max(1, math.ceil(timeout)))
        raise ServiceError(503, f"the query did not finish within {timeout:g} seconds and was stopped",
                           detail={"timeout_seconds": timeout}, headers={"Retry-After": retry}) from None
    except OverBudget as exc:
        raise ServiceError(429, "this client has used its query time for now; try again later",
                           detail={"retry_after": exc.retry_after, "budget_seconds": settings.client_budget,
                                   "window_seconds": settings.budget_window},
                           headers={"Retry-After": str(exc.retry_after)}) from None
    except ClientBusy as exc:
        raise ServiceError(429, "this client's earlier queries hold its share of the query workers; "
                           "send fewer at once", detail={"client_workers": settings.client_workers,
                                                         "client_queue": settings.client_queue},
                           headers={"Retry-After": str(exc.retry_after)}) from None
    except PoolBusy:
        raise ServiceError(503, "every query worker is busy; try again shortly",
                           headers={"Retry-After": "5"}) from None
    except WorkerCrashed as exc:
        memory = exc.returncode in (-6, 134, -11)
        raise ServiceError(503, "the query needed more memory than a query may use" if memory else
                           "the query stopped its worker; it is charged to this client's budget",
                           headers={"Retry-After": "5"}) from None
    except WorkerFailed:
        raise ServiceError(503, "the query worker stopped", headers={"Retry-After": "5"}) from None
