"""Nothing accepted is lost: the service killed with SIGKILL while submissions arrive (issue 16).

A real ``lianzheng serve`` over a copy of the real records takes submissions from two clients at
once and is killed at a random moment, five times, each time started again on the same
database. Every submission that was answered 202 is in the ledger afterwards, once, with the
content and SHA-256 it was stored with; no row is there that was not answered (a row committed
while its answer was lost is the one exception a crash allows, and it is whole); SQLite's
``integrity_check`` passes every time.
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import sqlite3
import threading
import time

import httpx
import pytest

from .conftest import Server, Writable

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CASE, AGENCY = "bitan-weir", "new-taipei-water-resources"
KILLS = 5


def document(n: int) -> dict:
    return {"case": CASE, "changes": [{"kind": "activity", "record": {
        "type": "liaison-meeting", "date": "2026-10-02", "title": {"zh": f"第 {n} 次聯繫會議", "en": f"Meeting {n}"}}}]}


def test_every_answered_submission_survives_a_kill_of_the_service(tmp_path):
    service = Writable(tmp_path, {"submitter": (AGENCY, "submitter")}, submit_rate=1_000_000)
    headers = {"Authorization": f"Bearer {service.tokens['submitter']}"}
    answered: dict[int, str] = {}  # id -> the title it was sent with
    counter = iter(range(1, 1_000_000))
    lock = threading.Lock()
    rng = random.Random(16)
    server = service.server
    try:
        for _ in range(KILLS):
            stop = threading.Event()

            def client(url: str, stop: threading.Event = stop) -> None:
                with httpx.Client(base_url=url, timeout=30, headers=headers) as c:
                    while not stop.is_set():
                        with lock:
                            n = next(counter)
                        try:
                            r = c.post("/api/submissions", json=document(n))
                        except httpx.HTTPError:
                            continue  # the server went down under this request
                        if r.status_code == 202:
                            with lock:
                                answered[r.json()["id"]] = f"第 {n} 次聯繫會議"

            threads = [threading.Thread(target=client, args=(server.url,)) for _ in range(2)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(2.0, 4.0))
            server.proc.send_signal(signal.SIGKILL)
            server.proc.wait()
            stop.set()
            for t in threads:
                t.join()
            server.stop()
            with sqlite3.connect(service.database) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            server = Server(None, service.root, source=service.source, log_poll=0.5, submit_rate=1_000_000)
            server.wait_ready()
        with sqlite3.connect(service.database) as db:
            rows = db.execute("SELECT id, content, sha256 FROM submissions ORDER BY id").fetchall()
    finally:
        server.stop()
    stored = {sid: (content, digest) for sid, content, digest in rows}
    assert len(answered) >= KILLS, len(answered)  # the clients got answers between the kills
    missing = [sid for sid in answered if sid not in stored]
    assert missing == [], missing
    for sid, (content, digest) in stored.items():
        assert hashlib.sha256(content.encode("utf-8")).hexdigest() == digest, sid  # whole, as it was hashed
        if sid in answered:
            assert json.loads(content)["changes"][0]["record"]["title"]["zh"] == answered[sid]
    titles = [json.loads(c)["changes"][0]["record"]["title"]["zh"] for c, _ in stored.values()]
    assert len(titles) == len(set(titles))  # none stored twice
    assert len(stored) - len(answered) <= 2 * KILLS  # at most one unanswered commit per client per kill
