"""Every release in the log served at once, and switched live: ``lianzheng serve`` over a log.

Real servers on loopback ports over a log of releases built from two different sources (the
minimal fixture without one of its two cases, then with both), spoken to by httpx and
SPARQLWrapper; new releases and rollbacks are published while they run.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from ..conftest import EPOCH, MINIMAL
from .conftest import Server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BASE = "https://w3id.org/lianzheng"
CASE = "danjiang-bridge"  # in every release
DROPPED = "taipei-eco-park"  # only from 0.0.2 on
FIRST, SECOND = "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"
PLATFORMS = "SELECT (COUNT(?c) AS ?n) { ?c a <https://w3id.org/lianzheng/vocab#IntegrityPlatform> }"


def source(root: Path, version: str, *, drop: bool = False) -> Path:
    """A copy of the minimal source as ``version`` (without one of its cases if ``drop``)."""
    folder = root / f"source-{version}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(MINIMAL, folder)
    meta = folder / "dataset.yaml"
    meta.write_text(re.sub(r'version: "[^"]*"', f'version: "{version}"', meta.read_text(encoding="utf-8")),
                    encoding="utf-8")
    if drop:
        (folder / "cases" / f"{DROPPED}.yaml").unlink()
    return folder


def publish_version(root: Path, version: str, *, drop: bool = False, time: str | None = None) -> None:
    from pipelines.log.publishing import signer_for
    from pipelines.publish import publish

    result = publish(source(root, version, drop=drop), root / "releases", signer=signer_for("", BASE)[0],
                     reason=f"test release {version}", time=time, source_date_epoch=EPOCH)
    assert result.ok, result.report.to_text()


def rollback(root: Path, version: str) -> None:
    from pipelines.log.publishing import record_rollback, signer_for

    record_rollback(root / "releases", version, signer_for("", BASE)[0], reason="test rollback")


def two_releases(root: Path) -> Path:
    publish_version(root, "0.0.1", drop=True, time=FIRST)
    publish_version(root, "0.0.2", time=SECOND)
    return root


def served(server: Server) -> str:
    return httpx.get(server.url + "/-/version", timeout=10).json()["release"]


def wait_for(server: Server, version: str, timeout: float) -> float:
    """Seconds until the server serves ``version``; fails after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if served(server) == version:
            return time.monotonic() - start
        time.sleep(0.1)
    raise AssertionError(f"still serving {served(server)}, not {version}, after {timeout} s")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """A server over a log of two releases from two different sources (0.0.2 is current)."""
    root = two_releases(tmp_path_factory.mktemp("history"))
    s = Server(None, root)
    try:
        yield s.wait_ready()
    finally:
        s.stop()


# ------------------------------------------------------------------ both served at once

def test_switchboard_serves_both_releases_by_rest(history):
    url = history.url
    assert httpx.get(url + "/api/cases").json()["total"] == 2
    assert httpx.get(url + "/api/cases?release=0.0.1").json()["total"] == 1
    assert httpx.get(url + "/api/cases?release=0.0.2").json()["total"] == 2
    assert httpx.get(url + "/releases/0.0.1/api/cases").json()["total"] == 1
    assert httpx.get(url + f"/releases/0.0.1/api/cases/{DROPPED}").status_code == 404
    assert httpx.get(url + f"/api/cases/{DROPPED}").status_code == 200
    assert httpx.get(url + "/releases/0.0.1/-/version").json()["release"] == "0.0.1"
    unknown = httpx.get(url + "/api/cases?release=9.9.9")
    assert unknown.status_code == 404 and unknown.json() == {
        "ok": False, "error": "no release 9.9.9: see /releases/", "status": 404}


def test_switchboard_release_parameter_is_dropped_and_the_rest_kept(history):
    page = httpx.get(history.url + "/api/cases?release=0.0.2&per_page=1")
    assert page.status_code == 200 and len(page.json()["items"]) == 1 and page.json()["total"] == 2


def test_switchboard_sparql_over_each_release(history):
    def count(endpoint: str) -> int:
        w = SPARQLWrapper(history.url + endpoint)
        w.setQuery(PLATFORMS)
        w.setReturnFormat(JSON)
        return int(w.query().convert()["results"]["bindings"][0]["n"]["value"])

    assert count("/releases/0.0.1/sparql") == 1
    assert count("/releases/0.0.2/sparql") == 2
    assert count("/sparql") == 2


