"""The API reference, ``/docs``: the service's OpenAPI document, readable and runnable.

FastAPI's own ``/docs`` loads Swagger UI's script, stylesheet and icon from a CDN and starts
it with an inline script: a blank page without internet, requests to other hosts, and a page
that needs a weaker Content-Security-Policy than the rest of the site. The app turns it off
(``docs_url=None`` in :func:`api.app.create_app`) and this page takes its place:

* Swagger UI (npm ``swagger-ui-dist``, installed by ``scripts/setup``) is served from
  node_modules under ``/static/vendor/swagger-ui/`` (:data:`.render.VENDOR`) and started by
  ``/static/docs.js``, a script of the site's own, so the page runs under the site's one
  policy (:mod:`api.security`), ``script-src 'self'`` and ``connect-src 'self'``;
* it is a portal page (menu, language switch, footer) whose heading and the document's
  description and version stand in for Swagger UI's own title block (hidden: a second h1);
  Swagger UI itself has no translations, so its part is marked ``lang="en"``;
* every operation is also listed in the HTML, by tag, for a browser without JavaScript and
  for a machine where ``swagger-ui-dist`` is not installed (``LIANZHENG_NO_BROWSER=1``), which
  the page then says, with the link to ``/openapi.json``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from .i18n import Words, lang_of
from .render import _context, _page, vendored

router = APIRouter(include_in_schema=False)

METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def operations_by_tag(openapi: dict) -> list[tuple[str, list[dict]]]:
    """The document's operations grouped by their first tag, in the document's order; each
    ``{"method", "path", "summary", "href"}``, ``href`` for a GET whose path has no parameter and
    that needs no token (a browser following it would only meet a 401)."""
    groups: dict[str, list[dict]] = {}
    for path, item in openapi.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["-"])[0]
            href = path if method == "get" and "{" not in path and not op.get("security") else None
            groups.setdefault(tag, []).append(
                {"method": method.upper(), "path": path, "summary": op.get("summary") or "", "href": href})
    return list(groups.items())


@router.get("/docs", response_class=HTMLResponse)
def docs_page(request: Request):
    t = Words(lang_of(request))
    app = request.app
    openapi = app.openapi()
    ctx = _context(request, "", t("docs_title"), swagger=vendored("swagger-ui/"), openapi_url=app.openapi_url,
                   openapi=openapi, groups=operations_by_tag(openapi))
    return _page("docs.html", ctx)
