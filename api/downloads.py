"""Downloads: every file of the release, with validators, compression and ranges.

RFC 9110 (https://www.rfc-editor.org/rfc/rfc9110): strong ``ETag`` (section 8.8.3)
from the file's SHA-256 in ``SHA256SUMS``, ``Last-Modified`` (8.8.2) from the
release's ``created``; ``If-None-Match`` and ``If-Modified-Since`` answer 304
(13.1.2, 13.1.3); ``Range`` gives 206 or 416 (14.2, 15.3.7, 15.5.17), honouring
``If-Range`` (13.1.5); text formats are gzip-compressed when ``Accept-Encoding``
allows it (8.4, 12.5.3), with their own ETag (a strong validator names one
representation), and ranges are always of the uncompressed file.

Only files listed in ``SHA256SUMS`` (and that file itself) can be named: a
path is looked up in that list, never joined to a folder, so nothing outside
the release can be reached.
"""


import datetime as _dt
import email.utils
import hashlib
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from pipelines.checksums import SUMS

from .errors import ServiceError
from .media import negotiate

CHUNK = 256 * 1024
MEDIA_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".ttl": "text/turtle; charset=utf-8",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".atom": "application/atom+xml; charset=utf-8",  # as /feeds/changes.atom
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain; charset=utf-8",
    ".zip": "application/zip",
}
COMPRESSIBLE = {".csv", ".json", ".jsonld", ".ttl", ".nt", ".rdf", ".atom", ".txt", ""}


@dataclass(frozen=True)
class File:
    name: str  # path in the release, as SHA256SUMS writes it
    path: Path
    sha256: str
    size: int
    media_type: str
    compressible: bool


def http_date(moment: _dt.datetime) -> str:
    return email.utils.format_datetime(moment.replace(tzinfo=_dt.UTC), usegmt=True)


def _parse_http_date(text: str) -> _dt.datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=_dt.UTC)


def _etags(header: str) -> list[str]:
    """The entity tags of an If-None-Match / If-Range header, weak prefixes dropped."""
    return [t.strip().removeprefix("W/") for t in re.findall(r'(?:W/)?"[^"]*"|\*', header)]


def accepts_gzip(header: str | None) -> bool:
    if not header:
        return False
    star = None
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        q = 1.0
        m = re.search(r"q\s*=\s*([0-9.]+)", params)
        if m:
            try:
                q = float(m.group(1))
            except ValueError:
                q = 0.0
        if name in ("gzip", "x-gzip"):
            return q > 0
        if name == "*":
            star = q > 0
    return bool(star)


