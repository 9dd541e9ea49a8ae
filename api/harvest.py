"""Routes for harvesters and cross-linking: the catalogue, VoID, data.gov.tw, the change feed, OCDS
and the reconciliation service.

Every answer is a file of the served release (``pipelines/harvest.py`` writes them),
with its site URLs rewritten from the base IRI to the URL the service is reached at
(:func:`pipelines.catalogue.context.for_public_url`); only the reconciliation service computes,
over the release's ``reconcile.json``.

=============================================  ==========================================================
route                                          answer
=============================================  ==========================================================
``GET /catalog`` (``.ttl``, ``.jsonld``,       DCAT-AP 3.0.1 catalogue; Turtle, JSON-LD or RDF/XML by
``.rdf``)                                      ``Accept`` or suffix
``GET /catalog/datagovtw.json``                the dataset in data.gov.tw's metadata fields
``GET /.well-known/void``                      VoID description (Turtle)
``GET /feeds/changes.atom``                    Atom feed of releases and changed cases
``GET /api/ocds``                              OCDS 1.1 release package
``GET|POST /reconcile``                        Reconciliation Service API 0.2: the manifest without
                                               a query; a result batch for ``queries``, a data
                                               extension response for ``extend``
``GET /reconcile/propose_properties?type=``    properties a data extension may fetch
``GET /reconcile/preview?id=``                 HTML preview of a case or agency
``GET /reconcile/view?id=``                    303 to the entity's page here (the manifest's view template)
``GET /reconcile/suggest/{entity,property,type}?prefix=&cursor=``  suggest services
=============================================  ==========================================================

Reconciliation Service API 0.2 (https://reconciliation-api.github.io/specs/0.2/):
§ "Service Manifest" (GET without parameters), § "Sending Reconciliation Queries to a
Service" (POST form field ``queries``, and GET ``?queries=``), § "Cross-Origin Access"
(CORS on every route here, with preflight), § "Preview Service", § "Suggest Services",
§ "Data Extension Service" (``extend`` by POST form or GET, and property proposals).
Entity ids are the entities' IRIs, so a reconciled spreadsheet holds the IRIs.

How the app gives this router its release: call :func:`attach` in the app factory
(``attach(app, release_dir, settings)``), or set ``app.state.settings`` (a
``api.settings.Settings``) and ``app.state.release`` (the release folder), as
``api.app.create_app`` does; failing both, ``settings.release`` or
``{settings.releases}/latest`` is used.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.errors import ServiceError, error_response
from api.media import negotiate
from api.sparql.jobs import run_job
from api.sparql.worker import MODULE as WORKER
from api.store.lines import Answer
from api.store.pool import WorkerPool
from pipelines import __version__ as _version
from pipelines.catalogue.context import FILES, ROUTES, for_public_url
from pipelines.catalogue.reconcile import BATCH_SIZE, PROPERTIES, TYPE_BY_ID, TYPES, suggest_answer
from pipelines.terms import VOCAB

router = APIRouter()

CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {**CORS, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
             "Access-Control-Allow-Headers": "Content-Type, Accept", "Access-Control-Max-Age": "86400"}
CATALOG_OFFERS = {"turtle": FILES["catalog_turtle"], "jsonld": FILES["catalog_jsonld"],
                  "rdfxml": FILES["catalog_rdfxml"]}
SUFFIXES = {"ttl": "turtle", "jsonld": "jsonld", "rdf": "rdfxml"}
MEDIA = {"turtle": "text/turtle; charset=utf-8", "jsonld": "application/ld+json",
         "rdfxml": "application/rdf+xml", "json": "application/json", "atom": "application/atom+xml; charset=utf-8"}
MAX_BODY = 1_000_000
MAX_CURSOR = 100_000  # suggestions a client may skip
MAX_PREFIX = 200  # characters of a suggest prefix that are matched
PREVIEW = (400, 180)


@dataclass
class Harvest:
    """The served release, as these routes see it, and the worker that reconciles names over it."""

    release: Path
    public_url: str
    max_body: int = MAX_BODY
    base: str = ""
    settings: object = None
    pool: WorkerPool | None = None  # the reconciliation worker; None where the release has no names file
    _cache: dict = field(default_factory=dict)

    def __post_init__(self):
        self.release = Path(self.release)
        manifest = self.release / "release.json"
        if not self.base:
            self.base = json.loads(manifest.read_text(encoding="utf-8")).get("base", "") if manifest.exists() else ""
        self.public_url = self.public_url.rstrip("/")

    def file(self, name: str) -> bytes | None:
        """A release file with its site URLs rewritten for the public URL (cached)."""
        if name not in self._cache:
            path = self.release / name
            if not path.is_file():
                return None
            text = path.read_text(encoding="utf-8")
            self._cache[name] = for_public_url(text, self.base, self.public_url).encode("utf-8")
        return self._cache[name]

    def url(self, route: str) -> str:
        return self.public_url + ROUTES[route]

    async def start(self) -> None:
        """Start the reconciliation worker (it loads the release's names: a second or two at 10k cases)."""
        if self.pool is not None:
            await self.pool.start()

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()


def attach(app, release_dir: Path, settings, budget=None, *, worker: str = WORKER) -> Harvest:
    """Give the app's harvesting routes their release (call once, in the app factory; the app's
    lifespan then calls :meth:`Harvest.start` and :meth:`Harvest.close`). Reconciliation runs
    in a worker process, admitted against the client's ``budget`` and share like a SPARQL query."""
    h = Harvest(Path(release_dir), settings.url, getattr(settings, "max_body", MAX_BODY) or MAX_BODY,
                settings=settings)
    names = h.release / FILES["reconcile"]
    if names.is_file():
        h.pool = WorkerPool(None, worker=worker, size=1,
                            config={"task": "reconcile", "index": str(names)},
                            share=settings.client_workers, line_limit=settings.client_queue, budget=budget)
    app.state.harvest = h
    return h


@asynccontextmanager
async def lifespan(app):
    """A lifespan for an app made of this router alone (the service's app starts it in its own)."""
    h = app.state.harvest
    await h.start()
    try:
        yield
    finally:
        await h.close()


def _harvest(request: Request) -> Harvest:
    """The app's harvesting state, which :func:`attach` made when the app was."""
    return request.app.state.harvest


async def _reconcile(request: Request, job: dict) -> Answer | Response:
    """Run a reconciliation job on the worker: its answer, or the error response."""
    h = _harvest(request)
    if h.pool is None:
        return _missing(FILES["reconcile"])
    client = request.client.host if request.client else "unknown"
    try:
        answer = await run_job(h.pool, job, h.settings, client)
    except ServiceError as exc:
        return error_response(exc.status, exc.error, detail=exc.detail, headers={**CORS, **exc.headers})
    if not answer.ok:
        return error_response(answer.status, answer.error, detail=answer.detail, headers=CORS)
    return answer


def _missing(name: str) -> Response:
    return error_response(404, f"this release has no {name}", headers=CORS)


def _file_response(h: Harvest, name: str, media: str) -> Response:
    data = h.file(name)
    if data is None:
        return _missing(name)
    return Response(data, media_type=media, headers={**CORS, "Cache-Control": "public, max-age=300"})


# --- catalogue, VoID, data.gov.tw, feed, OCDS ----------------------------------------------


def _catalog(request: Request, key: str | None) -> Response:
    h = _harvest(request)
    if key is None:
        chosen = negotiate(request.headers.get("accept"), list(CATALOG_OFFERS))
        if chosen is None:
            return error_response(406, "the catalogue is available as text/turtle, application/ld+json or "
                                       "application/rdf+xml", headers=CORS)
        key = chosen[0].key
    response = _file_response(h, CATALOG_OFFERS[key], MEDIA[key])
    response.headers["Vary"] = "Accept"
    return response


@router.get("/catalog", summary="DCAT-AP catalogue (Turtle, JSON-LD or RDF/XML)", tags=["harvesting"])
def catalog(request: Request):
    return _catalog(request, None)


@router.get("/catalog.{suffix}", summary="DCAT-AP catalogue in one format", tags=["harvesting"])
def catalog_as(request: Request, suffix: str):
    if suffix not in SUFFIXES:
        return error_response(404, f"no catalogue as .{suffix}; use .ttl, .jsonld or .rdf", headers=CORS)
    return _catalog(request, SUFFIXES[suffix])


@router.get("/catalog/datagovtw.json", summary="The dataset in data.gov.tw's metadata fields", tags=["harvesting"])
def datagovtw(request: Request):
    return _file_response(_harvest(request), FILES["datagovtw"], MEDIA["json"])


@router.get("/.well-known/void", summary="VoID description of the dataset", tags=["harvesting"])
def void(request: Request):
    return _file_response(_harvest(request), FILES["void"], MEDIA["turtle"])


@router.get("/feeds/changes.atom", summary="Atom feed of releases and changed cases", tags=["harvesting"])
def changes(request: Request):
    return _file_response(_harvest(request), FILES["feed"], MEDIA["atom"])


@router.get("/api/ocds", summary="OCDS 1.1 release package, one planning-stage process per case",
            tags=["harvesting"])
def ocds(request: Request):
    return _file_response(_harvest(request), FILES["ocds"], MEDIA["json"])


# --- the reconciliation service (Reconciliation Service API 0.2) --------------------------


def manifest(h: Harvest) -> dict:
    """The service manifest (spec § Service Manifest; schema manifest.json)."""
    return {
        "versions": ["0.2"],
        "name": "機關採購廉政平臺 案件與機關 Integrity Platform cases and agencies",
        "identifierSpace": f"{h.base}/id/",
        "schemaSpace": VOCAB,
        "documentation": h.url("home"),
        "serviceVersion": _version,
        "defaultTypes": [dict(TYPES["case"]), dict(TYPES["agency"])],
        "view": {"url": h.url("reconcile") + "/view?id={{id}}"},
        "preview": {"url": h.url("reconcile") + "/preview?id={{id}}", "width": PREVIEW[0], "height": PREVIEW[1]},
        "suggest": {kind: {"service_url": h.public_url, "service_path": f"{ROUTES['reconcile']}/suggest/{kind}"}
                    for kind in ("entity", "property", "type")},
        "batchSize": BATCH_SIZE,
        "extend": {"propose_properties": {"service_url": h.public_url,
                                          "service_path": f"{ROUTES['reconcile']}/propose_properties"},
                   "property_settings": []},
    }


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status_code=status,
                    media_type="application/json", headers=CORS)


