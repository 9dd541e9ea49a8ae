"""The release history the service tells: /releases/, the log at stable URLs, a case's history,
TimeMaps. On a log of two releases from two sources (a case changed, one added, one removed)
and a rollback (tests/two_releases.py), served in process with the log's shelf and, for the
log's files, by a real server read with httpx."""

from __future__ import annotations

import base64
import datetime
import email.utils
import json
import re

import httpx
import pytest

from api.history import LINK_FORMAT
from pipelines.log import merkle
from pipelines.log.note import Checkpoint, Verifier, open_note
from tests.two_releases import TIMES

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(scope="module")
def client(two_releases, tmp_path_factory):
    """The app over 0.0.2 with the shelf of the whole log (the dispatch layer routes the paths
    tested here to the release in service's app; in process, this app is that one)."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.shelf import Shelf

    from .conftest import settings_for

    app = create_app(settings_for(tmp_path_factory.mktemp("history-app")), two_releases.second,
                     Shelf(two_releases.releases))
    with TestClient(app) as c:
        yield c


def log_dir(two_releases):
    return two_releases.releases / "log"


# ------------------------------------------------------------------ /releases/

def test_releases_lists_every_entry_newest_first_as_json(client, two_releases):
    for r in (client.get("/releases/", headers={"accept": "application/json"}), client.get("/releases/?format=json")):
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        data = r.json()
        assert [e["index"] for e in data["entries"]] == [2, 1, 0]
        rollback, second, first = data["entries"]
        assert data["current"] == "0.0.1" and rollback["current"] and not second["current"]
        assert rollback["kind"] == "rollback" and rollback["returns_to"] == {
            "index": 0, "version": "0.0.1", "entry": "/log/entries/0"}
        assert rollback["reason"] == "退回 rolled back" and rollback["after"] == "0.0.2"
        assert second["changes"] == {"added": 1, "changed": 1, "removed": 1}
        assert first["changes"] == {"added": 3, "changed": 0, "removed": 0}
        assert second["time"] == TIMES[1] and second["version"] == "0.0.2"
        import hashlib

        assert second["sums"] == hashlib.sha256((two_releases.second / "SHA256SUMS").read_bytes()).hexdigest()
        assert second["links"] == {
            "release": "/releases/0.0.2/", "downloads": "/releases/0.0.2/downloads/",
            "sparql": "/releases/0.0.2/sparql", "entry": "/log/entries/1",
            "inclusion": "/log/proof/inclusion/1?size=3", "inclusion_file": "/log/proofs/inclusion-1-2.json"}
        assert data["log"]["size"] == 3 and len(data["log"]["root"]) == 64


def test_releases_page_for_a_browser_in_both_languages(client):
    zh = client.get("/releases/", headers=BROWSER)
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/html")
    assert "Accept" in zh.headers["vary"]
    assert "版本與發行紀錄" in zh.text and "新增 1、變更 1、移除 1 案" in zh.text
    assert "回復至 0.0.1" in zh.text and 'href="/releases/0.0.2/downloads/"' in zh.text
    assert 'href="/log/proof/inclusion/1?size=3"' in zh.text and 'href="/releases/0.0.2/sparql"' in zh.text
    en = client.get("/releases/?lang=en", headers=BROWSER)
    assert "Releases and the release log" in en.text and "1 added, 1 changed, 1 removed" in en.text
    assert "back to 0.0.1" in en.text
    # the downloads page leads there
    assert 'href="/releases/"' in client.get("/downloads").text


def test_releases_refuses_what_it_cannot_write(client):
    r = client.get("/releases/", headers={"accept": "text/csv"})
    assert r.status_code == 406 and r.json()["ok"] is False
    r = client.get("/releases/?format=xml")
    assert r.status_code == 400 and r.json() == {"ok": False, "error": "format 'xml' is not json or html",
                                                 "status": 400}
    assert client.get("/releases", follow_redirects=False).headers["location"] == "/releases/"


def test_an_app_with_an_empty_log_lists_nothing(minimal_release, tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app

    from .conftest import settings_for

    with TestClient(create_app(settings_for(tmp_path), minimal_release)) as c:
        data = c.get("/releases/?format=json").json()
        assert data["entries"] == [] and data["log"]["size"] == 0 and data["current"] is None
        r = c.get("/log/checkpoint")
        assert r.status_code == 404 and r.json()["error"] == "no release has been logged yet"
        assert c.get("/api/cases/danjiang-bridge/history").status_code == 404


# ------------------------------------------------------------------ the log's files

def test_log_files_are_the_bytes_on_disk_with_their_cache_rules(client, two_releases):
    folder = log_dir(two_releases)
    r = client.get("/log/checkpoint")
    assert r.status_code == 200 and r.content == (folder / "checkpoint").read_bytes()
    assert r.headers["content-type"] == "text/plain; charset=utf-8" and r.headers["cache-control"] == "no-cache"
    again = client.get("/log/checkpoint", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    for size in (1, 2, 3):
        r = client.get(f"/log/checkpoints/{size}")
        assert r.content == (folder / "checkpoints" / str(size)).read_bytes()
        assert r.headers["cache-control"] == IMMUTABLE
    for index in (0, 1, 2):
        r = client.get(f"/log/entries/{index}")
        assert r.content == (folder / "entries" / f"{index:06d}.json").read_bytes()
        assert r.headers["content-type"] == "application/json" and r.headers["cache-control"] == IMMUTABLE
    for name in ("inclusion-0-1.json", "inclusion-2-3.json", "consistency-1-2.json", "consistency-2-3.json"):
        r = client.get(f"/log/proofs/{name}")
        assert r.status_code == 200 and r.content == (folder / "proofs" / name).read_bytes()
    assert client.get("/log/key").content == (folder / "key").read_bytes()
    pem = client.get("/log/key.pem")
    assert pem.content == (folder / "key.pem").read_bytes() and pem.content.startswith(b"-----BEGIN PUBLIC KEY-----")


@pytest.mark.parametrize("path,status", [
    ("/log/entries/3", 404), ("/log/entries/-1", 400), ("/log/entries/x", 422),
    ("/log/checkpoints/0", 400), ("/log/checkpoints/4", 404),
    ("/log/proof/inclusion/3", 404), ("/log/proof/inclusion/2?size=2", 400), ("/log/proof/inclusion/0?size=9", 404),
    ("/log/proof/consistency/0/2", 400), ("/log/proof/consistency/3/2", 400), ("/log/proof/consistency/1/4", 404),
    ("/log/proofs/inclusion-3-4.json", 404), ("/log/proofs/..%2Fkey", 404), ("/log/proofs/key", 404),
    ("/log/entries/99999999999999999999999", 404),
])
def test_out_of_range_indexes_and_sizes_get_the_one_error_body(client, path, status):
    r = client.get(path)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["ok"] is False and body["status"] == status and body["error"]


def test_proofs_the_service_computes_verify_against_the_signed_tree_heads(client, two_releases):
    vkey = client.get("/log/key").text.strip()
    verifier = Verifier.parse(vkey)
    leaves = [merkle.leaf_hash(client.get(f"/log/entries/{i}").content) for i in range(3)]
    roots = {}
    for size in (1, 2, 3):
        opened = open_note(client.get(f"/log/checkpoints/{size}").content, [verifier])
        assert opened.verified == {verifier.name: 0} and not opened.failed
        head = Checkpoint.parse(opened.text)
        assert head.size == size
        roots[size] = head.root
    for size in (1, 2, 3):
        for index in range(size):
            r = client.get(f"/log/proof/inclusion/{index}?size={size}")
            assert r.headers["cache-control"] == IMMUTABLE
            doc = r.json()
            path = [bytes.fromhex(h) for h in doc["path"]]
            assert doc["leaf"] == leaves[index].hex() and doc["root"] == roots[size].hex()
            assert merkle.verify_inclusion(leaves[index], index, size, path, roots[size])
    for first in (1, 2, 3):
        for second in range(first, 4):
            doc = client.get(f"/log/proof/consistency/{first}/{second}").json()
            path = [bytes.fromhex(h) for h in doc["path"]]
            assert merkle.verify_consistency(first, second, roots[first], roots[second], path)
    # without a size: in the tree as it is now, which may grow, so not cacheable for long
    latest = client.get("/log/proof/inclusion/1")
    assert latest.json()["size"] == 3 and latest.headers["cache-control"] == "no-cache"
    # the file the publish wrote and the one computed agree
    written = json.loads((log_dir(two_releases) / "proofs" / "inclusion-1-2.json").read_bytes())
    assert client.get("/log/proof/inclusion/1?size=2").json() == written


def test_the_well_known_document_says_where_everything_is(client, two_releases):
    r = client.get("/.well-known/lianzheng-log")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    folder = log_dir(two_releases)
    assert doc["vkey"] == (folder / "key").read_text().strip()
    assert doc["origin"] == "w3id.org/lianzheng/log" == doc["vkey"].split("+", 1)[0]
    public = "http://127.0.0.1:8000"
    assert doc["key_pem"] == f"{public}/log/key.pem" and doc["checkpoint"] == f"{public}/log/checkpoint"
    assert doc["entries"] == f"{public}/log/entries/{{index}}" and doc["size"] == 3
    assert set(doc["algorithms"]) >= {"tree", "checkpoint", "signature", "cosignature", "rdf"}
    for template in (doc["entries"].format(index=1), doc["checkpoints"].format(size=2),
                     doc["inclusion"].format(index=0, size=2), doc["consistency"].format(first=1, second=3)):
        assert client.get(template.removeprefix(public)).status_code == 200, template


def test_a_real_server_serves_the_log_and_its_proofs_to_a_real_client(two_releases, tmp_path):
    """``serve`` in a child process over the logged releases: httpx fetches the checkpoint, checks
    its signature with the well-known vkey and an entry's inclusion in it."""
    from .conftest import Server

    root = tmp_path
    (root / "releases").symlink_to(two_releases.releases)
    s = Server(two_releases.first, root)
    try:
        s.wait_ready()
        with httpx.Client(base_url=s.url, timeout=10) as c:
            known = c.get("/.well-known/lianzheng-log").json()
            verifier = Verifier.parse(known["vkey"])
            note = c.get("/log/checkpoint")
            assert note.headers["content-type"] == "text/plain; charset=utf-8"
            opened = open_note(note.content, [verifier])
            assert opened.verified and not opened.failed
            head = Checkpoint.parse(opened.text)
            entry = c.get("/log/entries/1").content
            proof = c.get(f"/log/proof/inclusion/1?size={head.size}").json()
            assert merkle.verify_inclusion(merkle.leaf_hash(entry), 1, head.size,
                                           [bytes.fromhex(h) for h in proof["path"]], head.root)
            assert base64.b64encode(head.root).decode() in note.text
            assert [e["version"] for e in c.get("/releases/?format=json").json()["entries"]] == \
                ["0.0.1", "0.0.2", "0.0.1"]
    finally:
        s.stop()


