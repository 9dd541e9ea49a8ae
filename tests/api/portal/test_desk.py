"""The submission desk in a browser (``/submissions``): sign-in for a session cookie, CSRF on every
form, the form's report rows, the reviewer's diff, accept and release; against a real
``lianzheng serve`` over a copy of the real records (tests/api/conftest.py's :class:`Writable`),
with httpx (test_browser_desk.py walks the whole path in Chromium on a phone).
"""

from __future__ import annotations

import io
import re
import sqlite3

import httpx
import openpyxl
import pytest

from pipelines.submissions import sheets

from ..conftest import Writable
from .conftest import AGENCY, CASE

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TITLE = "第 6 次聯繫會議 <script>alert(1)</script>"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def service(desk_service) -> Writable:
    return desk_service


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, html[:2000]
    return found[1]


def signed_in(service: Writable, name: str) -> httpx.Client:
    client = httpx.Client(base_url=service.url, timeout=120)
    form = client.get("/submissions")
    assert form.status_code == 200 and 'type="password"' in form.text
    r = client.post("/submissions/sign-in", data={"token": service.tokens[name], "csrf": csrf(form.text)})
    assert r.status_code == 303 and r.headers["location"] == "/submissions", r.text[:500]
    return client


def events(service: Writable, action: str) -> list[str]:
    with sqlite3.connect(service.database) as db:
        return [r[0] for r in db.execute("SELECT outcome FROM events WHERE action = ? ORDER BY id", (action,))]


def stored(service: Writable) -> int:
    with sqlite3.connect(service.database) as db:
        return db.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]


def test_a_token_is_exchanged_once_for_a_strict_http_only_session_cookie(service):
    with httpx.Client(base_url=service.url, timeout=60) as client:
        form = client.get("/submissions")
        assert form.headers["cache-control"] == "no-store"
        nonce = form.headers["set-cookie"]
        assert nonce.startswith("lz_sign_in=") and "HttpOnly" in nonce and "SameSite=strict" in nonce
        assert "Path=/submissions" in nonce and "Secure" not in nonce  # plain HTTP on loopback
        r = client.post("/submissions/sign-in", data={"token": service.tokens["submitter"], "csrf": csrf(form.text)})
        assert r.status_code == 303
        cookie = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("lz_session=")][0]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/submissions" in cookie
        value = client.cookies["lz_session"]
        listing = client.get("/submissions")
        assert listing.status_code == 200 and AGENCY in listing.text and "lzt_" not in listing.text
    raw = service.database.read_bytes() + service.database.with_name("submissions.sqlite3-wal").read_bytes()
    assert value.encode() not in raw and service.tokens["submitter"].encode() not in raw  # hashes only

    # behind the HTTPS proxy (a trusted one: X-Forwarded-Proto), the cookies are Secure too
    https = {"X-Forwarded-Proto": "https", "Origin": f"https://127.0.0.1:{service.server.port}"}
    with httpx.Client(base_url=service.url, timeout=60, headers=https) as client:
        form = client.get("/submissions")
        assert "Secure" in form.headers["set-cookie"]
        r = client.post("/submissions/sign-in", data={"token": service.tokens["submitter"], "csrf": csrf(form.text)},
                        cookies={"lz_sign_in": form.cookies["lz_sign_in"]})
        assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


def test_sign_in_refuses_a_wrong_token_and_a_form_from_elsewhere(service):
    with httpx.Client(base_url=service.url, timeout=60) as client:
        form = client.get("/submissions")
        r = client.post("/submissions/sign-in", data={"token": service.tokens["submitter"][:-3] + "abc",
                                                       "csrf": csrf(form.text)})
        assert r.status_code == 401 and "lz_session" not in client.cookies
        assert "無法登入" in r.text and 'type="password"' in r.text
        # a form posted from another site carries no double-submit cookie (SameSite=Strict)
        fresh = httpx.post(service.url + "/submissions/sign-in", data={"token": service.tokens["submitter"],
                                                                       "csrf": csrf(form.text)})
        assert fresh.status_code == 403 and "lz_session" not in fresh.headers.get("set-cookie", "")
        form = client.get("/submissions")
        r = client.post("/submissions/sign-in", headers={"Origin": "https://evil.example"},
                        data={"token": service.tokens["submitter"], "csrf": csrf(form.text)})
        assert r.status_code == 403 and "lz_session" not in client.cookies
    assert "unknown token" in events(service, "sign-in")
    assert events(service, "sign-in").count("refused: cross-site form") >= 2


def test_every_form_needs_the_session_its_csrf_value_and_this_origin(service):
    client = signed_in(service, "submitter")
    page = client.get("/submissions/new")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    token = csrf(page.text)
    filled = {"case": CASE, "a_type": "liaison-meeting", "a_date": "2026-10-02", "a_title_zh": "會議"}
    before = stored(service)
    assert client.post("/submissions/new", data=filled).status_code == 403  # no CSRF value
    assert client.post("/submissions/new", data=filled | {"csrf": token[:-2] + "00"}).status_code == 403
    assert client.post("/submissions/new", data=filled | {"csrf": token},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/submissions/new", content=b"{}", headers={"Content-Type": "application/json"}
                       ).status_code == 415
    anonymous = httpx.post(service.url + "/submissions/new", data=filled | {"csrf": token})
    assert anonymous.status_code == 401 and anonymous.headers["content-type"].startswith("text/html")
    assert stored(service) == before  # nothing of these was stored
    assert "refused: cross-site form" in events(service, "submit") and "no session" in events(service, "submit")


