"""Fixtures for the portal: the real service app over the real release, and page parsing."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

CASE = "bitan-weir"  # New Taipei's Water Resources Department's platform: the desk's tests submit for it
AGENCY = "new-taipei-water-resources"


def _make_app(release):
    """The service's app (``api.app.create_app``) over ``release``, pages included."""
    from api.app import create_app
    from api.settings import load

    settings = load({}, release=str(release), query_workers=1, query_timeout=20.0)
    return create_app(settings, release)


@pytest.fixture(scope="session")
def portal_client(real_release):
    from fastapi.testclient import TestClient

    with TestClient(_make_app(real_release)) as client:
        yield client


class Page(HTMLParser):
    """The parts of a page the tests look at: lang, headings, links, scripts, styles, text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.headings: list[tuple[int, str]] = []
        self.links: list[str] = []  # a href
        self.loads: list[tuple[str, str]] = []  # (tag, url) of what a browser would fetch
        self.labels_for: set[str] = set()
        self.inputs: list[dict] = []
        self.ids: list[str] = []
        self.text_parts: list[str] = []
        self._heading = None
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = [int(tag[1]), ""]
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("script", "img", "iframe", "source", "video", "audio") and a.get("src"):
            self.loads.append((tag, a["src"]))
        if tag == "link" and a.get("href") and a.get("rel") not in ("alternate", "license"):
            self.loads.append((tag, a["href"]))
        if tag == "label" and a.get("for"):
            self.labels_for.add(a["for"])
        if tag in ("input", "select", "textarea"):
            self.inputs.append(a | {"tag": tag})
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if self._heading and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], self._heading[1].strip()))
            self._heading = None
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if self._heading:
            self._heading[1] += data
        if not self._skip:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())


@pytest.fixture
def page_of(portal_client):
    def get(url: str, status: int = 200) -> Page:
        r = portal_client.get(url, headers={"Accept": "text/html"})
        assert r.status_code == status, (url, r.status_code, r.text[:500])
        assert r.headers["content-type"].startswith("text/html"), (url, r.headers["content-type"])
        return Page(r.text)

    return get


# ------------------------------------------------------------------ a real browser on a real server
# (the browser itself is a fixture of tests/api/conftest.py, shared with the reconciliation clients' tests)

@pytest.fixture(scope="session")
def site(real_release, tmp_path_factory):
    """The URL of `lianzheng serve` on a free loopback port, over the real release, for the browser."""
    from ..conftest import Server

    server = Server(real_release, tmp_path_factory.mktemp("site"), query_workers=1)
    try:
        yield server.wait_ready().url
    finally:
        server.stop()


def guarded_page(browser, site: str, **context_args):
    """A page that may reach only ``site``: any other request is refused and recorded; after the
    test, no outside request, script error or Content-Security-Policy violation may be left."""
    from .browser import CSP_WATCH

    context = browser.new_context(**context_args)
    outside: list[str] = []

    def guard(route):
        if route.request.url.startswith(site) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.add_init_script(CSP_WATCH)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.base = site
    yield pg
    blocked = pg.evaluate("window.__cspViolations || []") if not pg.is_closed() else []
    context.close()
    assert not outside, f"the page tried to load from outside the server: {outside}"
    assert not errors, f"script errors: {errors}"
    assert not blocked, f"the page's Content-Security-Policy blocked: {blocked}"


@pytest.fixture
def page(browser, site):
    """A desktop page (1280 px), zh-TW locale, guarded as :func:`guarded_page` says."""
    from .browser import DESKTOP

    yield from guarded_page(browser, site, viewport=DESKTOP, locale="zh-TW")


@pytest.fixture
def wide(browser, site):
    """A laptop's page (1366 px), zh-TW locale, guarded as :func:`guarded_page` says."""
    from .browser import WIDE

    yield from guarded_page(browser, site, viewport=WIDE, locale="zh-TW")


@pytest.fixture
def phone(browser, site):
    """A phone's page (390 px wide, touch, 2× pixels), guarded as :func:`guarded_page` says."""
    from .browser import PHONE

    yield from guarded_page(browser, site, viewport=PHONE, device_scale_factor=2, is_mobile=True,
                            has_touch=True, locale="zh-TW")


@pytest.fixture
def narrow(browser, site):
    """A small phone's page (320 px wide, touch, 2× pixels), guarded as :func:`guarded_page` says."""
    from .browser import NARROW

    yield from guarded_page(browser, site, viewport=NARROW, device_scale_factor=2, is_mobile=True,
                            has_touch=True, locale="zh-TW")


@pytest.fixture(scope="package")
def desk_service(tmp_path_factory):
    """A service that takes submissions (tests/api/conftest.py's :class:`Writable`), behind a
    trusted proxy at 127.0.0.1 (so X-Forwarded-Proto says when it is HTTPS), for the desk's tests."""
    from ..conftest import Writable

    service = Writable(tmp_path_factory.mktemp("desk"), {
        "submitter": (AGENCY, "submitter"), "reviewer": ("aac", "reviewer"),
        "other": ("thb-western-coastal-north", "submitter"), "doomed": (AGENCY, "submitter")},
        trusted_proxies="127.0.0.1")
    try:
        yield service
    finally:
        service.stop()