# ------------------------------------------------------------------ a case's history

def test_a_changed_case_says_what_changed_when_and_why_with_its_new_quality_note(client):
    r = client.get("/api/cases/danjiang-bridge/history")
    assert r.status_code == 200
    history = r.json()["history"]
    assert [(h["index"], h["change"]) for h in history] == [(2, "rollback"), (1, "changed"), (0, "added")]
    rollback, changed, added = history
    assert changed["version"] == "0.0.2" and changed["time"] == TIMES[1]
    assert changed["reason"] == "更正淡江大橋金額 corrected the Danjiang Bridge amount"
    assert changed["fields"] == ["cases.amount_text", "cases.amount_twd"]
    assert changed["tables"] == ["cases", "quality_notes"] and changed["rows_added"] == {"quality_notes": 1}
    assert [n["id"] for n in changed["notes"]] == ["danjiang-bridge-amount-corrected"]
    assert changed["notes"][0]["description"]["en"] == "The table's amount was corrected to about 13 billion"
    assert changed["links"]["case"] == "/releases/0.0.2/id/case/danjiang-bridge"
    assert [n["id"] for n in added["notes"]] == ["danjiang-bridge-test-note"]  # came with the case
    assert rollback["releases"] == ["0.0.2"] and rollback["version"] == "0.0.1"
    assert rollback["links"]["case"] == "/releases/0.0.1/id/case/danjiang-bridge"


