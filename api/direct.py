"""Hot routes: documented FastAPI routes whose common requests skip FastAPI's request handling.

A case looked up by id, or a SPARQL GET, is most of what clients ask, and FastAPI's work per
request (reading the request, solving dependencies, validating, encoding) costs more than the
answer. A route added with :func:`add_first` from an endpoint marked with :func:`answers_directly`
is an ordinary route: matched ahead of the others, in the OpenAPI document, behind every
middleware; but its request first goes to the plain ASGI
handler given, which answers what it can and returns ``True``. What it declines (``False``)
the endpoint answers, with FastAPI's validation and the one error body.

Measured on the 10k-case release (2 cores, wrk -c16, ``bench/serve_bench.py``): see the
commit that brought this in, and the closing note of issue 12.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.routing import APIRoute, APIRouter

Direct = Callable[[dict, Any, Any], Awaitable[bool]]  # (scope, receive, send) -> answered


def answers_directly(direct: Direct) -> Callable[[Callable], Callable]:
    """Mark a route's endpoint: ``direct(scope, receive, send)`` answers first, where it can."""
    def mark(endpoint: Callable) -> Callable:
        endpoint.direct = direct  # type: ignore[attr-defined]
        return endpoint
    return mark


class DirectRoute(APIRoute):
    """An :class:`APIRoute` whose endpoint's ``direct`` handler (if marked) answers first."""

    def __init__(self, path: str, endpoint: Callable, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        direct: Direct | None = getattr(endpoint, "direct", None)
        if direct is None:
            return
        full = self.app

        async def app(scope, receive, send) -> None:
            if not await direct(scope, receive, send):
                await full(scope, receive, send)

        self.app = app


def add_first(router: APIRouter, path: str, endpoint: Callable, **kwargs: Any) -> None:
    """Add a :class:`DirectRoute` to ``router`` ahead of every route it has, FastAPI's own
    (``/openapi.json``, ``/docs``) too: the hot routes are the first a request is matched with.

    ``router`` is the app's own: FastAPI rebuilds the routes of an included router from their
    endpoints, which would drop the direct handler."""
    router.add_api_route(path, endpoint, route_class_override=DirectRoute, **kwargs)
    router.routes.insert(0, router.routes.pop())


async def send_bytes(scope: dict, send, body: bytes, media_type: bytes, headers: list | None = None) -> None:
    """A 200 with ``body`` (none for HEAD), as Starlette's ``Response`` would send it."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", media_type),
                            *(headers or ())]})
    await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})
