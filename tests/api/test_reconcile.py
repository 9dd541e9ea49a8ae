"""The reconciliation service: every field and type the Reconciliation Service API 0.2 requires.

The specification's JSON Schemas, as checks, are in ``reconciliation_schemas.py`` beside this
file (shared with ``test_reconcile_clients.py``, which runs real clients against a real server).
Matching is tested on the real 32 cases.
"""

from __future__ import annotations

import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import harvest
from api.errors import install
from api.settings import load
from pipelines.catalogue.matching import Index
from pipelines.catalogue.reconcile import keys

from .reconciliation_schemas import (
    check_extend_response,
    check_manifest,
    check_property_proposal,
    check_result_batch,
    check_suggest,
)

BASE = "https://w3id.org/lianzheng/id/"
LANG = r"(((([A-Za-z]{2,3}(-([A-Za-z]{3}(-[A-Za-z]{3}){0,2}))?)|[A-Za-z]{4}|[A-Za-z]{5,8})"


@pytest.fixture(scope="module")
def client(real_release):
    app = FastAPI(lifespan=harvest.lifespan)
    install(app)
    app.include_router(harvest.router)
    harvest.attach(app, real_release, load(public_url="http://testserver"))
    with TestClient(app) as c:
        yield c


def reconcile(client, queries: dict, method: str = "POST") -> dict:
    if method == "POST":
        r = client.post("/reconcile", data={"queries": json.dumps(queries, ensure_ascii=False)})
    else:
        r = client.get("/reconcile", params={"queries": json.dumps(queries, ensure_ascii=False)})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"  # spec § Cross-Origin Access
    body = r.json()
    check_result_batch(body, queries)
    return body


# --- the manifest and the protocol ----------------------------------------------------------


def test_manifest_has_every_required_field(client):
    r = client.get("/reconcile")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    m = r.json()
    check_manifest(m)
    assert m["identifierSpace"] == BASE
    assert m["schemaSpace"] == "https://w3id.org/lianzheng/vocab#"
    assert m["preview"]["url"] == "http://testserver/reconcile/preview?id={{id}}"
    assert {t["name"] for t in m["defaultTypes"]} == {"廉政平臺案件 Integrity platform case", "機關 Agency"}


def test_queries_by_post_and_by_get_give_the_same_answer(client):
    q = {"q0": {"query": "淡江大橋"}, "q1": {"query": "Danjiang Bridge", "type": "case", "limit": 1}}
    assert reconcile(client, q, "POST") == reconcile(client, q, "GET")


@pytest.mark.parametrize("query,expected,match", [
    ("淡江大橋", "case/danjiang-bridge", True),
    ("淡江大橋廉政平臺", "case/danjiang-bridge", True),
    ("淡江大橋　廉政平台", "case/danjiang-bridge", True),  # full-width space, 台 for 臺
    ("Danjiang Bridge", "case/danjiang-bridge", True),
    ("ＤＡＮＪＩＡＮＧ　ＢＲＩＤＧＥ", "case/danjiang-bridge", True),  # full-width Latin letters
    ("danjiang bridge integrity platform", "case/danjiang-bridge", True),
    ("台北車站特定專用區C1/D1", "case/taipei-station-c1d1", False),  # a prefix of the procurement's name
    ("臺北車站特定專用區Ｃ１／Ｄ１（東半街廓）土地開發案", "case/taipei-station-c1d1", True),
    ("雙子星C1D1", "case/taipei-station-c1d1", True),
    ("Twin Towers C1/D1", "case/taipei-station-c1d1", True),
    ("臺中國際會展中心", "case/taichung-convention-center", True),  # without the bracketed 水湳
    ("台中(水湳)國際會展中心", "case/taichung-convention-center", True),
    ("第三航廈", "case/taoyuan-airport-terminal-3", True),
    ("桃園機場第三航廈", "case/taoyuan-airport-terminal-3", False),
    ("購車案", "case/tra-rolling-stock", True),
    ("rolling stock procurement", "case/tra-rolling-stock", True),
    ("新北環狀線", "case/new-taipei-circular-line-land-development", False),
    ("音樂與圖書中心", "case/taipei-music-library-center", False),  # a prefix: a candidate, not a match
    ("音樂與圖書中心新建工程", "case/taipei-music-library-center", True),
    ("111年特高熱值煙煤現貨採購案", "case/taipower-bituminous-coal-2022", True),
    ("離岸風力發電第二期計畫-風場財物採購", "case/taipower-offshore-wind-phase-2", True),
    ("danjiang-bridge", "case/danjiang-bridge", True),  # an id as the query
    (BASE + "case/xinyi-superficies", "case/xinyi-superficies", True),
    ("台北市政府", "agency/taipei-city", True),
    ("廉政署", "agency/aac", True),
    ("Agency Against Corruption, Ministry of Justice", "agency/aac", True),
])
def test_names_as_people_write_them_find_their_case_or_agency(client, query, expected, match):
    body = reconcile(client, {"q": {"query": query}})
    top = body["q"]["result"][0]
    assert top["id"] == BASE + expected
    assert top["match"] is match
    assert sum(c["match"] for c in body["q"]["result"]) <= 1


