"""The release log on disk: append-only entries, signed tree heads, proofs.

It lives beside the releases, in ``{releases}/log/``::

    entries/000000.json      one file per entry; its bytes are the Merkle leaf (RFC 9162 §2.1.1)
    checkpoints/1            every tree head ever signed, by tree size (C2SP signed notes)
    checkpoint               the newest tree head: the log is what it counts, and no more
    proofs/inclusion-0-1.json        each entry's audit path in the tree it was added to
    proofs/consistency-1-2.json      from each tree size to the next
    key                      the publisher's verifier key (C2SP vkey)
    key.pem                  the same public key as SubjectPublicKeyInfo PEM, for openssl

The commit point of an append is the rename of ``checkpoint``: an entry, proof or tree
head written beyond the size it states is the remains of an interrupted publish, which
readers ignore and the next append removes. Every file is written to a temporary name,
flushed to disk and renamed, and its folder flushed, so a ``kill -9`` or a power cut at any
point leaves the log as it was before the append or as it is after it, never between.
Appends take an exclusive lock (``fcntl.flock`` on ``.lock``), so two publishers queue.
"""

from __future__ import annotations

import base64
import datetime as _dt
import fcntl
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..checksums import sha256
from ..errors import CannotRun, Problem
from ..folders import sync_folder
from . import merkle
from .note import Checkpoint, Signer, split

LOG_DIR = "log"
FORMAT = "lianzheng-release-log/1"
_ENTRY = re.compile(r"^(\d{6,})\.json$")
_CHECKPOINT = re.compile(r"^(\d+)$")
_PROOF = re.compile(r"^(?:inclusion-\d+|consistency-\d+)-(\d+)\.json$")


def origin_for(base: str) -> str:
    """The log's origin and key name: the base IRI without its scheme, and ``/log``."""
    parts = urlsplit(base)
    return f"{parts.netloc}{parts.path.rstrip('/')}/log"


def entry_name(index: int) -> str:
    return f"{index:06d}.json"


@dataclass(frozen=True)
class Entry:
    """One entry of the log: a release published, or the service pointed back at one."""

    index: int
    raw: bytes
    data: dict

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", "release"))

    @property
    def version(self) -> str:
        """The release this entry puts in service (for a rollback: the one it returns to)."""
        return str(self.data.get("version", ""))

    @property
    def time(self) -> str:
        return str(self.data.get("time", ""))

    @property
    def when(self) -> _dt.datetime:
        return _dt.datetime.strptime(self.time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.UTC)

    @property
    def sums(self) -> str:
        return str(self.data.get("sums", ""))

    @property
    def digest(self) -> str:
        """SHA-256 of the entry's bytes: what the next entry names as ``previous``."""
        return sha256(self.raw)


def encode(data: dict) -> bytes:
    """An entry's bytes: JSON with sorted keys, two-space indents, UTF-8, one final newline."""
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