async def _answer(request: Request, queries: str | None, extend: str | None = None) -> Response:
    """The manifest without a query; else the answer to a query batch (``queries``) or to a data
    extension query (``extend``), never both at once."""
    if queries is None and extend is None:
        return _json(manifest(_harvest(request)))
    if queries is not None and extend is not None:
        return error_response(400, "send either 'queries' (a reconciliation batch) or 'extend' (a data extension "
                                   "query), not both", headers=CORS)
    job = {"op": "batch", "queries": queries} if queries is not None else {"op": "extend", "extend": extend}
    answer = await _reconcile(request, job)
    if isinstance(answer, Response):
        return answer
    return Response(answer.body, media_type="application/json", headers=CORS)


@router.get("/reconcile", summary="Reconciliation service: manifest, ?queries= batch or ?extend= data extension",
            tags=["reconciliation"])
async def reconcile_get(request: Request, queries: str | None = None, extend: str | None = None):
    return await _answer(request, queries, extend)


@router.post("/reconcile", summary="Reconciliation service: a batch in the form field 'queries', or a data "
             "extension query in 'extend'", tags=["reconciliation"])
async def reconcile_post(request: Request):
    h = _harvest(request)
    size = request.headers.get("content-length")
    if size and size.isdigit() and int(size) > h.max_body:
        return error_response(413, f"the request body is larger than {h.max_body} bytes", headers=CORS)
    body = await request.body()
    if len(body) > h.max_body:
        return error_response(413, f"the request body is larger than {h.max_body} bytes", headers=CORS)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        try:
            data = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError:
            return error_response(400, "the body is not JSON", headers=CORS)
        fields = {key: data.get(key) for key in ("queries", "extend")} if isinstance(data, dict) else {}
        raw = {key: value if value is None or isinstance(value, str) else orjson.dumps(value).decode("utf-8")
               for key, value in fields.items()}
    elif ctype in ("application/x-www-form-urlencoded", ""):
        try:
            form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return error_response(400, "the form is not UTF-8", headers=CORS)
        raw = {key: form.get(key, [None])[0] for key in ("queries", "extend")}
    else:
        return error_response(415, "send application/x-www-form-urlencoded with a 'queries' or 'extend' field",
                              headers=CORS)
    return await _answer(request, raw.get("queries"), raw.get("extend"))


