"""The small interface the routes use to reach the release's store: :class:`ReleaseStore`, and
``get_store``, the FastAPI dependency that hands it to a route (a test, or another backend,
replaces it with ``app.dependency_overrides``). :class:`api.store.embedded.OxigraphStore`
is the implementation the service runs."""

from __future__ import annotations

from typing import Protocol

from starlette.requests import Request


class ReleaseStore(Protocol):
    """What the routes need from a store."""

    triples: int
    graphs: dict[str, int]

    def describe(self, iri: str, *, graph: str | None = None, follow: frozenset[str] = frozenset(),
                 limit: int = 10_000) -> list[tuple]: ...

    def graph(self, iri: str, limit: int = 100_000) -> list[tuple]: ...

    def labels(self, iris: list[str]) -> dict[str, dict[str, str]]: ...

    def subjects(self, predicate: str, obj: str, graph: str | None = None, limit: int = 10_000) -> list[str]: ...

    def literals(self, predicate: str, limit: int = 1_000_000) -> list[tuple[str, str, str]]: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def run(self, job: dict, timeout: float, client: str = ""): ...

    def health(self) -> dict: ...


async def get_store(request: Request) -> ReleaseStore:
    """FastAPI dependency: the app's store (override it with ``app.dependency_overrides``).

    ``async`` so that FastAPI does not hand it to a thread (measured: a sync dependency
    cost the SPARQL route a thread hop per request)."""
    return request.app.state.store
