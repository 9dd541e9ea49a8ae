"""An agency downloads the template, fills it and submits it, over HTTP against a real
``lianzheng serve`` on a copy of the real records: a right sheet is accepted (202), a wrong row
is reported by its sheet, row and column (422), and bytes that are not the type they were sent
as are refused (415)."""

from __future__ import annotations

import io

import httpx
import openpyxl
import pytest

from pipelines.submissions import sheets

from .conftest import Writable

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CASE = "bitan-weir"
AGENCY = "new-taipei-water-resources"
ACTIVITY = "活動 activity"
MEETING = ["2026-10-02", None, "liaison-meeting", 5, "第 5 次聯繫會議", "Fifth liaison meeting"]


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    service = Writable(tmp_path_factory.mktemp("sheets"), {"submitter": (AGENCY, "submitter")})
    try:
        yield service.server, service.tokens["submitter"]
    finally:
        service.stop()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def template(desk) -> openpyxl.Workbook:
    server, token = desk
    r = httpx.get(server.url + "/api/submissions/template", headers=auth(token), timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == sheets.XLSX
    assert r.headers["content-disposition"].startswith("attachment;")
    return openpyxl.load_workbook(io.BytesIO(r.content))


def post(desk, body: bytes, media_type: str, case: str = CASE) -> httpx.Response:
    server, token = desk
    return httpx.post(server.url + "/api/submissions", params={"case": case}, content=body,
                      headers={**auth(token), "Content-Type": media_type}, timeout=60)


def saved(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_template_needs_a_token_and_comes_as_xlsx_or_csv(desk):
    server, token = desk
    assert httpx.get(server.url + "/api/submissions/template").status_code == 401
    wb = template(desk)
    assert wb.sheetnames[0] == sheets.GUIDE and ACTIVITY in wb.sheetnames
    r = httpx.get(server.url + "/api/submissions/template", params={"format": "csv", "sheet": "document"},
                  headers=auth(token))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert 'filename="lianzheng-document.csv"' in r.headers["content-disposition"]
    assert r.content.decode("utf-8-sig").startswith("文件類別 category,")
    r = httpx.get(server.url + "/api/submissions/template", params={"format": "pdf"}, headers=auth(token))
    assert r.status_code == 422


def test_a_filled_template_is_accepted_and_keeps_where_each_change_came_from(desk):
    server, token = desk
    wb = template(desk)
    wb[ACTIVITY].append(MEETING)
    wb["季報 quarterly-report"].append([2026, 3, "meetings-held", 2, "count", None, "本季召開聯繫會議兩次。", "Two."])
    r = post(desk, saved(wb), sheets.XLSX)
    assert r.status_code == 202, r.text
    sid = r.json()["id"]
    mine = httpx.get(server.url + f"/api/submissions/{sid}", headers=auth(token)).json()
    assert mine["state"] == "pending" and mine["content"]["case"] == CASE
    assert [(c["kind"], c["origin"]["sheet"], c["origin"]["row"]) for c in mine["content"]["changes"]] == [
        ("activity", ACTIVITY, 2), ("quarterly-report", "季報 quarterly-report", 2)]


def test_a_big5_csv_is_accepted(desk):
    server, token = desk
    head = httpx.get(server.url + "/api/submissions/template", params={"format": "csv", "sheet": "activity"},
                     headers=auth(token)).content.decode("utf-8-sig")
    body = (head + "2026-10-09,,briefing,,碧潭堰說明會,Briefing on the Bitan weir\r\n").encode("cp950")
    r = post(desk, body, "text/csv; charset=big5")
    assert r.status_code == 202, r.text
    content = httpx.get(server.url + r.headers["location"], headers=auth(token)).json()["content"]
    assert content["changes"][0]["record"]["title"]["zh"] == "碧潭堰說明會"


def test_a_wrong_row_is_reported_by_sheet_row_and_column_and_nothing_is_stored(desk):
    server, token = desk
    before = httpx.get(server.url + "/api/submissions", headers=auth(token)).json()["submissions"]
    wb = template(desk)
    wb[ACTIVITY].append(MEETING)
    wb[ACTIVITY].append(["2026-10-03", None, "liason-meeting", None, "會議"])
    r = post(desk, saved(wb), sheets.XLSX)
    assert r.status_code == 422, r.text
    rows = r.json()["detail"]["report"]
    cells = {(row["sheet"], row["row"], row["column"], row["field"]) for row in rows if row["severity"] == "error"}
    assert cells == {(ACTIVITY, 3, "C", "type"), (ACTIVITY, 3, "F", "title.en")}
    assert all(row["message_zh"] and row["message_en"] for row in rows)
    assert httpx.get(server.url + "/api/submissions", headers=auth(token)).json()["submissions"] == before


def test_a_formula_is_reported_by_its_cell(desk):
    wb = template(desk)
    wb[ACTIVITY].append(MEETING)
    wb[ACTIVITY]["A2"] = "=TODAY()"
    r = post(desk, saved(wb), sheets.XLSX)
    assert r.status_code == 422
    [row] = r.json()["detail"]["report"]
    assert (row["type"], row["sheet"], row["row"], row["column"]) == ("sheet:formula", ACTIVITY, 2, "A")


def test_bytes_that_are_not_the_type_they_were_sent_as_get_415(desk):
    png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 64
    r = post(desk, png, sheets.XLSX)
    assert r.status_code == 415 and r.json()["ok"] is False
    assert r.json()["detail"]["report"][0]["type"] == "sheet:not-xlsx"
    wb = template(desk)
    wb[ACTIVITY].append(MEETING)
    assert post(desk, saved(wb), "text/csv").status_code == 415
    assert post(desk, png, "image/png").status_code == 415
