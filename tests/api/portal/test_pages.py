"""The portal's pages, in process: status, language, headings, nothing from outside, content."""

from __future__ import annotations

import csv
import itertools
import json
import re
from html import unescape
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
import rdflib

from api.portal.queries import EXAMPLES
from tests.conftest import ROOT

PAGES = ["/", "/cases", "/cases/danjiang-bridge", "/agencies", "/agencies/taipei-prosecutors", "/charts",
         "/query", "/downloads", "/vocabulary", "/about"]


def _cases(release) -> list[dict]:
    with open(release / "data" / "cases.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc or parts.scheme == "data"


@pytest.mark.parametrize("lang", ["zh-Hant", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_page_lang_headings_and_local_assets(page_of, path, lang):
    page = page_of(path + ("?lang=en" if lang == "en" else ""))
    assert page.lang == lang
    levels = [level for level, _ in page.headings]
    assert levels and levels[0] == 1 and levels.count(1) == 1, page.headings[:5]
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"heading jumps from h{before} to h{after} on {path}"
    assert all(text for _, text in page.headings), "an empty heading"
    for tag, url in page.loads:
        assert _local(url), f"{path} loads {url} ({tag}) from outside the server"
    for field in page.inputs:
        if field.get("type") in ("hidden", "submit", "button"):
            continue
        assert field.get("id") in page.labels_for or field.get("aria-label"), f"unlabelled {field} on {path}"
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"


def test_stylesheet_and_scripts_fetch_nothing_from_outside(portal_client):
    css = portal_client.get("/static/portal.css").text
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css) and "@import" not in css
    assert "Noto Sans TC" in css and "PingFang TC" in css and "Microsoft JhengHei" in css
    js = portal_client.get("/static/query.js").text
    assert "http://" not in js and "https://" not in js


def test_cases_lists_every_real_case_in_both_names(page_of, real_release):
    zh, en = page_of("/cases").text, page_of("/cases?lang=en").text
    cases = _cases(real_release)
    assert len(cases) == 32
    for c in cases:
        for text in (zh, en):
            assert c["name_zh"] in text and c["name_en"] in text, c["case_id"]


@pytest.mark.parametrize("q, expected", [
    ("淡江大橋", "danjiang-bridge"),
    ("danjiang bridge", "danjiang-bridge"),
    ("ＤＡＮＪＩＡＮＧ", "danjiang-bridge"),      # full-width
    ("台北車站", "taipei-station-c1d1"),          # 台 for 臺
    ("臺北市 果菜", "taipei-fruit-fish-market"),  # several words, all must match
    ("Taoyuan Airport", "taoyuan-airport-terminal-3"),
    ("雙子星", "taipei-station-c1d1"),
    ("光復營區", "kaohsiung-205-arsenal"),         # another name (skos:altLabel), from the store
    ("205th Arsenal Guangfu", "kaohsiung-205-arsenal"),
])
def test_cases_search_finds_by_chinese_or_english_name(page_of, q, expected):
    page = page_of(f"/cases?q={q}")
    assert f"/cases/{expected}" in page.links, (q, [x for x in page.links if x.startswith("/cases/")])


def test_rest_and_portal_search_agree_on_every_other_name(portal_client, page_of, real_release):
    """Each real case's other names (skos:altLabel, in the graph only): /api/cases?q= and
    /cases?q= find the same cases, the named one among them."""
    g = rdflib.Graph().parse(real_release / "lianzheng.nt", format="nt")
    names = [(str(s).rsplit("/", 1)[1], str(o)) for s, o in g.subject_objects(rdflib.SKOS.altLabel)
             if "/id/case/" in str(s)]
    assert len(names) >= 20, "the real cases have other names"
    for case_id, name in names:
        rest = portal_client.get("/api/cases", params={"q": name, "per_page": 100}).json()
        found_rest = [c["id"] for c in rest["items"]]
        found_portal = [x.rsplit("/", 1)[1] for x in _result_links(page_of("/cases?" + urlencode({"q": name})))]
        assert case_id in found_rest, (name, found_rest)
        assert sorted(found_rest) == sorted(found_portal), (name, found_rest, found_portal)


def test_pages_show_every_text_the_graph_holds_beyond_the_tables(page_of, portal_client, real_release):
    """Descriptions and other names are in the graph only; the service reads them once, into
    its tables (Tables.texts), and the case and agency pages show every one of them."""
    g = rdflib.Graph().parse(real_release / "lianzheng.nt", format="nt")
    shown = 0
    for kind in ("case", "agency"):
        subjects = sorted({s for s in g.subjects(rdflib.SKOS.altLabel) if f"/id/{kind}/" in str(s)} |
                          {s for s in g.subjects(rdflib.DCTERMS.description) if f"/id/{kind}/" in str(s)})
        for s in subjects:
            ident = str(s).rsplit("/", 1)[1]
            path = f"/cases/{ident}" if kind == "case" else f"/agencies/{ident}"
            texts = {str(o) for o in g.objects(s, rdflib.SKOS.altLabel)}
            texts |= {str(o) for o in g.objects(s, rdflib.DCTERMS.description) if o.language.startswith("zh")}
            page = page_of(path).text
            for text in texts:
                assert " ".join(text.split()) in " ".join(page.split()), (path, text)
                shown += 1
    assert shown >= 40, "the real cases and agencies have descriptions and other names"
    # and nothing else is kept: the other kinds' descriptions are in the case views already
    tables = portal_client.app.state.tables
    own = {r["iri"] for r in tables.case_rows.values()} | {r["iri"] for r in tables.agency_rows.values()}
    assert tables.texts and set(tables.texts) <= own


def test_cases_search_without_match_says_so(page_of):
    assert "沒有符合條件的案件" in page_of("/cases?q=zzzznothing").text
    assert "No case matches" in page_of("/cases?q=zzzznothing&lang=en").text


def _result_links(page) -> list[str]:
    return list(dict.fromkeys(x.split("?")[0] for x in page.links
                              if re.match(r"^/cases/[a-z0-9-]+(\?|$)", x)))


def test_cases_facets_filter_and_count(page_of, real_release):
    cases = _cases(real_release)
    for name, column, value in (("authority", "authority_id", "motc"), ("level", "level_", "local"),
                                ("status", "status", "ended"), ("year", "established", "2021")):
        if name == "level":
            expected = {c["case_id"] for c in cases if c["level"] == value}
        elif name == "year":
            expected = {c["case_id"] for c in cases if c["established"].startswith(value)}
        else:
            expected = {c["case_id"] for c in cases if c[column] == value}
        page = page_of(f"/cases?{name}={value}")
        assert {x.rsplit("/", 1)[1] for x in _result_links(page)} == expected, name
        assert f"共 {len(expected)} 件" in page.text
    # the facet counts of the whole list add up to the cases (a case in two cities counts in each)
    page = page_of("/cases")
    counts = [int(n) for n in re.findall(r"\((\d+)\)", page.text)]
    placed = sum(len(c["divisions"].split("|")) for c in cases if c["divisions"])
    assert sum(counts) == 4 * len(cases) + placed


def test_cases_combined_filters_are_shareable(portal_client, page_of):
    url = "/cases?level=central&status=operating&sort=-amount&lang=en"
    page = page_of(url)
    links = _result_links(page)
    assert links and page.lang == "en"
    # the facet links keep the other conditions and the language
    facet = next(x for x in page.links if "authority=" in x)
    params = parse_qs(urlsplit(facet).query)
    assert params["level"] == ["central"] and params["status"] == ["operating"] and params["lang"] == ["en"]
    assert params["sort"] == ["-amount"]


def test_cases_sort_by_amount(page_of, real_release):
    cases = [c for c in _cases(real_release) if c["amount_twd"]]
    biggest = max(cases, key=lambda c: float(c["amount_twd"]))
    smallest = min(cases, key=lambda c: float(c["amount_twd"]))
    assert _result_links(page_of("/cases?sort=-amount"))[0] == f"/cases/{biggest['case_id']}"
    assert _result_links(page_of("/cases?sort=amount"))[0] == f"/cases/{smallest['case_id']}"


def test_language_switch_keeps_the_page_and_its_query(page_of):
    page = page_of("/cases?q=台北&status=operating")
    switch = next(x for x in page.links if "lang=en" in x)
    parts = urlsplit(switch)
    assert parts.path == "/cases"
    assert parse_qs(parts.query) == {"q": ["台北"], "status": ["operating"], "lang": ["en"]}
    back = page_of(switch)
    assert back.lang == "en"
    assert any(urlsplit(x).path == "/cases" and "lang" not in x and "q=" in x for x in back.links)


def test_case_page_shows_facts_timeline_sources_quality_and_formats(page_of, real_release):
    page = page_of("/cases/danjiang-bridge")
    text = page.text
    assert "淡江大橋廉政平臺" in text and "Danjiang Bridge Integrity Platform" in text
    assert "2019-05-10" in text and "1080510" in text and "約 125 億" in text
    assert "淡江大橋源於 1980 年提出之興建計畫" in text  # the description, from the service's store
    with open(real_release / "data" / "activities.csv", encoding="utf-8", newline="") as fh:
        activities = [a for a in csv.DictReader(fh) if a["case_id"] == "danjiang-bridge"]
    assert activities
    for a in activities:
        assert a["date"] in text and a["title_zh"] in text
        assert a["activity_id"] in page.ids
    headings = [h for _, h in page.headings]
    for h in ("時間軸", "資訊透明專區文件", "參與者及其角色", "資料品質註記", "其他格式", "引用方式"):
        assert h in headings, h
    assert "標竿案例 1" in text
    # sources, with the section they come from
    assert any(x.startswith("/id/source/guidebook/benchmark-1") for x in page.links)
    assert "指引手冊" in text
    # quality notes where the sources disagree
    with open(real_release / "data" / "quality_notes.csv", encoding="utf-8", newline="") as fh:
        notes = [n for n in csv.DictReader(fh) if n["case_id"] == "danjiang-bridge"]
    assert notes
    for n in notes:
        assert f"note-{n['note_id']}" in page.ids
    # machine-readable twins and the SPARQL description
    for link in ("/api/cases/danjiang-bridge", "/id/case/danjiang-bridge.ttl", "/id/case/danjiang-bridge.jsonld"):
        assert link in page.links
    assert any(x.startswith("/query?query=DESCRIBE") for x in page.links)
    assert "https://w3id.org/lianzheng/id/case/danjiang-bridge" in text


def test_case_page_groups_documents_by_transparency_zone_category(page_of):
    page = page_of("/cases/danjiang-bridge")
    assert "documents-background" in page.ids and "documents-clarification" in page.ids
    assert "documents-meeting-records" in page.ids


def test_case_page_in_english(page_of):
    page = page_of("/cases/niaozuitan-artificial-lake?lang=en")
    assert page.lang == "en"
    assert "Timeline" in [h for _, h in page.headings]
    assert "How to cite" in [h for _, h in page.headings]


def test_every_case_has_a_page(portal_client, real_release):
    for c in _cases(real_release):
        r = portal_client.get(f"/cases/{c['case_id']}")
        assert r.status_code == 200 and c["name_zh"] in r.text, c["case_id"]


def test_unknown_case_is_a_404_page(page_of):
    page = page_of("/cases/no-such-case", status=404)
    assert page.lang == "zh-Hant" and "找不到" in page.text


def test_agency_page_lists_its_cases_and_activities(page_of):
    page = page_of("/agencies/motc")
    assert "/cases/danjiang-bridge" in page.links
    prosecutors = page_of("/agencies/taipei-prosecutors")
    assert "/cases/taipei-station-c1d1" in prosecutors.links
    assert "參與之活動" in [h for _, h in prosecutors.headings]


def test_agencies_list(page_of):
    page = page_of("/agencies")
    assert "/agencies/motc" in page.links and "/agencies/taipei-city" in page.links
    assert len([x for x in page_of("/agencies?all=1").links if x.startswith("/agencies/")]) >= 89


def test_charts_are_lists_with_a_table_behind(portal_client, real_release):
    r = portal_client.get("/charts")
    html = r.text
    for chart, shape in (("per-year", "columns"), ("amount", "bars"), ("activities", "columns")):
        assert f'<ol id="chart-{chart}" class="chart {shape}" aria-labelledby="{chart}-h">' in html
        assert f'<h2 id="{chart}-h">' in html
    assert 'role="img"' not in html and html.count('aria-hidden="true"') == html.count('<svg class="chart-bar"')
    assert html.count("<table") == 3 and html.count("<caption>") == 3
    per_year: dict[str, int] = {}
    for c in _cases(real_release):
        per_year[c["established"][:4]] = per_year.get(c["established"][:4], 0) + 1
    for year, n in per_year.items():
        assert f'<a href="/cases?year={year}">{year}</a></th><td class="num">{n}</td>' in html


def test_home_shows_totals_benchmarks_and_entry_points(page_of, real_release):
    page = page_of("/")
    cases = _cases(real_release)
    text = page.text
    assert "2021-12-31" in text
    assert str(len(cases)) in text
    for c in cases:
        if c["benchmark"]:
            assert f"/cases/{c['case_id']}" in page.links
    for link in ("/cases", "/query", "/downloads", "/charts"):
        assert link in page.links


def test_downloads_list_files_sizes_checksums_and_history(page_of, real_release):
    page = page_of("/downloads")
    sums = (real_release / "SHA256SUMS").read_text(encoding="utf-8").split("\n")
    for line in filter(None, sums):
        digest, name = line.split("  ", 1)
        assert digest in page.text and f"/downloads/{name}" in page.links
    assert "版本紀錄" in [h for _, h in page.headings]


@pytest.mark.parametrize("lang,heading,table", [("zh", "用 Excel 看資料？", "表格：平臺活動（activities）"),
                                                ("en", "Reading the data in Excel?",
                                                 "table: Dated activities of the platforms (activities)")])
def test_downloads_offer_people_the_spreadsheet_archive_first(page_of, portal_client, lang, heading, table):
    page = page_of("/downloads" + ("?lang=en" if lang == "en" else ""))
    headings = [h for _, h in page.headings]
    assert headings[1] == heading  # before the list of every file
    assert "/downloads/lianzheng-spreadsheets.zip" in page.links
    assert table in page.text and "表格 activities" not in page.text
    r = portal_client.get("/downloads/lianzheng-spreadsheets.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"


def test_vocabulary_page_has_every_term_and_code(page_of):
    page = page_of("/vocabulary")
    for anchor in ("IntegrityPlatform", "Activity", "procuringAgency", "scheme-activity-type",
                   "activity-type-liaison-meeting", "document-category-meeting-records"):
        assert anchor in page.ids, anchor


def test_vocabulary_page_shows_the_prong_each_type_serves_and_the_readings(portal_client):
    """The prong list is on the page; a type's row names its prong(s), linked to the prong's row,
    quotes its evidence, and says where the link is this dataset's reading."""
    import re

    html = portal_client.get("/vocabulary").text
    assert 'id="scheme-prong"' in html and 'id="prong-public-oversight"' in html
    rows = dict(re.findall(r'<tr id="(activity-type-[a-z-]+)">(.*?)</tr>', html, re.S))
    assert '<a href="#prong-public-oversight">全民監督</a>' in rows["activity-type-survey"]
    assert "以問卷調查或座談會、說明會等措施" in rows["activity-type-survey"]
    assert "本資料集之解讀" not in rows["activity-type-survey"]
    assert "本資料集之解讀" in rows["activity-type-regular-update"]
    assert "#prong-" not in rows["activity-type-internal-control"]
    assert "不屬四大內涵" in rows["activity-type-internal-control"]

def test_about_has_licence_citation_and_endpoints(page_of):
    page = page_of("/about?lang=en")
    assert "https://data.gov.tw/license" in page.links
    for link in ("/sparql", "/catalog", "/.well-known/void", "/feeds/changes.atom", "/api/ocds", "/reconcile"):
        assert link in page.links
    assert "Government Procurement Integrity Platform Open Dataset" in page.text


@pytest.mark.parametrize("lang,heading", [("zh", "資料集目的"), ("en", "What the data is for")])
def test_about_states_the_purpose_in_both_languages_with_its_source(page_of, real_release, lang, heading):
    """The purpose the introduction states (datapackage.json `purpose`), in its Chinese and its
    English words on either page, with the sections and the words it is quoted from."""
    import json

    purpose = json.loads((real_release / "datapackage.json").read_text(encoding="utf-8"))["purpose"]
    page = page_of("/about" + ("?lang=en" if lang == "en" else ""))
    assert heading in [h for _, h in page.headings]
    assert purpose["zh"] == "活化平臺案件資料的串聯及運用" and purpose["zh"] in page.text
    assert purpose["en"] in page.text
    for s in purpose["sources"]:
        assert s["source"] in page.text and " ".join(s["locator"].split()) in page.text

def test_static_files_are_served_and_nothing_else(portal_client):
    css = portal_client.get("/static/portal.css")
    assert css.headers["content-type"].startswith("text/css")
    assert css.headers["cache-control"] == "public, max-age=3600" and css.headers["etag"]
    again = portal_client.get("/static/portal.css", headers={"if-none-match": css.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert portal_client.head("/static/query.js").status_code == 200
    for path in ("/static/../pages.py", "/static/%2e%2e/pages.py", "/static/vendor/../../package.json",
                 "/static/vendor/lodash-es/lodash.js", "/static/nothing.css"):
        missing = portal_client.get(path)
        body = missing.json()  # the one error body
        assert missing.status_code == 404 and body["ok"] is False and body["status"] == 404, path
    vendor = portal_client.get("/static/vendor/yasgui/yasgui.min.js")
    assert vendor.status_code == 200 and vendor.headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_gallery_query_answers_on_the_real_release(portal_client, example):
    r = portal_client.post("/sparql", data={"query": example.query},
                           headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text[:500]
    rows = r.json()["results"]["bindings"]
    assert rows, example.id
    if example.id == "prosecutors-activities":
        offices = {b["office"]["value"].rsplit("/", 1)[1] for b in rows}
        assert "taipei-prosecutors" in offices and len(rows) >= 1


def test_query_page_runs_an_example_without_javascript(page_of):
    page = page_of("/query?example=prosecutors-activities")
    assert "查詢結果" in [h for _, h in page.headings]
    assert "臺灣臺北地方檢察署" in page.text
    assert "/cases/taipei-station-c1d1" in page.links
    # every example has a no-JS link
    for e in EXAMPLES:
        assert f"/query?example={e.id}#results" in page.links


def test_query_page_reports_a_bad_query(page_of):
    page = page_of("/query?query=SELEKT%20nothing")
    assert "查詢無法執行" in page.text


def test_query_page_refuses_federation_like_the_endpoint(page_of):
    page = page_of("/query?query=" + quote("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", safe=""))
    assert "查詢無法執行" in page.text


@pytest.mark.skipif(not (ROOT / "node_modules" / "@zazuko" / "yasgui").is_dir(),
                    reason="node_modules missing: scripts/setup installs YASGUI (LIANZHENG_NO_BROWSER=1 skips it)")
def test_yasgui_is_configured_without_outside_lookups(portal_client):
    html = portal_client.get("/query").text
    assert '<script src="/static/vendor/yasgui/yasgui.min.js"></script>' in html
    js = portal_client.get("/static/query.js").text
    for setting in ('autocompleters: ["variables", "prefixes"]', "prefixCcApi: null", "createShortLink: undefined",
                    "createShareableLink: null", "corsProxy: undefined", "endpointCatalogueOptions"):
        assert setting in js, setting
    data = json.loads(unescape(re.search(r'data-prefixes="([^"]*)"', html).group(1)))
    assert data["lz"] == "https://w3id.org/lianzheng/vocab#"


@pytest.mark.parametrize("url, tab, table, info", [
    ("/query", "查詢", "表格", "第 _START_ 至 _END_ 列，共 _TOTAL_ 列"),
    ("/query?lang=en", "Query", "Table", "Showing _START_ to _END_ of _TOTAL_ rows")], ids=["zh-Hant", "en"])
def test_query_page_gives_yasgui_its_labels_in_the_page_language(portal_client, url, tab, table, info):
    html = portal_client.get(url).text
    labels = json.loads(unescape(re.search(r'data-labels="([^"]*)"', html).group(1)))
    assert labels["tab"] == tab and labels["plugins"]["table"] == table and labels["dataTables"]["info"] == info
    assert set(labels["dataTables"]["aria"]["paginate"]) == {"first", "previous", "next", "last"}


@pytest.mark.parametrize("iri_path, page_path", [("/id/case/danjiang-bridge", "/cases/danjiang-bridge"),
                                                 ("/id/agency/motc", "/agencies/motc"),
                                                 ("/vocab", "/vocabulary")])
def test_linked_data_iris_show_the_portal_page_to_browsers(page_of, portal_client, iri_path, page_path):
    assert page_of(iri_path).headings == page_of(page_path).headings
    assert page_of(iri_path + "?lang=en").lang == "en"
    turtle = portal_client.get(iri_path, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")


@pytest.mark.parametrize("path", ["/sparql", "/downloads/", "/id/activity/anping-water-reclamation-2020-03-05-launch",
                                  "/vocab/case-status", "/id/case/anping-water-reclamation"])
def test_a_browser_gets_the_portals_pages_everywhere(portal_client, path):
    """One HTML layer: the endpoint, the file index and every description are the portal's pages
    (its stylesheet, menu and language switch), in the language the URL asks for."""
    html = portal_client.get(path, params={"lang": "en"}, headers={"Accept": "text/html"}).text
    assert '<html lang="en">' in html and "/static/portal.css" in html and 'class="site"' in html
    assert "切換為中文" in html and "<style>" not in html


def test_the_sparql_endpoint_in_a_browser_is_the_query_editor_with_its_limits(portal_client):
    page = portal_client.get("/sparql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Accept" in page.headers["vary"]
    html = page.text
    assert 'id="yasgui"' in html and '<textarea id="query-text"' in html and 'id="limits"' in html
    assert "最多 20 秒" in html and "10,000" in html  # the settings' query_timeout (20 here) and max_results
    turtle = portal_client.get("/sparql", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle") and b"sd:endpoint" in turtle.content


def test_home_links_every_harvesting_and_crosslinking_endpoint(portal_client):
    """Issue 4: each output is linked from the home page, and each link answers."""
    html = portal_client.get("/").text
    for path in ("/catalog", "/catalog/datagovtw.json", "/.well-known/void", "/feeds/changes.atom",
                 "/api/ocds", "/reconcile", "/docs"):
        assert f'href="{path}"' in html, path
        assert portal_client.get(path).status_code == 200, path


ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def test_query_page_shows_results_a_page_at_a_time(page_of, portal_client):
    from urllib.parse import quote

    from api.portal.editor import PAGE_ROWS

    first = page_of("/query?query=" + quote(ALL_TRIPLES))
    assert f"第 1–{PAGE_ROWS} 列" in first.text
    nexts = [u for u in first.links if "page=2" in u]
    assert nexts, "a link to the next page"
    second = page_of(nexts[0].split("#")[0])
    assert f"第 {PAGE_ROWS + 1}–{2 * PAGE_ROWS} 列" in second.text
    assert any("page=1" in u for u in second.links)
    html = portal_client.get("/query?query=" + quote(ALL_TRIPLES)).text
    assert html.count("<tr>") == PAGE_ROWS + 1  # the head and one page of rows


def test_query_page_cuts_long_values_and_huge_answers(portal_client):
    """A 1.2 KB query whose answer was 164 MB rendered a 164 MB page (+750 MB at its peak)."""
    from urllib.parse import quote

    from api.portal.editor import PAGE_BYTES

    query = ("SELECT ?s ?x WHERE { ?s ?p ?o . BIND(STR(?o) AS ?a0) "
             + " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(12)) + " BIND(?a12 AS ?x) }")
    r = portal_client.get("/query?query=" + quote(query))
    assert r.status_code == 200
    assert len(r.content) < PAGE_BYTES  # one page of rows, each value cut
    assert "…" in r.text


def test_quality_notes_name_their_field_in_the_page_language(page_of, real_release):
    """A note's field is shown as readers know it (欄位：成立日期), its id beside it: never an
    English id alone on a zh-Hant page. Every field the real notes are about has a label."""
    import csv

    from api.portal.i18n import FIELDS

    with open(real_release / "data" / "quality_notes.csv", encoding="utf-8") as fh:
        notes = [r for r in csv.DictReader(fh)]
    assert {n["field"] for n in notes} <= set(FIELDS), "a note's field has no label in api/portal/i18n.FIELDS"
    noted = next(n for n in notes if n["case_id"] and n["field"] == "established")
    zh = page_of(f"/cases/{noted['case_id']}").text
    en = page_of(f"/cases/{noted['case_id']}?lang=en").text
    assert "欄位：成立日期" in zh and "Field: date established" in en


@pytest.mark.parametrize("lang,heading,flag", [("zh", "本章之示例故事", "未指明本案"),
                                               ("en", "Stories this chapter tells", "Does not name this case")])
def test_a_case_page_shows_its_chapters_story_as_a_story(page_of, lang, heading, flag):
    page = page_of("/cases/anping-water-reclamation" + ("?lang=en" if lang == "en" else ""))
    assert heading in [h for _, h in page.headings]
    assert flag in page.text and "十餘個身穿黑色上衣的不明人士" in page.text
    assert "account-anping-water-reclamation-story-outside-interference" in page.ids


def test_the_about_page_says_who_publishes_and_whose_documents_the_facts_are(page_of):
    page = page_of("/about")
    assert "轉錄自法務部廉政署" in page.text and "並非法務部廉政署發布之官方資料" in page.text
    assert "（未設定發布者）" in page.text  # the shipped records leave the publisher to the operator
    assert "法務部廉政署（" not in page.text  # the citation no longer names the AAC as its author
    english = page_of("/about?lang=en")
    assert "it is not official data published by the AAC" in english.text


@pytest.mark.parametrize("lang,heading", [("zh", "本章所引法規"), ("en", "Laws this chapter cites")])
def test_a_case_page_lists_the_laws_its_chapter_cites(page_of, lang, heading):
    page = page_of("/cases/niaozuitan-artificial-lake" + ("?lang=en" if lang == "en" else ""))
    assert heading in [h for _, h in page.headings]
    assert "/id/law/yunzhang-land-subsidence-action-plan" in page.links
    assert ("雲彰地區地層下陷具體解決方案暨行動計畫" if lang == "zh" else
            "Yunlin-Changhua Land Subsidence Solutions and Action Plan") in page.text


def test_the_about_page_lists_every_law_with_its_cases(page_of, real_release):
    with open(real_release / "data" / "laws.csv", encoding="utf-8", newline="") as fh:
        laws = list(csv.DictReader(fh))
    page = page_of("/about?lang=en")
    assert "Laws, plans and conventions the sources cite" in [h for _, h in page.headings]
    for law in laws:
        assert f"law-{law['law_id']}" in page.ids and f"/id/law/{law['law_id']}" in page.links
        assert law["name_en"] in page.text
        if law["url"]:
            assert law["url"] in page.links
    assert "/cases/taipei-station-c1d1?lang=en" in page.links


def test_cases_division_facet_is_a_view_per_city(page_of, real_release):
    cases = _cases(real_release)
    for code in ("TW-TPE", "TW-NWT", "TW-TNN"):
        expected = {c["case_id"] for c in cases if code in c["divisions"].split("|")}
        page = page_of(f"/cases?division={code}")
        assert expected and {x.rsplit("/", 1)[1] for x in _result_links(page)} == expected, code
        assert f"共 {len(expected)} 件" in page.text
    zh, en = page_of("/cases"), page_of("/cases?lang=en")
    assert "直轄市或縣市" in zh.text and "新北市" in zh.text
    assert "City or county" in en.text and "New Taipei City" in en.text
    assert any("division=TW-NWT" in x for x in zh.links)
    assert "嘉義縣" not in zh.text  # only the divisions with cases are offered


@pytest.mark.parametrize("lang, words", [
    ("zh", ("地點（依來源原文）", "淡水、八里", "新北市", "外部知識", "外部來源（非廉政署文件）")),
    ("en", ("Place (in the source's words)", "Tamsui and Bali", "New Taipei City", "outside knowledge",
            "Outside source (not an AAC document)")),
])
def test_a_case_page_shows_its_place_its_city_and_what_that_rests_on(page_of, lang, words):
    page = page_of("/cases/danjiang-bridge" + ("?lang=en" if lang == "en" else ""))
    for w in words:
        assert w in page.text, w
    assert any(x.startswith("/cases?division=TW-NWT") for x in page.links)
    coal = page_of("/cases/taipower-bituminous-coal-2022" + ("?lang=en" if lang == "en" else ""))
    assert words[0] not in coal.text and words[1] not in coal.text  # no place is made up
