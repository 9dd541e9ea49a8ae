"""The reconciliation service as its real clients use it: the reconciliation test bench and
OpenRefine, end to end against ``lianzheng serve`` on a loopback port.

What the clients do, read from their sources
============================================

**The test bench for API 0.2** (reconciliation-api/testbench, branch ``testbench-0.2`` at f008077,
November 2025, served at ``/testbench/0.2``; ``master`` is the bench for the 1.0 draft, which posts
JSON to ``{endpoint}/match`` and does not apply to a 0.2 service). A React page of another origin
than the service's:

* ``src/ReconciliationServiceInput.js``, ``validateEndpoint``: the manifest by ``fetch(endpoint)``
  (CORS, no custom header, so no preflight); only if that fails, by JSONP (``fetch-jsonp``,
  ``?callback=``). ``src/FeatureRow.js`` does the same for its table of services.
* ``src/ReconciliationService.js``: the manifest is checked against the manifest schema of every
  version the bench knows (``utils/versions``: 0.1, 0.2, draft) and the last that accepts it is
  the version whose schemas check every later answer (``src/JsonValidator.js``, Ajv over
  ``src/JsonSchemas.js``, generated from reconciliation-api/specs ``{version}/schemas/``; its 0.2
  files are the specification's). The bench's ``draft`` manifest schema wants ``suggest.entity``
  and the like as booleans, so a manifest with suggest services as objects is checked as 0.2.
* ``src/TestBench.js``, ``onSubmitReconciliation``: one query, key ``q0``, POSTed as
  ``application/x-www-form-urlencoded`` with the field ``queries`` (``src/utils.js``, ``postParams``;
  a CORS-safelisted request, no preflight). ``formulateReconQuery`` always sends ``query``, empty
  when the name field is; ``type`` from ``defaultTypes`` or the type suggest; ``properties`` as
  ``{pid, v}`` with the property from the property suggest (mappings without a value dropped);
  ``limit`` when one is typed. The answer is checked against ``reconciliation-result-batch``.
  ``formulateQueryUrl`` offers the same batch as a link, ``GET {endpoint}?queries=``.
* ``src/Candidate.js``: each candidate links to ``view.url`` with ``{{id}}`` replaced by the id as it
  is (not encoded).
* ``src/ReconcileSuggest.js``: ``GET service_url + service_path ?prefix=`` for entities, types and
  properties; no ``cursor``.
* ``src/PreviewRenderer.js``: an iframe of ``preview.url`` with the id ``encodeURIComponent``-ed,
  of the manifest's ``width`` and ``height``.
* ``src/DataExtensionTab.js``: only when the manifest has ``extend``: ``GET {endpoint}?extend=``
  ``{"ids": [...], "properties": [{"id": ...}]}``, checked against ``data-extension-response``
  (the bench also appends ``&timeout=20000``, an option passed where parameters go).

**OpenRefine** (OpenRefine/OpenRefine at ff43aa1, August 2026; the web client's files are under
``main/webapp/modules/core/``). Its web client, in the browser:

* ``scripts/reconciliation/recon-manager.js``: the manifest by
  ``$.ajax(url, {dataType: "json", timeout: 5000})`` (CORS; jQuery's JSON ``Accept``), JSONP only if
  that fails; the mode found is kept as ``ui.access`` for the suggest widgets.
* ``externals/suggest/suggest-4_3a.js`` with ``scripts/util/custom-suggest.js`` and
  ``scripts/reconciliation/standard-service-panel.js``: suggest as ``GET service_url + service_path``
  with ``prefix`` (``query_param_name``), and ``cursor`` when the user asks for more; it offers
  "view more" only when an answer carries ``cursor``, and sends that value back.
* ``scripts/views/data-table/cell-renderers/recon-renderer.js``: the preview as an iframe with
  ``sandbox=""`` of ``encodeURI(preview.url.replace("{{id}}", id))``; links to
  ``encodeURI(view.url.replace("{{id}}", id))``: an IRI goes into the query string unencoded.

And its server, in Java (no browser, so no CORS; ``StandardReconConfig.java`` has moved from
``main/src/`` to ``modules/core/src/main/java/``):

* ``modules/core/src/main/java/com/google/refine/model/recon/StandardReconConfig.java``: batches
  keyed ``q0``, ``q1``, ... POSTed as the form field ``queries`` (``.../refine/util/HttpClient.java``,
  ``postNameValue``: ``application/x-www-form-urlencoded; charset=UTF-8``); a query is ``query``,
  ``type`` with ``type_strict: "should"``, ``properties`` as ``{pid, v}`` where ``v`` is the cell's
  value, or ``{"id", "name"}`` when that cell was reconciled, and ``limit`` only when not 0. The
  batch size is ``min(max(rows / 10, 10), batchSize)``, ``batchSize`` from the manifest
  (``standard-service-panel.js``; 10 without one);
  ``main/src/com/google/refine/operations/recon/ReconOperation.java`` sends each distinct query
  once. The first candidate is matched when its ``match`` is true.
* ``main/src/com/google/refine/commands/recon/GuessTypesOfColumnCommand.java``: up to 10 distinct
  values of the column, each as ``{"query", "limit": 3}``, POSTed the same way; the candidates'
  ``type`` rank the types the reconcile dialog proposes.
* ``modules/core/.../refine/model/recon/ReconciledDataExtensionJob.java`` and
  ``main/src/.../refine/operations/recon/ExtendDataOperation.java``: data extension as the form
  field ``extend``, 10 ids a request; values read as ``id`` (an entity), ``str``, ``float``,
  ``int`` (as a 32-bit int) or ``date``. The properties to offer
  come from ``propose_properties`` by ``$.ajax(url + "?type=" + typeID)`` in the browser
  (``scripts/dialogs/add-column-by-reconciliation.js``): the type id is not encoded.

What this module reproduces
===========================

A Chromium page served from another loopback origin (``http.server`` on its own port) runs
``reconcile_clients.js`` beside this file: the bench's requests above (manifest; the Reconcile tab
with a name, a default type, a suggested type, a suggested property with a limit, properties
alone, and the empty form; the three suggest services; the preview iframe; the Extend tab) and
OpenRefine's web client's (manifest by XMLHttpRequest with jQuery's ``Accept``; entity suggest
and "view more"; the properties proposed for a column's type; the sandboxed preview iframe), with
the browser's own ``fetch`` and ``XMLHttpRequest``, so CORS is the browser's, not ours. One more
request is not a 0.2 bench's: a JSON POST, which the browser sends only after a preflight
(Chromium's DevTools protocol shows it; Playwright's events do not). The Python tests then check
every answer with the schema checks of ``reconciliation_schemas.py``, open the links the clients
make (view, and the bench's ``?queries=`` link) in the browser, and look into the preview frames.
OpenRefine's server side is replayed with httpx: guessing a column's type,
reconciling a sheet of the 32 real cases, their agencies first, in OpenRefine's batches, then
adding columns from the reconciled values (data extension, 10 ids at a time).

Not reproduced: the bench's React code itself (it is not packaged; this page makes the same
requests), its Ajv validation (the schemas stay with the Community Group; the checks encode
them), and the JSONP fallbacks, which neither client takes while CORS works: the service offers
no JSONP (the specification makes it optional) and these tests show that CORS is enough.
"""

