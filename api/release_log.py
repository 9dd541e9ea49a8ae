"""The release log at stable URLs, for anyone who checks it (RFC 9162 §2.1, C2SP signed notes).

=======================================  ============================================================
URL                                      what
=======================================  ============================================================
``/log/checkpoint``                      the newest signed tree head, its bytes as on disk
                                         (C2SP tlog-checkpoint; ``text/plain``, ``no-cache`` + ETag)
``/log/checkpoints/{size}``              the tree head signed at each size (immutable)
``/log/entries/{index}``                 an entry's exact bytes: the Merkle leaf (immutable)
``/log/proof/inclusion/{index}?size=N``  the audit path of an entry in the tree of N entries
                                         (N: the log's size when absent, then not cacheable)
``/log/proof/consistency/{m}/{n}``       that the tree of n entries extends the tree of m
``/log/proofs/{name}``                   the proof files each publish wrote (inclusion-i-n.json,
                                         consistency-m-n.json)
``/log/key``, ``/log/key.pem``           the publisher's verifier key (C2SP vkey) and the same key
                                         as SubjectPublicKeyInfo PEM, for ``openssl``
``/.well-known/lianzheng-log``           where all of these are and which algorithms they use
=======================================  ============================================================

The well-known name is this project's own, ``lianzheng-log`` (RFC 8615 §3 leaves the choice to
the site; no registered suffix describes a C2SP log): JSON with the log's origin, its vkey, the
key's PEM URL, the checkpoint URL and the URL templates of entries, tree heads and proofs.

Every proof is computed from the shelf's snapshot of the log (``ReleaseLog.inclusion`` and
``.consistency``), so a client gets one for any pair of sizes, not only those a publish wrote.
What a size or index names never changes once the log holds it: those answers are
``Cache-Control: public, max-age=31536000, immutable``. An index or size the log does not hold
(yet) is 404, a size that cannot hold the index 400, both in the one error body.
"""

from __future__ import annotations

import hashlib
import re

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from pipelines.log.store import ReleaseLog

from .errors import ServiceError

WELL_KNOWN = "/.well-known/lianzheng-log"
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
PEM = "application/x-pem-file"
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
PROOF_FILE = re.compile(r"(inclusion|consistency)-(\d{1,12})-(\d{1,12})\.json")
ALGORITHMS = {
    "tree": "RFC 9162 §2.1 Merkle tree hash, SHA-256 (leaf = SHA-256(0x00 || entry bytes))",
    "checkpoint": "C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint)",
    "signature": "Ed25519, C2SP signed-note key type 0x01 (https://c2sp.org/signed-note)",
    "cosignature": "C2SP tlog-cosignature, type 0x04 (https://c2sp.org/tlog-cosignature)",
    "entry": "JSON, sorted keys, UTF-8; previous = SHA-256 of the previous entry's bytes",
    "release": "SHA-256 of the release's SHA256SUMS",
    "rdf": "RDFC-1.0 canonical N-Quads, SHA-256",
}

router = APIRouter(tags=["release log"])


def _log(request: Request) -> ReleaseLog:
    log = request.app.state.shelf.log
    if log.checkpoint_note is None:
        raise ServiceError(404, "no release has been logged yet")
    return log


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest() + '"'


def _fresh(request: Request, body: bytes, media_type: str) -> Response:
    """A body that may change: ``no-cache`` with a strong ETag, 304 when the client has it."""
    tag = _etag(body)
    headers = {"Cache-Control": "no-cache", "ETag": tag}
    inm = request.headers.get("if-none-match") or ""
    if tag in [t.strip().removeprefix("W/") for t in inm.split(",")] or inm.strip() == "*":
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def _fixed(body: bytes, media_type: str) -> Response:
    return Response(body, media_type=media_type, headers=dict(IMMUTABLE, ETag=_etag(body)))


def _json(doc: dict) -> bytes:
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


