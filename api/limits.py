"""Bounding request bodies (``max_body``): 413 with the error body, before any route reads it.

A plain ASGI middleware (no ``BaseHTTPMiddleware``, which costs every request a
task): a declared ``Content-Length`` above the limit is refused at once; a body
without one (chunked) is read up to the limit and refused past it, so no route
ever holds more than ``max_body`` bytes of a request.
"""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_body


class BodyLimit:
    def __init__(self, app: ASGIApp, max_body: int):
        self.app = app
        self.max_body = max_body

    async def _refuse(self, send: Send, scope: Scope) -> None:
        body = orjson.dumps(error_body(413, f"the request body is larger than {self.max_body} bytes"))
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        length = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = None
        if length is not None and length > self.max_body:
            await self._refuse(send, scope)
            return
        if length is not None:
            await self.app(scope, receive, send)  # the server stops reading at Content-Length
            return
        # no Content-Length: read it all here, up to the limit, then hand it on
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self._refuse(send, scope)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
