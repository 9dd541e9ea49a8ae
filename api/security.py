"""Headers every answer carries for the browser's protections.

* ``X-Content-Type-Options: nosniff`` on every answer: a browser takes each file as the type
  it is served as (a CSV or a SPARQL answer is never run as a script);
* on HTML, a ``Content-Security-Policy``: scripts, styles, images, fonts and requests from
  this site only (nothing from another host, nothing inline but style attributes, which the
  query editor and Swagger UI set), no plug-ins, forms that post here, and ``frame-ancestors 'none'``: no
  other site may frame a page (clickjacking). One exception: the reconciliation preview,
  which OpenRefine shows in a frame of its own (``frame-ancestors *``). The API reference,
  ``/docs``, is under the one policy too: Swagger UI is served from this site and started by a
  script file of its own (:mod:`api.portal.reference`), not from a CDN with an inline script;
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
POLICIES = {"/reconcile/preview": FRAMED}
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
