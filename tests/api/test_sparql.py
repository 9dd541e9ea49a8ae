"""The SPARQL 1.1 Protocol endpoint in process: operations, formats, datasets, refusals, limits."""

from __future__ import annotations

import io
import time
from urllib.parse import quote

import pytest
import rdflib
from rdflib.query import Result

from .conftest import client_for, settings_for

VOCAB_G = "https://w3id.org/lianzheng/vocab"
NAMES = """PREFIX lz: <https://w3id.org/lianzheng/vocab#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?case ?name WHERE { ?case a lz:IntegrityPlatform ; skos:prefLabel ?name } ORDER BY ?case ?name"""
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
FORM = {"content-type": "application/x-www-form-urlencoded"}
DIRECT = {"content-type": "application/sparql-query"}


def error_of(r, status):
    assert r.status_code == status, r.text[:300]
    body = r.json()
    assert body["ok"] is False and body["status"] == status and body["error"]
    return body


def test_get_post_form_and_post_direct_give_the_same_answer(client):
    a = client.get("/sparql", params={"query": NAMES})
    b = client.post("/sparql", content=f"query={quote(NAMES)}", headers=FORM)
    c = client.post("/sparql", content=NAMES.encode(), headers=DIRECT)
    assert a.status_code == b.status_code == c.status_code == 200
    assert a.headers["content-type"] == "application/sparql-results+json"
    assert a.json() == b.json() == c.json()
    assert int(a.headers["x-result-count"]) == len(a.json()["results"]["bindings"]) > 40
    assert "Accept" in a.headers["vary"]
    langs = {b["name"]["xml:lang"] for b in a.json()["results"]["bindings"]}
    assert langs == {"zh-Hant", "en"}


@pytest.mark.parametrize("accept,rf", [("application/sparql-results+json", "json"),
                                       ("application/sparql-results+xml", "xml"), ("text/csv", "csv"),
                                       ("text/tab-separated-values", "tsv")])