def test_switchboard_links_of_a_past_release_stay_under_its_prefix(history):
    r = httpx.get(history.url + f"/releases/0.0.1/id/case/{CASE}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-location"] == f"/releases/0.0.1/id/case/{CASE}.ttl"
    assert f"</releases/0.0.1/id/case/{CASE}.html>; rel=\"alternate\"" in r.headers["link"]
    downloads = httpx.get(history.url + "/releases/0.0.1/downloads/release.json")
    assert downloads.status_code == 200 and downloads.json()["version"] == "0.0.1"


# ------------------------------------------------------------------ Memento (RFC 7089)

@pytest.mark.parametrize("when,version", [
    ("Mon, 01 Dec 2025 00:00:00 GMT", "0.0.1"),  # before every release: the first
    ("Sun, 01 Mar 2026 12:00:00 GMT", "0.0.1"),
    ("Mon, 01 Jun 2026 00:00:00 GMT", "0.0.2"),  # the moment 0.0.2 was published
    ("Wed, 01 Jul 2026 00:00:00 GMT", "0.0.2"),
])
def test_memento_timegate_redirects_by_accept_datetime(history, when, version):
    r = httpx.get(history.url + f"/id/case/{CASE}", headers={"Accept-Datetime": when, "Accept": "text/turtle"})
    assert r.status_code == 302
    assert r.headers["location"] == f"/releases/{version}/id/case/{CASE}"
    assert r.headers["vary"] == "accept-datetime"
    assert r.headers["link"] == (f'</id/case/{CASE}>; rel="original timegate", '
                                 f'</timemap/link/id/case/{CASE}>; rel="timemap"; type="application/link-format"')
    memento = httpx.get(history.url + r.headers["location"], headers={"Accept": "text/turtle"})
    assert memento.status_code == 200 and "memento-datetime" in memento.headers


def test_memento_timegate_refuses_a_date_that_is_not_rfc_1123(history):
    r = httpx.get(history.url + f"/id/case/{CASE}", headers={"Accept-Datetime": "2026-03-01"})
    assert r.status_code == 400 and r.json()["ok"] is False and r.json()["status"] == 400


