"""Per-agency tokens: made once, shown once, kept only as a hash, with a role and an expiry.

A token reads ``lzt_{id}_{secret}``: ``id`` (12 hex digits) finds its row and is what the audit
log names; ``secret`` is 256 bits from :mod:`secrets`. The database keeps the SHA-256 of the
whole token, which is enough for a random secret of that size (no password stretching is
needed where there is no password to guess), and compares in constant time
(:func:`hmac.compare_digest`). The prefix lets secret scanners recognise a leaked one.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
import secrets
import sqlite3
from dataclasses import dataclass

from .database import now, transaction

ROLES = ("submitter", "reviewer")
PREFIX = "lzt_"
_TOKEN = re.compile(r"^lzt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Holder:
    """Who a valid token belongs to."""

    id: str
    agency: str
    role: str
    label: str
    expires: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def create(
    db: sqlite3.Connection, agency: str, role: str, *, days: int = DEFAULT_DAYS, label: str = ""
) -> tuple[str, Holder]:
    """Make a token; return it (to be shown once) and its holder."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not 1 <= days <= 3660:
        raise ValueError("days must be between 1 and 3660")
    tid = secrets.token_hex(6)
    token = f"{PREFIX}{tid}_{secrets.token_urlsafe(32)}"
    expires = (_dt.datetime.now(_dt.UTC) + _dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with transaction(db):
        db.execute(
            "INSERT INTO tokens (id, agency, role, hash, label, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (tid, agency, role, _hash(token), label, now(), expires),
        )
    return token, Holder(tid, agency, role, label, expires)


def check(db: sqlite3.Connection, token: str) -> tuple[Holder | None, str, str]:
    """The holder of ``token`` if it is valid now; else None with why (for the log: the
    reason and the token id it names, never the token)."""
    match = _TOKEN.match(token or "")
    if not match:
        return None, "malformed token", ""
    tid = match.group(1)
    row = db.execute("SELECT * FROM tokens WHERE id = ?", (tid,)).fetchone()
    if row is None or not hmac.compare_digest(row["hash"], _hash(token)):
        return None, "unknown token", tid
    if row["revoked"]:
        return None, "revoked token", tid
    if row["expires"] <= now():
        return None, "expired token", tid
    return Holder(tid, row["agency"], row["role"], row["label"], row["expires"]), "ok", tid


def revoke(db: sqlite3.Connection, tid: str) -> bool:
    """Revoke the token with id ``tid``; False if there is none or it was revoked already."""
    tid = tid.removeprefix(PREFIX).split("_", 1)[0]  # a whole token pasted in names its id too
    with transaction(db):
        cur = db.execute("UPDATE tokens SET revoked = ? WHERE id = ? AND revoked IS NULL", (now(), tid))
    return cur.rowcount == 1


def listing(db: sqlite3.Connection) -> list[dict]:
    """Every token's row without its hash, newest first."""
    rows = db.execute(
        "SELECT id, agency, role, label, created, expires, revoked FROM tokens ORDER BY created DESC, id"
    ).fetchall()
    return [dict(r) for r in rows]
