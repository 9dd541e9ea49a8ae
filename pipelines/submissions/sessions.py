"""Browser sessions: a token exchanged once, at sign-in, for a session cookie.

The cookie's value is 256 bits from :mod:`secrets`; the database keeps its SHA-256 (as it keeps
a token's), so a copy of the file opens no session. A session lives :data:`HOURS` hours, ends at
sign-out, and ends with its token: a revoked or expired token's sessions are refused at once,
since every look-up joins the token's row.

Each session has a CSRF value for its forms, derived from the cookie's value by HMAC-SHA-256
(the signed-token pattern of the OWASP CSRF cheat sheet): nothing more is stored, and it cannot
be made without the cookie, which scripts cannot read (HttpOnly).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import secrets
import sqlite3

from .database import now, transaction
from .tokens import Holder

HOURS = 8  # a working day


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("ascii", "replace")).hexdigest()


def new_value() -> str:
    """A random value for a cookie or a form (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def open_session(db: sqlite3.Connection, holder: Holder) -> str:
    """A new session for ``holder``'s token; its cookie value (to be set once, never kept)."""
    value = new_value()
    expires = (_dt.datetime.now(_dt.UTC) + _dt.timedelta(hours=HOURS)).strftime("%Y-%m-%dT%H:%M:%SZ")
    expires = min(expires, holder.expires)  # never outlives its token
    with transaction(db):
        db.execute(
            "INSERT INTO sessions (hash, token, created, expires) VALUES (?, ?, ?, ?)",
            (_hash(value), holder.id, now(), expires),
        )
    return value


def holder_of(db: sqlite3.Connection, value: str) -> Holder | None:
    """The holder of the session ``value`` names, if the session and its token are valid now."""
    if not value or len(value) > 100:
        return None
    at = now()
    row = db.execute(
        "SELECT t.id, t.agency, t.role, t.label, t.expires FROM sessions s JOIN tokens t ON t.id = s.token "
        "WHERE s.hash = ? AND s.ended IS NULL AND s.expires > ? AND t.revoked IS NULL AND t.expires > ?",
        (_hash(value), at, at),
    ).fetchone()
    return Holder(row["id"], row["agency"], row["role"], row["label"], row["expires"]) if row else None


def end(db: sqlite3.Connection, value: str) -> None:
    """Sign out: the session ``value`` names is refused from now on."""
    with transaction(db):
        db.execute("UPDATE sessions SET ended = ? WHERE hash = ? AND ended IS NULL", (now(), _hash(value)))


def csrf_of(value: str) -> str:
    """The CSRF value of the session whose cookie is ``value``."""
    return hmac.new(value.encode("ascii", "replace"), b"lianzheng csrf", hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Whether two values a request brings are equal (in constant time; empty never matches)."""
    return bool(a) and bool(b) and hmac.compare_digest(a.encode("utf-8", "replace"), b.encode("utf-8", "replace"))