def test_memento_original_answers_with_vary_and_links(history):
    r = httpx.get(history.url + f"/id/case/{CASE}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and "memento-datetime" not in r.headers
    assert "accept-datetime" in [v.strip() for v in r.headers["vary"].split(",")]
    assert "accept" in [v.strip().lower() for v in r.headers["vary"].split(",")]  # the app's own kept
    link = r.headers["link"]
    assert f'</id/case/{CASE}>; rel="original timegate"' in link
    assert f'</timemap/link/id/case/{CASE}>; rel="timemap"' in link
    assert 'rel="alternate"' in link  # the app's own Link, merged


@pytest.mark.parametrize("version,when", [("0.0.1", "Thu, 01 Jan 2026 00:00:00 GMT"),
                                          ("0.0.2", "Mon, 01 Jun 2026 00:00:00 GMT")])
def test_memento_answers_carry_memento_datetime_and_links(history, version, when):
    r = httpx.get(history.url + f"/releases/{version}/id/case/{CASE}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["memento-datetime"] == when
    assert (f'</id/case/{CASE}>; rel="original timegate", </timemap/link/id/case/{CASE}>; rel="timemap"'
            in r.headers["link"])


# ------------------------------------------------------------------ switching

def test_switchboard_serves_a_new_release_within_seconds_without_restart(tmp_path):
    root = two_releases(tmp_path)
    s = Server(None, root).wait_ready()
    try:
        pid = s.proc.pid
        publish_version(root, "0.0.3")
        took = wait_for(s, "0.0.3", timeout=15)  # log_poll is 2 s by default
        assert s.proc.poll() is None and s.proc.pid == pid
        assert httpx.get(s.url + "/api/cases?release=0.0.1").json()["total"] == 1  # the past still served
        health = httpx.get(s.url + "/-/health").json()
        assert health["release"] == "0.0.3" and health["connections"] >= 1  # the guard, handed on
        rollback(root, "0.0.1")
        wait_for(s, "0.0.1", timeout=15)
        assert httpx.get(s.url + "/api/cases").json()["total"] == 1
        print(f"served {took:.1f} s after the publish")
    finally:
        s.stop()


def test_switchboard_switches_at_once_on_sighup_and_never_to_a_release_that_fails(tmp_path):
    root = two_releases(tmp_path)
    s = Server(None, root, log_poll=600).wait_ready()  # only SIGHUP makes it look
    try:
        publish_version(root, "0.0.3")
        time.sleep(3)
        assert served(s) == "0.0.2"
        s.proc.send_signal(signal.SIGHUP)
        wait_for(s, "0.0.3", timeout=20)

        # a release the log names whose folder was changed after it was logged: never served
        publish_version(root, "0.0.4")
        manifest = root / "releases" / "0.0.4" / "release.json"
        manifest.chmod(0o644)
        manifest.write_text(manifest.read_text(encoding="utf-8") + "x", encoding="utf-8")
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 30
        while "0.0.4 that the log puts in service could not be opened" not in s.log.read_text(errors="replace"):
            assert time.monotonic() < deadline, s.log.read_text(errors="replace")[-3000:]
            time.sleep(0.1)
        assert served(s) == "0.0.3" and httpx.get(s.url + "/api/cases").status_code == 200
        failed = httpx.get(s.url + "/api/cases?release=0.0.4")
        assert failed.status_code == 503 and failed.json()["status"] == 503
        s.proc.send_signal(signal.SIGHUP)  # the same log: not tried again
        time.sleep(2)
        assert s.log.read_text(errors="replace").count("0.0.4 that the log puts in service could not") == 1
        assert served(s) == "0.0.3"

        rollback(root, "0.0.2")  # the log changes again: it switches
        s.proc.send_signal(signal.SIGHUP)
        wait_for(s, "0.0.2", timeout=30)
    finally:
        s.stop()


# ------------------------------------------------------------------ the load run

SPARQL_ASK = f"ASK {{ <{BASE}/id/case/{CASE}> ?p ?o }}"


async def _load(url: str, stop: threading.Event, tally: dict) -> None:
    requests = [("/api/cases/" + CASE, {}), (f"/id/case/{CASE}", {"Accept": "text/turtle"}),
                ("/sparql", {"Accept": "application/sparql-results+json"}),
                ("/releases/0.0.1/api/cases/" + CASE, {}), (f"/api/cases/{CASE}?release=0.0.2", {})]

    async def client(n: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as c:
            i = n
            while not stop.is_set():
                path, headers = requests[i % len(requests)]
                i += 1
                params = {"query": SPARQL_ASK} if path == "/sparql" else None
                try:
                    r = await c.get(path, headers=headers, params=params)
                    ok = r.status_code < 400
                except httpx.HTTPError as exc:
                    ok, r = False, exc
                tally["requests"] += 1
                if not ok:
                    tally["failed"].append((path, getattr(r, "status_code", repr(r))))

    async def watch() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as c:
            while not stop.is_set():
                version = (await c.get("/-/version")).json()["release"]
                if not tally["seen"] or tally["seen"][-1] != version:
                    tally["seen"].append(version)
                await asyncio.sleep(0.05)

    await asyncio.gather(watch(), *(client(n) for n in range(6)))


def test_switchboard_answers_every_request_across_switches(tmp_path):
    root = two_releases(tmp_path)
    s = Server(None, root, log_poll=0.5).wait_ready()
    tally: dict = {"requests": 0, "failed": [], "seen": []}
    stop = threading.Event()
    loader = threading.Thread(target=lambda: asyncio.run(_load(s.url, stop, tally)))
    try:
        loader.start()
        time.sleep(1)
        steps = [("0.0.3", False), ("0.0.1", True), ("0.0.4", False), ("0.0.2", True), ("0.0.5", False),
                 ("0.0.3", True)]
        for version, back in steps:
            rollback(root, version) if back else publish_version(root, version)
            wait_for(s, version, timeout=60)
            time.sleep(0.5)
        stop.set()
        loader.join(timeout=60)
    finally:
        stop.set()
        s.stop()
    print(f"{tally['requests']} requests across {len(tally['seen']) - 1} switches, "
          f"{len(tally['failed'])} failed")
    assert tally["failed"] == []
    assert tally["requests"] >= 2000, tally["requests"]
    assert tally["seen"] == ["0.0.2"] + [v for v, _ in steps]  # every switch seen, none torn or missed


# ------------------------------------------------------------------ which release serve opens

def test_serve_picks_the_release_the_log_puts_in_service_not_latest(tmp_path):
    from api.server import pick_release
    from api.settings import load

    root = two_releases(tmp_path)
    rollback(root, "0.0.1")
    assert (root / "releases" / "latest").resolve().name == "0.0.2"
    assert pick_release(load({}, releases=str(root / "releases"))) == (root / "releases" / "0.0.1").resolve()


def test_serve_publishes_a_signed_first_release_when_there_is_none(tmp_path):
    import io

    from api.server import pick_release
    from api.settings import load
    from pipelines.log.note import Verifier, open_note
    from pipelines.log.store import ReleaseLog

    releases = tmp_path / "releases"
    said = io.StringIO()
    release = pick_release(load({}, releases=str(releases), source=str(MINIMAL)), out=said)
    assert release == releases / "0.0.1", said.getvalue()[-3000:]
    log = ReleaseLog.open(releases)
    assert [(e.kind, e.version) for e in log.entries] == [("release", "0.0.1")]
    assert log.checkpoint_note is not None
    key = (releases / "log" / "key").read_text(encoding="utf-8").strip()
    opened = open_note(log.checkpoint_note, [Verifier.parse(key)])  # signed by the key the log publishes
    assert list(opened.verified) == [Verifier.parse(key).name] and not opened.failed


# ------------------------------------------------------------------ the store cache, shared

def test_store_cache_prune_keeps_the_stores_a_process_holds(tmp_path):
    """A service holds several releases' stores; a publish in another process prunes the cache."""
    import os
    import subprocess
    import sys

    from api.store.embedded import KEEP_CACHES, _prune, hold

    stores = []
    for i in range(KEEP_CACHES + 4):
        store = tmp_path / f"store{i}"
        store.mkdir()
        os.utime(store, (1000 + i, 1000 + i))  # store0 the oldest
        stores.append(store)
    held_here = hold(stores[0])
    other = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                              "from api.store.embedded import hold; h = hold(Path(sys.argv[1])); "
                              "print('held', flush=True); time.sleep(60)", str(stores[1])],
                             stdout=subprocess.PIPE, text=True, cwd=str(Path(__file__).resolve().parents[2]))
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "held"
        _prune(tmp_path, keep=stores[-1].name)
        left = sorted(p.name for p in tmp_path.iterdir() if p.is_dir())
        newest = [s.name for s in stores[-1 - KEEP_CACHES:]]  # the one kept and the newest others
        assert left == sorted(["store0", "store1", *newest])
    finally:
        other.kill()
        other.wait()
        held_here.close()
    _prune(tmp_path, keep=stores[-1].name)  # nobody holds them now
    assert not (tmp_path / "store0").exists() and not (tmp_path / "store1").exists()


# ------------------------------------------------------------------ memory: a closed release is freed

def test_switchboard_frees_a_closed_release(minimal_release, tmp_path):
    """FastAPI's memos and the lifespan's gc.freeze kept every closed app whole (370 MB at 10k
    cases, each): closed and collected, its tables are gone."""
    import weakref

    from api.served_release import forget_endpoints
    from api.settings import load
    from api.shelf import Shelf
    from api.switchboard import Switchboard

    settings = load({}, releases=str(tmp_path / "releases"), query_workers=1)
    board = Switchboard(settings, Shelf(minimal_release.parent), minimal_release)

    async def open_and_close():
        opened = await board._open("0.0.1", minimal_release, full=True)
        transport = httpx.ASGITransport(app=opened)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            assert (await c.get("/api/cases")).json()["total"] == 2
        tables = weakref.ref(opened.app.state.tables)
        await board.close(opened)
        assert opened.closed and opened.app is None
        return tables

    tables = asyncio.run(open_and_close())
    board.collect()
    assert tables() is None
    assert forget_endpoints() >= 1, "FastAPI's memos of callables moved: see api.switchboard.forget_endpoints"
