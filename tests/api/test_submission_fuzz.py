"""Fuzzing the write side (hypothesis): no submission, decision, sheet or query makes a server error.

Against a real ``lianzheng serve`` taking submissions (tests/api/conftest.py's :class:`Writable`,
its per-token rate raised so that 429 hides nothing), with valid tokens: documents that are any
JSON, documents shaped like the submission format with random kinds, fields, values and text
(huge numbers, deep nesting, control characters, markup), decisions of any shape, bodies of any
bytes under any content type, and listings with any query. Every answer is below 500, and every
refusal is the one error body. Derandomized, so a failure repeats.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.submissions.changes import FIELDS, KINDS

from .conftest import Writable

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CASE, AGENCY = "bitan-weir", "new-taipei-water-resources"
RUNS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))

text = st.text(st.characters(codec="utf-8"), max_size=40) | st.sampled_from(
    ["", "2026-10-02", "2026-13-40", "<script>alert(1)</script>", "liaison-meeting", "\u202e", "x" * 30_000])
scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | text
json_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(text, inner, max_size=4), max_leaves=20)
record_keys = st.sampled_from(["id", "type", "date", "title", "category", "url", "participants", "description",
                               "cited", "agencies", "authority", "name", "table_number", "status"])
record = st.dictionaries(record_keys, json_value | st.fixed_dictionaries({"zh": text, "en": text}), max_size=6)
change = st.fixed_dictionaries({"kind": st.sampled_from(KINDS) | text}, optional={
    "record": record, "field": st.sampled_from(FIELDS) | text, "value": json_value,
    "reason": json_value | st.fixed_dictionaries({"zh": text}), "year": json_value | st.integers(1990, 2110),
    "quarter": st.integers(-1, 6) | json_value, "figures": st.lists(st.dictionaries(
        st.sampled_from(["indicator", "value", "unit"]), json_value, max_size=3), max_size=3),
    "summary": json_value, "origin": json_value})
shaped = st.fixed_dictionaries({"case": st.sampled_from([CASE, "danjiang-bridge", "no-such-case"]) | text},
                               optional={"changes": st.lists(change, max_size=4), "extra": json_value})


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    s = Writable(tmp_path_factory.mktemp("fuzz"), {"submitter": (AGENCY, "submitter"),
                                                    "reviewer": ("aac", "reviewer")}, submit_rate=1_000_000)
    try:
        yield s
    finally:
        s.stop()


def checked(r: httpx.Response) -> None:
    assert r.status_code < 500, (r.status_code, r.request.url, r.text[:500])
    if r.status_code >= 400:
        body = r.json()
        assert body["ok"] is False and body["status"] == r.status_code and body["error"], body


def test_no_submission_makes_a_server_error(service):
    headers = {"Authorization": f"Bearer {service.tokens['submitter']}"}
    with httpx.Client(base_url=service.url, timeout=120, headers=headers) as client:

        @RUNS
        @given(doc=shaped | json_value)
        def run(doc):
            checked(client.post("/api/submissions", content=json.dumps(doc, allow_nan=True),
                                headers={"Content-Type": "application/json"}))

        run()


def test_no_body_or_content_type_makes_a_server_error(service):
    headers = {"Authorization": f"Bearer {service.tokens['submitter']}"}
    types = st.sampled_from(["application/json", "text/csv", "text/csv; charset=big5", "application/xml", "",
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             "multipart/form-data; boundary=x", "application/json; charset=latin-1"])
    with httpx.Client(base_url=service.url, timeout=120, headers=headers) as client:

        @RUNS
        @given(body=st.binary(max_size=2000) | text.map(lambda t: t.encode("utf-8")), kind=types,
               case=st.sampled_from([CASE, "", "../../etc", "x" * 100]))
        def run(body, kind, case):
            checked(client.post("/api/submissions", params={"case": case}, content=body,
                                headers={"Content-Type": kind}))

        run()


def test_no_decision_or_listing_makes_a_server_error(service):
    submitter = {"Authorization": f"Bearer {service.tokens['submitter']}"}
    reviewer = {"Authorization": f"Bearer {service.tokens['reviewer']}"}
    good = {"case": CASE, "changes": [{"kind": "activity", "record": {
        "type": "liaison-meeting", "date": "2026-10-02", "title": {"zh": "會議", "en": "Meeting"}}}]}
    with httpx.Client(base_url=service.url, timeout=120) as client:
        made = client.post("/api/submissions", json=good, headers=submitter)
        assert made.status_code == 202, made.text
        sid = made.json()["id"]

        @RUNS
        @given(body=json_value | st.fixed_dictionaries({"decision": st.sampled_from(["accept", "reject"]) | text,
                                                        "reason": json_value | text}),
               target=st.sampled_from([sid, 0, -1, 10**12]) | st.integers(), query=st.dictionaries(
                   st.sampled_from(["state", "limit", "offset", "release", "lang"]), text, max_size=3))
        def run(body, target, query):
            checked(client.post(f"/api/submissions/{target}/decision", content=json.dumps(body, allow_nan=True),
                                headers=reviewer | {"Content-Type": "application/json"}))
            checked(client.get("/api/submissions", params=query, headers=submitter))
            checked(client.get(f"/api/submissions/{target}/diff", headers=submitter))

        run()