from __future__ import annotations

import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from .portal.browser import CHROMIUM
from .reconciliation_schemas import (
    check_extend_response,
    check_manifest,
    check_property_proposal,
    check_result_batch,
    check_suggest,
)

pytestmark = pytest.mark.e2e

BASE = "https://w3id.org/lianzheng/id/"
ORG = "http://www.w3.org/ns/org#Organization"
CASE = "https://w3id.org/lianzheng/vocab#IntegrityPlatform"
HERE = Path(__file__).resolve().parent
NEEDS_CHROMIUM = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: scripts/setup "
                                    "installs Debian's chromium")
CONFIG = {
    "name": "淡江大橋",  # the Reconcile tab's name field
    "typePrefix": "機關",  # typed into the type suggest: the agency type
    "agencyName": "臺北市政府",
    "propertyPrefix": "year",
    "propertyValue": "108",  # an ROC year: 2019
    "entityPrefix": "淡江",
    "morePrefix": "臺北",  # 21 cases and agencies: more than one page of suggestions
    "previewId": BASE + "agency/aac",
    "columnType": "https://w3id.org/lianzheng/vocab#IntegrityPlatform",  # a column reconciled against cases
}
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>reconciliation clients</title></head>
<body><script>window.benchConfig = {config};</script><script src="reconcile_clients.js"></script></body></html>
"""


class _Files(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def other_origin(tmp_path_factory, server):
    """The clients' page, served by ``http.server`` from a folder of its own on another loopback port."""
    folder = tmp_path_factory.mktemp("bench")
    (folder / "reconcile_clients.js").write_bytes((HERE / "reconcile_clients.js").read_bytes())
    config = json.dumps({**CONFIG, "endpoint": server.url + "/reconcile"}, ensure_ascii=False)
    (folder / "index.html").write_text(PAGE.format(config=config.replace("<", "\\u003c")), encoding="utf-8")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Files, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, name="bench-origin", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


