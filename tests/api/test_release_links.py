"""A past release's pages link within it: ``lianzheng serve`` over the two-release log of
tests/two_releases.py (0.0.1 current after the rollback, 0.0.2 a past release), pages fetched
by httpx and every ``href``, ``src``, ``action`` and URL a script is given read with an HTML
parser; each link of the site must stay under ``/releases/0.0.2/``, or be one of the
deliberate ways out, and answer 200 when followed."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from .conftest import Server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PAST, CURRENT = "0.0.2", "0.0.1"
CASE = "danjiang-bridge"
NEW = "new-case"  # only in 0.0.2
OLD = "old-case"  # only in 0.0.1
PAGES = ("/", "/?lang=en", "/cases?q=bridge", "/cases?status=operating&lang=en", f"/cases/{CASE}",
         f"/cases/{CASE}?lang=en", "/downloads", "/query", "/query?example=benchmark-cases", "/agencies",
         "/charts", "/about", "/vocabulary", "/docs", f"/id/case/{NEW}")
ATTRIBUTES = ("href", "src", "action", "data-endpoint", "data-openapi")  # data-*: what the scripts fetch


class Links(HTMLParser):
    """Every URL a page names (tag, attribute, value, rel)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        named = dict(attrs)
        for key in ATTRIBUTES:
            if named.get(key) is not None:
                self.found.append((tag, key, named[key] or "", named.get("rel") or ""))


@pytest.fixture(scope="module")
def server(two_releases):
    s = Server(None, two_releases.releases.parent)
    try:
        yield s.wait_ready()
    finally:
        s.stop()


def site_links(server: Server, page: str) -> tuple[httpx.Response, list[tuple[str, str, str]]]:
    """The page, and its links to this site as (path and query, attribute, rel), fragments dropped
    (and links to a place in the page itself)."""
    answer = httpx.get(server.url + page, timeout=30)
    out = []
    for _tag, key, value, rel in Links(answer.text).found:
        if value.startswith("#"):  # this very page
            continue
        url = urlsplit(urljoin(server.url + page, value))
        if f"{url.scheme}://{url.netloc}" != server.url:
            continue
        out.append((url.path + (f"?{url.query}" if url.query else ""), key, rel))
    return answer, out


def outside(path: str) -> bool:
    """Whether ``path`` leaves the past release for anything but a deliberate way out: the
    listing of every release, or another release by its own prefix (a case's history). (The
    third, the banner's link to the same page in the current release, has rel="latest-version".)"""
    return not (path.startswith(f"/releases/{PAST}/") or path.split("?")[0] == "/releases/"
                or path.startswith(f"/releases/{CURRENT}/"))


def test_past_release_pages_link_only_within_the_release(server):
    followed: set[str] = set()
    for page in PAGES:
        answer, links = site_links(server, f"/releases/{PAST}{page}")
        assert answer.status_code == 200, page
        banner = [path for path, _, rel in links if rel == "latest-version"]
        assert banner == [page], banner  # the same page, with its query, in the current release
        leaving = [(path, key) for path, key, rel in links if rel != "latest-version" and outside(path)]
        assert leaving == [], (page, leaving)
        followed |= {path for path, _, rel in links if path.startswith(f"/releases/{PAST}/")}
    assert any(p.startswith(f"/releases/{PAST}/static/") for p in followed)
    assert any(p.startswith(f"/releases/{PAST}/cases?status=") for p in followed)  # the facets
    failed, also_now = {}, {}
    with httpx.Client(base_url=server.url, timeout=30) as client:
        for path in sorted(followed):
            r = client.get(path)
            if r.status_code != 200:
                failed[path] = r.status_code
                also_now[path] = client.get(path.removeprefix(f"/releases/{PAST}")).status_code
    # the API reference links /reconcile/preview and /view, which want ?id= (declared optional):
    # 404 in every release alike, not a link that left its release
    assert failed == also_now == {f"/releases/{PAST}/reconcile/preview": 404,
                                  f"/releases/{PAST}/reconcile/view": 404}, (failed, also_now)
    assert len(followed) > 60  # nav, facets, files, formats, static assets, log files ...


def test_past_release_agency_page_and_its_links(server):
    _, links = site_links(server, f"/releases/{PAST}/cases/{CASE}")
    agency = next(path for path, _, _ in links if path.startswith(f"/releases/{PAST}/agencies/"))
    answer, links = site_links(server, agency)
    assert answer.status_code == 200
    assert [p for p, _, rel in links if rel != "latest-version" and outside(p)] == []
    assert any(p.startswith(f"/releases/{PAST}/id/agency/") and p.endswith(".ttl") for p, _, _ in links)


