"""The REST API over the real release: lists, filters, pages, lookups, errors, and the models."""

from __future__ import annotations

import csv

import pytest

from api.rest import AgencyDetail, AgencyPage, CaseDetail, CasePage


def rows(release, table):
    with open(release / "data" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_cases_first_page_has_totals_and_links(client, real_release):
    r = client.get("/api/cases")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    total = len(rows(real_release, "cases"))
    assert (body["total"], body["page"], body["per_page"]) == (total, 1, 20)
    assert len(body["items"]) == 20
    assert r.headers["x-total-count"] == str(total)
    links = r.links
    assert set(links) == {"first", "next", "last"}
    assert "page=2" in links["next"]["url"] and "per_page=20" in links["next"]["url"]
    assert f"page={-(-total // 20)}" in links["last"]["url"]
    CasePage.model_validate(body)


def test_cases_last_page_links_back(client, real_release):
    total = len(rows(real_release, "cases"))
    last = -(-total // 5)
    r = client.get(f"/api/cases?per_page=5&page={last}")
    body = r.json()
    assert len(body["items"]) == total - 5 * (last - 1)
    assert set(r.links) == {"first", "prev", "last"}
    assert f"page={last - 1}" in r.links["prev"]["url"]
    # following "next" from the first page reaches every case once
    seen, url = [], "/api/cases?per_page=7"
    while url:
        page = client.get(url)
        seen += [c["id"] for c in page.json()["items"]]
        url = page.links.get("next", {}).get("url")
    assert sorted(seen) == sorted(c["case_id"] for c in rows(real_release, "cases"))


def test_cases_page_past_the_end_is_empty(client):
    body = client.get("/api/cases?page=99").json()
    assert body["items"] == [] and body["total"] > 0


@pytest.mark.parametrize("query,parameter", [
    ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"), ("page=x", "page"),
    ("level=federal", "level"), ("status=closed", "status"), ("sort=colour", "sort"), ("year=abc", "year"),
    ("year=1700", "year"), ("amount_min=-1", "amount_min"), ("amount_min=10&amount_max=5", "amount_min"),
    ("q=" + "x" * 201, "q"), ("division=TW-TPQ", "division"), ("division=臺北市", "division"),
])
def test_cases_bad_parameters_are_422_with_the_error_body(client, query, parameter):
    r = client.get(f"/api/cases?{query}")
    assert r.status_code == 422
    body = r.json()
    assert body["ok"] is False and body["status"] == 422
    assert parameter in body["error"]
    assert any(d["parameter"] == parameter for d in body["detail"])


def test_cases_filters_match_the_table(client, real_release):
    table = rows(real_release, "cases")
    some = table[0]
    checks = {
        f"level={some['level']}": [c for c in table if c["level"] == some["level"]],
        "status=ended": [c for c in table if c["status"] == "ended"],
        f"authority={some['authority_id']}": [c for c in table if c["authority_id"] == some["authority_id"]],
        f"agency={some['agency_ids'].split('|')[0]}": [
            c for c in table if some["agency_ids"].split("|")[0] in c["agency_ids"].split("|")],
        f"year={some['established'][:4]}": [c for c in table if c["established"][:4] == some["established"][:4]],
        "amount_min=10000000000": [c for c in table if float(c["amount_twd"]) >= 1e10],
        "amount_min=1000000000&amount_max=5000000000": [
            c for c in table if 1e9 <= float(c["amount_twd"]) <= 5e9],
    }
    for query, expected in checks.items():
        body = client.get(f"/api/cases?{query}&per_page=100").json()
        assert sorted(c["id"] for c in body["items"]) == sorted(c["case_id"] for c in expected), query
        assert body["total"] == len(expected)
    assert checks["status=ended"], "the release should have ended cases to test with"


def test_cases_free_text_folds_tai_and_full_width(client, real_release):
    table = rows(real_release, "cases")
    expected = sorted(c["case_id"] for c in table if "臺南" in c["name_zh"] or "臺南" in c["procurement_zh"])
    assert expected
    for q in ("臺南", "台南", "tainan", "ＴＡＩＮＡＮ", "TaiNan"):
        got = client.get("/api/cases", params={"q": q, "per_page": 100}).json()["items"]
        assert set(expected) <= {c["id"] for c in got}, q
    both = client.get("/api/cases", params={"q": "台南 再生水", "per_page": 100}).json()["items"]
    assert both and all("再生水" in c["name"]["zh"] or "再生水" in c["procurement"]["zh"] for c in both)
    assert client.get("/api/cases", params={"q": "無此案件名稱"}).json()["total"] == 0


def test_cases_sort_orders(client):
    by_date = client.get("/api/cases?sort=established&per_page=100").json()["items"]
    dates = [c["established"] for c in by_date]
    assert dates == sorted(dates)
    by_amount = client.get("/api/cases?sort=-amount&per_page=100").json()["items"]
    amounts = [c["amount_twd"] for c in by_amount]
    assert amounts == sorted(amounts, reverse=True)
    default = client.get("/api/cases?per_page=100").json()["items"]
    assert [c["table_number"] for c in default] == sorted(c["table_number"] for c in default)


def test_every_case_detail_matches_its_model_and_the_tables(client, real_release):
    activities = rows(real_release, "activities")
    participants = rows(real_release, "participants")
    for case in rows(real_release, "cases"):
        r = client.get(f"/api/cases/{case['case_id']}")
        assert r.status_code == 200
        detail = CaseDetail.model_validate(r.json())
        assert detail.name.zh == case["name_zh"] and detail.iri == case["iri"]
        mine = [a for a in activities if a["case_id"] == case["case_id"]]
        assert sorted(a.id for a in detail.activities) == sorted(a["activity_id"] for a in mine)
        for a in detail.activities:
            expected = [p for p in participants if p["activity_id"] == a.id]
            assert [p.role for p in a.participants] == [p["role"] for p in
                                                        sorted(expected, key=lambda p: int(p["position"]))]
        cited = set(case["source_ids"].split("|"))
        assert cited <= {s.id for s in detail.sources}


def test_case_detail_carries_its_parts(client):
    body = client.get("/api/cases/anping-water-reclamation").json()
    assert body["activities"] and body["observations"] and body["risks"] and body["quality_notes"]
    assert body["documents"]
    assert any(p["agency"] for a in body["activities"] for p in a["participants"])
    assert body["links"] == {"api": "/api/cases/anping-water-reclamation",
                             "html": "/id/case/anping-water-reclamation",
                             "turtle": "/id/case/anping-water-reclamation.ttl",
                             "jsonld": "/id/case/anping-water-reclamation.jsonld"}


@pytest.mark.parametrize("path", ["/api/cases/no-such-case", "/api/cases/ANPING", "/api/agencies/nobody",
                                  "/api/cases/%2e%2e"])
def test_unknown_ids_are_404_with_the_error_body(client, path):
    r = client.get(path)
    assert r.status_code == 404
    body = r.json()
    assert body["ok"] is False and body["status"] == 404 and body["error"]


def test_agencies_list_filters_and_detail(client, real_release):
    table = rows(real_release, "agencies")
    body = client.get("/api/agencies?per_page=100").json()
    AgencyPage.model_validate(body)
    assert body["total"] == len(table)
    kind = table[0]["kind"]
    got = client.get(f"/api/agencies?kind={kind}&per_page=100").json()["items"]
    assert sorted(a["id"] for a in got) == sorted(a["agency_id"] for a in table if a["kind"] == kind)
    assert client.get("/api/agencies?kind=planet").status_code == 422
    found = client.get("/api/agencies", params={"q": "廉政署"}).json()["items"]
    assert "aac" in {a["id"] for a in found}
    cases = rows(real_release, "cases")
    for agency in table:
        detail = AgencyDetail.model_validate(client.get(f"/api/agencies/{agency['agency_id']}").json())
        procuring = {c.id for c in detail.cases if c.role == "procuring-agency"}
        assert procuring == {c["case_id"] for c in cases if agency["agency_id"] in c["agency_ids"].split("|")}
        assert detail.case_count == len(procuring)


def test_openapi_documents_the_rest_models(client):
    spec = client.get("/openapi.json").json()
    for path in ("/api/cases", "/api/cases/{case_id}", "/api/agencies", "/api/agencies/{agency_id}"):
        assert path in spec["paths"], path
    ok = spec["paths"]["/api/cases/{case_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["$ref"].endswith("/CaseDetail")
    assert "404" in spec["paths"]["/api/cases/{case_id}"]["get"]["responses"]
    assert {"Activity", "Participant", "Observation", "QualityNote"} <= set(spec["components"]["schemas"])
    assert client.get("/docs").status_code == 200


def test_the_lookup_fast_path_answers_as_the_route_does(client):
    """/api/cases/{id} is a hot route: known ids are answered before FastAPI's request handling,
    with what the route's endpoint answers; unknown ids reach the endpoint."""
    import asyncio

    from api.direct import HotLane

    paths = [getattr(r, "path", "") for r in client.app.routes]
    route = next(r for r in client.app.routes
                 if getattr(r, "path", "") == "/api/cases/{case_id}" and r.methods == {"GET"})
    assert route.endpoint.direct and any(m.cls is HotLane for m in client.app.user_middleware)
    assert paths.index("/api/cases/{case_id}") < paths.index("/openapi.json")  # matched first
    assert "/api/cases/{case_id}" in client.app.openapi()["paths"]
    routed = asyncio.run(route.endpoint(case_id="anping-water-reclamation"))
    fast = client.get("/api/cases/anping-water-reclamation")
    assert fast.content == routed.body
    assert fast.headers["content-type"] == routed.headers["content-type"] == "application/json"
    assert fast.headers["content-length"] == routed.headers["content-length"]
    assert fast.headers["x-content-type-options"] == "nosniff"  # behind every middleware, as before
    head = client.head("/api/agencies/aac")
    assert head.status_code == 200 and head.content == b""
    assert client.head("/api/agencies/unknown").status_code == 404
    # a trailing slash is not an id: the app redirects it, as it does any route
    assert client.get("/api/cases/anping-water-reclamation/", follow_redirects=False).status_code == 307
    assert client.get("/api/cases/unknown").json()["status"] == 404


def _below(agencies: dict, aid: str) -> set[str]:
    """Sub-agencies at any depth, from the model read from the sources (not the service's tables)."""
    out, frontier = set(), {aid}
    while frontier:
        frontier = {a.id for a in agencies.values() if a.parent in frontier} - out
        out |= frontier
    return out


def test_agencies_roll_up_the_cases_of_their_sub_agencies(client):
    """經濟部水利署 (wra) procures no case itself; the river offices under it do. The agency
    filter, the agency's JSON and its page count them; sub_agencies=false keeps the old meaning."""
    from pipelines.read.reader import read_dataset
    from tests.conftest import REAL

    ds = read_dataset(REAL)
    rolled = 0
    for aid in ds.agencies:
        below = _below(ds.agencies, aid)
        own = {c.id for c in ds.cases.values() if aid in c.agencies}
        via = {c.id for c in ds.cases.values() if below & set(c.agencies)} - own
        got = {c["id"] for c in client.get("/api/cases", params={"agency": aid, "per_page": 100}).json()["items"]}
        assert got == own | via, aid
        exact = client.get("/api/cases", params={"agency": aid, "sub_agencies": "false", "per_page": 100}).json()
        assert {c["id"] for c in exact["items"]} == own, aid
        detail = client.get(f"/api/agencies/{aid}").json()
        assert {c["id"] for c in detail["sub_agency_cases"]} == via, aid
        assert all(c["through"]["id"] in below for c in detail["sub_agency_cases"]), aid
        assert detail["case_count"] == len(own) and detail["case_count_with_sub_agencies"] == len(own | via)
        rolled += bool(via)
    assert rolled >= 3, "several agencies of the real cases have sub-agencies that procure"
    wra = client.get("/api/agencies/wra").json()
    assert wra["case_count"] == 0 and wra["case_count_with_sub_agencies"] >= 5
    page = client.get("/agencies/wra", headers={"accept": "text/html"}).text
    assert "所屬機關執行之案件" in page
    assert all(f'/cases/{c["id"]}' in page for c in wra["sub_agency_cases"])


def test_a_case_lists_the_stories_its_chapter_tells_apart_from_its_events(client):
    body = client.get("/api/cases/anping-water-reclamation").json()
    CaseDetail.model_validate(body)
    [story] = body["accounts"]
    assert story["title"]["zh"] == "溫馨小故事 - 排除外力干擾" and story["names_project"] is False
    assert "這是2020年7月發生的事" in story["quote"] and story["stated_date"] == "2020-07"
    assert all(a["type"] != "incident" for a in body["activities"])  # told, not recorded as an event
    assert "external-interference" not in {r["category"] for r in body["risks"]}


def test_a_case_lists_the_laws_its_chapter_cites(client, real_release):
    laws = {r["law_id"]: r for r in rows(real_release, "laws")}
    body = client.get("/api/cases/taipei-station-c1d1").json()
    CaseDetail.model_validate(body)
    assert {law["id"] for law in body["laws"]} == {
        lid for lid, r in laws.items() if "taipei-station-c1d1" in r["case_ids"].split("|")} and body["laws"]
    for law in body["laws"]:
        assert law["links"]["html"] == f"/id/law/{law['id']}" and law["kind"] and law["in_appendix"] is False
        assert law["url"] == (laws[law["id"]]["url"] or None)
    # a case whose chapter names no law lists none; the appendix's laws name no case
    assert client.get("/api/cases/danjiang-bridge").json()["laws"] == []
    assert all(not r["case_ids"] for r in laws.values() if r["in_appendix"] == "true")


def test_cases_of_one_city_are_those_placed_in_it_on_whatever_basis(client, real_release):
    """A per-city view: ?division= is an ISO 3166-2:TW code; a case in two cities is in both,
    and each says what its division rests on."""
    placed = {c["case_id"]: c["divisions"].split("|") for c in rows(real_release, "cases") if c["divisions"]}
    for code in ("TW-TPE", "TW-NWT", "TW-CYI"):
        body = client.get(f"/api/cases?division={code}&per_page=100").json()
        CasePage.model_validate(body)
        got = [c["id"] for c in body["items"]]
        assert sorted(got) == sorted(cid for cid, codes in placed.items() if code in codes), code
        assert all(code in c["divisions"] and c["division_basis"] for c in body["items"])
    taipei = [c["id"] for c in client.get("/api/cases?division=TW-TPE&per_page=100").json()["items"]]
    new_taipei = [c["id"] for c in client.get("/api/cases?division=TW-NWT&per_page=100").json()["items"]]
    assert "taipei-circular-line-north-south" in taipei and "taipei-circular-line-north-south" in new_taipei
    assert "danjiang-bridge" in new_taipei  # a central agency's case, placed by where it is
    # with another filter, AND
    ended = client.get("/api/cases?division=TW-TPE&status=ended&per_page=100").json()["items"]
    assert ended and all(c["status"] == "ended" and "TW-TPE" in c["divisions"] for c in ended)
    assert client.get("/api/cases?division=TW-PEN").json()["total"] == 0  # a code with no case


def test_a_case_gives_its_place_in_the_sources_words_and_its_outside_source_as_one(client):
    body = client.get("/api/cases/danjiang-bridge").json()
    CaseDetail.model_validate(body)
    assert body["place"] == {"zh": "淡水、八里", "en": "Tamsui and Bali"}
    assert (body["divisions"], body["division_basis"]) == (["TW-NWT"], "outside")
    kinds = {s["id"]: s["kind"] for s in body["sources"]}
    assert kinds["outside/site-location"] == "outside" and kinds["guidebook/benchmark-1"] == "aac"
    coal = client.get("/api/cases/taipower-bituminous-coal-2022").json()
    assert (coal["place"], coal["divisions"], coal["division_basis"]) == (None, [], None)
