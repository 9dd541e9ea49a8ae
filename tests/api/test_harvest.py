"""The harvesting routes, in a small app around the router and, if it exists, in the service's app."""

from __future__ import annotations

import importlib.util
import json

import feedparser
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from api import harvest
from api.errors import install
from api.settings import load
from pipelines.catalogue.context import for_public_url

PUBLIC = "http://testserver"
BASE = "https://w3id.org/lianzheng"
DCAT = "http://www.w3.org/ns/dcat#"


def app_for(release, public=PUBLIC) -> TestClient:
    """A client of an app made of the harvesting router alone (enter it: its lifespan starts
    the reconciliation worker)."""
    app = FastAPI(lifespan=harvest.lifespan)
    install(app)
    app.include_router(harvest.router)
    harvest.attach(app, release, load(public_url=public))
    return TestClient(app)


@pytest.fixture(scope="module")
def client(real_release):
    with app_for(real_release) as c:
        yield c


@pytest.mark.parametrize("accept,media,fmt", [
    (None, "text/turtle", "turtle"),
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", "text/turtle", "turtle"),  # a browser
    ("application/rdf+xml;q=0.5, application/ld+json", "application/ld+json", "json-ld"),
])
def test_catalog_negotiates_its_format(client, real_release, accept, media, fmt):
    r = client.get("/catalog", headers={"accept": accept} if accept else {})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(media)
    assert "Accept" in r.headers["vary"]
    served = Graph().parse(data=r.content, format=fmt)
    built = Graph().parse(real_release / "catalog.ttl")
    assert len(served) == len(built)


def test_catalog_refuses_what_it_cannot_write(client):
    r = client.get("/catalog", headers={"accept": "image/png"})
    assert r.status_code == 406 and r.json()["ok"] is False
    assert client.get("/catalog.ttl").headers["content-type"].startswith("text/turtle")
    assert client.get("/catalog.rdf").headers["content-type"].startswith("application/rdf+xml")
    assert client.get("/catalog.xml").status_code == 404


def test_served_files_carry_the_public_url_and_keep_every_iri(client, real_release):
    """The one URL convention (pipelines/harvest.py): site URLs follow the server, IRIs never move."""
    served = Graph().parse(data=client.get("/catalog").content, format="turtle")
    urls = {str(o) for o in served.objects(None, URIRef(DCAT + "downloadURL"))}
    assert f"{PUBLIC}/downloads/data/cases.csv" in urls
    assert all(u.startswith(f"{PUBLIC}/downloads/") for u in urls)
    endpoints = {str(o) for o in served.objects(None, URIRef(DCAT + "endpointURL"))}
    assert endpoints == {f"{PUBLIC}/sparql", f"{PUBLIC}/api", f"{PUBLIC}/reconcile"}
    assert (URIRef(f"{BASE}/id/catalog/lianzheng"), None, None) in served
    built = Graph().parse(real_release / "catalog.ttl")
    rewritten = Graph().parse(data=for_public_url((real_release / "catalog.ttl").read_text(encoding="utf-8"),
                                                  BASE, PUBLIC), format="turtle")
    assert isomorphic(served, rewritten)
    assert len(served) == len(built)
    # the release's own file is untouched
    assert f"{BASE}/downloads/data/cases.csv" in (real_release / "catalog.ttl").read_text(encoding="utf-8")


def test_every_harvesting_route_answers_with_cors(client):
    for path, media in (("/catalog/datagovtw.json", "application/json"), ("/.well-known/void", "text/turtle"),
                        ("/feeds/changes.atom", "application/atom+xml"), ("/api/ocds", "application/json"),
                        ("/reconcile", "application/json")):
        r = client.get(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith(media), path
        assert r.headers["access-control-allow-origin"] == "*", path


def test_served_feed_ocds_and_portal_metadata_use_the_public_url(client):
    feed = feedparser.parse(client.get("/feeds/changes.atom").content)
    assert not feed.bozo
    assert any(link.href == f"{PUBLIC}/feeds/changes.atom" for link in feed.feed.links)
    ocds = client.get("/api/ocds").json()
    assert ocds["uri"] == f"{PUBLIC}/downloads/ocds.json"
    assert ocds["releases"][0]["parties"][0]["id"].startswith(f"{BASE}/id/agency/")
    portal = client.get("/catalog/datagovtw.json").json()
    assert all(u.startswith(f"{PUBLIC}/downloads/") for u in portal["資料集"]["資料下載網址"])
    void = Graph().parse(data=client.get("/.well-known/void").content, format="turtle")
    assert (None, URIRef("http://rdfs.org/ns/void#sparqlEndpoint"), URIRef(f"{PUBLIC}/sparql")) in void


def test_a_release_without_the_files_answers_404(tmp_path):
    (tmp_path / "release.json").write_text(json.dumps({"base": BASE}), encoding="utf-8")
    client = app_for(tmp_path)
    r = client.get("/catalog")
    assert r.status_code == 404 and r.json() == {"ok": False, "error": "this release has no catalog.ttl",
                                                 "status": 404}


@pytest.mark.skipif(importlib.util.find_spec("api.app") is None, reason="the service's api/app.py is not written yet")
def test_routes_work_in_the_services_app(real_release, tmp_path):
    from api.app import create_app

    settings = load(release=str(real_release), public_url=PUBLIC, releases=str(tmp_path / "releases"),
                    query_workers=1)
    app = create_app(settings, real_release)
    with TestClient(app) as c:
        assert c.get("/reconcile").json()["versions"] == ["0.2"]
        r = c.get("/catalog", headers={"accept": "application/ld+json"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
        assert f"{PUBLIC}/downloads/data/cases.csv" in r.text
        assert c.get("/.well-known/void").status_code == 200
        assert c.get("/feeds/changes.atom").status_code == 200
        assert c.get("/catalog/datagovtw.json").status_code == 200
        assert c.get("/api/ocds").json()["version"] == "1.1"
        body = c.post("/reconcile", data={"queries": json.dumps({"q": {"query": "淡江大橋"}})}).json()
        assert body["q"]["result"][0]["match"] is True
        r = c.options("/reconcile", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"})
        assert r.status_code in (200, 204) and r.headers["access-control-allow-origin"] in ("*", "https://x.example")
