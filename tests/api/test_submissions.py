"""An agency submits, the AAC reviews and releases, and the new facts are served: the whole path
over HTTP against a real ``lianzheng serve`` on a copy of the real records.

Tokens are made with the real command (``lianzheng tokens create``); the release step runs in
the service's child process (``POST /api/releases``), and the running service switches to the
new release by itself (its release log changed).
"""

from __future__ import annotations

import sqlite3
import time

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from pipelines.read.reader import read_dataset

from .conftest import Writable

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CASE = "bitan-weir"  # New Taipei's Water Resources Department's platform
AGENCY = "new-taipei-water-resources"
OTHER_CASE = "danjiang-bridge"  # the Directorate General of Highways'
TITLE = "第 5 次聯繫會議 <b>工程進度</b>"  # the markup is text, and stays so

GOOD = {"case": CASE, "changes": [
    {"kind": "activity", "record": {"type": "liaison-meeting", "date": "2026-10-02",
                                    "title": {"zh": TITLE, "en": "Fifth liaison meeting"},
                                    "participants": [{"role": "procuring-agency", "agency": AGENCY}]}},
    {"kind": "field", "field": "status", "value": "ended",
     "reason": {"zh": "工程完工，平臺於 2026 年 11 月結束。",
                "en": "The works are done; the platform ended in November 2026."}},
    {"kind": "quarterly-report", "year": 2026, "quarter": 3,
     "figures": [{"indicator": "meetings-held", "value": 2, "unit": "count"}],
     "summary": {"zh": "本季召開聯繫會議兩次。", "en": "Two liaison meetings this quarter."}},
]}


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    service = Writable(tmp_path_factory.mktemp("submissions"), {
        "submitter": (AGENCY, "submitter"), "reviewer": ("aac", "reviewer"),
        "other": ("thb-western-coastal-north", "submitter")})
    try:
        yield service.server, service.tokens, service.source, service.root
    finally:
        service.stop()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_submission_without_a_valid_token_is_refused_and_logged(desk):
    server, tokens, _, root = desk
    r = httpx.post(server.url + "/api/submissions", json=GOOD)
    assert r.status_code == 401 and r.json()["ok"] is False and r.headers["www-authenticate"].startswith("Bearer")
    r = httpx.post(server.url + "/api/submissions", json=GOOD, headers=auth(tokens["submitter"][:-2] + "xx"))
    assert r.status_code == 401 and "unknown token" in r.json()["error"]
    with sqlite3.connect(root / "submissions.sqlite3") as db:
        refused = db.execute("SELECT outcome FROM events WHERE action = 'POST /api/submissions'").fetchall()
    assert ("no token",) in refused and ("unknown token",) in refused


def test_a_wrong_row_gets_the_report_and_nothing_is_stored(desk):
    server, tokens, _, _ = desk
    bad = {"case": CASE, "changes": [{"kind": "activity", "record": {
        "type": "liason-meeting", "date": "2026-13-02", "title": {"zh": "會議", "en": "Meeting"}}}]}
    r = httpx.post(server.url + "/api/submissions", json=bad, headers=auth(tokens["submitter"]), timeout=60)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["ok"] is False and body["status"] == 422
    rows = body["detail"]["report"]
    by_field = {row["field"]: row for row in rows}
    assert by_field["type"]["change"] == 0 and "liaison-meeting" in by_field["type"]["fix_en"]
    assert "2026-13-02" in by_field["date"]["message_zh"] and by_field["date"]["message_en"]
    listed = httpx.get(server.url + "/api/submissions", headers=auth(tokens["submitter"])).json()
    assert listed["submissions"] == []


def test_a_submitter_cannot_touch_another_agencys_case(desk):
    server, tokens, _, _ = desk
    other = dict(GOOD, case=OTHER_CASE, changes=GOOD["changes"][:1])
    r = httpx.post(server.url + "/api/submissions", json=other, headers=auth(tokens["submitter"]), timeout=60)
    assert r.status_code == 403 and r.json()["ok"] is False
    r = httpx.post(server.url + "/api/submissions", json=GOOD, headers=auth(tokens["other"]), timeout=60)
    assert r.status_code == 403