def test_select_formats(client, accept, rf):
    r = client.get("/sparql", params={"query": NAMES}, headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    result = Result.parse(io.BytesIO(r.content), format=rf)
    assert [str(v) for v in result.vars] == ["case", "name"] and len(list(result)) > 40


@pytest.mark.parametrize("accept,rf", [("application/sparql-results+json", "json"),
                                       ("application/sparql-results+xml", "xml")])
def test_ask_formats(client, accept, rf):
    r = client.get("/sparql", params={"query": "ASK { ?s a <https://w3id.org/lianzheng/vocab#IntegrityPlatform> }"},
                   headers={"accept": accept})
    assert Result.parse(io.BytesIO(r.content), format=rf).askAnswer is True


@pytest.mark.parametrize("accept,rf", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                       ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_construct_and_describe_formats(client, accept, rf):
    construct = "CONSTRUCT { ?c ?p ?o } WHERE { ?c a <https://w3id.org/lianzheng/vocab#IntegrityPlatform> ; ?p ?o }"
    r = client.get("/sparql", params={"query": construct}, headers={"accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
    assert len(rdflib.Graph().parse(data=r.content, format=rf)) > 300
    d = client.get("/sparql", params={"query": "DESCRIBE <https://w3id.org/lianzheng/id/case/danjiang-bridge>"},
                   headers={"accept": accept})
    assert len(rdflib.Graph().parse(data=d.content, format=rf)) > 10


@pytest.mark.parametrize("query,accept", [(NAMES, "text/turtle"), ("ASK {}", "text/csv"),
                                          ("CONSTRUCT WHERE { ?s ?p ?o }", "application/sparql-results+json")])
def test_406_when_the_form_has_no_such_format(client, query, accept):
    body = error_of(client.get("/sparql", params={"query": query}, headers={"accept": accept}), 406)
    assert body["detail"]["available"]
    form = query.split()[0] if not query.startswith("PREFIX") else "SELECT"
    assert body["error"] == f"{'an' if form == 'ASK' else 'a'} {form} query cannot be answered in the format asked for"
    # the long query the worker checks says the same
    long = query + "\n#" + "x" * 1100
    assert error_of(client.get("/sparql", params={"query": long}, headers={"accept": accept}), 406)["error"] == \
        body["error"]


def test_protocol_errors(client):
    error_of(client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D"), 400)
    error_of(client.post("/sparql?query=ASK%20%7B%7D", content="query=ASK%20%7B%7D", headers=FORM), 400)
    error_of(client.get("/sparql?default-graph-uri=" + quote(VOCAB_G)), 400)  # a dataset but no query
    error_of(client.get("/sparql", params={"query": "  "}), 400)
    syntax = error_of(client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p"}), 400)
    assert "not valid SPARQL" in syntax["error"] and "1:" in syntax["detail"]
    error_of(client.post("/sparql", content=b"ASK {}"), 415)  # no media type
    error_of(client.post("/sparql", content=b"ASK {}", headers={"content-type": "text/plain"}), 415)
    error_of(client.post("/sparql", content="ASK {}".encode("utf-16"),
                         headers={"content-type": "application/sparql-query; charset=UTF-16"}), 400)
    error_of(client.post("/sparql", content=b"ASK { \xff }", headers=DIRECT), 400)
    error_of(client.put("/sparql", content=b"ASK {}", headers=DIRECT), 405)


def test_updates_are_refused(client):
    error_of(client.get("/sparql?update=CLEAR%20ALL"), 403)
    error_of(client.post("/sparql", content="update=CLEAR%20ALL", headers=FORM), 403)
    error_of(client.post("/sparql", content=b"CLEAR ALL", headers={"content-type": "application/sparql-update"}), 403)
    error_of(client.get("/sparql", params={"query": "INSERT DATA { <a:a> <a:b> <a:c> }"}), 403)
    after = client.get("/sparql", params={"query": "ASK { <a:a> <a:b> <a:c> }"}).json()
    assert after["boolean"] is False


def test_nothing_is_fetched(client):
    body = error_of(client.get("/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}),
                    400)
    assert "SERVICE" in body["error"]



@pytest.mark.parametrize("params,unknown", [
    ({"query": "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }"}, "<file:///etc/passwd>"),
    ({"query": "SELECT * FROM NAMED <http://example.org/g> { GRAPH ?g { ?s ?p ?o } }"}, "<http://example.org/g>"),
    ({"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": "file:///etc/passwd"}, "<file:///etc/passwd>"),
    ({"query": "SELECT * { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": "http://example.org/"},
     "<http://example.org/>"),
    ({"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": ["http://example.org/a", VOCAB_G]},
     "<http://example.org/a>"),
])
def test_a_graph_the_endpoint_does_not_hold_is_read_as_empty_and_named(client, params, unknown):
    """As other engines do (and six W3C protocol tests expect): an absent graph is empty, never
    fetched or read from disk; the answer says which graphs it took as empty."""
    r = client.get("/sparql", params=params)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["x-unknown-graphs"] == unknown
    rows = r.json()["results"]["bindings"]
    assert (rows == []) is (VOCAB_G not in str(params.get("default-graph-uri", "")))
    again = client.get("/sparql", params=params)  # from the cache: the header with it
    assert again.headers["x-cache"] == "hit" and again.headers["x-unknown-graphs"] == unknown
    assert "x-unknown-graphs" not in client.get("/sparql", params={"query": "ASK {}"}).headers


def test_datasets_name_graphs_the_store_holds(client):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = int(client.get("/sparql", params={"query": count}).json()["results"]["bindings"][0]["n"]["value"])
    vocab = int(client.get("/sparql", params={"query": count, "default-graph-uri": VOCAB_G}).json()
                ["results"]["bindings"][0]["n"]["value"])
    from_ = int(client.get("/sparql", params={"query": count.replace("WHERE", f"FROM <{VOCAB_G}> WHERE")}).json()
                ["results"]["bindings"][0]["n"]["value"])
    assert 0 < vocab == from_ < whole
    named = client.get("/sparql", params={"query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }",
                                          "named-graph-uri": VOCAB_G}).json()
    assert [b["g"]["value"] for b in named["results"]["bindings"]] == [VOCAB_G]


def test_service_description(client):
    r = client.get("/sparql", headers={"accept": "text/turtle"})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.content, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(g.subjects(rdflib.RDF.type, sd.Service))
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in g
    assert str(next(g.objects(service, sd.endpoint))).endswith("/sparql")
    assert (None, sd.name, rdflib.URIRef(VOCAB_G)) in g
    jsonld = client.get("/sparql", headers={"accept": "application/ld+json"})
    assert len(rdflib.Graph().parse(data=jsonld.content, format="json-ld")) == len(g)
    page = client.get("/sparql", headers={"accept": "text/html"})
    assert page.status_code == 200 and '<textarea id="query-text"' in page.text and 'id="truncated"' in page.text


def test_cors_is_open_for_reading(client):
    pre = client.options("/sparql", headers={"origin": "https://yasgui.example",
                                             "access-control-request-method": "POST",
                                             "access-control-request-headers": "content-type"})
    assert pre.status_code == 200 and pre.headers["access-control-allow-origin"] == "*"
    assert "POST" in pre.headers["access-control-allow-methods"]
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"origin": "https://yasgui.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "X-Result-Truncated" in r.headers["access-control-expose-headers"]


def test_query_length_is_bounded(client):
    from api.sparql.protocol import MAX_QUERY_CHARS

    long = "ASK {} #" + "x" * MAX_QUERY_CHARS
    error_of(client.post("/sparql", content=long.encode(), headers=DIRECT), 413)


# ------------------------------------------------------------ limits set small

@pytest.fixture(scope="module")
def limited(real_release, api_root):
    s = settings_for(api_root, max_results=5, max_body=2000, query_timeout=1.5, client_budget=3,
                     budget_window=3600, query_workers=1)
    with client_for(s, real_release) as c:
        yield c


def test_results_are_cut_and_say_so(limited):
    r = limited.get("/sparql", params={"query": NAMES})
    assert r.status_code == 200
    assert r.headers["x-result-truncated"] == "true" and r.headers["x-result-limit"] == "5"
    body = r.json()
    assert body["truncated"] is True and len(body["results"]["bindings"]) == 5
    csv_ = limited.get("/sparql", params={"query": NAMES}, headers={"accept": "text/csv"})
    assert csv_.headers["x-result-truncated"] == "true" and csv_.text.count("\r\n") == 6
    g = limited.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert g.headers["x-result-truncated"] == "true"
    assert len(rdflib.Graph().parse(data=g.content, format="turtle")) == 5
    small = limited.get("/sparql", params={"query": "ASK {}"})
    assert "x-result-truncated" not in small.headers


def test_bodies_are_bounded(limited):
    r = limited.post("/sparql", content=("query=" + "x" * 3000).encode(), headers=FORM)
    error_of(r, 413)

    def chunks():  # no Content-Length: read up to the limit, then refused
        for _ in range(10):
            yield b"x" * 500

    error_of(limited.post("/sparql", content=chunks(), headers=DIRECT), 413)


def test_a_long_query_is_stopped_with_503_and_the_next_one_runs(limited):
    pids = set(limited.app.state.store.pool.pids())
    started = time.monotonic()
    r = limited.get("/sparql", params={"query": CARTESIAN}, headers={"x-forwarded-for": "ignored"})
    took = time.monotonic() - started
    body = error_of(r, 503)
    assert "did not finish within 1.5 seconds" in body["error"]
    assert int(r.headers["retry-after"]) >= 1
    assert took < 1.5 + 5
    import os

    assert all(not os.path.exists(f"/proc/{pid}") for pid in pids)  # killed, reaped
    deadline = time.monotonic() + 30
    while limited.get("/-/health").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert limited.get("/sparql", params={"query": "ASK {}"}).status_code in (200, 429)


def test_a_client_that_spent_its_budget_gets_429(real_release, api_root):
    s = settings_for(api_root, client_budget=0.5, budget_window=3600, query_timeout=1, query_workers=1)
    with client_for(s, real_release) as c:
        first = c.get("/sparql", params={"query": CARTESIAN})
        assert first.status_code == 503  # charged the whole second
        r = c.get("/sparql", params={"query": "ASK {}"})
        body = error_of(r, 429)
        assert int(r.headers["retry-after"]) > 0 and body["detail"]["budget_seconds"] == 0.5
        assert c.get("/api/cases/anping-water-reclamation").status_code == 200  # REST is not budgeted


def test_answers_are_cached_per_query_dataset_and_format(client):
    query = NAMES.replace("ORDER BY", "# cache test\nORDER BY")
    first = client.get("/sparql", params={"query": query})
    again = client.get("/sparql", params={"query": query})
    assert "x-cache" not in first.headers and again.headers["x-cache"] == "hit"
    assert again.content == first.content and again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["x-result-count"] == first.headers["x-result-count"]
    other = client.get("/sparql", params={"query": query}, headers={"accept": "text/csv"})
    assert "x-cache" not in other.headers and other.headers["content-type"].startswith("text/csv")
    posted = client.post("/sparql", content=query.encode(), headers=DIRECT)
    assert posted.headers["x-cache"] == "hit" and posted.content == first.content  # same query, same answer
    dataset = client.get("/sparql", params={"query": query, "default-graph-uri": VOCAB_G})
    assert "x-cache" not in dataset.headers
    refused = {"query": "SELECT * { SERVICE <http://x/> { ?s ?p ?o } }"}
    assert client.get("/sparql", params=refused).status_code == 400
    assert client.get("/sparql", params=refused).status_code == 400  # refusals are not cached


def test_get_answers_the_same_through_the_route_as_before_it(client):
    """GET /sparql is answered before FastAPI's request handling (api.direct); with the store
    replaced through dependency_overrides it is the route's endpoint that answers."""
    from api.store.interface import get_store

    store = client.app.state.store
    fast = client.get("/sparql", params={"query": NAMES + " # before FastAPI's handling"})
    bad_fast = client.get("/sparql", params={"query": "SELECT * {", "x": "1"})
    client.app.dependency_overrides[get_store] = lambda: store
    try:
        routed = client.get("/sparql", params={"query": NAMES + " # through the route"})
        bad_routed = client.get("/sparql", params={"query": "SELECT * {", "x": "1"})
    finally:
        client.app.dependency_overrides.clear()
    assert fast.status_code == routed.status_code == 200 and fast.content == routed.content
    assert {k: v for k, v in fast.headers.items() if k != "content-length"} == \
        {k: v for k, v in routed.headers.items() if k != "content-length"}
    assert bad_fast.status_code == bad_routed.status_code == 400 and bad_fast.json() == bad_routed.json()


def test_a_get_looks_its_answer_up_once(client):
    cache = client.app.state.sparql.cache
    query = NAMES.replace("ORDER BY", "# looked up once\nORDER BY")
    hits, misses = cache.hits, cache.misses
    assert client.get("/sparql", params={"query": query}).status_code == 200
    assert (cache.hits, cache.misses) == (hits, misses + 1)
    assert client.get("/sparql", params={"query": query}).headers["x-cache"] == "hit"
    assert (cache.hits, cache.misses) == (hits + 1, misses + 1)


@pytest.mark.parametrize("scope", [
    {"scheme": "http", "server": ("127.0.0.1", 8765), "path": "/sparql", "headers": [(b"host", b"127.0.0.1:8765")]},
    {"scheme": "https", "server": ("::1", 443), "path": "/sparql", "headers": []},
    {"scheme": "http", "server": ("10.0.0.1", 80), "path": "/sp?ar#ql", "headers": [(b"host", b"bad host:xx")]},
    {"scheme": "http", "server": None, "path": "/sparql", "headers": [(b"host", b"example.org")]},
    {"scheme": "https", "server": ("10.0.0.1", 8443), "path": "/sparql", "headers": [(b"host", "例子.tw".encode())]},
])
def test_the_remembered_endpoint_url_is_the_one_starlette_reads(scope):
    """The base IRI of a GET's query comes from a small cache; it must be what Starlette's URL says."""
    from starlette.datastructures import URL, Headers

    from api.sparql.protocol import endpoint_url

    scope = dict(scope, query_string=b"query=ASK%7B%7D")
    server = scope["server"]
    got = endpoint_url(scope["scheme"], tuple(server) if server else None, scope["path"],
                       Headers(scope=scope).get("host"))
    assert got == str(URL(scope=scope).replace(query=None, fragment=None))


# ------------------------------------------------------------------ the query check, off the event loop

def _padded(query: str, size: int) -> str:
    """``query`` with a comment that makes it ``size`` characters long."""
    return query + "\n#" + "x" * (size - len(query) - 2)


@pytest.mark.parametrize("query, status", [
    (_padded("SELECT * WHERE { ?s ?p ?o } LIMIT 1", 90_000), 200),
    (_padded("INSERT DATA { <http://a> <http://b> <http://c> }", 90_000), 403),
    (_padded("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", 90_000), 400),
    (_padded("SELECT * FROM <http://elsewhere/> WHERE { ?s ?p ?o }", 90_000), 200),  # read as empty
    (_padded("SELECT * FROM <https://w3id.org/lianzheng/vocab> WHERE { ?s ?p ?o } LIMIT 1", 5_000), 200),
])
def test_a_long_query_is_checked_in_a_worker_not_in_the_service(client, monkeypatch, query, status):
    """The full check of a long query costs up to tenths of a second: the worker that runs the
    query runs it first (charged to the client, stopped at the deadline). Replaced here in the
    service's process by a check that fails, the answers stay what the real check decides."""
    import api.sparql.guard as guard

    def not_here(*args, **kwargs):
        raise AssertionError("the full query check ran in the service's process")

    monkeypatch.setattr(guard, "_every_reading", not_here)
    monkeypatch.setattr(guard, "inspect", not_here)
    r = client.post("/sparql", content=query.encode(), headers=DIRECT)
    assert r.status_code == status, r.text[:300]
    if "elsewhere" in query:  # the worker's check names it too
        assert r.headers["x-unknown-graphs"] == "<http://elsewhere/>" and r.json()["results"]["bindings"] == []
    if status == 200:
        assert r.headers["content-type"] == "application/sparql-results+json"
    else:
        error_of(r, status)


def test_a_long_query_negotiates_its_format_in_the_worker(client):
    query = _padded("ASK { ?s ?p ?o }", 4_000)
    r = client.post("/sparql", content=query.encode(), headers={**DIRECT, "accept": "application/sparql-results+xml"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/sparql-results+xml")
    bad = client.post("/sparql", content=query.encode(), headers={**DIRECT, "accept": "text/csv"})
    assert error_of(bad, 406)["detail"]["available"] and "Accept" in bad.headers["vary"]


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 2500 + "}" * 2500,  # overflowed the engine's stack: the worker crashed
    "SELECT * WHERE { FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }",
    "SELECT * WHERE { FILTER(" + "!" * 20_000 + "true) }",
    "SELECT * WHERE { ?s " + "(" * 400 + "<p>" + ")" * 400 + " ?o }",
])
def test_deep_nesting_is_refused_before_any_worker_crashes(client, query):
    before = client.get("/-/health").json()
    for body in (query.encode(), ("#" * 3000 + "\n" + query).encode()):  # checked here, and in a worker
        r = client.post("/sparql", content=body, headers=DIRECT)
        assert "nests" in error_of(r, 400)["error"] or "in a row" in r.json()["error"]
    after = client.get("/-/health").json()
    assert after["workers_crashed"] == before["workers_crashed"]


def test_long_chains_run_with_the_workers_deeper_stack(client):
    """5,000 BINDs overflowed a worker's 8 MiB stack; with 112 MiB they run."""
    query = "SELECT * {" + "".join(f"BIND({i} AS ?{i})" for i in range(5000)) + "}"
    before = client.get("/-/health").json()["workers_crashed"]
    r = client.post("/sparql", content=query.encode(), headers=DIRECT)
    assert r.status_code == 200, r.text[:300]
    assert len(r.json()["head"]["vars"]) == 5000
    assert client.get("/-/health").json()["workers_crashed"] == before


# ------------------------------------------------------------------ answers bounded in bytes

def doubled(times: int) -> str:
    """A short query whose every row holds a value doubled ``times`` times (12: the 1.2 KB query
    whose answer was 164 MB)."""
    return ("SELECT ?s ?x WHERE { ?s ?p ?o . BIND(STR(?o) AS ?a0) "
            + " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(times))
            + f" BIND(?a{times} AS ?x) }}")


DOUBLED = doubled(5)
BYTES = 40_000


@pytest.fixture(scope="module")
def small_answers(real_release, api_root):
    s = settings_for(api_root, max_answer_bytes=BYTES, query_workers=1)
    with client_for(s, real_release) as c:
        yield c


@pytest.mark.parametrize("accept, parse", [
    ("application/sparql-results+json", lambda b: len(__import__("json").loads(b)["results"]["bindings"])),
    ("application/sparql-results+xml", lambda b: b.count(b"<result>")),
    ("text/csv", lambda b: b.count(b"\r\n") - 1),
    ("text/tab-separated-values", lambda b: b.count(b"\n") - 1),
])
def test_a_huge_select_answer_is_cut_at_a_row_within_the_byte_limit(small_answers, accept, parse):
    r = small_answers.get("/sparql", params={"query": DOUBLED}, headers={"accept": accept})
    assert r.status_code == 200, r.text[:300]
    assert len(r.content) <= BYTES
    assert r.headers["x-result-truncated"] == "true" and r.headers["x-result-limit-bytes"] == str(BYTES)
    n = parse(r.content)
    assert 0 < n == int(r.headers["x-result-count"])
    if "json" in accept:
        body = r.json()
        assert body["truncated"] is True and body["limitBytes"] == BYTES
    if "xml" in accept:
        Result.parse(io.BytesIO(r.content), format="xml")  # still a whole document


@pytest.mark.parametrize("accept, fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                         ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_a_huge_graph_answer_is_cut_at_a_triple_within_the_byte_limit(small_answers, accept, fmt):
    query = DOUBLED.replace("SELECT ?s ?x WHERE", "CONSTRUCT { ?s <http://example.org/x> ?x } WHERE")
    r = small_answers.get("/sparql", params={"query": query}, headers={"accept": accept})
    assert r.status_code == 200, r.text[:300]
    assert len(r.content) <= BYTES and r.headers["x-result-truncated"] == "true"
    g = rdflib.Graph().parse(data=r.content, format=fmt)
    assert 0 < len(g) == int(r.headers["x-result-count"])


def test_an_answer_within_the_byte_limit_is_whole(small_answers, client):
    small = small_answers.get("/sparql", params={"query": NAMES})
    whole = client.get("/sparql", params={"query": NAMES})
    assert len(whole.content) < BYTES and small.content == whole.content
    assert "x-result-truncated" not in small.headers


def test_rows_each_larger_than_the_limit_give_an_empty_flagged_answer(small_answers):
    r = small_answers.get("/sparql", params={"query": doubled(14)})
    assert r.status_code == 200 and r.json()["results"]["bindings"] == [] and r.json()["truncated"] is True


def test_a_large_answer_is_sent_from_disk_and_leaves_nothing_there(client):
    from api.store.frames import SPOOL_BYTES

    spool = client.app.state.store.spool
    r = client.get("/sparql", params={"query": doubled(9)})
    assert r.status_code == 200 and len(r.content) > SPOOL_BYTES
    assert int(r.headers["content-length"]) == len(r.content)
    assert len(r.json()["results"]["bindings"]) == int(r.headers["x-result-count"])
    assert list(spool.folder.iterdir()) == [] and spool.outstanding == 0
    again = client.get("/sparql", params={"query": doubled(9)})
    assert again.content == r.content and "x-cache" not in again.headers  # too large to keep


def test_while_the_disk_holds_enough_answers_new_ones_are_held_to_a_megabyte(client, monkeypatch):
    from api.store.frames import SPOOL_BYTES

    monkeypatch.setattr(client.app.state.store.spool, "limit", 0)
    r = client.get("/sparql", params={"query": doubled(9) + " # while full"})
    assert r.status_code == 200 and len(r.content) <= SPOOL_BYTES and r.json()["truncated"] is True