@router.options("/reconcile", include_in_schema=False)
@router.options("/reconcile/{rest:path}", include_in_schema=False)
def reconcile_preflight(rest: str = ""):
    return Response(status_code=204, headers=PREFLIGHT)


@router.get("/reconcile/preview", summary="HTML preview of a case or agency", tags=["reconciliation"])
async def reconcile_preview(request: Request, id: str = ""):
    answer = await _reconcile(request, {"op": "preview", "entity": id})
    if isinstance(answer, Response):
        return answer
    return Response(answer.body, media_type="text/html; charset=utf-8", headers=CORS)


@router.get("/reconcile/view", summary="Redirect to an entity's page on this server", tags=["reconciliation"])
async def reconcile_view(request: Request, id: str = ""):
    """303 to where the entity's IRI resolves on this server (its page, for a browser): not to
    the IRI itself, which names the canonical host and would take an OpenRefine user away."""
    answer = await _reconcile(request, {"op": "view", "entity": id})
    if isinstance(answer, Response):
        return answer
    iri = orjson.loads(answer.body)["id"]
    h = _harvest(request)
    here = h.public_url + iri[len(h.base):] if iri.startswith(h.base + "/id/") else iri
    return RedirectResponse(here, status_code=303, headers=CORS)


def _cursor(value: str | None) -> int | None:
    try:
        n = int(value or 0)
    except ValueError:
        return None
    return n if 0 <= n <= MAX_CURSOR else None


