"""The switchboard: every release in the log served at once, and the current one switched live.

An outer ASGI app (what uvicorn runs) holding one inner app per open release, each made by
:func:`api.app.create_app` and started by running its lifespan here. Each request goes to one:

* ``/releases/{version}/...`` to that release's app, the prefix stripped from ``path`` and
  ``raw_path`` and added to ``root_path`` (so ``/releases/1.0.0/sparql`` is SPARQL over
  1.0.0, ``.../downloads/`` its files, ``.../id/...`` its linked data, its mementos);
* any path with ``?release=VERSION`` to that release's app, the parameter dropped (404 in the
  one error body for a version the log does not name) and the prefix put in ``root_path``, as
  if asked at ``/releases/{version}/...``: the app's links (pages, ``Link``, ``Location``) then
  name the release by its prefix, and a client that follows them stays in it;
* the write side (:data:`api.submissions.WRITE_SIDE`: submissions, their pages, the release
  step) belongs to the service, not to a release: under a release's prefix or with
  ``?release=`` it answers 404, and a past release's pages and API reference never name it;
* everything else, ``/releases/`` (the listing), ``/log/...`` and ``/timemap/...`` too, to
  the current release: the log's current entry (:attr:`ReleaseLog.current`; with no log,
  the ``latest`` link). ``/id/...`` there is a Memento original and TimeGate (:mod:`api.memento`).

**A store per release, not a named graph per release in one store.** Each release already
has its own cached pyoxigraph store (:mod:`api.store.embedded`, keyed by the release's
checksums), built once and opened read-only: a past release costs nothing until asked for
and is closed again when idle, which one growing store cannot do; a query over one release
needs no ``FROM`` rewriting (the release's own named graphs, vocabulary and shapes, stay as
they are, and a query cannot reach another release by naming its graph); a release's store
is as immutable as its folder, where one shared store would be rewritten at every publish
(a write while the workers read, and a million triples copied per release at 10k cases).

**Opening.** The current release opens fully at start. Past ones open on their first request
(with ``query_workers=1``: they cost a worker process and the reconciliation worker each),
and close after ``release_idle`` seconds without a request, or when more than
``releases_open`` are open (the one used the least recently first). An app closes only when
the requests it is answering have finished (each app counts its own).

**Switching.** Every ``log_poll`` seconds (and at once on SIGHUP) the log's ``checkpoint``
file is looked at (and the ``latest`` link); when the release it puts in service is not the
current one, that release is opened fully in the background -- tables, store, query workers,
its SHA256SUMS against the log and every file against SHA256SUMS -- while the old one serves;
then the current reference is replaced (one assignment: a request goes to the old or the new).
A release that fails to open is logged and never switched to, and is tried again only when
the log changes again. The old current release becomes a past release, under the rules above.
A rollback entry switches back the same way.

**Memory.** ``create_app``'s lifespan freezes the collector's view of the release
(``gc.freeze``, :mod:`api.app`). A closed app's objects would then stay frozen for ever, so
once apps have closed everything is unfrozen, collected and the rest frozen again: one full
pass, at most every :data:`COLLECT_EVERY` seconds and in a quiet moment (no request for
:data:`COLLECT_QUIET` seconds; under a load that never pauses, once :data:`COLLECT_PENDING`
closed apps wait or after :data:`COLLECT_LATEST` seconds), and FastAPI's memos of the closed app's
endpoints are cleared (:func:`forget_endpoints`), which otherwise kept every closed app whole.
The pass stops the event loop for as long as it walks every open app: 0.3-1.4 s with one
10k-case release open, 2.5-3.3 s with eleven to sixteen (``bench/switch_bench.py``).

**Measured** (``bench/switch_bench.py``, 10k cases, 1.13M triples a release, 2 shared cores,
three switches under a saturating wrk load, the same run's rest as the baseline): a past release
costs about 480 MB PSS open (its tables in this process and its query and reconciliation
workers); it opens in 4-7 s with a warm store cache; no request failed. Opened at full speed
(``open_share`` 1, as before :mod:`api.pacing`), lookups ran at 0.55 of the rate at rest while
switching, p99 355 ms, and each switch was served 9-10 s after the log's commit; with the
opening at ``open_share`` 0.1 and the collection deferred to a quiet moment, 0.83 (p99 44 ms,
worst 213 ms), each switch served 57-59 s after the commit under that load (an idle service
opens at full speed). What is left of the gap is work the pacing does not reach: the new
release's worker processes starting on the same two cores, and long calls into C.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import gc
import json
import logging
import re
import signal
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import State

from pipelines.checksums import SUMS, sha256_file, verify_sums
from pipelines.publish import latest_release
from pipelines.release import MANIFEST

from . import memento
from .errors import error_response
from .pacing import paced
from .portal.render import portal_for
from .served_release import CURRENT, Opened, OpenFailed, forget_endpoints
from .shelf import Shelf
from .submissions import WRITE_SIDE

log = logging.getLogger("lianzheng.switchboard")

PREFIX = "/releases/"
_RELEASE_PATH = re.compile(r"^/releases/([^/]+)(/.*)?$")
_READ = ("GET", "HEAD")
COLLECT_EVERY = 30.0  # seconds between the full collections that free closed apps (each stops the loop)
COLLECT_QUIET = 0.5  # ... made when no request has come for this long,
COLLECT_PENDING = 3  # or once this many closed apps wait (each holds its release's memory),
COLLECT_LATEST = 300.0  # or this many seconds after the first of them closed, whatever the load


class Switchboard:
    """The outer app. ``release`` is the folder to open first; ``fixed``: serve it whatever the
    log says (``settings.release``), past releases of its log still served."""

    def __init__(self, settings, shelf: Shelf, release: Path, *, fixed: bool = False):
        self.settings = settings
        self.past_settings = replace(settings, query_workers=1)
        self.shelf = shelf
        self.first = Path(release)
        self.fixed = fixed
        self.public = settings.public_url.rstrip("/")
        self.state = State()  # api.server puts the connection guard here; each inner app gets it
        self.current: Opened | None = None
        self.past: collections.OrderedDict[str, Opened] = collections.OrderedDict()  # least recent first
        self.switches = 0
        self._opening: dict[str, asyncio.Task] = {}
        self._failed: dict[str, bytes | None] = {}  # past versions that did not open, under which log
        self._refused: tuple[str, bytes | None] | None = None  # the switch that failed, under which log
        self._tasks: set[asyncio.Task] = set()
        self._seen = self._mark()
        self._wake: asyncio.Event | None = None
        self._collect_due, self._collected_at = False, time.monotonic()
        self._request_at = 0.0  # when the last request came (an opening steps aside while they come)
        self._pending, self._pending_since = 0, 0.0  # closed apps not yet collected, since when

    # -- ASGI

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        await self._dispatch(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # noqa: BLE001 - uvicorn stops, saying why
                    log.exception("the release %s could not be opened", self.first)
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _dispatch(self, scope, receive, send) -> None:
        self._request_at = time.monotonic()
        current = self.current
        assert current is not None, "a request before the lifespan started"
        path = scope["path"]
        found = _RELEASE_PATH.match(path)
        if found and self.known(found[1]):
            version = found[1]
            prefix = PREFIX + version
            raw = scope.get("raw_path") or path.encode("utf-8")
            raw_rest = raw[len(prefix.encode("utf-8")):] if raw.startswith(prefix.encode("utf-8")) else b""
            rest = found[2] or "/"
            if _writes(rest):
                await _no_writes(scope, receive, send)
                return
            scope = dict(scope, path=rest, raw_path=raw_rest or b"/", root_path=scope.get("root_path", "") + prefix,
                         **{CURRENT: current.version})
            original = (raw_rest or b"/").decode("latin-1") if rest.startswith(memento.ORIGINAL_PREFIX) else None
            await self._serve(version, scope, receive, send, original, prefix)
            return
        query = scope.get("query_string", b"")
        if b"release=" in query:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            asked = [v for k, v in pairs if k == "release"]
            if asked:
                if _writes(path):
                    await _no_writes(scope, receive, send)
                    return
                if not self.known(asked[-1]):
                    await error_response(404, f"no release {asked[-1][:64]}: see /releases/")(scope, receive, send)
                    return
                kept = urlencode([(k, v) for k, v in pairs if k != "release"]).encode("latin-1")
                prefix = PREFIX + asked[-1]
                scope = dict(scope, query_string=kept, root_path=scope.get("root_path", "") + prefix,
                             **{CURRENT: current.version})
                await self._serve(asked[-1], scope, receive, send, None, prefix)
                return
        if (path.startswith(memento.ORIGINAL_PREFIX) and scope["type"] == "http" and scope["method"] in _READ
                and self.shelf.log.size):
            raw_path = (scope.get("raw_path") or path.encode("utf-8")).decode("latin-1")
            link = memento.links(self.public, raw_path)
            asked_at = _header(scope, b"accept-datetime")
            if asked_at is not None:
                await self._timegate(scope, receive, send, asked_at, raw_path, link)
                return
            send = memento.with_headers(send, link=link, vary=True, memento=None)
        await current(scope, receive, send)

    async def _timegate(self, scope, receive, send, asked_at: str, raw_path: str, link: str) -> None:
        when = memento.parse_accept_datetime(asked_at)
        if when is None:
            await error_response(400, "Accept-Datetime is not an RFC 1123 date (such as Thu, 01 Jan 2026 "
                                 "00:00:00 GMT)", headers={"Vary": "accept-datetime"})(scope, receive, send)
            return
        entries = self.shelf.log
        entry = entries.in_force(when) or entries.entries[0]  # before the first release: the first
        location = f"{self.public}{PREFIX}{entry.version}{raw_path}".encode("latin-1")
        if scope.get("query_string"):
            location += b"?" + scope["query_string"]
        await memento.redirect(send, location, link)

    async def _serve(self, version: str, scope, receive, send, original: str | None, prefix: str = "") -> None:
        current = self.current
        assert current is not None
        opened: Opened | None = current if version == current.version else await self._past(version)
        if opened is None or opened.closed:
            await error_response(503, f"release {version} could not be opened", headers={"Retry-After": "5"})(
                scope, receive, send)
            return
        entry = self.shelf.log.release(version)
        if original is not None and entry is not None and scope.get("method") in _READ:
            send = memento.with_headers(send, link=memento.links(self.public, original), vary=False,
                                        memento=memento.http_date(entry.when))
        if prefix:  # innermost: the app's own links, not the Memento ones
            send = rooted(send, prefix, _header(scope, b"host"))
        await opened(scope, receive, send)

    def known(self, version: str) -> bool:
        current = self.current
        return (current is not None and version == current.version) or self.shelf.log.release(version) is not None

    # -- opening and closing

    def _make(self, version: str, folder: Path, full: bool):
        """The app of one release (in a thread: tables and store take seconds at 10k cases)."""
        from .app import create_app

        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if str(manifest.get("version", "")) != version:
            raise OpenFailed(f"{folder / MANIFEST} says version {manifest.get('version')!r}, not {version}")
        entry = self.shelf.log.release(version)
        if entry is not None and sha256_file(folder / SUMS) != entry.sums:
            raise OpenFailed(f"{folder / SUMS} is not the one entry {entry.index} of the log names")
        if full:
            problems = verify_sums(folder)
            if problems:
                raise OpenFailed(f"{folder}: {problems[0].message_en}")
        with paced(self.settings.open_share, self._busy):
            app = create_app(self.settings if full else self.past_settings, folder, self.shelf)
            portal_for(app.state)  # the pages' view, here rather than in the lifespan, on the loop
        return app

    def _busy(self) -> bool:
        """Whether requests are arriving (one in the last tenth of a second): then an opening steps aside."""
        return time.monotonic() - self._request_at < 0.1

    async def _open(self, version: str, folder: Path, full: bool) -> Opened:
        started = time.perf_counter()
        app = await asyncio.to_thread(self._make, version, folder, full)
        app.state.connections = getattr(self.state, "connections", None)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        log.info("opened release %s (%s) in %.1f s", version, "current" if full else "past",
                 time.perf_counter() - started)
        return Opened(version, app, lifespan, full)

    async def _past(self, version: str) -> Opened | None:
        opened = self.past.get(version)
        if opened is not None:
            self.past.move_to_end(version)
            return opened
        if version in self._failed and self._failed[version] == self.shelf.log.checkpoint_note:
            return None
        task = self._opening.get(version)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._open_past(version))
            self._opening[version] = task
        return await asyncio.shield(task)  # a client that leaves does not stop the opening

    async def _open_past(self, version: str) -> Opened | None:
        try:
            opened = await self._open(version, self.shelf.folder(version), full=False)
        except Exception:  # noqa: BLE001 - served as 503 until the log changes
            log.exception("the past release %s could not be opened", version)
            self._failed[version] = self.shelf.log.checkpoint_note
            return None
        finally:
            self._opening.pop(version, None)
        self.past[version] = opened
        self._trim()
        return opened

    def _trim(self) -> None:
        while len(self.past) > self.settings.releases_open:
            _, oldest = self.past.popitem(last=False)
            self._retire(oldest)

    def _sweep(self) -> None:
        """Close the past releases idle for ``release_idle`` seconds."""
        now = time.monotonic()
        for version, opened in list(self.past.items()):
            if opened.active == 0 and now - opened.last_used >= self.settings.release_idle:
                del self.past[version]
                self._retire(opened)

    def _retire(self, opened: Opened) -> None:
        """Close ``opened`` in the background, once its requests are done; then collect it."""
        self._background(self.close(opened))

    async def close(self, opened: Opened) -> None:
        try:
            await opened.close()
        except Exception:  # noqa: BLE001 - the app is gone either way
            log.exception("closing release %s", opened.version)
        forget_endpoints()
        if not self._collect_due:
            self._pending_since = time.monotonic()
        self._collect_due = True
        self._pending += 1
        log.info("closed release %s", opened.version)

    def collect(self) -> None:
        """Free the closed apps: their objects were frozen by their lifespans (:mod:`api.app`), so
        unfreeze all, collect, and freeze what is left (one full pass: at most every
        :data:`COLLECT_EVERY` seconds, however many apps closed meanwhile)."""
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._collect_due, self._collected_at, self._pending = False, time.monotonic(), 0
        log.info("collected the closed releases in %.0f ms", 1000 * (time.perf_counter() - started))

    def _background(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- watching the log and switching

    def _mark(self) -> tuple:
        """What changes when the log grows or ``latest`` moves."""
        try:
            st = (self.shelf.releases / "log" / "checkpoint").stat()
            head: tuple = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            head = ()
        try:
            link = str((self.shelf.releases / "latest").readlink())
        except OSError:
            link = ""
        return head, link

    def wanted(self) -> tuple[str, Path] | None:
        """The release the log puts in service (else the ``latest`` link's)."""
        entry = self.shelf.log.current
        if entry is not None:
            return entry.version, self.shelf.folder(entry.version)
        found = latest_release(self.shelf.releases)
        return (found.name, found) if found is not None else None

    async def startup(self) -> None:
        self._wake = asyncio.Event()
        manifest = json.loads((self.first / MANIFEST).read_text(encoding="utf-8"))
        self.current = await self._open(str(manifest.get("version", "")), self.first, full=True)
        self._background(self._watch())
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._wake.set)

    async def shutdown(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
        for task in list(self._tasks) + list(self._opening.values()):
            task.cancel()
        every = ([self.current] if self.current else []) + list(self.past.values())
        self.past.clear()
        for opened in every:
            with contextlib.suppress(Exception):
                await opened.close(wait=5)

    async def _watch(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.log_poll)
            hup = self._wake.is_set()
            self._wake.clear()
            try:
                await self.check(force=hup)
            except Exception:  # noqa: BLE001 - keep watching, keep serving
                log.exception("looking at the release log")
            self._sweep()
            if self._collect_now():
                self.collect()

    def _collect_now(self) -> bool:
        """Whether to make the full collection now: it stops the loop for a second at 10k cases, so
        it waits for a quiet moment, unless too many closed apps wait or they have waited too long."""
        now = time.monotonic()
        if not self._collect_due or now - self._collected_at < COLLECT_EVERY:
            return False
        return (now - self._request_at >= COLLECT_QUIET or self._pending >= COLLECT_PENDING
                or now - self._pending_since >= COLLECT_LATEST)

    async def check(self, force: bool = False) -> bool:
        """Look at the log; switch if it puts another release in service. True if it switched."""
        mark = self._mark()
        if mark == self._seen and not force:
            return False
        self._seen = mark
        if await asyncio.to_thread(self.shelf.reload):
            self._failed.clear()  # the log changed: past releases that failed may be tried again
        target = None if self.fixed else self.wanted()
        current = self.current
        assert current is not None
        if target is None or target[0] == current.version:
            return False
        version, folder = target
        note = self.shelf.log.checkpoint_note
        if self._refused == (version, note):
            return False  # it failed under this very log: try again when the log changes
        kept = self.past.get(version)
        if kept is not None and kept.full:
            new = self.past.pop(version)  # a release switched from earlier: open already, in full
        else:
            try:
                new = await self._open(version, folder, full=True)
            except Exception:  # noqa: BLE001 - the old release stays served
                log.exception("the release %s that the log puts in service could not be opened: still "
                              "serving %s", version, current.version)
                self._refused = (version, note)
                return False
        old, self.current = current, new  # the switch
        self.switches += 1
        log.info("switched from release %s to %s", old.version, version)
        stale = self.past.pop(version, None)
        if stale is not None:  # a past release's app of the new current one: not needed any more
            self._retire(stale)
        if self.shelf.log.release(old.version) is not None:
            old.last_used = time.monotonic()
            self.past[old.version] = old  # a past release now: closed when idle or under the LRU rule
            self._trim()
        else:
            self._retire(old)
        return True


_LINK_TARGET = re.compile(r"<([^>]*)>")


def _writes(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in WRITE_SIDE)


async def _no_writes(scope, receive, send) -> None:
    await error_response(404, "submissions and releasing are the service's, not a past release's: use them "
                         "without /releases/{version}/ or ?release=")(scope, receive, send)


def rooted(send, prefix: str, host: str | None):
    """``send``, with the app's own links (``Link``, ``Location``, ``Content-Location``) moved
    under ``prefix``: the app names its paths from ``/``, and it answers at ``/releases/{v}/``."""
    origins = [f"{scheme}://{host}" for scheme in ("http", "https")] if host else []

    def move(url: str) -> str:
        if url.startswith("/") and not url.startswith("//") and not url.startswith(prefix + "/"):
            return prefix + url
        for origin in origins:
            if url.startswith(origin + "/") and not url.startswith(origin + prefix + "/"):
                return origin + prefix + url[len(origin):]
        return url

    async def wrapped(message):
        if message["type"] == "http.response.start":
            headers = []
            for key, value in message.get("headers", ()):
                name = key.lower()
                if name == b"link":
                    value = _LINK_TARGET.sub(lambda m: f"<{move(m[1])}>", value.decode("latin-1")).encode("latin-1")
                elif name in (b"location", b"content-location"):
                    value = move(value.decode("latin-1")).encode("latin-1")
                headers.append((key, value))
            message = dict(message, headers=headers)
        await send(message)
    return wrapped


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None