class Run:
    """The clients' page after its script has run: its steps by name, the page, the preflights seen."""

    def __init__(self, page, steps: list[dict], preflights: list[dict], errors: list[str]):
        self.page = page
        self.steps = {s["name"]: s for s in steps}
        self.preflights = preflights
        self.errors = errors

    def answer(self, name: str):
        step = self.steps[name]
        assert "error" not in step, f"{name}: the browser gave the page no answer ({step['error']})"
        assert step["status"] == 200, (name, step["status"], step.get("text", "")[:300])
        return json.loads(step["text"])


@pytest.fixture(scope="module")
def run(browser, server, other_origin):
    """The clients' page opened once for the module and its script run to the end."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Playwright's request events leave CORS preflights out; Chromium's DevTools protocol reports them
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    preflights: list[dict] = []
    sent: dict[str, dict] = {}

    def on_sent(event):
        if event.get("initiator", {}).get("type") == "preflight":
            sent[event["requestId"]] = {"url": event["request"]["url"], "method": event["request"]["method"]}

    def on_response(event):
        if event["requestId"] in sent:
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            preflights.append({**sent[event["requestId"]], "status": event["response"]["status"], "headers": headers})

    cdp.on("Network.requestWillBeSent", on_sent)
    cdp.on("Network.responseReceived", on_response)
    page.goto(other_origin + "/index.html")
    page.wait_for_function("window.finished === true", timeout=60_000)
    steps = page.evaluate("window.steps")
    try:
        yield Run(page, steps, preflights, errors)
    finally:
        context.close()


# --- the test bench (API 0.2), in the browser -------------------------------------------------


@NEEDS_CHROMIUM
def test_bench_page_ran_every_step_without_a_script_error(run):
    assert "script-error" not in run.steps, run.steps["script-error"]["error"]
    assert not run.errors
    assert {"manifest", "reconcile-name", "suggest-entity", "bench-preview", "openrefine-manifest",
            "json-post-preflighted"} <= set(run.steps)


@NEEDS_CHROMIUM
def test_bench_reads_the_manifest_from_another_origin_by_cors(run, server, other_origin):
    assert other_origin != server.url  # another port: another origin, so the browser applies CORS
    manifest = run.answer("manifest")
    check_manifest(manifest)
    # the bench's draft manifest schema wants booleans here: an object makes it check answers as 0.2
    assert all(isinstance(manifest["suggest"][kind], dict) for kind in ("entity", "property", "type"))
    assert manifest["preview"]["url"].startswith(server.url + "/reconcile/preview")


@NEEDS_CHROMIUM
@pytest.mark.parametrize("step,top,match", [
    ("reconcile-name", "case/danjiang-bridge", True),
    ("reconcile-default-type", "case/danjiang-bridge", True),
    ("reconcile-suggested-type", "agency/taipei-city", True),
    ("reconcile-property-limit", "case/danjiang-bridge", True),
    ("reconcile-properties-alone", None, False),
])
def test_bench_reconcile_tab_answers_are_result_batches(run, step, top, match):
    body = run.answer(step)
    queries = run.steps[step]["queries"]
    check_result_batch(body, queries)
    results = body["q0"]["result"]
    assert results
    if top is not None:
        assert results[0]["id"] == BASE + top and results[0]["match"] is match
    q = queries["q0"]
    if "limit" in q:
        assert len(results) <= q["limit"]
    if "type" in q:
        assert all(q["type"] in {t["id"] for t in c["type"]} for c in results)
    if q.get("properties"):
        assert all({f["id"] for f in c["features"]} >= {p["pid"] for p in q["properties"]} for c in results)


@NEEDS_CHROMIUM
def test_bench_properties_come_from_its_suggests(run):
    assert run.steps["reconcile-suggested-type"]["queries"]["q0"]["type"] == ORG
    q = run.steps["reconcile-property-limit"]["queries"]["q0"]
    assert q["properties"] == [{"pid": "year", "v": "108"}] and q["limit"] == 3
    assert run.steps["reconcile-properties-alone"]["queries"]["q0"] == {
        "query": "", "properties": [{"pid": "agency", "v": "臺北市政府"}]}


@NEEDS_CHROMIUM
def test_bench_empty_form_gets_no_candidates_not_an_error(run):
    """The bench sends ``{"query": ""}`` for an empty form: valid by reconciliation-query-batch.json
    (it requires ``query``, any string), so the answer is a result batch, with no candidates."""
    assert run.steps["reconcile-empty-form"]["queries"] == {"q0": {"query": ""}}
    body = run.answer("reconcile-empty-form")
    check_result_batch(body, {"q0": {}})
    assert body["q0"]["result"] == []


@NEEDS_CHROMIUM
@pytest.mark.parametrize("kind,first", [("entity", BASE + "case/danjiang-bridge"), ("type", ORG), ("property", "year")])
def test_bench_suggest_tab(run, kind, first):
    body = run.answer(f"suggest-{kind}")
    check_suggest(body, kind)
    assert body["result"][0]["id"] == first


@NEEDS_CHROMIUM
def test_bench_links_open_in_the_browser(run, server):
    """The candidate's view link (the id put in unencoded) lands on the entity's page here; the
    "View query results on the service" link (GET ?queries=) answers the same batch."""
    page = run.page.context.new_page()
    try:
        view = run.steps["view-link"]["url"]
        assert "?id=https://" in view  # as the bench builds it
        response = page.goto(view)
        assert response.ok and page.url == server.url + "/id/case/danjiang-bridge"
        assert "淡江大橋" in page.title() or "淡江大橋" in page.inner_text("h1")

        response = page.goto(run.steps["query-link"]["url"])
        assert response.ok
        body = response.json()
        check_result_batch(body, {"q0": {}})
        assert body["q0"]["result"][0]["id"] == BASE + "case/danjiang-bridge"
    finally:
        page.close()


@NEEDS_CHROMIUM
@pytest.mark.parametrize("name,shows", [("bench-preview", "淡江大橋"), ("openrefine-preview", "廉政署")])
def test_preview_loads_in_the_clients_frames(run, server, name, shows):
    """The bench's iframe and OpenRefine's sandboxed one both show the preview: the page's
    Content-Security-Policy lets any site frame it (frame-ancestors), and nothing else stops it."""
    frame = run.page.frame(name=name)
    assert frame is not None
    assert frame.url.startswith(server.url + "/reconcile/preview?id="), frame.url
    assert shows in frame.inner_text("body")


@NEEDS_CHROMIUM
def test_bench_extend_tab(run):
    """The tab is on because the manifest has ``extend``; its GET carries the bench's stray
    ``timeout=20000``, which the service ignores."""
    assert "extend" in run.answer("manifest")
    step = run.steps["extend"]
    assert "&timeout=20000" in step["url"]
    body = run.answer("extend")
    check_extend_response(body, step["extend"])
    assert body["rows"][BASE + "case/danjiang-bridge"] == {"year": [{"int": 2019}]}


# --- OpenRefine's web client, in the browser --------------------------------------------------


@NEEDS_CHROMIUM
def test_openrefine_registers_the_service_by_cors(run):
    check_manifest(run.answer("openrefine-manifest"))


@NEEDS_CHROMIUM
def test_openrefine_suggest_offers_more_and_gets_the_next_page(run):
    first = run.answer("openrefine-suggest")
    check_suggest(first, "entity")
    assert len(first["result"]) == 10 and first["cursor"] == 10
    more = run.answer("openrefine-suggest-more")
    check_suggest(more, "entity")
    assert more["result"] and not {s["id"] for s in more["result"]} & {s["id"] for s in first["result"]}


@NEEDS_CHROMIUM
def test_openrefine_proposes_properties_for_a_type_iri_sent_unencoded(run):
    """``?type=`` + the IRI as it is: the browser drops ``#IntegrityPlatform`` as a fragment, and
    the service still proposes the cases' properties."""
    step = run.steps["openrefine-propose-properties"]
    assert step["url"].endswith("?type=" + CASE)
    body = run.answer("openrefine-propose-properties")
    check_property_proposal(body)
    assert body["type"] == CASE.split("#")[0]
    assert [p["id"] for p in body["properties"]] == ["agency", "year", "amount"]