def test_every_real_case_is_found_by_its_chinese_and_english_name(client, real_release):
    cases = json.loads((real_release / "reconcile.json").read_text(encoding="utf-8"))["entities"]
    cases = [e for e in cases if e["type"] == "case"]
    assert len(cases) == 32
    queries = {f"{e['slug']}|{lang}": {"query": e["name" if lang == "zh" else "name_en"], "type": "case"}
               for e in cases for lang in ("zh", "en")}
    for chunk in (dict(list(queries.items())[i:i + 50]) for i in range(0, len(queries), 50)):
        body = reconcile(client, chunk)
        for key, value in body.items():
            top = value["result"][0]
            assert top["id"] == BASE + "case/" + key.split("|")[0], key
            assert top["match"] is True, key


def test_properties_refine_and_are_reported_as_features(client):
    q = {"a": {"query": "淡江大橋", "properties": [{"pid": "year", "v": 108}, {"pid": "agency", "v": "交通部"},
                                                  {"pid": "amount", "v": "125億"}]},
         "b": {"query": "淡江大橋", "properties": [{"pid": "year", "v": "2020"}]},
         "c": {"properties": [{"pid": "agency", "v": {"id": BASE + "agency/thb"}}], "type": "case"}}
    body = reconcile(client, q)
    a = body["a"]["result"][0]
    assert a["match"] is True and a["score"] == 100.0
    assert {f["id"]: f["value"] for f in a["features"]} == {"name": 100.0, "year": True, "agency": True,
                                                             "amount": True}
    b = body["b"]["result"][0]
    assert b["id"] == BASE + "case/danjiang-bridge" and b["match"] is False and b["score"] < 100
    assert BASE + "case/danjiang-bridge" in {c["id"] for c in body["c"]["result"]}


def test_type_restricts_the_candidates(client):
    body = reconcile(client, {"q": {"query": "臺北市", "type": "http://www.w3.org/ns/org#Organization"}})
    assert body["q"]["result"] and all(c["id"].startswith(BASE + "agency/") for c in body["q"]["result"])


@pytest.mark.parametrize("queries", [
    {"q": {}},  # reconciliation-query-batch.json: anyOf required query / properties (minItems 1)
    {"q": {"query": "x", "properties": [{"pid": "colour", "v": "red"}]}},  # an unknown property
    {"q": {"query": "x", "type": "planet"}},  # an unknown type
    {"q": {"query": 7}},  # query: string
    {"q": {"query": "x", "limit": 0}},  # limit: a positive number
    ["not", "a", "batch"],
])
def test_bad_queries_get_400_with_the_one_error_body(client, queries):
    r = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert r.status_code == 400
    assert r.json()["ok"] is False and r.json()["status"] == 400
    assert r.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("query", [{"query": ""}, {"query": "  "}, {"query": "", "properties": []},
                                   {"query": "", "type": "case", "limit": 3}])
def test_a_blank_name_alone_has_no_candidates(client, query):
    """Valid by reconciliation-query-batch.json (``query`` is required, any string): the test
    bench sends ``{"query": ""}`` for its empty form. No candidates, not an error."""
    assert reconcile(client, {"q": query})["q"]["result"] == []


def test_malformed_requests(client):
    assert client.post("/reconcile", data={"queries": "{not json"}).status_code == 400
    too_many = {f"q{i}": {"query": "x"} for i in range(harvest.BATCH_SIZE + 1)}
    assert client.post("/reconcile", data={"queries": json.dumps(too_many)}).status_code == 413
    r = client.post("/reconcile", content=b"<queries/>", headers={"content-type": "application/xml"})
    assert r.status_code == 415


def test_cors_preflight_on_every_route(client):
    for path in ("/reconcile", "/reconcile/preview", "/reconcile/suggest/entity"):
        r = client.options(path, headers={"Origin": "https://openrefine.example",
                                          "Access-Control-Request-Method": "POST"})
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == "*"
        assert "POST" in r.headers["access-control-allow-methods"]


