"""data.gov.tw: the portal's fields, its quality checks, and the push to a stand-in of its API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from api.cli import main
from pipelines.catalogue.context import for_public_url
from pipelines.catalogue.datagovtw import BODY_FIELDS, KEY_ENV, RESOURCE_FIELDS, csv_header, quality_problems
from pipelines.tables.schema import TABLES

from .conftest import PORTAL

KEY = "test-key-0123456789"
PUBLIC = "https://opendata.example.org"
# the portal's own field names the issue lists, and the rest of what its dataset page shows
PORTAL_FIELDS = ("資料集名稱", "資料提供屬性", "服務分類", "品質檢測", "檔案格式", "資料下載網址", "編碼格式",
                 "資料集描述", "主要欄位說明", "提供機關", "更新頻率", "授權方式", "計費方式", "提供機關聯絡人",
                 "提供機關聯絡人電話", "提供機關聯絡人電子郵件", "上架日期", "詮釋資料更新時間")


class StandIn:
    """A local stand-in of the portal's dataset API that checks each request against the contract."""

    def __init__(self, status: int = 200, answer: dict | None = None):
        self.requests: list[dict] = []
        self.status, self.answer = status, answer or {"success": True, "result": {"identifier": "ok"}}
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stand_in.requests.append({"line": self.requestline, "method": self.command, "path": self.path,
                                          "headers": list(self.headers.items()), "body": body})
                data = json.dumps(stand_in.answer).encode()
                self.send_response(stand_in.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_PUT = do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in():
    s = StandIn()
    yield s
    s.close()


def check_contract(body: dict, folder) -> None:
    """The documented contract (pipelines/datagovtw.py: BODY_FIELDS, RESOURCE_FIELDS), field for field."""
    assert list(body) == list(BODY_FIELDS)
    for name in BODY_FIELDS:
        if name != "distribution":
            assert isinstance(body[name], list if name == "keyword" else str), name
    assert body["type"] == "rawData" and body["cost"] == "免費"
    for res in body["distribution"]:
        assert set(res) <= set(RESOURCE_FIELDS) and set(res) >= set(RESOURCE_FIELDS) - {"resourceField"}
        assert res["characterSetCode"] == "UTF-8"
        assert res["downloadURL"].startswith(f"{PUBLIC}/downloads/")
        path = res["downloadURL"][len(f"{PUBLIC}/downloads/"):]
        assert (folder / path).is_file()
        if res["format"] == "CSV":  # the quality check: 主要欄位說明 equals the CSV's header
            assert [f["name"] for f in res["resourceField"]] == csv_header(folder / path).split(",")


def test_metadata_has_the_portals_fields(release_pair):
    doc = json.loads((release_pair[1] / "datagovtw.json").read_text(encoding="utf-8"))
    portal = doc["資料集"]
    for name in PORTAL_FIELDS:
        assert portal[name] not in ("", None, [], {}), name
    assert portal["資料提供屬性"] == "原始資料"
    assert portal["編碼格式"] == "UTF-8"
    assert portal["計費方式"] == "免費"
    assert portal["授權方式"] == "政府資料開放授權條款－第1版"
    assert portal["更新頻率"] == "不定期更新"
    assert portal["詮釋資料更新時間"] == "2026-11-23 08:00:00"  # the release's time, in Taipei
    assert portal["品質檢測"] == {"linkable": "1", "downloadable": "1", "structure": "1", "encoding_match": "1",
                              "desc_match": "1", "csv": "1"}
    assert [u for u in portal["資料下載網址"] if u.endswith(".csv")] == \
        [f"https://w3id.org/lianzheng/downloads/{t.path}" for t in TABLES]


def test_field_descriptions_equal_each_csv_header(real_release):
    doc = json.loads((real_release / "datagovtw.json").read_text(encoding="utf-8"))
    for t in TABLES:
        header = (real_release / t.path).read_text(encoding="utf-8").split("\n", 1)[0]
        assert doc["資料集"]["主要欄位說明"][t.path] == header
    assert quality_problems(real_release) == []


def test_quality_check_catches_a_header_that_drifted(release_pair, tmp_path):
    import shutil

    folder = tmp_path / "r"
    shutil.copytree(release_pair[0], folder)
    path = folder / "data" / "laws.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"law_id", b"id", 1))
    problems = {(p.type, p.record) for p in quality_problems(folder)}
    assert ("field-description-mismatch", "X00000000A-000001-010") in problems
    assert ("encoding-mismatch", "X00000000A-000001-010") in problems


def test_push_sends_exactly_the_documented_payload(release_pair, stand_in, monkeypatch, capsys):
    folder = release_pair[1]
    monkeypatch.setenv(KEY_ENV, KEY)
    code = main(["push", str(folder), "--api", stand_in.url, "--public-url", PUBLIC])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert KEY not in out.out + out.err
    (req,) = stand_in.requests
    assert req["line"] == f"PUT /api/v1/rest/dataset/{PORTAL['identifier']} HTTP/1.1"
    headers = dict(req["headers"])
    assert headers["Authorization"] == KEY
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(req["body"].decode("utf-8"))
    check_contract(body, folder)
    doc = json.loads((folder / "datagovtw.json").read_text(encoding="utf-8"))
    expected = json.loads(for_public_url(json.dumps(doc["api"]["body"], ensure_ascii=False),
                                         "https://w3id.org/lianzheng", PUBLIC))
    assert body == expected
    for key in ("categoryCode", "identifier", "publisherOID", "publisherOrgCode", "publisherContactEmail"):
        assert body[key] == {"categoryCode": PORTAL["category_code"], "identifier": PORTAL["identifier"],
                             "publisherOID": PORTAL["publisher_oid"], "publisherOrgCode": PORTAL["publisher_org_code"],
                             "publisherContactEmail": PORTAL["contact_email"]}[key]


def test_dry_run_prints_the_exact_request_with_the_key_masked(release_pair, stand_in, monkeypatch, capsys):
    folder = release_pair[1]
    monkeypatch.setenv(KEY_ENV, KEY)
    assert main(["push", str(folder), "--api", stand_in.url, "--public-url", PUBLIC, "--create",
                 "--dataset-id", "X00000000A-000002", "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert stand_in.requests == []  # nothing was sent
    assert KEY not in printed and "Authorization: ***" in printed
    assert main(["push", str(folder), "--api", stand_in.url, "--public-url", PUBLIC, "--create",
                 "--dataset-id", "X00000000A-000002"]) == 0
    (req,) = stand_in.requests
    sent = "\r\n".join([req["line"]] + [f"{k}: {'***' if k == 'Authorization' else v}" for k, v in req["headers"]])
    sent += "\r\n\r\n" + req["body"].decode("utf-8")
    assert printed.rstrip("\n") == sent
    body = json.loads(req["body"])
    assert req["method"] == "POST" and req["path"] == "/api/v1/rest/dataset"
    assert body["identifier"] == "X00000000A-000002"
    assert body["distribution"][0]["resourceID"] == "X00000000A-000002-001"


def test_push_reports_a_refusal_and_never_shows_the_key(release_pair, monkeypatch, capsys):
    refusing = StandIn(401, {"success": False, "message": "invalid API key"})
    try:
        monkeypatch.setenv(KEY_ENV, KEY)
        code = main(["push", str(release_pair[1]), "--api", refusing.url, "--public-url", PUBLIC])
    finally:
        refusing.close()
    out = capsys.readouterr()
    assert code == 1
    assert "HTTP 401" in out.err and "invalid API key" in out.err
    assert KEY not in out.out + out.err


def test_push_refuses_without_a_key_or_the_portal_settings(real_release, release_pair, stand_in, monkeypatch,
                                                             capsys):
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert main(["push", str(release_pair[1]), "--api", stand_in.url, "--public-url", PUBLIC]) == 2
    monkeypatch.setenv(KEY_ENV, KEY)
    # the project's own records do not hold the agency's portal settings yet: nothing is guessed
    assert main(["push", str(real_release), "--api", stand_in.url, "--public-url", PUBLIC]) == 1
    err = capsys.readouterr().err
    assert "publisherOID" in err and "categoryCode" in err
    # a public URL is needed: download URLs must be the site's
    assert main(["push", str(release_pair[1]), "--api", stand_in.url]) == 1
    assert stand_in.requests == []


def test_push_cannot_reach_the_portal(release_pair, monkeypatch, capsys):
    monkeypatch.setenv(KEY_ENV, KEY)
    s = StandIn()
    url = s.url
    s.close()  # nothing listens there any more
    assert main(["push", str(release_pair[1]), "--api", url, "--public-url", PUBLIC]) == 2
    assert KEY not in capsys.readouterr().err


def test_push_to_a_url_with_no_host_is_refused_with_a_message_not_a_crash(release_pair, monkeypatch, capsys):
    monkeypatch.setenv(KEY_ENV, KEY)
    assert main(["push", str(release_pair[1]), "--api", "https://", "--public-url", PUBLIC]) == 2
    err = capsys.readouterr().err
    assert "not an http(s) URL with a host" in err and "could not run" not in err and KEY not in err
