"""What the service says about the release history: the releases, a case's changes, TimeMaps.

Everything here is read from the release log the shelf holds (``request.app.state.shelf.log``,
a :class:`pipelines.log.store.ReleaseLog` snapshot that a reload replaces whole), once per
request, never kept: a request sees one consistent log.

* ``/releases/``: every entry of the log, newest first (JSON, or the portal's page for a
  browser): version, time, kind (a rollback names the release it returns to), reason, how many
  cases each release added, changed and removed, the SHA-256 of its ``SHA256SUMS``, and links
  to the release (``/releases/{v}/``, its downloads and SPARQL), its entry and its inclusion proof.
* ``/api/cases/{id}/history``: every entry whose changes name the case (added, changed --
  tables and fields --, removed; a rollback that undoes or redoes such a change), newest first,
  with the data-quality notes the case gained in that release (they often say why a value was
  corrected). 404 for a case no release ever had.
* ``/timemap/link/{path}``: the TimeMap of an original resource ``/id/...`` (RFC 7089 §5.1,
  https://www.rfc-editor.org/rfc/rfc7089#section-5.1, ``application/link-format``, RFC 6690):
  the original, the TimeMap itself with ``from`` and ``until``, the TimeGate (the original:
  ``/id/...`` negotiates in time, :rfc:`7089` §4.1) and one memento per release that has the
  resource, ``/releases/{v}/id/...``, dated by the version's first log entry.

Which releases have a resource is decided cheaply, without opening an old release's store: a
case by the log alone (each release's entry names the cases it added and removed against the
release it followed, so membership is walked along the log); an agency by the release's
``data/agencies.csv`` (a few hundred rows, read once per version: releases are immutable); a
catalogue resource whose slug holds a version (``dataset/lianzheng/1.0.0``, a distribution of
it) by that version alone; anything else (an activity, a document, a code ...) is listed in
every release, where a memento may answer 404 if the release lacks it.

The log's own files are served at stable URLs by :mod:`api.release_log`.
"""

from __future__ import annotations

import csv
import email.utils
import functools
import re
from collections.abc import Callable
from pathlib import Path

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from pipelines.log.store import Entry, ReleaseLog

from . import release_log
from .errors import ServiceError
from .media import negotiate

JSON = "application/json"
LINK_FORMAT = "application/link-format"
CASE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,199}")
VERSIONED = re.compile(r"(?:dataset|distribution)/[a-z0-9][a-z0-9-]*/([0-9][0-9a-z.+-]*)(?:/.*)?")


def shelf_log(request: Request) -> ReleaseLog:
    """The log as the shelf holds it now (read once per request)."""
    return request.app.state.shelf.log


def http_date(entry: Entry) -> str:
    """An entry's time as an RFC 1123 date (RFC 7089 §2.1.1, RFC 9110 §5.6.7)."""
    return email.utils.format_datetime(entry.when, usegmt=True)


def release_links(entry: Entry, size: int) -> dict:
    v = entry.version
    return {"release": f"/releases/{v}/", "downloads": f"/releases/{v}/downloads/",
            "sparql": f"/releases/{v}/sparql", "entry": f"/log/entries/{entry.index}",
            "inclusion": f"/log/proof/inclusion/{entry.index}?size={size}",
            "inclusion_file": f"/log/proofs/inclusion-{entry.index}-{entry.index + 1}.json"}


def listing(log: ReleaseLog) -> dict:
    """``/releases/`` as data: the log's head and every entry, newest first."""
    out = []
    for e in reversed(log.entries):
        changes = e.data.get("changes") or {}
        item = {"index": e.index, "version": e.version, "time": e.time, "kind": e.kind,
                "reason": str(e.data.get("reason", "")), "after": e.data.get("after"),
                "created": e.data.get("created", ""), "sums": e.sums,
                "rdf": (e.data.get("rdf") or {}).get("digest"), "current": e is log.current,
                "links": release_links(e, log.size)}
        if e.kind == "rollback":
            target = e.data.get("returns_to")
            item["returns_to"] = {"index": target, "version": e.version,
                                  "entry": f"/log/entries/{target}" if isinstance(target, int) else None}
        else:
            item["changes"] = {"added": len(changes.get("added") or []), "changed": len(changes.get("changed") or {}),
                               "removed": len(changes.get("removed") or [])}
        out.append(item)
    head = log.checkpoint
    return {"log": {"size": log.size, "root": log.root.hex() if log.size else None,
                    "origin": head.origin if head else None, "checkpoint": "/log/checkpoint",
                    "about": release_log.WELL_KNOWN},
            "current": log.current.version if log.current else None, "entries": out}


# ------------------------------------------------------------------ cases along the log

