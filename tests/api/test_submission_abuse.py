"""The write side against abuse, on a real server: an oversized body (413), a token past its rate
(429 with Retry-After), every kind of bad credential (401, each logged with its reason), and a
token's value in no byte of the database, the server's log or an answer."""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from .conftest import Writable

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AGENCY = "new-taipei-water-resources"
RATE = 5


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    s = Writable(tmp_path_factory.mktemp("abuse"), {"submitter": (AGENCY, "submitter"),
                                                     "revoked": (AGENCY, "submitter"),
                                                     "limited": (AGENCY, "submitter")},
                 submit_rate=RATE, max_body=20_000)
    try:
        yield s
    finally:
        s.stop()


def outcomes(service: Writable) -> list[str]:
    with sqlite3.connect(service.database) as db:
        return [r[0] for r in db.execute("SELECT outcome FROM events ORDER BY id")]


def test_an_oversized_body_is_413_in_the_one_error_body(service):
    r = httpx.post(service.url + "/api/submissions", content=b"{" + b" " * 30_000 + b"}",
                   headers={"Authorization": f"Bearer {service.tokens['submitter']}",
                            "Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["ok"] is False and r.json()["status"] == 413


def test_every_bad_credential_is_401_and_logged_with_its_reason(service):
    token = service.tokens["revoked"]
    assert service.cli("tokens", "revoke", token, *service.paths).returncode == 0
    cases = {"no token": {}, "malformed token": {"Authorization": "Bearer lzt_nonsense"},
             "unknown token": {"Authorization": f"Bearer {service.tokens['submitter'][:-4]}AAAA"},
             "revoked token": {"Authorization": f"Bearer {token}"}}
    for why, headers in {**cases, "basic": {"Authorization": f"Basic {token}"}}.items():
        r = httpx.get(service.url + "/api/submissions", headers=headers)
        assert r.status_code == 401, why
        assert r.json()["ok"] is False and r.headers["www-authenticate"] == 'Bearer realm="lianzheng"', why
    logged = outcomes(service)
    assert all(why in logged for why in cases), logged


def test_a_token_past_its_rate_gets_429_with_retry_after(service):
    headers = {"Authorization": f"Bearer {service.tokens['limited']}"}
    codes = [httpx.get(service.url + "/api/submissions", headers=headers).status_code for _ in range(RATE + 2)]
    assert codes[:RATE] == [200] * RATE and codes[-1] == 429, codes
    r = httpx.get(service.url + "/api/submissions", headers=headers)
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0 and r.json()["detail"]["zh"]
    assert "rate limited" in outcomes(service)
    # another token of the same agency is not limited by this one
    assert httpx.get(service.url + "/api/submissions",
                     headers={"Authorization": f"Bearer {service.tokens['submitter']}"}).status_code == 200


def test_no_token_is_in_the_database_the_log_or_an_answer(service):
    r = httpx.get(service.url + "/api/submissions", headers={"Authorization": f"Bearer {service.tokens['submitter']}"})
    assert service.tokens["submitter"] not in r.text
    files = [service.database, service.database.with_name(service.database.name + "-wal"), service.server.log]
    seen = b"".join(f.read_bytes() for f in files if f.exists())
    for token in service.tokens.values():
        secret = token.rsplit("_", 1)[1]
        assert token.encode() not in seen and secret.encode() not in seen