def test_past_release_banner_names_both_releases_in_both_languages(server):
    zh = httpx.get(server.url + f"/releases/{PAST}/cases/{NEW}").text
    en = httpx.get(server.url + f"/releases/{PAST}/cases/{NEW}?lang=en").text
    assert f"您正在閱讀 2026-12-01 發布之第 {PAST} 版；目前服務之版本為第 {CURRENT} 版（2026-11-22）。" in zh
    assert f"You are reading release {PAST} of 2026-12-01; the current release is {CURRENT} (2026-11-22)." in en
    assert f'<a href="/cases/{NEW}?lang=en" rel="latest-version">This page in the current release</a>' in en
    # the current release lacks the case: the banner's link says so, as the current release would
    assert httpx.get(server.url + f"/cases/{NEW}").status_code == 404


def test_past_release_search_form_and_pages_stay_in_it(server):
    answer, links = site_links(server, f"/releases/{PAST}/cases?q=case")
    assert ("/releases/0.0.2/cases", "action", "") in links
    assert "New case" in answer.text and "Old case" not in answer.text
    search = httpx.get(server.url + f"/releases/{PAST}/cases", params={"q": "case", "lang": "en"})
    assert "New case" in search.text and "Old case" not in search.text


def test_current_release_pages_are_unprefixed_and_bannerless(server):
    for page in ("/", f"/cases/{CASE}", "/downloads", "/query"):
        answer, links = site_links(server, page)
        assert answer.status_code == 200 and "past-release" not in answer.text
        assert [p for p, _, _ in links if p.startswith("/releases/") and p.split("?")[0] != "/releases/"
                and "/id/case/" not in p] == [], page  # the listing, and a case's history
        assert ("/static/portal.css", "href", "stylesheet") in links and ("/cases", "href", "") in links


def test_current_release_under_its_prefix_stays_there_without_a_banner(server):
    answer, links = site_links(server, f"/releases/{CURRENT}/cases/{CASE}")
    assert answer.status_code == 200 and "past-release" not in answer.text
    assert [p for p, _, _ in links if not p.startswith("/releases/")] == []


def test_release_parameter_pages_link_by_the_prefix(server):
    answer, links = site_links(server, f"/cases?release={PAST}&lang=en")
    assert answer.status_code == 200 and "New case" in answer.text
    assert [p for p, _, rel in links if rel != "latest-version" and outside(p)] == []
    assert httpx.get(server.url + f"/static/portal.css?release={PAST}").status_code == 200


@pytest.mark.parametrize("first", [f"/releases/{PAST}/api/cases?per_page=1", f"/api/cases?release={PAST}&per_page=1"])
def test_rest_pagination_links_of_a_past_release_stay_in_it(server, first):
    seen, url = [], server.url + first
    while url:
        r = httpx.get(url)
        assert r.status_code == 200
        seen += [item["id"] for item in r.json()["items"]]
        links = {rel: target for target, rel in
                 (part.split(">; rel=") for part in r.headers["link"].lstrip("<").split(", <"))}
        assert all(urlsplit(t).path.startswith(f"/releases/{PAST}/api/cases") for t in links.values()), links
        url = links.get('"next"')
    assert NEW in seen and OLD not in seen and len(seen) == r.json()["total"] == 3


def test_the_write_side_is_the_services_not_a_releases(server):
    """Submissions, their pages and the release step answer only unprefixed: under a release's
    prefix or with ?release= they are 404 in the one error body, never the release's 401."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        assert client.get("/api/submissions").status_code == 401
        for path in (f"/releases/{PAST}/api/submissions", f"/releases/{CURRENT}/api/submissions/1",
                     f"/releases/{PAST}/api/releases", "/api/submissions?release=0.0.2",
                     f"/releases/{PAST}/submissions", f"/releases/{PAST}/submissions/new"):
            r = client.post(path, json={}) if path.endswith("releases") else client.get(path)
            assert r.status_code == 404, path
            assert r.json()["ok"] is False and "not a past release's" in r.json()["error"], path
        assert client.get(f"/releases/{PAST}/api/submissionsX").status_code == 404  # a plain miss, too
        docs = client.get(f"/releases/{PAST}/docs").text
        assert "/api/submissions" in docs and 'href="/releases/0.0.2/api/submissions"' not in docs