def test_a_wrong_row_is_reported_in_both_languages_with_the_form_kept(service):
    client = signed_in(service, "submitter")
    token = csrf(client.get("/submissions/new").text)
    before = stored(service)
    bad = {"csrf": token, "case": CASE, "a_type": "liaison-meeting", "a_date": "2026-13-02", "a_title_zh": TITLE,
           "q_year": "2026", "q_quarter": "5", "q_indicator": "meetings-held", "q_value": "2", "q_unit": "count",
           "q_summary_zh": "本季召開聯繫會議兩次。"}
    r = client.post("/submissions/new", data=bad)
    assert r.status_code == 422 and stored(service) == before
    assert "檢查未通過" in r.text and "2026-13-02" in r.text and "每季陳報" in r.text  # the row names its section
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;" in r.text  # the kept value, escaped
    en = client.post("/submissions/new?lang=en", data=bad)
    assert en.status_code == 422 and "The checks failed" in en.text and "Quarterly report" in en.text
    empty = client.post("/submissions/new", data={"csrf": token, "case": CASE})
    assert empty.status_code == 422 and "沒有填寫任何區塊" in empty.text


def test_a_submitter_cannot_submit_for_or_read_another_agencys_case(service):
    client = signed_in(service, "other")
    token = csrf(client.get("/submissions/new").text)
    r = client.post("/submissions/new", data={"csrf": token, "case": CASE, "a_type": "liaison-meeting",
                                              "a_date": "2026-10-02", "a_title_zh": "會議"})
    assert r.status_code == 403 and "只能提交本機關" in r.text
    mine = signed_in(service, "submitter")
    token = csrf(mine.get("/submissions/new").text)
    r = mine.post("/submissions/new", data={"csrf": token, "case": CASE, "d_category": "progress",
                                            "d_title_zh": "工程進度報告", "d_title_en": "Progress report",
                                            "d_url": "https://www.wra.gov.tw/"})
    assert r.status_code == 303, r.text[r.text.find("role=\"alert\""):][:2000]
    sid = int(r.headers["location"].rsplit("/", 1)[1])
    assert client.get(f"/submissions/{sid}").status_code == 403
    assert f"#{sid}" not in client.get("/submissions").text
    # nor may a submitter decide
    page = mine.get(f"/submissions/{sid}")
    assert page.status_code == 200 and 'value="accept"' not in page.text
    r = mine.post(f"/submissions/{sid}/decision", data={"csrf": csrf(page.text), "decision": "accept",
                                                        "reason": "ok"})
    assert r.status_code == 403
    assert mine.get("/submissions/release").status_code in (404, 405)  # not a submission's number


def test_sign_out_and_a_revoked_token_end_the_session(service):
    client = signed_in(service, "doomed")
    value = client.cookies["lz_session"]
    page = client.get("/submissions")
    assert 'type="password"' not in page.text
    assert service.cli("tokens", "revoke", service.tokens["doomed"].split("_")[1], *service.paths).returncode == 0
    again = httpx.get(service.url + "/submissions", cookies={"lz_session": value})
    assert 'type="password"' in again.text  # signed out by the revocation
    client = signed_in(service, "submitter")
    value = client.cookies["lz_session"]
    r = client.post("/submissions/sign-out", data={"csrf": csrf(client.get("/submissions").text)})
    assert r.status_code == 303
    replay = httpx.get(service.url + "/submissions/new", cookies={"lz_session": value})
    assert replay.status_code == 303 and replay.headers["location"] == "/submissions"


def test_a_filled_template_is_sent_from_the_page_and_its_wrong_row_named_by_cell(service):
    client = signed_in(service, "submitter")
    page = client.get("/submissions/new")
    assert 'enctype="multipart/form-data"' in page.text and 'href="/submissions/template"' in page.text
    got = client.get("/submissions/template")
    assert got.status_code == 200 and got.headers["content-type"] == sheets.XLSX
    assert got.headers["cache-control"] == "no-store" and "attachment" in got.headers["content-disposition"]
    assert httpx.get(service.url + "/submissions/template").status_code == 303  # signed out: to the sign-in
    wb = openpyxl.load_workbook(io.BytesIO(got.content))
    activity = next(name for name in wb.sheetnames if name.endswith(" activity"))
    wb[activity].append(["2026-10-20", None, "liason-meeting", None, "第 8 次聯繫會議", "Eighth liaison meeting"])
    out = io.BytesIO()
    wb.save(out)
    before = stored(service)
    token = csrf(page.text)
    r = client.post("/submissions/sheet", data={"csrf": token, "case": CASE},
                    files={"file": ("filled.xlsx", out.getvalue(), sheets.XLSX)})
    assert r.status_code == 422 and stored(service) == before
    assert f"工作表 {activity} 第 2 列, 欄 C" in r.text and "liaison-meeting" in r.text
    wb[activity]["C2"] = "liaison-meeting"
    out = io.BytesIO()
    wb.save(out)
    r = client.post("/submissions/sheet", data={"csrf": token, "case": CASE},
                    files={"file": ("filled.xlsx", out.getvalue(), sheets.XLSX)})
    assert r.status_code == 303 and stored(service) == before + 1
    # a file that is not a template, or a form without its CSRF value, is refused and not stored
    r = client.post("/submissions/sheet", data={"csrf": token, "case": CASE},
                    files={"file": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")})
    assert r.status_code == 415 and "請選擇填妥之範本檔" in r.text
    r = client.post("/submissions/sheet", data={"csrf": token, "case": CASE},
                    files={"file": ("filled.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, sheets.XLSX)})
    assert r.status_code == 415
    r = client.post("/submissions/sheet", data={"case": CASE},
                    files={"file": ("filled.xlsx", out.getvalue(), sheets.XLSX)})
    assert r.status_code == 403 and stored(service) == before + 1