def _in_log(log: ReleaseLog, what: str, n: int, *, lowest: int = 0) -> None:
    if n < lowest:
        raise ServiceError(400, f"{what} {n} is below {lowest}")
    if n > log.size or (what == "index" and n == log.size):
        raise ServiceError(404, f"the log holds {log.size} entries: there is no {what} {n}",
                           detail={"size": log.size, "checkpoint": "/log/checkpoint"})


@router.get("/log/checkpoint", summary="The newest signed tree head (C2SP tlog-checkpoint)",
            response_class=Response)
async def checkpoint(request: Request):
    return _fresh(request, _log(request).checkpoint_note or b"", TEXT)


@router.get("/log/checkpoints/{size}", summary="The tree head signed at a size", response_class=Response)
async def checkpoint_at(request: Request, size: int):
    log = _log(request)
    _in_log(log, "size", size, lowest=1)
    if size == log.size:
        return _fixed(log.checkpoint_note or b"", TEXT)
    return _fixed((log.folder / "checkpoints" / str(size)).read_bytes(), TEXT)


@router.get("/log/entries/{index}", summary="An entry's exact bytes (the Merkle leaf)", response_class=Response)
async def entry(request: Request, index: int):
    log = _log(request)
    _in_log(log, "index", index)
    return _fixed(log.entries[index].raw, JSON)


@router.get("/log/proof/inclusion/{index}", summary="An entry's inclusion proof (RFC 9162 §2.1.3)",
            response_class=Response)
async def inclusion(request: Request, index: int, size: int | None = Query(None, description="tree size")):
    log = _log(request)
    _in_log(log, "index", index)
    if size is not None:
        _in_log(log, "size", size, lowest=1)
        if size <= index:
            raise ServiceError(400, f"a tree of {size} entries does not hold entry {index}")
        return _fixed(_json(log.inclusion(index, size)), JSON)
    return _fresh(request, _json(log.inclusion(index, log.size)), JSON)


@router.get("/log/proof/consistency/{first}/{second}", summary="A consistency proof (RFC 9162 §2.1.4)",
            response_class=Response)
async def consistency(request: Request, first: int, second: int):
    log = _log(request)
    _in_log(log, "size", first, lowest=1)
    _in_log(log, "size", second, lowest=1)
    if first > second:
        raise ServiceError(400, f"a tree of {second} entries cannot extend one of {first}")
    return _fixed(_json(log.consistency(first, second)), JSON)


@router.get("/log/proofs/{name}", summary="A proof file a publish wrote", response_class=Response)
async def proof_file(request: Request, name: str):
    log = _log(request)
    found = PROOF_FILE.fullmatch(name)
    path = log.folder / "proofs" / name
    if found is None or int(found[3]) > log.size or not path.is_file():
        raise ServiceError(404, f"no proof file {name!r} in the log")
    return _fixed(path.read_bytes(), JSON)


@router.get("/log/key", summary="The publisher's verifier key (C2SP vkey)", response_class=Response)
async def key(request: Request):
    return _fresh(request, (_log(request).folder / "key").read_bytes(), TEXT)


@router.get("/log/key.pem", summary="The publisher's public key (PEM, for openssl)", response_class=Response)
async def key_pem(request: Request):
    return _fresh(request, (_log(request).folder / "key.pem").read_bytes(), PEM)


@router.get(WELL_KNOWN, summary="Where the release log is and how to check it", response_class=Response)
async def well_known(request: Request):
    log = _log(request)
    head = log.checkpoint
    public = request.app.state.settings.url
    doc = {
        "origin": head.origin if head else None,
        "vkey": (log.folder / "key").read_text(encoding="utf-8").strip(),
        "key_pem": f"{public}/log/key.pem",
        "key": f"{public}/log/key",
        "checkpoint": f"{public}/log/checkpoint",
        "checkpoints": f"{public}/log/checkpoints/{{size}}",
        "entries": f"{public}/log/entries/{{index}}",
        "inclusion": f"{public}/log/proof/inclusion/{{index}}?size={{size}}",
        "consistency": f"{public}/log/proof/consistency/{{first}}/{{second}}",
        "releases": f"{public}/releases/",
        "size": log.size,
        "algorithms": ALGORITHMS,
    }
    return _fresh(request, _json(doc), JSON)
