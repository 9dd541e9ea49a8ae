"""The ledger of submissions: what came in, what was decided, where each one stands.

Rows are only ever added (:mod:`.database` refuses UPDATE and DELETE on these tables), so a
submission's state is its last decision: ``pending`` (none yet), ``accepted``, ``rejected``,
``folded`` (written into the source records), ``released`` (in a published release) or
``returned`` (it no longer applied when the release step came to it; the reason says why).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..checksums import sha256
from .changes import Submission, parse
from .database import now, transaction
from .records import Stamp

STATES = ("pending", "accepted", "rejected", "folded", "released", "returned")


def canonical(doc: dict) -> bytes:
    """The bytes a submission is stored and hashed as: JSON, sorted keys, UTF-8, no spaces."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Entry:
    id: int
    token: str
    agency: str
    case: str
    summary: str
    content: dict
    sha256: str
    received: str
    state: str
    reason: str
    release: str
    decided: str

    def submission(self) -> Submission:
        sub, problems = parse(self.content)
        if sub is None:  # stored only after it parsed: the ledger's own bytes changed
            raise ValueError(f"submission {self.id} no longer parses: {problems[0].message_en}")
        return sub

    def stamp(self, agency_name: str) -> Stamp:
        return Stamp(str(self.id), self.agency, agency_name, self.received, self.sha256)

    def public(self) -> dict:
        return {
            "id": self.id,
            "agency": self.agency,
            "case": self.case,
            "summary": self.summary,
            "received": self.received,
            "sha256": self.sha256,
            "state": self.state,
            "reason": self.reason,
            "release": self.release,
            "decided": self.decided or None,
            "content": self.content,
        }


def add(db: sqlite3.Connection, token: str, agency: str, sub: Submission, doc: dict, address: str = "") -> int:
    data = canonical(doc)
    with transaction(db):
        cur = db.execute(
            "INSERT INTO submissions (token, agency, case_id, summary, content, sha256, received, address) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (token, agency, sub.case, sub.summary(), data.decode("utf-8"), sha256(data), now(), address),
        )
    assert cur.lastrowid is not None
    return cur.lastrowid


def decide(
    db: sqlite3.Connection, ids: list[int], state: str, *, reason: str = "", token: str | None = None, release: str = ""
) -> None:
    with transaction(db):
        at = now()
        db.executemany(
            "INSERT INTO decisions (submission, state, reason, token, release, at) VALUES (?, ?, ?, ?, ?, ?)",
            [(i, state, reason, token, release, at) for i in ids],
        )


_SELECT = """
SELECT s.*, d.state AS state, d.reason AS reason, d.release AS release, d.at AS decided
FROM submissions s LEFT JOIN decisions d ON d.id = (
    SELECT id FROM decisions WHERE submission = s.id ORDER BY id DESC LIMIT 1)
"""


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        row["id"],
        row["token"],
        row["agency"],
        row["case_id"],
        row["summary"],
        json.loads(row["content"]),
        row["sha256"],
        row["received"],
        row["state"] or "pending",
        row["reason"] or "",
        row["release"] or "",
        row["decided"] or "",
    )


def get(db: sqlite3.Connection, sid: int) -> Entry | None:
    row = db.execute(_SELECT + " WHERE s.id = ?", (sid,)).fetchone()
    return _entry(row) if row else None


def listing(
    db: sqlite3.Connection, *, state: str | None = None, agency: str | None = None, limit: int = 100, offset: int = 0
) -> list[Entry]:
    where, args = [], []
    if state == "pending":
        where.append("d.state IS NULL")
    elif state:
        where.append("d.state = ?")
        args.append(state)
    if agency:
        where.append("s.agency = ?")
        args.append(agency)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY s.id LIMIT ? OFFSET ?"
    return [_entry(r) for r in db.execute(sql, (*args, limit, offset)).fetchall()]


def history(db: sqlite3.Connection, sid: int) -> list[dict]:
    rows = db.execute("SELECT state, reason, release, at FROM decisions WHERE submission = ? ORDER BY id", (sid,))
    return [dict(r) for r in rows.fetchall()]
