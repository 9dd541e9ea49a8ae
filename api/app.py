"""The application factory: ``create_app(settings, release_dir)``.

The release is loaded once, here: its tables into memory (:mod:`api.tables`), its
graph into the cached on-disk store (:mod:`api.store.embedded`, built in a child process the
first time while the tables load). The query workers start with the app's
lifespan and stop with it. Nothing reads the environment: ``settings`` is the
one frozen object from :mod:`api.settings`.

``app.state`` holds what routers need (``settings``, ``release`` -- the folder --,
``manifest``, ``tables``, ``store``, ``linked_data``, ``sparql`` -- the endpoint and its
answer cache). HTML comes from one layer, the
portal (:mod:`api.portal.pages`): the routers that answer browsers too (linked data, ``/sparql``,
``/downloads/``) are handed its renderers here. The store is reached through the
``get_store`` dependency, so a test (or another backend) can replace it with
``app.dependency_overrides``.
"""

from __future__ import annotations

import gc
import json
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from pipelines.rdf.graph import ALT, DESC  # skos:altLabel, dct:description: in the graph only

from . import downloads, errors, harvest, history, linked_data, release_log, rest, service, submissions, tables
from .direct import HotLane
from .limits import BodyLimit
from .portal import desk, editor, pages, releases, render
from .security import SecurityHeaders
from .shelf import Shelf
from .sparql import protocol as sparql
from .sparql.budget import Budget
from .sparql.worker import MODULE as WORKER
from .store.embedded import OxigraphStore, cache_root, prepare_store

log = logging.getLogger("lianzheng.api")

EXPOSED_HEADERS = ["Link", "Content-Location", "ETag", "Last-Modified", "Retry-After", "X-Total-Count",
                   "X-Result-Count", "X-Result-Truncated", "X-Result-Limit", "X-Unknown-Graphs", "Content-Range",
                   "Accept-Ranges"]


def open_store(settings, store_path: Path, context: dict, prefixes: dict, budget: Budget | None = None):
    """The store the settings choose. There is one kind today: the embedded pyoxigraph store.

    Its query workers admit each client's queries against ``budget`` and its share of them."""
    return OxigraphStore(store_path, worker=WORKER, workers=settings.query_workers,
                         worker_config={"prefixes": prefixes, "context": context},
                         share=settings.client_workers, line_limit=settings.client_queue, budget=budget)


def create_app(settings, release_dir: Path | str, shelf: Shelf | None = None) -> FastAPI:
    release = Path(release_dir).resolve()
    shelf = shelf if shelf is not None else Shelf(release.parent)
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    base = manifest.get("base") or settings.base
    if base.rstrip("/") != settings.base.rstrip("/"):
        log.warning("the release was built with base %s, not %s: serving its IRIs", base, settings.base)

    build = prepare_store(release, cache_root(settings))  # a child process, if it is not cached
    table_data = tables.load(release)  # meanwhile
    ld = linked_data.LinkedData(release, base, render.render_resource, pages={
        "case": pages.render_case, "agency": pages.render_agency, "vocab": pages.render_vocabulary})
    budget = Budget(settings.client_budget, settings.budget_window)  # one per client, for every pool
    store = open_store(settings, build.wait(), ld.context, ld.prefixes, budget)
    # one scan each: the pages show them, REST and the portal search the other names alike
    table_data.add_texts(store.literals(DESC), store.literals(ALT))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await app.state.store.start()
        harvesting = app.state.harvest
        try:
            await harvesting.start()
            render.portal_for(app.state)  # the pages' view of the release, made before any request
            # The release's tables, views and indexes live as long as the app: keep them out of the
            # cyclic collector's full passes (measured on the 10k-case release: each walked them
            # for 105 ms of the event loop; after the freeze, under 1 ms).
            gc.freeze()
            yield
        finally:
            await harvesting.close()
            await app.state.store.close()

    app = FastAPI(
        title="機關採購廉政平臺開放資料 Integrity Platform open data",
        version=str(manifest.get("version", "")),
        description="Cases of Taiwan's Government Procurement Integrity Platform (機關採購廉政平臺): "
        "REST (JSON), SPARQL 1.1 at /sparql, linked data at /id/{kind}/{slug} with content negotiation, "
        "downloads at /downloads/. Errors: {\"ok\": false, \"error\": \"...\", \"status\": N}.",
        lifespan=lifespan,
        docs_url=None,  # /docs is the portal's page (api.portal.reference): FastAPI's loads from a CDN
        redoc_url=None,
        redirect_slashes=False,  # api.errors redirects without echoing the Host header
    )
    errors.install(app)
    app.state.settings = settings
    app.state.release = release
    app.state.release_dir = release
    app.state.manifest = manifest
    app.state.tables = table_data
    app.state.store = store
    app.state.linked_data = ld
    app.state.shelf = shelf

    harvest.attach(app, release, settings, budget, worker=WORKER)

    # The hot routes first, on the app's own router (api.direct): a case or agency by id, SPARQL.
    rest.add_lookups(app.router, table_data)
    endpoint = sparql.Endpoint(settings, editor.render_query)
    app.state.sparql = endpoint
    sparql.add_routes(app.router, endpoint)
    app.include_router(rest.build_router(table_data))
    app.include_router(linked_data.build_router(ld))
    app.include_router(downloads.build_router(
        downloads.Downloads(release, table_data.created, table_data.version, pages.render_downloads)))
    app.include_router(service.build_router(table_data))
    app.include_router(harvest.router)
    app.include_router(history.build_router(releases.render_releases))  # /releases/, TimeMaps, case history
    app.include_router(release_log.router)  # /log/..., /.well-known/lianzheng-log
    app.include_router(submissions.router)  # /api/submissions: tokens only (the write side)
    app.include_router(submissions.releases_router)
    app.include_router(desk.router)  # /submissions: the same, in a browser (a session cookie, CSRF)
    app.include_router(pages.router)
    app.mount(pages.STATIC_AT, pages.static_files, name="static")  # after the router: /static/vendor/ is its

    app.add_middleware(HotLane, router=app.router)  # innermost: the hot routes' handlers (api.direct)
    app.add_middleware(BodyLimit, max_body=settings.max_body)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                       allow_headers=["*"], expose_headers=EXPOSED_HEADERS, max_age=86400)
    return app
