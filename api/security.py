"""Headers every answer carries for the browser's protections.

* ``X-Content-Type-Options: nosniff`` on every answer: a browser takes each file as the type
  it is served as (a CSV or a SPARQL answer is never run as a script);
* on HTML, a ``Content-Security-Policy``: scripts, styles, images, fonts and requests from
  this site only (nothing from another host, nothing inline but style attributes, which the
  query editor sets), no plug-ins, forms that post here, and ``frame-ancestors 'none'``: no
  other site may frame a page (clickjacking). Two exceptions: the reconciliation preview,
  which OpenRefine shows in a frame of its own (``frame-ancestors *``), and FastAPI's ``/docs``
  page, which loads Swagger UI from its CDN with an inline script;
* on HTML, ``Referrer-Policy: strict-origin-when-cross-origin``.

A plain ASGI middleware: it adds the headers to the response's start message (no task, no
body copy).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
          "frame-ancestors 'none'")
FRAMED = POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")  # embedded by OpenRefine
CDN = "https://cdn.jsdelivr.net"
DOCS = (f"default-src 'self'; script-src 'self' 'unsafe-inline' {CDN}; style-src 'self' 'unsafe-inline' {CDN}; "
        "img-src 'self' data: https://fastapi.tiangolo.com; object-src 'none'; base-uri 'self'; "
        "frame-ancestors 'none'")
POLICIES = {"/reconcile/preview": FRAMED, "/docs": DOCS, "/docs/oauth2-redirect": DOCS}
NOSNIFF = (b"x-content-type-options", b"nosniff")
REFERRER = (b"referrer-policy", b"strict-origin-when-cross-origin")


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app
        self._policies = {path: policy.encode("ascii") for path, policy in POLICIES.items()}
        self._default = POLICY.encode("ascii")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self._policies.get(scope["path"], self._default)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                headers.append(NOSNIFF)
                if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                    headers += [(b"content-security-policy", policy), REFERRER]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
