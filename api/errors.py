"""One error body for every error the service returns.

``{"ok": false, "error": "...", "status": 404}``, with an optional ``"detail"``,
as datasette's ``error_body``. The same body answers 400, 404, 405, 406, 413, 415,
416, 422, 429, 503 and 500; a message never carries raw exception text, so an
internal failure reads "internal error" and is logged, not shown.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("lianzheng.api")

ERROR_MEDIA_TYPE = "application/json"


class ServiceError(Exception):
    """An error this service means to return: a status, a message, maybe detail and headers."""

    def __init__(self, status: int, error: str, *, detail=None, headers: dict[str, str] | None = None):
        super().__init__(error)
        self.status = status
        self.error = error
        self.detail = detail
        self.headers = headers or {}


def error_body(status: int, error: str, detail=None) -> dict:
    body = {"ok": False, "error": error, "status": status}
    if detail is not None:
        body["detail"] = detail
    return body


def error_response(status: int, error: str, *, detail=None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, error, detail), status_code=status, headers=headers)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


_MESSAGES = {
    404: "not found",
    405: "method not allowed",
}


# Starlette types every handler as taking any Exception; each is registered for one kind.

async def _service_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    return error_response(exc.status, exc.error, detail=exc.detail, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    # Starlette's own 404 and 405 carry its phrase as detail; ours carry a sentence.
    phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else ""
    message = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else \
        _MESSAGES.get(exc.status_code, _reason(exc.status_code))
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        other = _other_slash(request)
        if other is not None:
            return RedirectResponse(other, status_code=307)
        message = message if message != "not found" else f"nothing at {request.url.path}"
    return error_response(exc.status_code, message, headers=headers)


def _other_slash(request: Request) -> str | None:
    """The path with its trailing slash added or taken off, where a route answers that one.

    Starlette's own redirect (``redirect_slashes``, switched off in the app) writes an absolute
    URL from the request's ``Host`` header, which a client chooses: this ``Location`` is the path
    alone (RFC 9110 section 10.2.2: a reference the client resolves against the URL it asked)."""
    from starlette.routing import Match

    path = request.url.path
    if request.method not in ("GET", "HEAD") or path == "/" or path.startswith("//"):
        return None
    other = path[:-1] if path.endswith("/") else path + "/"
    scope = dict(request.scope, path=other)
    if not any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
        return None
    query = request.url.query
    return other + (f"?{query}" if query else "")


def _validation_detail(exc: RequestValidationError) -> list[dict]:
    out = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", ()) if x not in ("query", "path", "body", "header")]
        out.append({"parameter": ".".join(loc) or "request", "problem": str(err.get("msg", "invalid"))})
    return out


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    detail = _validation_detail(exc)
    names = ", ".join(d["parameter"] for d in detail)
    return error_response(422, f"invalid parameter: {names}" if names else "invalid request", detail=detail)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return error_response(500, "internal error")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the one body."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
