"""End to end: ``lianzheng serve`` on a loopback port, spoken to by real clients.

SPARQLWrapper for the protocol, rdflib for every RDF answer (including its own
content-negotiated fetch), httpx for negotiation, caching and ranges. The safety
tests check behaviour, with generous bounds only where waiting is the point.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import rdflib
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, TSV, TURTLE, XML, SPARQLWrapper

from .conftest import Server

pytestmark = pytest.mark.e2e

CASE = "anping-water-reclamation"
CASE_IRI = f"https://w3id.org/lianzheng/id/case/{CASE}"
NAMES = """PREFIX lz: <https://w3id.org/lianzheng/vocab#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?case ?name WHERE {
  ?case a lz:IntegrityPlatform ; skos:prefLabel ?name FILTER(langMatches(lang(?name), "zh-Hant"))
}
ORDER BY ?case"""
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def wrapper(server, query, fmt, method=None):
    w = SPARQLWrapper(server.url + "/sparql")
    w.setQuery(query)
    w.setReturnFormat(fmt)
    if method:
        w.setMethod(method)
    return w.query()


# ------------------------------------------------------------------ SPARQL with SPARQLWrapper

@pytest.mark.parametrize("method", [None, POST])
def test_sparqlwrapper_select_in_every_results_format(server, method):
    rows = wrapper(server, NAMES, JSON, method).convert()["results"]["bindings"]
    assert len(rows) == 32 and all(r["name"]["xml:lang"] == "zh-Hant" for r in rows)
    xml = wrapper(server, NAMES, XML, method).convert()
    assert len(xml.getElementsByTagName("result")) == 32
    csv_ = wrapper(server, NAMES, CSV, method).convert().decode()
    assert csv_.splitlines()[0] == "case,name" and len(csv_.splitlines()) == 33
    tsv = wrapper(server, NAMES, TSV, method).convert().decode()
    assert tsv.splitlines()[0] == "?case\t?name" and '"@zh-Hant' in tsv


def test_sparqlwrapper_ask_construct_describe(server):
    assert wrapper(server, f"ASK {{ <{CASE_IRI}> ?p ?o }}", JSON).convert()["boolean"] is True
    construct = f"CONSTRUCT {{ <{CASE_IRI}> ?p ?o }} WHERE {{ <{CASE_IRI}> ?p ?o }}"
    for fmt in (TURTLE, N3, XML, JSONLD):
        g = wrapper(server, construct, fmt).convert()
        g = g if isinstance(g, rdflib.Graph) else rdflib.Graph().parse(data=g, format="turtle")
        assert len(g) > 20, fmt
    described = wrapper(server, f"DESCRIBE <{CASE_IRI}>", TURTLE).convert()
    g = rdflib.Graph().parse(data=described, format="turtle")
    assert (rdflib.URIRef(CASE_IRI), None, None) in g


def test_sparqlwrapper_sees_refusals_as_errors(server):
    from urllib.error import HTTPError

    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    with pytest.raises(QueryBadFormed):
        wrapper(server, "SELECT * WHERE { ?s ?p", JSON).convert()
    w = SPARQLWrapper(server.url + "/sparql", updateEndpoint=server.url + "/sparql")
    w.setMethod(POST)
    w.setQuery("INSERT DATA { <a:a> <a:b> <a:c> }")  # SPARQLWrapper sends it as an update
    with pytest.raises(HTTPError) as caught:
        w.query()
    assert caught.value.code == 403
    assert wrapper(server, "ASK { <a:a> <a:b> <a:c> }", JSON).convert()["boolean"] is False


# ------------------------------------------------------------------ linked data with rdflib and httpx

def test_rdflib_dereferences_an_iri_by_itself(server):
    g = rdflib.Graph()
    g.parse(f"{server.url}/id/case/{CASE}")  # rdflib sends its own Accept and picks the parser
    platform = rdflib.URIRef("https://w3id.org/lianzheng/vocab#IntegrityPlatform")
    assert (rdflib.URIRef(CASE_IRI), rdflib.RDF.type, platform) in g


@pytest.mark.parametrize("fmt", ["nt", "turtle", "json-ld", "xml"])
def test_rdflib_parses_every_iri_with_the_format_named(server, fmt):
    """rdflib sends an Accept of its own for each format (for N-Triples the RDF 1.0 type,
    ``text/plain, */*;q=0.1``); every kind of IRI answers in a form that format parses."""
    for path in (f"/id/case/{CASE}", "/id/agency/aac", "/vocab", "/vocab/risk-category", "/shapes"):
        g = rdflib.Graph().parse(server.url + path, format=fmt)
        assert len(g) > 5, (path, fmt)
    platform = rdflib.URIRef("https://w3id.org/lianzheng/vocab#IntegrityPlatform")
    assert (rdflib.URIRef(CASE_IRI), rdflib.RDF.type, platform) in \
        rdflib.Graph().parse(f"{server.url}/id/case/{CASE}", format=fmt)


def test_pyld_expands_every_kind_of_iri_by_itself(server):
    """pyld fetches the IRI with its own Accept and follows Link headers; it failed on the
    several alternates a JSON-LD answer used to list."""
    from pyld import jsonld

    for path in (f"/id/case/{CASE}", "/id/agency/aac", "/vocab", "/vocab/risk-category", "/shapes"):
        expanded = jsonld.expand(server.url + path)
        assert expanded and all("@id" in node for node in expanded), path
    case = {node["@id"]: node for node in jsonld.expand(f"{server.url}/id/case/{CASE}")}[CASE_IRI]
    assert "https://w3id.org/lianzheng/vocab#IntegrityPlatform" in case["@type"]
    turtle = httpx.get(f"{server.url}/id/case/{CASE}", headers={"accept": "text/turtle"})
    assert f'</id/case/{CASE}.jsonld>; rel="alternate"; type="application/ld+json"' in turtle.headers["link"]
    assert ".ttl>" not in turtle.headers["link"]  # the others, not itself


@pytest.mark.parametrize("media,fmt", [("text/turtle", "turtle"), ("application/ld+json", "json-ld"),
                                       ("application/n-triples", "nt"), ("application/rdf+xml", "xml")])
def test_every_rdf_answer_parses(server, media, fmt):
    for path in (f"/id/case/{CASE}", "/id/agency/aac", "/vocab", "/vocab/risk-category", "/shapes"):
        r = httpx.get(server.url + path, headers={"accept": media})
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), path
        assert r.headers["vary"].startswith("Accept")
        assert len(rdflib.Graph().parse(data=r.content, format=fmt)) > 5, path
    sd = httpx.get(server.url + "/sparql", headers={"accept": media})
    assert len(rdflib.Graph().parse(data=sd.content, format=fmt)) > 5


def test_negotiation_over_http(server):
    browser = httpx.get(f"{server.url}/id/case/{CASE}",
                        headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.headers["content-type"] == "text/html; charset=utf-8"
    assert browser.headers["content-location"] == f"/id/case/{CASE}.html"
    r = httpx.get(f"{server.url}/id/case/{CASE}", headers={"accept": "application/pdf"})
    assert r.status_code == 406 and r.json()["status"] == 406
    twin = httpx.get(f"{server.url}/id/case/{CASE}.nt")
    assert twin.headers["content-type"] == "application/n-triples"
    head = httpx.head(f"{server.url}/id/case/{CASE}", headers={"accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b""


def test_downloads_cache_and_ranges_over_http(server, real_release):
    url = server.url + "/downloads/lianzheng.ttl"
    first = httpx.get(url, headers={"accept-encoding": "identity"})
    assert first.content == (real_release / "lianzheng.ttl").read_bytes()
    assert httpx.get(url, headers={"if-none-match": first.headers["etag"]}).status_code == 304
    assert httpx.get(url, headers={"if-modified-since": first.headers["last-modified"]}).status_code == 304
    part = httpx.get(url, headers={"range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == first.content[100:200]
    assert httpx.get(url, headers={"range": "bytes=99999999-"}).status_code == 416
    zipped = httpx.get(url, headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == first.content


def test_rest_over_http(server):
    r = httpx.get(server.url + "/api/cases", params={"q": "台南", "per_page": 2})
    assert r.status_code == 200 and r.json()["total"] >= 2 and "next" in r.links
    assert httpx.get(server.url + "/api/cases/none").status_code == 404
    assert httpx.get(server.url + "/api/cases?per_page=1000").status_code == 422


# ------------------------------------------------------------------ safety

def test_a_query_that_would_run_for_hours_is_stopped_and_nothing_waits_for_it(server):
    before = server.children()
    assert len(before) >= 2, "expected the query workers as children of the server"
    result = {}

    def long_query():
        started = time.monotonic()
        result["response"] = httpx.get(server.url + "/sparql", params={"query": CARTESIAN}, timeout=60)
        result["took"] = time.monotonic() - started

    thread = threading.Thread(target=long_query)
    thread.start()
    time.sleep(0.5)  # the query is running in a worker now
    answered_meanwhile = 0
    while thread.is_alive() and answered_meanwhile < 5:
        t = time.monotonic()
        health = httpx.get(server.url + "/-/health", timeout=10)
        rest = httpx.get(f"{server.url}/api/cases/{CASE}", timeout=10)
        quick = time.monotonic() - t
        if thread.is_alive():  # both answered while the query was still running
            assert health.status_code == 200 and rest.status_code == 200
            assert quick < 1.0, f"health and REST took {quick:.2f} s while a query ran"
            answered_meanwhile += 1
        time.sleep(0.1)
    thread.join(timeout=30)
    assert answered_meanwhile >= 3, "the service should answer while a query runs"
    r = result["response"]
    assert r.status_code == 503 and r.json()["ok"] is False and int(r.headers["retry-after"]) >= 1
    assert 2 <= result["took"] < 2 + 5  # the 2 s limit, plus slack
    killed = before - server.children()
    assert len(killed) == 1, "exactly the busy worker was killed"
    pid = killed.pop()
    assert not os.path.exists(f"/proc/{pid}"), "the killed worker still exists"
    deadline = time.monotonic() + 30
    while len(server.children()) < len(before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(server.children()) == len(before)  # a new worker took its place
    assert httpx.get(server.url + "/sparql", params={"query": "ASK {}"}).json()["boolean"] is True


def test_service_to_a_local_socket_is_refused_and_never_connects(server):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    seen = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                seen.append(conn.recv(200))
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        for query in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                      f"SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
                      f"SELECT * {{ ?s ?p ?o FILTER(?s<?x)SERVICE#>\n<http://127.0.0.1:{port}/>{{}} }}",
                      f"LOAD <http://127.0.0.1:{port}/data.ttl>"):
            r = httpx.post(server.url + "/sparql", content=query.encode(),
                           headers={"content-type": "application/sparql-query"})
            assert r.status_code in (400, 403) and r.json()["ok"] is False, query
        graph = f"http://127.0.0.1:{port}/graph"  # a graph it does not hold: read as empty, never fetched
        for params in ({"query": f"SELECT * FROM <{graph}> {{ ?s ?p ?o }}"},
                       {"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": graph},
                       {"query": "SELECT * { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": graph}):
            r = httpx.get(server.url + "/sparql", params=params)
            assert r.status_code == 200 and r.json()["results"]["bindings"] == [], params
            assert r.headers["x-unknown-graphs"] == f"<{graph}>"
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert seen == [], "the server connected to the local socket"


def test_no_file_is_read_through_a_query(server):
    for params in ({"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"},
                   {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": "file:///etc/passwd"},
                   {"query": "SELECT * FROM NAMED <file:///etc/hostname> WHERE { GRAPH ?g { ?s ?p ?o } }"}):
        r = httpx.get(server.url + "/sparql", params=params)
        assert r.status_code == 200 and r.json()["results"]["bindings"] == [] and "root:" not in r.text
        assert r.headers["x-unknown-graphs"].startswith("<file:///etc/")


def test_large_bodies_are_refused(server):
    body = b"query=" + b"x" * 1_100_000  # above the default max_body of 1 MB
    r = httpx.post(server.url + "/sparql", content=body,
                   headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and r.json()["status"] == 413


def test_results_are_cut_and_flagged(server):
    r = httpx.get(server.url + "/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert r.headers["x-result-truncated"] == "true" and r.json()["truncated"] is True
    assert len(r.json()["results"]["bindings"]) == 50
    g = httpx.get(server.url + "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                  headers={"accept": "application/n-triples"})
    assert g.headers["x-result-truncated"] == "true" and len(g.text.splitlines()) == 50


def test_a_client_over_its_budget_gets_429(real_release, api_root):
    s = Server(real_release, api_root, client_budget=1, budget_window=3600, query_timeout=1.5,
               query_workers=1)
    try:
        s.wait_ready()
        first = httpx.get(s.url + "/sparql", params={"query": CARTESIAN}, timeout=30)
        assert first.status_code == 503
        r = httpx.get(s.url + "/sparql", params={"query": "ASK {}"})
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0 and r.json()["status"] == 429
        assert httpx.get(s.url + "/-/health").status_code == 200
        assert httpx.get(s.url + f"/api/cases/{CASE}").status_code == 200
    finally:
        s.stop()


def test_serve_builds_a_release_when_there_is_none(tmp_path):
    """The README's first command on a fresh machine: no release yet, so serve builds one."""
    from ..conftest import MINIMAL

    s = Server(None, tmp_path, source=MINIMAL)
    try:
        s.wait_ready(timeout=180)
        latest = tmp_path / "releases" / "latest"
        assert (latest / "release.json").exists()
        health = httpx.get(s.url + "/-/health").json()
        assert health["ok"] and health["release"] == json.loads((latest / "release.json").read_text())["version"]
        files = httpx.get(s.url + "/downloads/").json()["files"]
        assert any(f["path"] == "lianzheng.ttl" for f in files)
        assert httpx.get(s.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
        assert "serving release" in s.log.read_text()
    finally:
        s.stop()


def test_workers_die_with_a_killed_server(real_release, api_root):
    """A worker running a hostile query kept burning CPU after the server was killed with
    SIGKILL; the kernel now ends the workers with it (PR_SET_PDEATHSIG)."""
    import signal

    s = Server(real_release, api_root, query_timeout=60, query_workers=2)
    try:
        s.wait_ready()
        workers = s.children()
        assert len(workers) == 3  # two query workers and the reconciliation worker
        cut_off = []

        def query():
            try:
                httpx.get(s.url + "/sparql", params={"query": CARTESIAN}, timeout=60)
            except httpx.RemoteProtocolError as exc:  # the server is killed under it
                cut_off.append(exc)

        busy = threading.Thread(target=query, daemon=True)
        busy.start()
        time.sleep(1)  # the query runs in a worker now
        os.kill(s.proc.pid, signal.SIGKILL)
        s.proc.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(os.path.exists(f"/proc/{pid}") for pid in workers):
            time.sleep(0.1)
        left = [pid for pid in workers if os.path.exists(f"/proc/{pid}")
                and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")]
        assert not left, f"workers {left} outlived the killed server"
        busy.join(10)
        assert cut_off, "the query's client was not cut off by the killed server"
    finally:
        s.stop()


def test_a_query_that_crashes_its_worker_is_charged_and_counted(real_release, api_root):
    """Past the query check (which refuses the nesting that overflowed the parser), a query can
    still end its worker: here by needing more memory than a worker may have. The crash is
    counted in /-/health and charged to the client as a whole timeout, so a crash loop spends
    its budget in a few tries while others are served."""
    s = Server(real_release, api_root, query_timeout=20, client_budget=30, budget_window=3600, query_workers=2)
    hungry = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
    try:
        s.wait_ready()
        nested = "SELECT * WHERE " + "{" * 23_000 + "}" * 23_000  # 46 KB: crashed a worker in 50 ms
        r = httpx.post(s.url + "/sparql", content=nested.encode(), headers={"content-type": "application/sparql-query"})
        assert r.status_code == 400 and "nests" in r.json()["error"]
        r = httpx.get(s.url + "/sparql", params={"query": hungry}, timeout=60)
        assert r.status_code == 503 and r.json()["ok"] is False, r.text
        health = httpx.get(s.url + "/-/health").json()
        assert health["workers_crashed"] == 1 and health["seconds_since_crash"] is not None
        again = httpx.get(s.url + "/sparql", params={"query": hungry}, timeout=60)
        assert again.status_code in (429, 503)
        assert httpx.get(s.url + "/sparql", params={"query": "ASK {}"}).status_code == 429  # 2 x 20 s > 30 s
        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        assert other.get(s.url + "/sparql", params={"query": "ASK {}"}).json()["boolean"] is True
    finally:
        s.stop()
