"""What every page of the portal shares: the templates, the menu, the language, the page's
context, where its links go, and the portal's view of the served release (:class:`~.data.Portal`).

**Links stay in the release a page is of.** The switchboard (:mod:`api.switchboard`) serves a
past release at ``/releases/{version}/`` (and ``?release=``) with that prefix in the scope's
``root_path``; the page names its links as paths of the site (``/cases/x``, ``/static/...``),
and :func:`local`, the one place that knows the prefix, puts each under it. So a reader who
browses an old release stays in it; the deliberate ways out are the banner to the same page in
the current release, and paths that already name a release (``/releases/``, the history's
``/releases/{other}/...``). IRIs shown as data are not links of the site and stay as they are."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from ..served_release import CURRENT
from .data import Portal
from .i18n import EN, ZH, Words, lang_of, with_params

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]  # the checkout: node_modules is beside api/
STATIC = HERE / "static"
NODE_MODULES = ROOT / "node_modules"
# files served from node_modules, by the path under /static/vendor/ (nothing else is)
VENDOR = {
    "yasgui/yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui/yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "swagger-ui/swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui/swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
    "axe-core/axe.min.js": "axe-core/axe.min.js",
}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
NAV = (("home", "/"), ("cases", "/cases"), ("agencies", "/agencies"), ("charts", "/charts"),
       ("query", "/query"), ("downloads", "/downloads"), ("vocab", "/vocabulary"), ("about", "/about"))
HTML = "text/html; charset=utf-8"
RELEASES = "/releases/"  # paths under it name a release (or list them): never moved under another

_env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_lock = threading.Lock()


def vendored(prefix: str) -> bool:
    """Whether every :data:`VENDOR` file under ``prefix`` (``"yasgui/"``) is installed: a page
    loads them only then, and otherwise says how to install them (``scripts/setup``)."""
    return all((NODE_MODULES / rel).is_file() for path, rel in VENDOR.items() if path.startswith(prefix))


# ------------------------------------------------------------------ the release

def portal_of(request: Request) -> Portal:
    """The pages' view of the served release, made once per app from the service's tables."""
    return portal_for(request.app.state)


def portal_for(state) -> Portal:
    """:func:`portal_of` for an app's state: the service's app calls it as it starts, so that no
    request pays for it (0.5 s of the event loop at 10k cases, when the first page was asked)."""
    portal = getattr(state, "portal", None)
    if portal is not None:
        return portal
    with _lock:
        portal = getattr(state, "portal", None)
        if portal is None:
            portal = Portal(state.tables, Path(state.release_dir), Path(state.settings.releases))
            state.portal = portal
    return portal


# ----------------------------------------------------------------------- links

def prefix_of(request: Request) -> str:
    """The path the page's release is served under: ``/releases/{version}`` for a release the
    switchboard serves there (or by ``?release=``), ``""`` for the current one at ``/``."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def local(prefix: str, link: str) -> str:
    """``link``, a path of the site (``/cases/x?lang=en``), where it is for a page of the release
    under ``prefix``; an absolute URL, a fragment, ``data:``, and a path under :data:`RELEASES`
    as they are."""
    if prefix and link.startswith("/") and not link.startswith("//") and not link.startswith(RELEASES):
        return prefix + link
    return link


def href_of(request: Request):
    """:func:`local` for ``request``'s page: what pages and templates call every link through."""
    prefix = prefix_of(request)
    return lambda link: local(prefix, link)


def past_release(request: Request, portal: Portal, lang: str) -> dict | None:
    """The banner of a page of a release that is not the one served now: which release, of when,
    which is current, and the same page (path and query) in it; None on the current release."""
    current = request.scope.get(CURRENT)
    if not prefix_of(request) or not current or current == portal.version:
        return None
    shelf = getattr(request.app.state, "shelf", None)
    entries = shelf.log if shelf is not None else None

    def day(version: str, fallback: str) -> str:
        entry = entries.release(version) if entries is not None else None
        return (entry.time if entry is not None else fallback)[:10]

    params = {k: v for k, v in request.query_params.multi_items() if k != "lang"}
    return {"version": portal.version, "date": day(portal.version, str(portal.manifest.get("created", ""))),
            "current": current, "current_date": day(current, ""),
            "href": with_params(request.url.path, params, lang)}


# ------------------------------------------------------------------- rendering

def _context(request: Request, section: str, title: str, **extra) -> dict:
    lang = lang_of(request)
    t = Words(lang)
    portal = portal_of(request)
    params = {k: v for k, v in request.query_params.multi_items() if k != "lang"}
    path = request.url.path
    href = href_of(request)

    def url(p: str, **kw) -> str:
        return href(with_params(p, kw, lang))

    lang_urls = {ZH: href(with_params(path, params, ZH)), EN: href(with_params(path, params, EN))}
    ctx = {
        "request": request, "lang": lang, "other_lang": EN if lang == ZH else ZH, "t": t,
        "portal": portal, "url": url, "href": href, "section": section, "title": title, "nav": NAV,
        "lang_urls": lang_urls, "switch_url": lang_urls[EN if lang == ZH else ZH], "alternates": [],
        "source_title": lambda s: _source_title(s, t), "past": past_release(request, portal, lang),
    }
    ctx.update(extra)
    return ctx


def _source_title(s: dict, t: Words) -> str:
    doc = s.get("document") or ""
    names = {"guidebook": ("指引手冊", "Guidebook"), "aac-intro": ("廉政平臺介紹", "AAC introduction")}
    prefix = names.get(doc, (s.get("document_title") or doc, s.get("document_title") or doc))[t.i]
    if s.get("kind") == "outside":  # never to be taken for the AAC's words
        prefix = t("outside_source")
    title = t.pick(s.get("title"), s.get("id", ""))
    return f"{prefix} · {title}" if prefix else title


def _page(template: str, ctx: dict, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    html = _env.get_template(template).render(**ctx)
    h = {"Vary": "Accept", "Content-Language": ctx["lang"]}
    h.update(headers or {})
    return HTMLResponse(html, status_code=status, headers=h)


def render_resource(request: Request, view) -> HTMLResponse:
    """The page of any description the portal has no page of its own for (an activity, a
    document, a code ...): ``view`` is an ``api.linked_data.ResourceView``."""
    ctx = _context(request, "", view.title, view=view)
    ctx["alternates"] = [{"type": mt, "href": href} for href, mt, _ in view.alternates]
    return _page("resource.html", ctx)


def not_found(request: Request) -> HTMLResponse:
    ctx = _context(request, "", Words(lang_of(request))("not_found"), path=request.url.path)
    return _page("notfound.html", ctx, status=404)


def _size(nbytes: int) -> str:
    n: float = nbytes
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{nbytes:,} B" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)