@NEEDS_CHROMIUM
def test_openrefine_view_link_with_an_unencoded_iri(run, server):
    page = run.page.context.new_page()
    try:
        response = page.goto(run.steps["openrefine-view-link"]["url"])
        assert response.ok and page.url == server.url + "/id/agency/aac"
    finally:
        page.close()


@NEEDS_CHROMIUM
def test_a_json_post_passes_the_browsers_preflight(run, server):
    """Not a 0.2 bench's request: a JSON body is not CORS-safelisted, so Chromium first sends
    OPTIONS; the answer reaches the page only if the service allowed it."""
    body = run.answer("json-post-preflighted")
    check_result_batch(body, {"q0": {}})
    assert len(run.preflights) == 1, run.preflights  # the clients' other requests are all CORS-safelisted
    preflight = run.preflights[0]
    assert preflight["url"] == server.url + "/reconcile" and preflight["method"] == "OPTIONS"
    assert 200 <= preflight["status"] < 300
    assert preflight["headers"]["access-control-allow-origin"] in ("*", run.page.url.rsplit("/", 1)[0])
    assert "POST" in preflight["headers"]["access-control-allow-methods"]
    assert "content-type" in preflight["headers"]["access-control-allow-headers"].lower()


# --- OpenRefine's server, over httpx ----------------------------------------------------------