def test_suggest_services(client):
    r = client.get("/reconcile/suggest/entity", params={"prefix": "淡江"})
    check_suggest(r.json(), "entity")
    assert r.json()["result"][0]["id"] == BASE + "case/danjiang-bridge"
    assert r.headers["access-control-allow-origin"] == "*"
    r = client.get("/reconcile/suggest/entity", params={"prefix": "臺北", "cursor": 2})
    check_suggest(r.json(), "entity")
    # pages of 10; "cursor" names the next page while there is one (what OpenRefine's "view more" sends back)
    pages, cursor = [], 0
    while cursor is not None:
        page = client.get("/reconcile/suggest/entity", params={"prefix": "臺北", "cursor": cursor}).json()
        check_suggest(page, "entity")
        pages.append(page["result"])
        cursor = page.get("cursor")
        assert cursor is None or cursor == 10 * len(pages)
    assert [len(p) for p in pages] == [10, 10, 1]
    assert len({s["id"] for p in pages for s in p}) == 21
    assert "cursor" not in client.get("/reconcile/suggest/entity", params={"prefix": "淡江"}).json()
    assert client.get("/reconcile/suggest/entity", params={"prefix": "臺北", "cursor": "x"}).status_code == 400
    r = client.get("/reconcile/suggest/property", params={"prefix": "year"})
    check_suggest(r.json(), "property")
    assert [p["id"] for p in r.json()["result"]] == ["year"]
    r = client.get("/reconcile/suggest/type", params={"prefix": ""})
    check_suggest(r.json(), "type")
    assert len(r.json()["result"]) == 2


def test_preview_and_view(client):
    iri = BASE + "case/danjiang-bridge"
    r = client.get("/reconcile/preview", params={"id": iri})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "淡江大橋廉政平臺" in r.text and "約 125 億" in r.text
    assert client.get("/reconcile/preview", params={"id": "nothing"}).status_code == 404
    r = client.get("/reconcile/view", params={"id": iri}, follow_redirects=False)
    # to this server's page, not to the canonical host the IRI names
    assert r.status_code == 303 and r.headers["location"] == "http://testserver/id/case/danjiang-bridge"
    other = client.get("/reconcile/view", params={"id": "https://elsewhere.example/x"}, follow_redirects=False)
    assert other.status_code == 404  # only our own entities have a view


def extend(client, query: dict, method: str = "POST") -> dict:
    text = json.dumps(query, ensure_ascii=False)
    if method == "POST":
        r = client.post("/reconcile", data={"extend": text})
    else:
        r = client.get("/reconcile", params={"extend": text})
    assert r.status_code == 200, r.text
    assert r.headers["access-control-allow-origin"] == "*"
    body = r.json()
    check_extend_response(body, query)
    return body


def test_data_extension_gives_the_cases_properties(client):
    """Spec § Data Extension Service: agencies as entities of the identifier space, the year as an
    int, the amount as a float (OpenRefine reads int as 32 bits); no values for an agency or an id
    not ours. By POST form (as OpenRefine sends it) and by GET (as the test bench does)."""
    assert client.get("/reconcile").json()["extend"]["propose_properties"] == {
        "service_url": "http://testserver", "service_path": "/reconcile/propose_properties"}
    case, agency, elsewhere = BASE + "case/danjiang-bridge", BASE + "agency/aac", "https://elsewhere.example/x"
    q = {"ids": [case, agency, elsewhere], "properties": [{"id": "agency"}, {"id": "year"}, {"id": "amount"}]}
    body = extend(client, q)
    assert body == extend(client, q, "GET")
    assert body["meta"][0] == {"id": "agency", "name": "採購機關或主管機關 Procuring agency or parent authority",
                               "type": {"id": "http://www.w3.org/ns/org#Organization", "name": "機關 Agency"}}
    row = body["rows"][case]
    assert [v["id"] for v in row["agency"]] == [BASE + "agency/thb", BASE + "agency/motc"]
    assert row["year"] == [{"int": 2019}] and row["amount"] == [{"float": 12500000000.0}]
    assert body["rows"][agency] == body["rows"][elsewhere] == {"agency": [], "year": [], "amount": []}


