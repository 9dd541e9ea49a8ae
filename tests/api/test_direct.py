"""Hot routes (api.direct): the lane gives a request to the route's own direct handler, and
everything the handler declines, or that is not a hot route, to FastAPI as usual."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api import errors
from api.direct import HotLane, add_first, answers_directly, send_bytes


@pytest.fixture(scope="module")
def client():
    calls: list[str] = []

    async def direct(scope, receive, send) -> bool:
        key = scope["path_params"]["key"]
        calls.append(key)
        if key == "boom":
            raise RuntimeError("a secret the client must not see")
        if key != "hit":
            return False
        await send_bytes(scope, send, b'{"from":"direct"}', b"application/json")
        return True

    @answers_directly(direct)
    async def item(key: str):
        return {"from": "endpoint", "key": key}

    app = FastAPI()
    errors.install(app)
    add_first(app.router, "/items/{key}", item, methods=["GET"], summary="One item")
    async def post_item(key: str):  # not marked: FastAPI's alone
        return {"from": "endpoint", "key": key}

    app.router.add_api_route("/items/{key}", post_item, methods=["POST"])
    app.add_middleware(HotLane, router=app.router)
    with TestClient(app) as c:
        c.calls = calls  # type: ignore[attr-defined]
        yield c


def test_a_hit_is_answered_by_the_direct_handler(client):
    r = client.get("/items/hit")
    assert r.status_code == 200 and r.json() == {"from": "direct"}
    assert client.head("/items/hit").status_code == 405  # HEAD is not among the route's methods


def test_a_declined_request_reaches_the_endpoint_once(client):
    before = len(client.calls)
    assert client.get("/items/miss").json() == {"from": "endpoint", "key": "miss"}
    assert client.calls[before:] == ["miss"]  # the lane asked once; the route did not ask again


def test_other_methods_and_paths_pass_by(client):
    before = len(client.calls)
    assert client.post("/items/hit").json() == {"from": "endpoint", "key": "hit"}
    assert client.get("/nothing").status_code == 404
    assert client.calls[before:] == []


def test_a_failing_handler_answers_500_in_the_one_error_body(client):
    r = client.get("/items/boom")
    assert r.status_code == 500 and r.json()["ok"] is False and r.json()["status"] == 500
    assert "secret" not in r.text


def test_the_hot_route_is_documented_and_matched_first(client):
    assert client.app.openapi()["paths"]["/items/{key}"]["get"]["summary"] == "One item"
    paths = [getattr(r, "path", "") for r in client.app.routes]
    assert paths[0] == "/items/{key}"
