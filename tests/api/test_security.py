"""Headers for the browser's protections, and redirects that do not echo Host, on the real server."""

from __future__ import annotations

import httpx
import pytest

from api.security import FRAMED, POLICY

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/", "/cases", "/cases/danjiang-bridge", "/query", "/sparql", "/downloads",
                                  "/id/case/danjiang-bridge", "/vocab", "/docs"])
def test_html_pages_carry_a_content_security_policy(server, path):
    r = httpx.get(server.url + path, headers={"accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert r.headers["content-security-policy"] == POLICY
    assert "frame-ancestors 'none'" in POLICY and "script-src 'self';" in POLICY
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_the_reconciliation_preview_may_be_framed(server):
    r = httpx.get(server.url + "/reconcile/preview", params={"id": "danjiang-bridge"})
    assert r.status_code == 200 and r.headers["content-security-policy"] == FRAMED


@pytest.mark.parametrize("path", ["/api/cases", "/sparql?query=ASK%7B%7D", "/downloads/data/cases.csv",
                                  "/-/health", "/nothing-here"])
def test_every_answer_says_nosniff_and_data_has_no_page_policy(server, path):
    r = httpx.get(server.url + path)
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in r.headers


@pytest.mark.parametrize("path, location", [("/api/cases/danjiang-bridge/", "/api/cases/danjiang-bridge"),
                                            ("/vocabulary/?lang=en", "/vocabulary?lang=en")])
def test_slash_redirects_do_not_echo_the_host_header(server, path, location):
    r = httpx.get(server.url + path, headers={"host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == location
    assert "evil.example" not in r.text