def presence(log: ReleaseLog, case_id: str) -> dict[str, bool]:
    """Whether each logged version holds the case, walked along the log's release entries: a
    release holds what the one it followed (``after``) held, plus what it added, less what it
    removed (the first release adds every case it has)."""
    held: dict[str, bool] = {}
    for e in log.releases():
        changes = e.data.get("changes") or {}
        before = held.get(str(e.data.get("after") or ""), False)
        if case_id in (changes.get("removed") or ()):
            held[e.version] = False
        else:
            held[e.version] = before or case_id in (changes.get("added") or ()) or \
                case_id in (changes.get("changed") or {})
    return held


def _between(log: ReleaseLog, rollback: Entry) -> list[Entry]:
    """The releases a rollback undoes (or, back to a later one, redoes): those after the lower of
    the two releases, up to the higher, in log order."""
    left = log.release(str(rollback.data.get("after") or ""))
    target = rollback.data.get("returns_to")
    if left is None or not isinstance(target, int):
        return []
    lo, hi = sorted((left.index, target))
    return [e for e in log.releases() if lo < e.index <= hi]


def _named(entry: Entry, case_id: str) -> str | None:
    changes = entry.data.get("changes") or {}
    if case_id in (changes.get("added") or ()):
        return "added"
    if case_id in (changes.get("removed") or ()):
        return "removed"
    if case_id in (changes.get("changed") or {}):
        return "changed"
    return None


@functools.lru_cache(maxsize=16)
def _notes_of(folder: Path, sums: str) -> dict[str, list[dict]]:
    """A release's quality notes by case (its ``data/quality_notes.csv``), read once: releases are
    immutable, and ``sums`` (its SHA256SUMS digest) keys the copy."""
    path = folder / "data" / "quality_notes.csv"
    out: dict[str, list[dict]] = {}
    if path.is_file():
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                out.setdefault(row.get("case_id", ""), []).append(row)
    return out


def _note(row: dict) -> dict:
    return {"id": row.get("note_id", ""), "type": row.get("type", ""), "field": row.get("field", ""),
            "official_value": row.get("official_value", ""), "other_value": row.get("other_value", ""),
            "description": {"zh": row.get("description_zh", ""), "en": row.get("description_en", "")},
            "resolution": {"zh": row.get("resolution_zh", ""), "en": row.get("resolution_en", "")},
            "iri": row.get("iri", "")}


def added_notes(log: ReleaseLog, releases: Path, entry: Entry, case_id: str) -> list[dict]:
    """The quality notes of ``case_id`` in ``entry``'s release that the release it followed lacked."""
    mine = _notes_of(releases / entry.version, entry.sums).get(case_id, [])
    before = log.release(str(entry.data.get("after") or ""))
    if before is None:
        return [_note(r) for r in mine]
    had = {r.get("note_id") for r in _notes_of(releases / before.version, before.sums).get(case_id, [])}
    return [_note(r) for r in mine if r.get("note_id") not in had]


def case_history(log: ReleaseLog, releases: Path, case_id: str) -> list[dict] | None:
    """What happened to ``case_id`` in the log, newest first; None if no release ever had it."""
    held = presence(log, case_id)
    if not any(held.values()) and not any(_named(e, case_id) for e in log.releases()):
        return None
    out = []
    for e in reversed(log.entries):
        item: dict = {"index": e.index, "version": e.version, "time": e.time, "kind": e.kind,
                      "reason": str(e.data.get("reason", "")), "after": e.data.get("after")}
        if e.kind == "rollback":
            undone = [x.version for x in _between(log, e) if _named(x, case_id)]
            if not undone:
                continue
            item.update(change="rollback", releases=undone)
        else:
            change = _named(e, case_id)
            if change is None:
                continue
            item["change"] = change
            detail = (e.data.get("changes") or {}).get("changed", {}).get(case_id) or {}
            for key in ("tables", "fields", "rows_added", "rows_removed"):
                if key in detail:
                    item[key] = detail[key]
            item["notes"] = added_notes(log, releases, e, case_id) if change != "removed" else []
        item["in_release"] = held.get(e.version, False)
        links = {"entry": f"/log/entries/{e.index}", "release": f"/releases/{e.version}/"}
        if item["in_release"]:
            links["case"] = f"/releases/{e.version}/id/case/{case_id}"
        item["links"] = links
        out.append(item)
    return out


# ------------------------------------------------------------------ TimeMaps

@functools.lru_cache(maxsize=64)
def _agencies_of(folder: Path, sums: str) -> frozenset[str]:
    path = folder / "data" / "agencies.csv"
    if not path.is_file():
        return frozenset()
    with open(path, encoding="utf-8", newline="") as fh:
        return frozenset(row.get("agency_id", "") for row in csv.DictReader(fh))