@router.get("/reconcile/suggest/entity", summary="Suggest cases and agencies", tags=["reconciliation"])
async def suggest_entity(request: Request, prefix: str = "", cursor: str | None = None):
    start = _cursor(cursor)
    if start is None:
        return error_response(400, "'cursor' must be a whole number of suggestions to skip", headers=CORS)
    answer = await _reconcile(request, {"op": "suggest", "prefix": prefix[:MAX_PREFIX], "cursor": start})
    if isinstance(answer, Response):
        return answer
    return Response(answer.body, media_type="application/json", headers=CORS)


def _suggest_static(items: list[dict], prefix: str, cursor: str | None) -> Response:
    start = _cursor(cursor)
    if start is None:
        return error_response(400, "'cursor' must be a whole number of suggestions to skip", headers=CORS)
    p = prefix.strip().lower()
    hits = [i for i in items if not p or any(p in str(v).lower() for v in i.values())]
    return _json(suggest_answer(hits, start))


@router.get("/reconcile/suggest/property", summary="Suggest properties", tags=["reconciliation"])
def suggest_property(prefix: str = "", cursor: str | None = None):
    return _suggest_static([dict(p) for p in PROPERTIES.values()], prefix, cursor)


@router.get("/reconcile/suggest/type", summary="Suggest types", tags=["reconciliation"])
def suggest_type(prefix: str = "", cursor: str | None = None):
    return _suggest_static([dict(t) for t in TYPES.values()], prefix, cursor)


@router.get("/reconcile/propose_properties", summary="Properties a data extension may fetch for a type",
            tags=["reconciliation"])
def propose_properties(kind: str = Query("", alias="type"), limit: str | None = None):
    """Spec § Data Extension Property Proposals (schema data-extension-property-proposal.json): the
    properties of cases for the case type; none for agencies. Any other type gets what no type gets,
    the cases' properties: OpenRefine sends ``type=`` empty for a column reconciled without a type,
    and puts the type's id into the URL unencoded (``add-column-by-reconciliation.js``), so the
    fragment of an IRI such as ``...vocab#IntegrityPlatform`` never arrives."""
    count = len(PROPERTIES) if limit is None else int(limit) if limit.isdigit() and len(limit) < 6 else 0
    if count < 1:
        return error_response(400, "'limit' must be a positive whole number of properties", headers=CORS)
    props = [dict(p) for p in PROPERTIES.values()] if TYPE_BY_ID.get(kind, "case") == "case" else []
    body: dict = {"type": kind, "properties": props[:count]}
    if limit is not None:
        body["limit"] = count
    return _json(body)