@pytest.mark.parametrize("raw,status", [
    ('{"ids": ["x"], "properties": [{"id": "colour"}]}', 400),  # an unknown property
    ('{"ids": "x", "properties": [{"id": "year"}]}', 400),  # data-extension-query.json: ids an array of strings
    ('{"ids": ["x"], "properties": ["year"]}', 400),  # properties: objects, required ["id"]
    ('{"ids": ["x"]', 400),  # not JSON
    (json.dumps({"ids": [f"x{i}" for i in range(harvest.BATCH_SIZE + 1)], "properties": [{"id": "year"}]}), 413),
])
def test_bad_data_extension_queries(client, raw, status):
    r = client.post("/reconcile", data={"extend": raw})
    assert r.status_code == status and r.json()["ok"] is False
    assert r.headers["access-control-allow-origin"] == "*"


def test_queries_and_extend_at_once_is_refused(client):
    r = client.post("/reconcile", data={"queries": '{"q": {"query": "x"}}', "extend": '{"ids": [], "properties": []}'})
    assert r.status_code == 400 and "not both" in r.json()["error"]


@pytest.mark.parametrize("params,expected", [
    ({"type": "https://w3id.org/lianzheng/vocab#IntegrityPlatform"}, ["agency", "year", "amount"]),
    ({"type": ""}, ["agency", "year", "amount"]),  # OpenRefine's type= for a column reconciled without a type
    ({"type": "http://www.w3.org/ns/org#Organization"}, []),
    ({"type": "case", "limit": "2"}, ["agency", "year"]),
    ({"type": "https://w3id.org/lianzheng/vocab"}, ["agency", "year", "amount"]),  # an IRI's fragment lost
])
def test_property_proposals(client, params, expected):
    r = client.get("/reconcile/propose_properties", params=params)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    check_property_proposal(r.json())
    assert [p["id"] for p in r.json()["properties"]] == expected
    assert r.json()["type"] == params["type"] and r.json().get("limit") == (2 if "limit" in params else None)


@pytest.mark.parametrize("params", [{"type": "case", "limit": "0"}, {"type": "", "limit": "x"}, {"limit": "1e3"}])
def test_bad_property_proposals(client, params):
    r = client.get("/reconcile/propose_properties", params=params)
    assert r.status_code == 400 and r.json()["ok"] is False


def test_preview_escapes_what_it_shows():
    index = Index([{"id": BASE + "case/x", "type": "case", "slug": "x", "name": "<script>x</script>",
                    "name_en": "", "names": ["<script>x</script>"], "agencies": [], "year": 2020,
                    "amount": "1", "established": "2020", "amount_text": "1", "status": "ended",
                    "procurement": "&", "procurement_en": ""}])
    html = index.preview_html("x")
    assert "<script>" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("name,expected", [
    ("淡江大橋廉政平臺", {"淡江大橋"}),
    ("Ｃ１／Ｄ１ 平臺", {"c1d1"}),
    ("臺中(水湳)國際會展中心", {"臺中水湳國際會展中心", "臺中國際會展中心"}),
    ("台北市政府", {"臺北市政府"}),
    ("Danjiang Bridge Integrity Platform", {"danjiangbridge"}),
    ("購車案廉政平臺", {"購車"}),
])
def test_keys_fold_the_ways_names_are_written(name, expected):
    assert keys(name) == expected


# --- bounded, and off the service's event loop (issue 11) ---------------------------------


def _post_raw(client, raw: str):
    return client.post("/reconcile", data={"queries": raw})


@pytest.mark.parametrize("raw", [
    '{"q": {"query": "淡江", "limit": Infinity}}',
    '{"q": {"query": "淡江", "limit": NaN}}',
    '{"q": {"query": "淡江", "limit": 1e400}}',
    '{"q": {"query": "淡江", "limit": "5"}}',
    '{"q": {"query": "淡江", "limit": true}}',
    '{"q": {"query": "淡江", "limit": -1}}',
    '{"q": ' * 5000 + "{}" + "}" * 5000,
    "[" * 100_000 + "]" * 100_000,
])
def test_odd_limits_and_deep_json_are_400_not_500(client, raw):
    r = _post_raw(client, raw)
    assert r.status_code == 400, r.text[:200]
    assert r.json()["ok"] is False and r.headers["access-control-allow-origin"] == "*"