def test_an_added_and_a_removed_case_and_the_rollback_that_undoes_both(client):
    new = client.get("/api/cases/new-case/history").json()["history"]
    assert [(h["version"], h["change"], h["in_release"]) for h in new] == [
        ("0.0.1", "rollback", False), ("0.0.2", "added", True)]
    assert "case" not in new[0]["links"]  # the release it returns to never had it
    old = client.get("/api/cases/old-case/history").json()["history"]
    assert [(h["version"], h["change"], h["in_release"]) for h in old] == [
        ("0.0.1", "rollback", True), ("0.0.2", "removed", False), ("0.0.1", "added", True)]
    assert "case" not in old[1]["links"] and old[1]["notes"] == []
    # a case no release changed after the first: added, and nothing else
    eco = client.get("/api/cases/taipei-eco-park/history").json()["history"]
    assert [h["change"] for h in eco] == ["added"]


@pytest.mark.parametrize("case_id", ["never-was", "UPPER", "a" * 300])
def test_a_case_no_release_ever_had_is_404(client, case_id):
    r = client.get(f"/api/cases/{case_id}/history")
    assert r.status_code == 404 and r.json()["ok"] is False


def test_the_case_page_shows_its_history(client):
    page = client.get("/cases/danjiang-bridge")
    section = page.text[page.text.index('id="history"'):page.text.index('id="formats"')]
    assert "變更紀錄" in section and "更正淡江大橋金額" in section and "<code>cases.amount_twd</code>" in section
    assert "總表金額更正為約 130 億" in section and "回復（撤銷 0.0.2）" in section
    assert 'href="/releases/0.0.2/id/case/danjiang-bridge"' in section
    en = client.get("/cases/danjiang-bridge?lang=en").text
    assert ">History</h2>" in en and "rollback (undoes 0.0.2)" in en and "changed" in en
    # /id/case/x in a browser is the same page
    assert "更正淡江大橋金額" in client.get("/id/case/danjiang-bridge", headers=BROWSER).text