class ReleaseLog:
    """A snapshot of the committed log: what its newest checkpoint counts."""

    def __init__(self, folder: Path, checkpoint: bytes | None, entries: list[Entry]):
        self.folder = folder
        self.checkpoint_note = checkpoint
        self.entries = entries
        self.leaves = [merkle.leaf_hash(e.raw) for e in entries]

    @classmethod
    def open(cls, releases: Path) -> ReleaseLog:
        """The log of a folder of releases (an empty log where there is none yet)."""
        folder = Path(releases) / LOG_DIR
        head = folder / "checkpoint"
        if not head.exists():
            return cls(folder, None, [])
        note = head.read_bytes()
        text, _ = split(note)
        size = Checkpoint.parse(text).size
        entries = []
        for i in range(size):
            raw = (folder / "entries" / entry_name(i)).read_bytes()
            entries.append(Entry(i, raw, json.loads(raw)))
        return cls(folder, note, entries)

    @property
    def size(self) -> int:
        return len(self.entries)

    @property
    def checkpoint(self) -> Checkpoint | None:
        return Checkpoint.parse(split(self.checkpoint_note)[0]) if self.checkpoint_note else None

    @property
    def root(self) -> bytes:
        return merkle.root(self.leaves)

    @property
    def current(self) -> Entry | None:
        return self.entries[-1] if self.entries else None

    def releases(self) -> list[Entry]:
        """The first entry of each version published, in log order (rollbacks left out)."""
        seen: dict[str, Entry] = {}
        for e in self.entries:
            if e.kind == "release" and e.version not in seen:
                seen[e.version] = e
        return list(seen.values())

    def release(self, version: str) -> Entry | None:
        return next((e for e in self.entries if e.kind == "release" and e.version == version), None)

    def in_force(self, at: _dt.datetime) -> Entry | None:
        """The entry whose release was being served at ``at`` (None before the first)."""
        found = None
        for e in self.entries:
            if e.when <= at:
                found = e
        return found

    def inclusion(self, index: int, size: int | None = None) -> dict:
        """The audit path of entry ``index`` in the tree of ``size`` entries, as a document."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise IndexError(f"no entry {index} in a tree of {size}")
        leaves = self.leaves[:size]
        return proof_document("inclusion", index=index, size=size, leaf=leaves[index],
                              path=merkle.inclusion_proof(leaves, index), root=merkle.root(leaves),
                              sides=_sides(index, size))

    def consistency(self, first: int, second: int | None = None) -> dict:
        second = self.size if second is None else second
        if not 0 < first <= second <= self.size:
            raise IndexError(f"no consistency proof from {first} to {second} in a log of {self.size}")
        leaves = self.leaves[:second]
        return proof_document("consistency", first=first, second=second,
                              first_root=merkle.root(leaves[:first]), root=merkle.root(leaves),
                              path=merkle.consistency_proof(leaves, first))


def _sides(index: int, size: int) -> list[str]:
    """For each step of an inclusion proof, whether the proof's hash goes on the left or the
    right of the running hash (RFC 9162 §2.1.3.2), so a person can check it with shell tools."""
    sides = []
    fn, sn = index, size - 1
    while sn > 0:
        if fn & 1 or fn == sn:
            sides.append("left")
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sides.append("right")
        fn >>= 1
        sn >>= 1
    return sides


def proof_document(kind: str, *, path: list[bytes], sides: list[str] | None = None, **facts) -> dict:
    doc: dict = {"proof": kind, "hash": "SHA-256", "tree": "RFC 9162 §2.1"}
    for key, value in facts.items():
        doc[key] = value.hex() if isinstance(value, bytes) else value
    doc["path"] = [h.hex() for h in path]
    if sides is not None:
        doc["sides"] = sides
    return doc


# --- writing ------------------------------------------------------------------------------


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary name, fsync, rename, fsync."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)  # a full disk or a failing write leaves no part of a file
        if isinstance(exc, OSError) and exc.filename is None:  # write(2) and fsync(2) name no file
            exc.filename = str(path)
        raise
    sync_folder(path.parent)


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def tidy(folder: Path, size: int) -> list[str]:
    """Remove what an interrupted append left beyond the committed ``size``; the names removed."""
    removed = []
    for sub, pattern, limit in (("entries", _ENTRY, size - 1), ("checkpoints", _CHECKPOINT, size),
                                ("proofs", _PROOF, size)):
        where = folder / sub
        for path in sorted(where.iterdir()) if where.is_dir() else []:
            found = pattern.match(path.name)
            if (found and int(found[1]) > limit) or (path.name.startswith(".") and path.name.endswith(".tmp")):
                path.unlink(missing_ok=True)
                removed.append(f"{sub}/{path.name}")
    for path in folder.glob(".*.tmp"):
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def append(releases: Path, make: Callable[[ReleaseLog], dict | None], signer: Signer,
           public_pem: bytes) -> tuple[ReleaseLog, Entry | None]:
    """Add one entry, sign the new tree head and write its proofs, all under the log's lock.

    ``make`` is given the committed log and returns the entry's data (without ``index`` and
    ``previous``, which are set here), or None to add nothing. Returns the log as committed
    and the entry added (None if none was).
    """
    folder = Path(releases) / LOG_DIR
    with locked(folder):
        log = ReleaseLog.open(releases)
        tidy(folder, log.size)
        data = make(log)
        if data is None:
            return log, None
        for sub in ("entries", "checkpoints", "proofs"):
            (folder / sub).mkdir(exist_ok=True)
        if log.checkpoint is not None and log.checkpoint.origin != signer.name:
            raise CannotRun(Problem(
                "log-origin", f"發行紀錄的來源名稱為 {log.checkpoint.origin}，與簽章金鑰名稱 {signer.name} 不同。",
                f"The release log's origin is {log.checkpoint.origin}, not the signing key's name {signer.name}.",
                file=str(folder / "checkpoint"), check="log",
                fix_zh="以建置該紀錄時的 base 發布。", fix_en="Publish with the base the log was started with."))
        try:
            return _write(folder, log, data, signer, public_pem)
        except OSError:  # a full disk, a write refused: take back what was written beyond the commit
            tidy(folder, ReleaseLog.open(releases).size)  # (which may be this entry, if only a flush failed)
            raise


def _write(folder: Path, log: ReleaseLog, data: dict, signer: Signer,
           public_pem: bytes) -> tuple[ReleaseLog, Entry]:
    """Write an entry, its proofs and tree head, then commit: the body of :func:`append`."""
    n = log.size
    entry = dict(data, index=n, previous=log.entries[-1].digest if log.entries else None, log=FORMAT)
    raw = encode(entry)
    write_file(folder / "entries" / entry_name(n), raw)
    leaves = [*log.leaves, merkle.leaf_hash(raw)]
    grown = ReleaseLog(folder, None, [*log.entries, Entry(n, raw, entry)])
    write_file(folder / "proofs" / f"inclusion-{n}-{n + 1}.json", _json(grown.inclusion(n)))
    if n:
        write_file(folder / "proofs" / f"consistency-{n}-{n + 1}.json", _json(grown.consistency(n)))
    note = Checkpoint(signer.name, n + 1, merkle.root(leaves)).sign(signer)
    write_file(folder / "checkpoints" / str(n + 1), note)
    vkey = (signer.verifier.vkey + "\n").encode()
    for name, content in (("key", vkey), ("key.pem", public_pem)):
        if not (folder / name).exists() or (folder / name).read_bytes() != content:
            write_file(folder / name, content)
    write_file(folder / "checkpoint", note)  # the commit point
    grown.checkpoint_note = note
    return grown, grown.entries[-1]


def _json(doc: dict) -> bytes:
    return (json.dumps(doc, indent=2) + "\n").encode()


def root_b64(root: bytes) -> str:
    return base64.b64encode(root).decode()