def test_a_property_takes_a_bounded_number_of_values(client):
    from pipelines.catalogue.reconcile import MAX_VALUES

    agencies = [f"機關{i}" for i in range(300)]  # the 2.6 KB query that froze the service for 25 s
    r = _post_raw(client, json.dumps({"q": {"properties": [{"pid": "agency", "v": agencies}]}}))
    assert r.status_code == 400 and f"at most {MAX_VALUES}" in r.json()["error"]
    ok = reconcile(client, {"q": {"properties": [{"pid": "agency", "v": agencies[:MAX_VALUES]}]}})
    assert ok["q"]["result"] == []


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999999", "-5", 1e308])
def test_odd_amounts_match_nothing(client, value):
    body = reconcile(client, {"q": {"query": "淡江大橋", "properties": [{"pid": "amount", "v": value}]}})
    features = body["q"]["result"][0]["features"]
    assert {"id": "amount", "value": False} in features


def _row(slug: str, amount: str, agencies=("a",), year=2020) -> dict:
    return {"id": BASE + "case/" + slug, "type": "case", "slug": slug, "name": slug, "name_en": "",
            "names": [slug], "agencies": list(agencies), "year": year, "amount": amount,
            "established": str(year), "amount_text": amount, "status": "operating",
            "procurement": slug, "procurement_en": ""}


def test_property_only_queries_read_the_indexes_and_find_what_a_scan_would():
    """Amounts within 10% of the larger of the two match, at both edges; agencies and years by
    their indexes. The answers are those of checking every case, one by one."""
    rows = [_row("low", "90"), _row("edge-high", "111.11"), _row("past", "112"), _row("below", "89.99"),
            _row("other", "100", agencies=("b",), year=2019), _row("same", "100")]
    rows.append({"id": BASE + "agency/a", "type": "agency", "slug": "a", "name": "甲機關", "name_en": "A",
                 "names": ["甲機關"], "description": "", "agencies": ["a"], "kind": "central"})
    index = Index(rows)
    by_amount = index.query({"properties": [{"pid": "amount", "v": 100}], "limit": 50})
    assert sorted(r["id"].rsplit("/", 1)[1] for r in by_amount) == ["edge-high", "low", "other", "same"]
    by_agency = index.query({"properties": [{"pid": "agency", "v": "甲機關"}], "limit": 50})
    assert len(by_agency) == 5 and "other" not in {r["id"].rsplit("/", 1)[1] for r in by_agency}
    both = index.query({"properties": [{"pid": "year", "v": "108"}, {"pid": "amount", "v": "100"}], "limit": 50})
    assert both[0]["id"].endswith("/other") and both[0]["score"] == 100.0
    scan = [e.row["slug"] for e in index.entities if e.row["type"] == "case"
            and any(index._property(pid, index._wanted(pid, [v]), e.row)
                    for pid, v in (("year", "108"), ("amount", "100")))]
    assert sorted(r["id"].rsplit("/", 1)[1] for r in both) == sorted(scan)


def test_matching_runs_in_the_worker_not_in_the_service(client, monkeypatch):
    """Replaced in the service's process by methods that fail, the answers are the same: the
    matching runs in the reconciliation worker (bounded by the deadline, charged to the client)."""
    def not_here(*args, **kwargs):
        raise AssertionError("reconciliation matching ran in the service's process")

    for name in ("batch", "query", "extend", "suggest", "preview_html", "lookup"):
        monkeypatch.setattr(Index, name, not_here)
    body = reconcile(client, {"q": {"query": "淡江大橋"}})
    assert body["q"]["result"][0]["match"] is True
    assert client.get("/reconcile/suggest/entity", params={"prefix": "淡江"}).json()["result"]
    assert client.get("/reconcile/preview", params={"id": BASE + "case/danjiang-bridge"}).status_code == 200
    assert extend(client, {"ids": [BASE + "case/danjiang-bridge"], "properties": [{"id": "year"}]})["rows"]


def test_reconciliation_is_charged_to_the_clients_budget(real_release, tmp_path):
    """Matching costs the client query time like a SPARQL query: with a budget of a tenth of a millisecond,
    the second batch (and the client's next SPARQL query) gets 429; the manifest still answers."""
    from api.app import create_app

    settings = load(release=str(real_release), releases=str(tmp_path / "releases"), query_workers=1,
                    client_budget=0.0001, budget_window=3600)
    with TestClient(create_app(settings, real_release)) as c:
        first = c.post("/reconcile", data={"queries": json.dumps({"q": {"query": "淡江大橋"}})})
        assert first.status_code == 200
        second = c.post("/reconcile", data={"queries": json.dumps({"q": {"query": "淡江大橋"}})})
        assert second.status_code == 429 and int(second.headers["retry-after"]) >= 1
        assert second.headers["access-control-allow-origin"] == "*"
        assert c.get("/sparql", params={"query": "ASK {}"}).status_code == 429
        assert c.get("/reconcile").status_code == 200
