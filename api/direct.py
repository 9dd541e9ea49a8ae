"""Hot routes: documented FastAPI routes whose common requests skip FastAPI's per-request layers.

A case looked up by id, or a SPARQL GET, is most of what clients ask, and FastAPI's work per
request costs more than the answer: its exception, exit-stack and telemetry layers, the
router's loop and the request handling of the route itself (reading the request, solving
dependencies, validating, encoding). A hot route is an ordinary route, added with
:func:`add_first` from an endpoint marked with :func:`answers_directly`: in the OpenAPI
document, matched ahead of the others, answered by its endpoint with FastAPI's validation
and the one error body. Its mark is a plain ASGI handler, ``direct(scope, receive, send)``,
which answers what it can and returns ``True``, or declines (``False``, having sent nothing).

:class:`HotLane`, the innermost middleware, gives each request for a hot route to that
handler first. It holds no routes of its own: it takes them from the app's router, so the
route the document describes is the one that answers, in the tests as in production.

Measured with ``bench/serve_bench.py`` on the 10k-case release (2 cores, wrk -c16, runs in
turns with a FastAPI hello-world): with the handler called from the route, past FastAPI's
layers, REST lookups went from 1.52-1.61x the hello-world to 1.13-1.28x, and SPARQL lookups
lost 17-30%; the closing note of issue 12 has the figures with the lane.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.routing import APIRoute, APIRouter

Direct = Callable[[dict, Any, Any], Awaitable[bool]]  # (scope, receive, send) -> answered

log = logging.getLogger("lianzheng.api")


def answers_directly(direct: Direct) -> Callable[[Callable], Callable]:
    """Mark a route's endpoint: ``direct(scope, receive, send)`` answers first, where it can."""
    def mark(endpoint: Callable) -> Callable:
        endpoint.direct = direct  # type: ignore[attr-defined]
        return endpoint
    return mark


def add_first(router: APIRouter, path: str, endpoint: Callable, **kwargs: Any) -> None:
    """Add a route to ``router`` ahead of every route it has, FastAPI's own (``/openapi.json``,
    ``/docs``) too: a declined request is matched with the hot routes first.

    ``router`` is the app's own: :class:`HotLane` reads the hot routes there (FastAPI keeps an
    included router's routes behind a wrapper of its own)."""
    router.add_api_route(path, endpoint, **kwargs)
    router.routes.insert(0, router.routes.pop())


class HotLane:
    """ASGI middleware: a request that matches a hot route of ``router`` goes to the route's
    ``direct`` handler before FastAPI's layers; what it declines goes on down the stack.

    The routes are read when the middleware stack is built (at the first request, after every
    route is registered). A handler must answer in full or decline; an exception it raises
    anyway is logged and answered 500 in the one error body."""

    def __init__(self, app, router: APIRouter):
        self.app = app
        self.routes: list[tuple[APIRoute, frozenset[str], Direct]] = [
            (route, frozenset(route.methods or ()), route.endpoint.direct)  # type: ignore[attr-defined]
            for route in router.routes if isinstance(route, APIRoute) and getattr(route.endpoint, "direct", None)]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            path, method = scope["path"], scope["method"]
            for route, methods, direct in self.routes:
                if method not in methods:
                    continue
                found = route.path_regex.match(path)
                if found is None:
                    continue
                params = {k: route.param_convertors[k].convert(v) for k, v in found.groupdict().items()}
                try:
                    if await direct(dict(scope, path_params=params, endpoint=route.endpoint), receive, send):
                        return
                except Exception:  # noqa: BLE001 - the one body, never the exception's text
                    from .errors import error_response

                    log.exception("internal error on %s %s", method, path)
                    await error_response(500, "internal error")(scope, receive, send)
                    return
                break  # declined: the route's endpoint answers
        await self.app(scope, receive, send)


async def send_bytes(scope: dict, send, body: bytes, media_type: bytes, headers: list | None = None) -> None:
    """A 200 with ``body`` (none for HEAD), as Starlette's ``Response`` would send it."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", media_type),
                            *(headers or ())]})
    await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})