OPENREFINE = {"User-Agent": "OpenRefine/3.9.0 [TRUNK]",
              "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"}


def _post(client: httpx.Client, url: str, field: str, value: dict) -> dict:
    """``HttpClient.postNameValue``: one form field, UTF-8, as OpenRefine's server sends it."""
    body = urlencode({field: json.dumps(value, ensure_ascii=False, separators=(",", ":"))})
    r = client.post(url, content=body.encode("ascii"), headers=OPENREFINE)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def _batches(queries: list[dict], rows: int, batch_size: int | None) -> list[dict]:
    """``ReconOperation``: each distinct query once, in batches of ``getBatchSize(rows)``, keyed q0, q1, ..."""
    size = min(max(rows // 10, 10), batch_size) if batch_size else 10
    distinct = list({json.dumps(q, sort_keys=True): q for q in queries}.values())
    return [{f"q{i}": q for i, q in enumerate(distinct[start:start + size])}
            for start in range(0, len(distinct), size)]


def _guess_types(client, endpoint: str, values: list[str]) -> list[str]:
    """``GuessTypesOfColumnCommand``: 10 distinct values, limit 3; types ranked by how many
    candidates carry them and how high."""
    samples = list(dict.fromkeys(values))[:10]
    body = _post(client, endpoint, "queries", {f"q{i}": {"query": v, "limit": 3} for i, v in enumerate(samples)})
    scores: dict[str, list[float]] = {}
    for value in body.values():
        for rank, c in enumerate(value["result"]):
            for t, kind in enumerate(c["type"]):
                scores.setdefault(kind["id"], []).append((1 / (1 + rank)) * (len(c["type"]) - t) / len(c["type"]))
    return sorted(scores, key=lambda k: (-min(10, len(scores[k])), -sum(scores[k]) / len(scores[k])))


def test_openrefine_reconciles_a_sheet_of_the_real_cases(server, real_release):
    """A sheet of the 32 cases with their agency and year: OpenRefine guesses each column's type,
    reconciles the agencies, then the cases with the agency (now reconciled: ``{"id", "name"}``) and
    the year (a number) as properties; every case is matched to itself at once."""
    names = json.loads((real_release / "reconcile.json").read_text(encoding="utf-8"))["entities"]
    agencies = {e["slug"]: e for e in names if e["type"] == "agency"}
    sheet = [{"case": e["name"], "agency": agencies[e["agencies"][0]]["name"], "year": e["year"], "id": e["id"]}
             for e in names if e["type"] == "case"]
    assert len(sheet) == 32
    endpoint = server.url + "/reconcile"
    with httpx.Client(timeout=60) as client:
        manifest = client.get(endpoint).json()  # the web client read it at registration
        assert _guess_types(client, endpoint, [r["agency"] for r in sheet])[0] == ORG
        assert _guess_types(client, endpoint, [r["case"] for r in sheet])[0] == CASE

        matched: dict[str, dict] = {}
        queries = [{"query": r["agency"], "type": ORG, "type_strict": "should"} for r in sheet]
        batches = _batches(queries, len(sheet), manifest.get("batchSize"))
        assert all(len(b) <= 10 for b in batches)  # 32 rows: batches of 10
        for batch in batches:
            body = _post(client, endpoint, "queries", batch)
            check_result_batch(body, batch)
            for key, q in batch.items():
                top = body[key]["result"][0]
                assert top["match"] is True, (q, body[key]["result"][:2])
                matched[q["query"]] = {"id": top["id"], "name": top["name"]}

        queries = [{"query": r["case"], "type": CASE, "type_strict": "should",
                    "properties": [{"pid": "agency", "v": matched[r["agency"]]}, {"pid": "year", "v": r["year"]}]}
                   for r in sheet]
        found = {}
        for batch in _batches(queries, len(sheet), manifest.get("batchSize")):
            body = _post(client, endpoint, "queries", batch)
            check_result_batch(body, batch)
            for key, q in batch.items():
                top = body[key]["result"][0]
                assert top["match"] is True and top["features"][1:] == [{"id": "agency", "value": True},
                                                                        {"id": "year", "value": True}], top
                found[q["query"]] = top["id"]
        assert found == {r["case"]: r["id"] for r in sheet}


def test_openrefine_adds_columns_from_reconciled_values(server, real_release):
    """``ExtendDataOperation``: the matched ids, 10 to a request, POSTed as the form field ``extend``;
    OpenRefine keeps the ``meta`` of the first answer as its columns."""
    names = json.loads((real_release / "reconcile.json").read_text(encoding="utf-8"))["entities"]
    cases = {e["id"]: e for e in names if e["type"] == "case"}
    ids = list(cases)
    properties = [{"id": "agency"}, {"id": "year"}, {"id": "amount"}]
    with httpx.Client(timeout=60) as client:
        for start in range(0, len(ids), 10):
            query = {"ids": ids[start:start + 10], "properties": properties}
            body = _post(client, server.url + "/reconcile", "extend", query)
            check_extend_response(body, query)
            for ident, row in body["rows"].items():
                case = cases[ident]
                assert [v["id"] for v in row["agency"]] == [BASE + "agency/" + a for a in case["agencies"]]
                assert row["year"] == [{"int": case["year"]}] and -2**31 <= case["year"] < 2**31
                assert row["amount"] == [{"float": float(case["amount"])}]


def test_get_with_queries_and_no_jsonp(server):
    """``GET ?queries=`` (the bench's link, and the specification's GET form) answers the batch;
    a ``callback=`` is not JSONP here: the answer stays JSON, never a script naming the callback."""
    q = {"q0": {"query": "淡江大橋"}}
    r = httpx.get(server.url + "/reconcile", params={"queries": json.dumps(q, ensure_ascii=False)})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    check_result_batch(r.json(), q)
    for params in ({"callback": "jQuery3700_1"}, {"queries": json.dumps(q), "callback": "alert"}):
        r = httpx.get(server.url + "/reconcile", params=params)
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        assert not r.text.startswith(params["callback"])
        r.json()


def test_view_takes_the_iri_as_openrefine_sends_it(server):
    """``encodeURI`` leaves ``:`` and ``/`` as they are: the IRI arrives unencoded in the query string."""
    r = httpx.get(server.url + "/reconcile/view?id=" + BASE + "case/danjiang-bridge", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == server.url + "/id/case/danjiang-bridge"
