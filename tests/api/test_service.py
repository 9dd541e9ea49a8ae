"""Service pages, the one error body, the store behind a dependency, and the OpenAPI document."""

from __future__ import annotations

import json

import pytest

from api.store.interface import get_store


def test_health_says_what_is_served(client, real_release):
    r = client.get("/-/health")
    assert r.status_code == 200
    body = r.json()
    manifest = json.loads((real_release / "release.json").read_text())
    assert body["ok"] is True and body["release"] == manifest["version"]
    assert body["triples"] >= manifest["triples"]
    assert body["workers_alive"] == body["workers"] >= 1


def test_version_names_release_build_time_and_libraries(client, real_release):
    body = client.get("/-/version").json()
    manifest = json.loads((real_release / "release.json").read_text())
    assert body["release"] == manifest["version"] and body["created"] == manifest["created"]
    assert body["package"] and body["libraries"]["pyoxigraph"] and body["libraries"]["fastapi"]


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/no/such/page", 404), ("DELETE", "/api/cases", 405), ("POST", "/api/cases/x", 405),
    ("GET", "/api/cases/none", 404), ("GET", "/api/cases?per_page=0", 422), ("PUT", "/sparql", 405),
    ("GET", "/id/case/none", 404), ("GET", "/downloads/none", 404), ("PATCH", "/-/health", 405),
])
def test_one_error_body_everywhere(client, method, path, status):
    r = client.request(method, path)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) <= {"ok", "error", "status", "detail"}
    assert body["ok"] is False and body["status"] == status and isinstance(body["error"], str)
    assert "Traceback" not in r.text and "Exception" not in r.text


def test_the_store_can_be_replaced_through_its_dependency(client):
    class Fake:
        triples, graphs = 7, {}

        def health(self):
            return {"store": "fake", "triples": 7, "workers": 1, "workers_alive": 1, "workers_starting": 0,
                    "workers_idle": 1, "workers_network_isolated": False, "workers_memory_limited": False,
                    "workers_killed": 0}

        def describe(self, iri, **kw):
            return []

    client.app.dependency_overrides[get_store] = lambda: Fake()
    try:
        assert client.get("/-/health").json()["triples"] == 7
        assert client.get("/id/case/danjiang-bridge", headers={"accept": "text/turtle"}).status_code == 404
    finally:
        client.app.dependency_overrides.clear()
    assert client.get("/id/case/danjiang-bridge", headers={"accept": "text/turtle"}).status_code == 200


def test_health_is_503_when_no_worker_is_alive(client):
    class Dead:
        triples, graphs = 0, {}

        def health(self):
            return {"workers": 2, "workers_alive": 0, "workers_starting": 0}

    client.app.dependency_overrides[get_store] = lambda: Dead()
    try:
        r = client.get("/-/health")
    finally:
        client.app.dependency_overrides.clear()
    assert r.status_code == 503 and r.json()["ok"] is False and r.headers["retry-after"]


def test_openapi_documents_every_route_of_the_service(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [("/api/cases", "get"), ("/api/cases/{case_id}", "get"), ("/api/agencies", "get"),
                         ("/api/agencies/{agency_id}", "get"), ("/sparql", "get"), ("/sparql", "post"),
                         ("/id/{kind}/{slug}", "get"), ("/vocab", "get"), ("/vocab/{rest}", "get"),
                         ("/shapes", "get"), ("/downloads/", "get"), ("/downloads/{name}", "get"),
                         ("/-/health", "get"), ("/-/version", "get")]:
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not in the OpenAPI document"
        assert paths[path][method].get("summary"), path
    post = paths["/sparql"]["post"]["requestBody"]["content"]
    assert {"application/x-www-form-urlencoded", "application/sparql-query"} <= set(post)
    ids = [op["operationId"] for p in paths.values() for op in p.values() if "operationId" in op]
    assert len(ids) == len(set(ids))
