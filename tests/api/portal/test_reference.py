"""The API reference page, ``/docs`` (``api.portal.reference``), as HTML: everything it loads
comes from this site, and it stays useful without Swagger UI. In a browser:
test_browser_docs.py."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tests.conftest import ROOT

SWAGGER = ROOT / "node_modules" / "swagger-ui-dist"
NEEDS_SWAGGER = pytest.mark.skipif(not SWAGGER.is_dir(), reason="node_modules/swagger-ui-dist is missing: "
                                   "scripts/setup runs npm ci (LIANZHENG_NO_BROWSER=1 skips it)")


class Addresses(HTMLParser):
    """Every attribute that names an address, as (tag, attribute, value), and inline scripts."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []
        self.inline_scripts = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name in ("href", "src", "action", "srcset", "poster", "data")
                          or re.match(r"\s*(https?:)?//", value)):
                self.found.append((tag, name, value))
        if tag == "script" and not dict(attrs).get("src"):
            self.inline_scripts += 1


def outside(addresses: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [a for a in addresses if re.match(r"\s*(https?:)?//", a[2])]


@pytest.mark.parametrize("url", ["/docs", "/docs?lang=en"])
def test_docs_page_loads_nothing_from_another_host(portal_client, url):
    r = portal_client.get(url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = Addresses(r.text)
    # the one absolute address is the licence, a link a reader may follow (never loaded)
    assert outside(page.found) == [("a", "href", "https://data.gov.tw/license")]
    assert page.inline_scripts == 0  # the site's policy runs no inline script
    loads = [value for tag, name, value in page.found if not (tag == "a" and name == "href")]
    assert all(value.startswith(("/", "data:")) for value in loads), loads
    script = portal_client.get("/static/docs.js")
    assert script.status_code == 200 and not re.search(r"https?://", script.text)


@NEEDS_SWAGGER
def test_docs_page_serves_swagger_ui_from_this_site(portal_client, page_of):
    page = page_of("/docs")
    assert ("script", "/static/vendor/swagger-ui/swagger-ui-bundle.js") in page.loads
    assert ("script", "/static/docs.js") in page.loads
    assert ("link", "/static/vendor/swagger-ui/swagger-ui.css") in page.loads
    for path, media in (("/static/vendor/swagger-ui/swagger-ui-bundle.js", "text/javascript"),
                        ("/static/vendor/swagger-ui/swagger-ui.css", "text/css")):
        r = portal_client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), path
    assert "SwaggerUIBundle" in portal_client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").text
    # the rest of the package is not served
    assert portal_client.get("/static/vendor/swagger-ui/index.html").status_code == 404


def test_docs_page_lists_every_operation_and_links_the_document(portal_client, page_of):
    page = page_of("/docs?lang=en")
    assert page.lang == "en" and ("/openapi.json" in page.links)
    assert "API reference" in [h for _, h in page.headings]
    document = portal_client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        for method, op in item.items():
            assert f"{method.upper()} {path} {op['summary']}" in page.text, (method, path)
    assert "/api/cases" in page.links and "/api/cases/{case_id}" not in page.links


def test_docs_page_without_swagger_ui_says_so(portal_client, page_of, monkeypatch, tmp_path):
    """A machine set up with LIANZHENG_NO_BROWSER=1 has no node_modules: the page says how to
    install the interactive reference, links the document and still lists the operations."""
    from api.portal import render

    monkeypatch.setattr(render, "NODE_MODULES", tmp_path)  # an empty folder: nothing installed
    page = page_of("/docs")
    assert not [src for tag, src in page.loads if "swagger" in src or src == "/static/docs.js"]
    assert "互動式說明（Swagger UI）的檔案未安裝（執行 scripts/setup）" in page.text
    assert "/openapi.json" in page.links and "GET /api/cases List and search cases" in page.text