def test_submit_review_release_and_the_facts_are_served(desk):
    server, tokens, source, root = desk
    r = httpx.post(server.url + "/api/submissions", json=GOOD, headers=auth(tokens["submitter"]), timeout=60)
    assert r.status_code == 202, r.text
    sid = r.json()["id"]
    assert r.headers["location"] == f"/api/submissions/{sid}"
    mine = httpx.get(server.url + f"/api/submissions/{sid}", headers=auth(tokens["submitter"])).json()
    assert mine["state"] == "pending" and mine["content"]["case"] == CASE
    assert httpx.get(server.url + f"/api/submissions/{sid}", headers=auth(tokens["other"])).status_code == 403

    # the submitter may not review
    r = httpx.post(server.url + f"/api/submissions/{sid}/decision", json={"decision": "accept", "reason": "ok"},
                   headers=auth(tokens["submitter"]))
    assert r.status_code == 403

    diff = httpx.get(server.url + f"/api/submissions/{sid}/diff", headers=auth(tokens["reviewer"]), timeout=60).json()
    tables = {t["table"]: t for t in diff["tables"]}
    assert diff["applies"] is True
    assert [a["title_zh"] for a in tables["activities"]["added"]] == [TITLE]
    [status] = [f for c in tables["cases"]["changed"] for f in c["fields"] if f["field"] == "status"]
    assert (status["before"], status["after"]) == ("operating", "ended")
    assert tables["observations"]["added"][0]["indicator"] == "meetings-held"

    r = httpx.post(server.url + f"/api/submissions/{sid}/decision",
                   json={"decision": "accept", "reason": "與政風室確認無誤 Checked with the ethics unit"},
                   headers=auth(tokens["reviewer"]), timeout=60)
    assert r.status_code == 200 and r.json()["state"] == "accepted"
    r = httpx.post(server.url + f"/api/submissions/{sid}/decision", json={"decision": "reject", "reason": "x"},
                   headers=auth(tokens["reviewer"]))
    assert r.status_code == 409  # decided already

    r = httpx.post(server.url + "/api/releases", headers=auth(tokens["reviewer"]), timeout=900)
    assert r.status_code == 200, r.text
    version = r.json()["version"]
    assert version == "1.2.0" and r.json()["released"] == [sid]

    deadline = time.monotonic() + 60
    while httpx.get(server.url + "/-/health").json().get("release") != version:
        assert time.monotonic() < deadline, "the service did not switch to the new release"
        time.sleep(0.3)

    # the records are the one truth: the YAML now says it, and cites the submission
    ds = read_dataset(source)
    assert ds.cases[CASE].status == "ended"
    added = [a for a in ds.activities if a.case == CASE and a.date.iso == "2026-10-02"]
    assert [a.title.zh for a in added] == [TITLE]
    assert added[0].cited[0].source == f"submissions/{sid}"
    assert ds.sources["submissions"].kind == "submission"
    assert any(n.type == "correction" and n.field == "status" for n in ds.notes if n.case == CASE)

    # REST, the case page (escaped), SPARQL, the feed, the log, the case's history
    detail = httpx.get(server.url + f"/api/cases/{CASE}").json()
    assert detail["status"] == "ended"
    assert TITLE in [a["title"]["zh"] for a in detail["activities"]]
    page = httpx.get(server.url + f"/cases/{CASE}").text
    assert "第 5 次聯繫會議 &lt;b&gt;工程進度&lt;/b&gt;" in page and "<b>工程進度</b>" not in page
    sparql = SPARQLWrapper(server.url + "/sparql")
    title = TITLE.replace('"', '\\"')
    sparql.setQuery("ASK { ?a <http://purl.org/dc/terms/date> ?d ; "
                    f'<http://purl.org/dc/terms/title> "{title}"@zh-hant }}')
    sparql.setReturnFormat(JSON)
    assert sparql.query().convert()["boolean"] is True
    feed = httpx.get(server.url + "/feeds/changes.atom").text
    assert CASE in feed and version in feed
    logged = httpx.get(server.url + "/releases/?format=json").json()
    assert logged["current"] == version and f"#{sid}" in logged["entries"][0]["reason"]
    history = httpx.get(server.url + f"/api/cases/{CASE}/history").json()
    assert any(h["version"] == version and f"#{sid}" in h["reason"] for h in history["history"])

    done = httpx.get(server.url + f"/api/submissions/{sid}", headers=auth(tokens["submitter"])).json()
    assert done["state"] == "released" and done["release"] == version
    assert [d["state"] for d in done["decisions"]] == ["accepted", "folded", "released"]
