"""The submissions database: one SQLite file beside the releases (the embedded default).

What agencies submit, what reviewers decide, which release took it in, the tokens that may do
it and every use of one, in one file: ``{releases}/../submissions.sqlite3`` unless the
``database`` setting names another. SQLite in WAL mode with ``synchronous=FULL``: a commit
is on disk before it is answered, and a process killed mid-write leaves the last commit
(https://www.sqlite.org/wal.html, https://www.sqlite.org/atomiccommit.html).

Append-only where it matters: submissions, decisions and the audit log refuse UPDATE and
DELETE by triggers, so a submission's state is the last decision about it, and nothing
accepted is ever changed or lost. Tokens and browser sessions are the tables that change (a
revocation, a sign-out).

Migrations are plain versioned SQL below, applied in order inside one transaction each and
counted in ``PRAGMA user_version``: four tables and their triggers do not need an ORM, and
Alembic would bring SQLAlchemy for that alone. A migration is only ever added, never edited.
"""

from __future__ import annotations

import datetime as _dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

FILE_NAME = "submissions.sqlite3"

_APPEND_ONLY = ("submissions", "decisions", "events")

MIGRATIONS: tuple[str, ...] = (
    # 1: tokens, submissions, decisions, the audit log
    """
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY,            -- the public part of a token, 'lzt_{id}_{secret}'
        agency TEXT NOT NULL,           -- agency id of the registry (agencies.yaml)
        role TEXT NOT NULL CHECK (role IN ('submitter', 'reviewer')),
        hash TEXT NOT NULL,             -- SHA-256 of the whole token, hex; the token is never kept
        label TEXT NOT NULL DEFAULT '',
        created TEXT NOT NULL,
        expires TEXT NOT NULL,
        revoked TEXT                    -- when it was revoked, or NULL
    );
    CREATE TABLE submissions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token TEXT NOT NULL REFERENCES tokens(id),
        agency TEXT NOT NULL,           -- the token's agency at the time
        case_id TEXT NOT NULL,
        summary TEXT NOT NULL,          -- what it changes, one line
        content TEXT NOT NULL,          -- the submission as JSON (sorted keys, UTF-8)
        sha256 TEXT NOT NULL,           -- of content's bytes
        received TEXT NOT NULL,
        address TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE decisions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        submission INTEGER NOT NULL REFERENCES submissions(id),
        -- accepted / rejected: a reviewer's; folded: written into the source records;
        -- released: in a published release; returned: no longer applies (the reason says why)
        state TEXT NOT NULL CHECK (state IN ('accepted', 'rejected', 'folded', 'released', 'returned')),
        reason TEXT NOT NULL DEFAULT '',
        token TEXT,                     -- the reviewer's token, or NULL for the release step
        release TEXT NOT NULL DEFAULT '',
        at TEXT NOT NULL
    );
    CREATE INDEX decisions_by_submission ON decisions (submission, id);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        token TEXT NOT NULL DEFAULT '', -- the token's id (never the token), '' when none was valid
        agency TEXT NOT NULL DEFAULT '',
        role TEXT NOT NULL DEFAULT '',
        action TEXT NOT NULL,           -- e.g. 'submit', 'review', 'release', 'token-create'
        target TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT '',
        outcome TEXT NOT NULL           -- 'ok', or why it was refused
    );
    """
    + "".join(
        f"""
    CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t}
        BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;
    CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t}
        BEGIN SELECT RAISE(ABORT, '{t} is append-only'); END;"""
        for t in _APPEND_ONLY
    ),
    # 2: browser sessions, a token exchanged once for a cookie (pipelines.submissions.sessions)
    """
    CREATE TABLE sessions (
        hash TEXT PRIMARY KEY,          -- SHA-256 of the cookie's value, hex; the value is never kept
        token TEXT NOT NULL REFERENCES tokens(id),
        created TEXT NOT NULL,
        expires TEXT NOT NULL,
        ended TEXT                      -- when it was signed out of, or NULL
    );
    CREATE INDEX sessions_by_token ON sessions (token);
    """,
)


def default_path(releases: str | Path) -> Path:
    """Where the database is when the ``database`` setting names none: beside the releases."""
    return Path(releases).resolve().parent / FILE_NAME


def now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating and migrating if need be) the database at ``path``.

    Autocommit off by hand: every write goes through :func:`transaction`. A connection may be
    used from any thread, one at a time (the service holds a lock around it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    migrate(db)
    return db


def migrate(db: sqlite3.Connection) -> int:
    """Apply the migrations this file has not had yet; return the version it is at."""
    if db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
        return len(MIGRATIONS)  # the usual case: no write lock taken
    with transaction(db):
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise RuntimeError(
                f"the submissions database is at version {version}, newer than this "
                f"program's {len(MIGRATIONS)}: upgrade lianzheng"
            )
        for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in _statements(sql):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
            version = number
    return version


def _statements(sql: str) -> Iterator[str]:
    """Split a migration into statements (``sqlite3.complete_statement`` knows triggers)."""
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                yield buffer.strip()
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete statement in a migration: {buffer.strip()[:60]}")


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (BEGIN IMMEDIATE: no upgrade deadlock)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def record_event(
    db: sqlite3.Connection,
    action: str,
    outcome: str,
    *,
    token: str = "",
    agency: str = "",
    role: str = "",
    target: str = "",
    address: str = "",
) -> None:
    """Log one use of a token (or a refused attempt): who, when, what, from where."""
    with transaction(db):
        db.execute(
            "INSERT INTO events (at, token, agency, role, action, target, address, outcome) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (now(), token, agency, role, action, target[:200], address[:100], outcome[:200]),
        )