class Downloads:
    """The release's files. ``browser_page(request)`` is the portal's downloads page, which a
    browser asking ``/downloads/`` for HTML gets."""

    def __init__(self, release: Path, created: str, version: str, browser_page: Callable[[Request], Response]):
        self.release = Path(release)
        self.browser_page = browser_page
        self.version = version or self.release.name
        self.created = _dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ") if created else \
            _dt.datetime(1970, 1, 1)
        self.last_modified = http_date(self.created)
        sums = self.release / SUMS
        self.files: dict[str, File] = {}
        for line in sums.read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            if name:
                self.files[name] = self._file(name, digest)
        raw = sums.read_bytes()
        self.files[SUMS] = self._file(SUMS, hashlib.sha256(raw).hexdigest())

    def _file(self, name: str, digest: str) -> File:
        path = self.release / name
        suffix = Path(name).suffix
        return File(name, path, digest, path.stat().st_size, MEDIA_TYPES.get(suffix, "text/plain; charset=utf-8"
                                                                          if name == SUMS else
                                                                          "application/octet-stream"),
                    suffix in COMPRESSIBLE)

    def index(self) -> dict:
        return {"release": self.version, "created": self.created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "files": [{"path": f.name, "url": f"/downloads/{f.name}", "media_type": f.media_type,
                           "bytes": f.size, "sha256": f.sha256} for f in self.files.values()]}

    # ------------------------------------------------------------------ one file

    def serve(self, request: Request, name: str) -> Response:
        f = self.files.get(name)
        if f is None:
            raise ServiceError(404, f"no file {name!r} in this release", detail={"index": "/downloads/"})
        identity_tag = f'"{f.sha256}"'
        gzip_tag = f'"{f.sha256}-gzip"'
        headers = {"Last-Modified": self.last_modified, "Cache-Control": "public, no-cache",
                   "Accept-Ranges": "bytes"}
        if f.compressible:
            headers["Vary"] = "Accept-Encoding"
        use_gzip = f.compressible and accepts_gzip(request.headers.get("accept-encoding"))

        inm = request.headers.get("if-none-match")
        ims = request.headers.get("if-modified-since")
        if inm is not None:
            tags = _etags(inm)
            if "*" in tags or identity_tag in tags or gzip_tag in tags:
                return Response(status_code=304, headers=dict(headers, ETag=gzip_tag if use_gzip else identity_tag))
        elif ims is not None:
            since = _parse_http_date(ims)
            if since is not None and self.created.replace(tzinfo=_dt.UTC) <= since:
                return Response(status_code=304, headers=dict(headers, ETag=gzip_tag if use_gzip else identity_tag))

        rng = request.headers.get("range")
        if rng is not None and request.method in ("GET", "HEAD") and self._if_range_ok(request, identity_tag):
            span = self._range(rng, f.size)
            if span == "unsatisfiable":
                raise ServiceError(416, f"the range {rng!r} is outside the file ({f.size} bytes)",
                                   headers={"Content-Range": f"bytes */{f.size}", **headers})
            if span is not None:
                start, end = span
                h = dict(headers, ETag=identity_tag, **{"Content-Range": f"bytes {start}-{end}/{f.size}",
                                                        "Content-Length": str(end - start + 1)})
                if request.method == "HEAD":
                    return Response(status_code=206, headers=h, media_type=f.media_type)
                return StreamingResponse(_read(f.path, start, end + 1), status_code=206, headers=h,
                                         media_type=f.media_type)

        if use_gzip:
            h = dict(headers, ETag=gzip_tag, **{"Content-Encoding": "gzip"})
            if request.method == "HEAD":
                return Response(status_code=200, headers=h, media_type=f.media_type)
            return StreamingResponse(_gzip(f.path), headers=h, media_type=f.media_type)
        h = dict(headers, ETag=identity_tag, **{"Content-Length": str(f.size)})
        if request.method == "HEAD":
            return Response(status_code=200, headers=h, media_type=f.media_type)
        return StreamingResponse(_read(f.path, 0, f.size), headers=h, media_type=f.media_type)

    def _if_range_ok(self, request: Request, identity_tag: str) -> bool:
        """Whether a Range applies: no If-Range, or an If-Range naming this version."""
        cond = request.headers.get("if-range")
        if cond is None:
            return True
        cond = cond.strip()
        if cond.startswith(("\"", "W/")):
            return not cond.startswith("W/") and cond == identity_tag  # strong comparison
        when = _parse_http_date(cond)
        return when is not None and when == self.created.replace(tzinfo=_dt.UTC)

    @staticmethod
    def _range(header: str, size: int):
        """(start, end) inclusive for one byte range; None to ignore; "unsatisfiable" for 416."""
        m = re.fullmatch(r"\s*bytes\s*=\s*([^,]+)\s*", header)
        if not m:
            return None  # several ranges or another unit: send the whole file (allowed by 14.2)
        spec = m.group(1).strip()
        first, dash, last = spec.partition("-")
        if not dash:
            return None
        first, last = first.strip(), last.strip()
        if first == "":
            if not last.isdigit():
                return None
            n = int(last)
            if n == 0 or size == 0:
                return "unsatisfiable"
            return max(0, size - n), size - 1
        if not first.isdigit() or (last and not last.isdigit()):
            return None
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return None  # invalid: ignored (RFC 9110 14.1.1)
        if start >= size:
            return "unsatisfiable"
        return start, min(end, size - 1)


def _read(path: Path, start: int, stop: int):
    with open(path, "rb") as fh:
        fh.seek(start)
        left = stop - start
        while left > 0:
            block = fh.read(min(CHUNK, left))
            if not block:
                break
            left -= len(block)
            yield block


def _gzip(path: Path):
    z = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip wrapper
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(CHUNK), b""):
            out = z.compress(block)
            if out:
                yield out
    yield z.flush()


def build_router(dl: Downloads) -> APIRouter:
    router = APIRouter(tags=["downloads"])

    @router.head("/downloads/", include_in_schema=False)
    @router.get("/downloads/", summary="The files of this release",
                      description="JSON (default) or HTML (for browsers): every file with its size, "
                      "media type and SHA-256.")
    async def index(request: Request):
        chosen = negotiate(request.headers.get("accept"), ("json", "html"))
        if chosen is None:
            raise ServiceError(406, "the index is available as application/json or text/html")
        if chosen[0].key == "html":  # the portal's downloads page
            page = await run_in_threadpool(dl.browser_page, request)
            page.headers["Vary"] = "Accept"
            return page
        return Response(orjson.dumps(dl.index()), media_type="application/json",
                        headers={"Vary": "Accept"})

    @router.head("/downloads/{name:path}", include_in_schema=False)
    @router.get("/downloads/{name:path}", summary="One file of this release",
                      response_class=Response,
                      description="Strong ETag (SHA-256), Last-Modified, 304 on If-None-Match / "
                      "If-Modified-Since, Range (206/416), gzip for text formats.",
                      responses={206: {"description": "a byte range"}, 304: {"description": "not modified"},
                                 404: {"description": "no such file"}, 416: {"description": "bad range"}})
    async def download(request: Request, name: str):
        return dl.serve(request, name)

    return router
