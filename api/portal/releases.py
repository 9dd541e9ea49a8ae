"""The portal's pages of the release history: ``/releases/`` for a browser, and the data of the
"History / 變更紀錄" section of a case page. The facts come from :mod:`api.history` (the log the
shelf holds); this module only draws them."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from ..history import case_history
from .i18n import Words, lang_of
from .render import _context, _page


def render_releases(request: Request, listing: dict) -> HTMLResponse:
    """``/releases/`` as a page: ``listing`` is :func:`api.history.listing` of the shelf's log."""
    t = Words(lang_of(request))
    ctx = _context(request, "downloads", t("releases_title"), listing=listing)
    ctx["alternates"] = [{"type": "application/json", "href": "/releases/?format=json"}]
    return _page("releases.html", ctx)


def history_of(request: Request, case_id: str) -> list[dict]:
    """The case page's history section: :func:`api.history.case_history` (empty where the app has
    no shelf or the log never named the case)."""
    shelf = getattr(request.app.state, "shelf", None)
    if shelf is None:
        return []
    return case_history(shelf.log, shelf.releases, case_id) or []