def holders(log: ReleaseLog, releases: Path, path: str) -> list[Entry]:
    """The first entry of each release that has the resource at ``path`` (``id/kind/slug``)."""
    _, kind, slug = (path.split("/", 2) + ["", ""])[:3]
    first = log.releases()
    if kind == "case":
        held = presence(log, slug)
        return [e for e in first if held.get(e.version)]
    if kind == "agency":
        return [e for e in first if slug in _agencies_of(releases / e.version, e.sums)]
    versioned = VERSIONED.fullmatch(f"{kind}/{slug}")
    if versioned:
        return [e for e in first if e.version == versioned[1]]
    return first


def timemap(log: ReleaseLog, releases: Path, path: str, public: str) -> str | None:
    """The link-format TimeMap of ``/{path}``, or None if no release has the resource."""
    mementos = holders(log, releases, path)
    if not mementos:
        return None
    original = f"{public}/{path}"
    first, last = mementos[0], mementos[-1]
    lines = [f'<{original}>; rel="original"',
             f'<{public}/timemap/link/{path}>; rel="self"; type="{LINK_FORMAT}"; '
             f'from="{http_date(first)}"; until="{http_date(last)}"',
             f'<{original}>; rel="timegate"']
    for i, e in enumerate(mementos):
        rel = " ".join(x for x in ("first" if i == 0 else "", "last" if i == len(mementos) - 1 else "",
                                   "memento") if x)
        lines.append(f'<{public}/releases/{e.version}/{path}>; rel="{rel}"; datetime="{http_date(e)}"')
    return ",\n".join(lines) + "\n"


# ------------------------------------------------------------------ routes

def build_router(render_page: Callable[[Request, dict], Response]) -> APIRouter:
    """The routes; ``render_page(request, listing)`` is the portal's page of the releases."""
    router = APIRouter(tags=["history"])

    @router.head("/releases/", include_in_schema=False)
    @router.get("/releases/", summary="Every release in the log, newest first",
                description="JSON (for `Accept: application/json` or `?format=json`) or HTML: each entry's "
                "version, time, kind, reason, change counts, SHA-256 of SHA256SUMS and links.")
    async def releases(request: Request, format: str | None = None):
        if format not in (None, "json", "html"):
            raise ServiceError(400, f"format {format!r} is not json or html")
        chosen = negotiate(request.headers.get("accept"), ("html", "json"))
        if format is None and chosen is None:
            raise ServiceError(406, "the list of releases is available as text/html or application/json",
                               headers={"Vary": "Accept"})
        data = listing(shelf_log(request))
        if format == "html" or (format is None and chosen is not None and chosen[0].key == "html"):
            page = await run_in_threadpool(render_page, request, data)
            page.headers["Vary"] = "Accept"
            page.headers["Cache-Control"] = "no-cache"
            return page
        return Response(orjson.dumps(data), media_type=JSON, headers={"Vary": "Accept", "Cache-Control": "no-cache"})

    @router.get("/api/cases/{case_id}/history", summary="What changed in a case, release by release",
                responses={404: {"description": "no release ever had the case"}})
    async def history(request: Request, case_id: str):
        if not CASE_ID.fullmatch(case_id):
            raise ServiceError(404, f"no case with id {case_id!r} in any release")
        shelf = request.app.state.shelf
        found = await run_in_threadpool(case_history, shelf.log, shelf.releases, case_id)
        if found is None:
            raise ServiceError(404, f"no case with id {case_id!r} in any release")
        return Response(orjson.dumps({"case": case_id, "history": found}), media_type=JSON,
                        headers={"Cache-Control": "no-cache"})

    @router.head("/timemap/link/{path:path}", include_in_schema=False)
    @router.get("/timemap/link/{path:path}", summary="The TimeMap of an original resource /id/... (RFC 7089)",
                response_class=Response, responses={404: {"description": "no release has the resource"}})
    async def timemap_route(request: Request, path: str):
        settings = request.app.state.settings
        public = settings.url
        for prefix in (public + "/", settings.base.rstrip("/") + "/"):  # a full URI-R, as clients send it
            for form in (prefix, prefix.replace("://", ":/", 1)):  # a proxy may fold the double slash
                if path.startswith(form):
                    path = path[len(form):]
        path = path.lstrip("/")
        if not path.startswith("id/") or path.count("/") < 2 or len(path) > 400 or ".." in path:
            raise ServiceError(404, f"no original resource /{path}: a TimeMap is of /id/{{kind}}/{{slug}}")
        shelf = request.app.state.shelf
        body = await run_in_threadpool(timemap, shelf.log, shelf.releases, path, public)
        if body is None:
            raise ServiceError(404, f"no release has /{path}")
        return Response(body, media_type=LINK_FORMAT, headers={"Cache-Control": "no-cache"})

    return router
