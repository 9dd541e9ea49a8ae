"""Service pages under one prefix, ``/-/`` (as datasette's ``/-/versions``).

* ``/-/health``: is the service able to answer -- the release, the store's triples,
  the query workers alive. Never waits on a query. 503 (error body, with the same
  facts as detail) when no query worker is alive.
* ``/-/version``: the release's version and build time (``created``), this
  package's version and the versions of the libraries that matter.
"""


import platform
from importlib import metadata
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel

from .errors import ServiceError
from .store.interface import ReleaseStore, get_store

LIBRARIES = ("fastapi", "starlette", "uvicorn", "pydantic", "pyoxigraph", "rdflib", "orjson", "h11")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


class Health(BaseModel):
    ok: bool
    release: str
    created: str
    triples: int
    workers: int
    workers_alive: int
    workers_starting: int
    workers_idle: int
    workers_network_isolated: bool
    workers_memory_limited: bool
    workers_killed: int
    workers_timed_out: int
    workers_crashed: int
    seconds_since_crash: float | None
    jobs_waiting: int
    clients_waiting: int
    connections: int | None = None
    connections_refused: dict[str, int] | None = None


class Version(BaseModel):
    release: str
    created: str
    base: str
    package: str | None
    python: str
    libraries: dict[str, str | None]


def build_router(tables) -> APIRouter:
    router = APIRouter(tags=["service"])
    version_doc = orjson.dumps({
        "release": tables.version, "created": tables.created, "base": tables.base,
        "package": _version("lianzheng"), "python": platform.python_version(),
        "libraries": {name: _version(name) for name in LIBRARIES},
    })

    @router.get("/-/health", response_model=Health, summary="Service health",
                responses={503: {"description": "no query worker is alive"}})
    async def health(request: Request, store: Annotated[ReleaseStore, Depends(get_store)]):
        facts = {"ok": True, "release": tables.version, "created": tables.created, **store.health()}
        facts.pop("store", None)
        guard = getattr(request.app.state, "connections", None)  # set by api.server, not in process
        if guard is not None:
            facts["connections"] = sum(guard.by_client.values())
            facts.update(guard.facts())
        if facts.get("workers_alive", 0) + facts.get("workers_starting", 0) == 0:
            facts["ok"] = False
            raise ServiceError(503, "no query worker is alive", detail=facts, headers={"Retry-After": "5"})
        return Response(orjson.dumps(facts), media_type="application/json",
                        headers={"Cache-Control": "no-store"})

    @router.get("/-/version", response_model=Version, summary="Release and software versions")
    async def version():
        return Response(version_doc, media_type="application/json")

    return router