# ------------------------------------------------------------------ TimeMaps

LINK = re.compile(r'<([^>]+)>((?:\s*;\s*[a-z]+="[^"]*")*)')


def parse_link_format(text: str) -> list[tuple[str, dict[str, str]]]:
    out = []
    for m in LINK.finditer(text):
        out.append((m[1], dict(re.findall(r'([a-z]+)="([^"]*)"', m[2]))))
    return out


def test_a_timemap_lists_each_release_that_has_the_case(client):
    r = client.get("/timemap/link/id/case/danjiang-bridge")
    assert r.status_code == 200 and r.headers["content-type"] == LINK_FORMAT
    links = parse_link_format(r.text)
    public = "http://127.0.0.1:8000"
    first, second = (email.utils.format_datetime(
        datetime.datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC), usegmt=True)
        for t in TIMES[:2])
    assert links == [
        (f"{public}/id/case/danjiang-bridge", {"rel": "original"}),
        (f"{public}/timemap/link/id/case/danjiang-bridge",
         {"rel": "self", "type": LINK_FORMAT, "from": first, "until": second}),
        (f"{public}/id/case/danjiang-bridge", {"rel": "timegate"}),
        (f"{public}/releases/0.0.1/id/case/danjiang-bridge", {"rel": "first memento", "datetime": first}),
        (f"{public}/releases/0.0.2/id/case/danjiang-bridge", {"rel": "last memento", "datetime": second}),
    ]
    assert first == "Sun, 22 Nov 2026 01:00:00 GMT"


def test_a_timemap_knows_which_release_had_which_resource(client):
    def mementos(path):
        r = client.get(f"/timemap/link/{path}")
        if r.status_code != 200:
            return r.status_code
        return [(uri.split("/releases/")[1].split("/")[0], p["rel"]) for uri, p in parse_link_format(r.text)
                if "memento" in p["rel"]]

    assert mementos("id/case/old-case") == [("0.0.1", "first last memento")]
    assert mementos("id/case/new-case") == [("0.0.2", "first last memento")]
    assert mementos("id/agency/thb") == [("0.0.1", "first memento"), ("0.0.2", "last memento")]
    assert mementos("id/dataset/lianzheng-test/0.0.2") == [("0.0.2", "first last memento")]
    assert mementos("id/dataset/lianzheng-test") == [("0.0.1", "first memento"), ("0.0.2", "last memento")]
    # the full URI-R, as Memento clients write it (a proxy may fold the double slash)
    assert mementos("https://w3id.org/lianzheng/id/case/old-case") == [("0.0.1", "first last memento")]
    assert mementos("http:/127.0.0.1:8000/id/case/new-case") == [("0.0.2", "first last memento")]
    assert mementos("id/case/never-was") == 404
    assert mementos("id/agency/nobody") == 404
    assert mementos("downloads/SHA256SUMS") == 404
    r = client.get("/timemap/link/id/case/never-was")
    assert r.json() == {"ok": False, "error": "no release has /id/case/never-was", "status": 404}
