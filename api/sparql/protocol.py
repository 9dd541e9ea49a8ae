"""The SPARQL 1.1 Protocol endpoint at ``/sparql``, read-only and bounded.

SPARQL 1.1 Protocol, W3C Recommendation (https://www.w3.org/TR/sparql11-protocol/):

* 2.1.1 query via GET: ``?query=``, with ``default-graph-uri`` and ``named-graph-uri``;
* 2.1.2 query via POST with URL-encoded parameters (``application/x-www-form-urlencoded``;
  parameters in the body and in the URL are one list);
* 2.1.3 query via POST directly (``application/sparql-query``, UTF-8 only; the
  dataset parameters in the URL);
* 2.1.4 an RDF dataset given in the protocol takes precedence over ``FROM`` in the
  query; a graph either names that the store does not hold is read as empty, as other
  engines do, and named in the ``X-Unknown-Graphs`` header (:data:`UNKNOWN_GRAPHS`): the
  server never loads a graph from a URL or a file;
* 2.1.5 result formats by ``Accept``: SELECT as SPARQL JSON (default), XML, CSV, TSV;
  ASK as JSON or XML; CONSTRUCT and DESCRIBE as Turtle (default), N-Triples,
  JSON-LD, RDF/XML; 406 otherwise;
* 2.1.6 / 2.1.7 success 200; a request that is not a valid query operation
  (no query, two queries, a wrong media type, a body not in UTF-8, a syntax
  error) 400 or 415; a query that cannot finish in time 503 with ``Retry-After``;
* 2.2 update operation: refused with 403 -- the endpoint is read-only;
* 3 policy considerations: the limits below.

SPARQL 1.1 Service Description (https://www.w3.org/TR/sparql11-service-description/),
section 2: a GET without a query answers with the description of the service
(Turtle or JSON-LD; an HTML page with a query form for browsers).

Limits (the settings): ``query_timeout`` seconds a query (then the worker is
killed: :mod:`api.store.pool`), ``max_results`` rows or triples (then
``X-Result-Truncated: true``; see :mod:`api.sparql.results`), :data:`MAX_QUERY_CHARS`
characters of query text, ``max_body`` bytes of request body (413, in
:mod:`api.limits`), and a budget of query time per client (429, :mod:`api.sparql.budget`).
Queries are checked before they run (:mod:`api.sparql.guard`).
"""


import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import parse_qsl

from cachetools import LRUCache
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from pipelines.rdf.serialize import serialize

from ..direct import add_first, answers_directly
from ..errors import ServiceError, error_response, log
from ..media import FORMATS, QUERY_FORM_FORMATS, acceptable, form_not_acceptable, negotiate
from ..store.frames import SPOOL_BYTES
from ..store.interface import get_store
from ..store.terms import light_triples
from .guard import QueryRefused, quick_inspect
from .jobs import run_job

MAX_QUERY_CHARS = 100_000
PAGE_LIMITS = "lianzheng.answer_limits"  # scope key: (rows, bytes) for an answer a page shows
UNKNOWN_GRAPHS = "X-Unknown-Graphs"  # the response header naming the graphs read as empty
CACHE_BYTES = 64 * 1024 * 1024  # answers kept in memory, in all
CACHE_ENTRY_BYTES = 1024 * 1024  # the largest answer kept
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"


def _media_param(content_type: str) -> tuple[str, dict[str, str]]:
    main, *params = content_type.split(";")
    out = {}
    for p in params:
        k, _, v = p.partition("=")
        out[k.strip().lower()] = v.strip().strip('"').lower()
    return main.strip().lower(), out


class AnswerCache:
    """Answers by (store, query, dataset, format, base): the release never changes while served.

    An answer found here was checked and run before, so it is sent without the query
    check, a worker or the client's budget (it costs no query time). Bounded in bytes,
    least recently used first out (``cachetools.LRUCache``, sized by the body: measured
    0.45 us a hit against 0.56 for the OrderedDict it replaced).
    """

    def __init__(self, max_bytes: int = CACHE_BYTES, max_entry: int = CACHE_ENTRY_BYTES):
        self.max_entry = max_entry
        self.hits = self.misses = 0
        self._data: LRUCache = LRUCache(maxsize=max_bytes, getsizeof=lambda answer: len(answer[0]))

    @property
    def size(self) -> int:
        return int(self._data.currsize)

    def get(self, key):
        found = self._data.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(self, key, body: bytes, media_type: str, headers: dict) -> None:
        if len(body) > self.max_entry or key in self._data:
            return
        self._data[key] = (body, media_type, headers)


def answer_key(store_id: int, query: str, default_graphs, named_graphs, accept: str | None, base_iri: str,
               limits: tuple | None = None):
    """What determines an answer: the store, the query, its dataset, the Accept header, the base,
    and the limits where a page asked for less than the settings'."""
    return (store_id, query, tuple(default_graphs), tuple(named_graphs), accept, base_iri, limits)


@functools.lru_cache(maxsize=256)
def endpoint_url(scheme: str, server: tuple | None, path: str, host: str | None) -> str:
    """The endpoint's URL as Starlette reads it from a request (the base IRI of its queries),
    remembered: the same few come again and again, and reading one costs more than the lookup."""
    from starlette.datastructures import URL

    scope = {"scheme": scheme, "server": server, "path": path, "query_string": b"",
             "headers": [] if host is None else [(b"host", host.encode("latin-1"))]}
    return str(URL(scope=scope).replace(query=None, fragment=None))


class Endpoint:
    """The SPARQL 1.1 Protocol endpoint. ``browser_page(request)`` is the portal's SPARQL page
    (the query editor), which a browser that asks ``/sparql`` for HTML and sends no query gets."""

    def __init__(self, settings, browser_page: Callable[[Request], Awaitable[Response]]):
        self.settings = settings
        self.browser_page = browser_page
        self.cache = AnswerCache()

    async def answer_get(self, scope, receive, send) -> bool:
        """A GET with a query, answered before FastAPI's request handling (:mod:`api.direct`).

        From the cache if the answer is there (``X-Cache: hit``), else by :meth:`handle`, with
        the parameters read here (parsing a query string costs more than the lookup) and the
        same error body. Declined (the route's endpoint answers): no query string, or a store
        replaced through ``app.dependency_overrides`` (which only FastAPI resolves). Measured
        on the 10k-case release, 2 cores, wrk -c16: 500 lookups repeated, 1,127 req/s with the
        cache behind FastAPI's handling, 2,147 before it.
        """
        app = scope["app"]
        if not scope["query_string"] or get_store in app.dependency_overrides:
            return False
        from starlette.datastructures import Headers, QueryParams

        params = QueryParams(scope["query_string"]).multi_items()
        headers = Headers(scope=scope)
        accept = headers.get("accept")
        server = scope.get("server")
        base_iri = endpoint_url(scope.get("scheme", "http"), tuple(server) if server else None,
                                scope["path"], headers.get("host"))
        queries = [v for k, v in params if k == "query"]
        store = app.state.store
        key = None
        if len(queries) == 1 and all(k in ("query", "default-graph-uri", "named-graph-uri") for k, _ in params):
            key = answer_key(id(store), queries[0], [v for k, v in params if k == "default-graph-uri"],
                             [v for k, v in params if k == "named-graph-uri"], accept, base_iri)
            hit = self.cache.get(key)
            if hit is not None:
                body, media, cached = hit
                await Response(body, media_type=media, headers=dict(cached, **{"X-Cache": "hit"}))(
                    scope, receive, send)
                return True
        try:
            response = await self.handle(Request(scope, receive), store, parsed=(params, base_iri, accept, key))
        except ServiceError as exc:
            response = error_response(exc.status, exc.error, detail=exc.detail, headers=exc.headers)
        except Exception:  # noqa: BLE001 - the one body, never the exception's text
            log.exception("internal error on GET /sparql")
            response = error_response(500, "internal error")
        await response(scope, receive, send)
        return True

    # -------------------------------------------------------------- parsing

    async def params(self, request: Request) -> tuple[list[tuple[str, str]], str | None]:
        """The protocol parameters of the request, and a query sent directly in the body."""
        params = list(request.query_params.multi_items())
        if request.method != "POST":
            return params, None
        ctype = request.headers.get("content-type")
        if not ctype:
            raise ServiceError(415, "a POST needs a Content-Type: application/x-www-form-urlencoded or "
                               "application/sparql-query (SPARQL 1.1 Protocol 2.1.2, 2.1.3)")
        media, mparams = _media_param(ctype)
        charset = mparams.get("charset", "utf-8")
        body = await request.body()
        if media == "application/sparql-update":
            raise ServiceError(403, "this endpoint is read-only: updates are refused")
        if charset not in ("utf-8", "utf8"):
            raise ServiceError(400, f"the request body must be UTF-8, not {charset}")
        if media == "application/x-www-form-urlencoded":
            try:
                text = body.decode("ascii")
                form = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
            except (UnicodeDecodeError, ValueError):
                raise ServiceError(400, "the form body is not URL-encoded UTF-8") from None
            return params + form, None
        if media == "application/sparql-query":
            try:
                return params, body.decode("utf-8")
            except UnicodeDecodeError:
                raise ServiceError(400, "the query is not UTF-8 (SPARQL 1.1 Protocol 2.1.3)") from None
        raise ServiceError(415, f"a query cannot be sent as {media}: use application/x-www-form-urlencoded "
                           "or application/sparql-query")

    # -------------------------------------------------------------- answering

    def limits(self, request: Request) -> tuple[int, int]:
        """Rows and bytes an answer may hold: the settings', or less where this app's own pages ask
        for less (the ASGI scope's :data:`PAGE_LIMITS`, which no HTTP request can set)."""
        rows, size = self.settings.max_results, self.settings.max_answer_bytes
        asked = request.scope.get(PAGE_LIMITS)
        if asked:
            rows, size = min(rows, int(asked[0])), min(size, int(asked[1]))
        return rows, size

    async def handle(self, request: Request, store, parsed: tuple | None = None) -> Response:
        """Answer a protocol request; ``parsed``: a GET's (parameters, endpoint URL, Accept, the answer
        key already looked up in the cache, or None), read already."""
        allowed = frozenset(store.graphs)
        if parsed is not None:
            params, direct = parsed[0], None
        else:
            params, direct = await self.params(request)
        names = [k for k, _ in params]
        if "update" in names or "using-graph-uri" in names or "using-named-graph-uri" in names:
            raise ServiceError(403, "this endpoint is read-only: updates are refused")
        queries = [v for k, v in params if k == "query"] + ([direct] if direct is not None else [])
        if not queries:
            if request.method == "GET" and all(k == "lang" for k in names):  # (the page's language)
                return await self.description(request, store)
            raise ServiceError(400, "no query: give exactly one 'query' parameter (SPARQL 1.1 Protocol 2.1)")
        if len(queries) > 1:
            raise ServiceError(400, "more than one query: give exactly one 'query' parameter")
        query = queries[0]
        if not query.strip():
            raise ServiceError(400, "the query is empty")
        if len(query) > MAX_QUERY_CHARS:
            raise ServiceError(413, f"the query is longer than {MAX_QUERY_CHARS} characters")
        default_graphs = [v for k, v in params if k == "default-graph-uri"]
        named_graphs = [v for k, v in params if k == "named-graph-uri"]
        if parsed is not None:
            base_iri, accept = parsed[1], parsed[2]
        else:
            base_iri = str(request.url.replace(query=None, fragment=None))
            accept = request.headers.get("accept")
        rows, size = self.limits(request)
        own = None if (rows, size) == (self.settings.max_results, self.settings.max_answer_bytes) else (rows, size)
        key = answer_key(id(store), query, default_graphs, named_graphs, accept, base_iri, own)
        cached = None if parsed is not None and parsed[3] == key else self.cache.get(key)
        if cached is not None:
            body, media, headers = cached
            return Response(body, media_type=media, headers=dict(headers, **{"X-Cache": "hit"}))
        # a graph the endpoint does not hold is read as empty (nothing is ever fetched), and said
        unknown = [g for g in default_graphs + named_graphs if g not in allowed]
        spool = getattr(store, "spool", None)
        if spool is not None and not spool.room():  # the disk holds enough large answers being sent
            size = min(size, SPOOL_BYTES)
        job = {"query": query, "limit": rows, "max_bytes": size, "base_iri": base_iri}
        if default_graphs or named_graphs:  # 2.1.4: the protocol's dataset replaces the query's
            job["default_graph"] = default_graphs
            job["named_graphs"] = named_graphs
        try:
            info = quick_inspect(query)
        except QueryRefused as exc:
            raise ServiceError(exc.status, exc.message, detail=exc.detail) from None
        if info is None:  # long, or not settled by its plain reading: the worker checks it first
            job.update(check=sorted(allowed), accept=accept, format=None)
            content_type = ""
        else:
            chosen = negotiate(accept, QUERY_FORM_FORMATS[info.form])
            if chosen is None:
                raise ServiceError(406, form_not_acceptable(info.form),
                                   detail={"available": acceptable(QUERY_FORM_FORMATS[info.form])},
                                   headers={"Vary": "Accept"})
            fmt, media_type = chosen
            job["format"] = fmt.key
            content_type = fmt.content_type(media_type)
        client = request.client.host if request.client else "unknown"
        answer = await run_job(store, job, self.settings, client)
        if not answer.ok:
            headers = {"Vary": "Accept"} if answer.status == 406 else None
            raise ServiceError(answer.status, answer.error, detail=answer.detail, headers=headers)
        content_type = answer.media_type or content_type
        headers = {"Vary": "Accept", "X-Result-Count": str(answer.count)}
        unknown = list(dict.fromkeys(unknown + list(answer.unknown_graphs)))
        if unknown:
            headers[UNKNOWN_GRAPHS] = " ".join(f"<{g}>" for g in unknown)
        if answer.truncated:
            headers["X-Result-Truncated"] = "true"
            headers["X-Result-Limit"] = str(rows)
            headers["X-Result-Limit-Bytes"] = str(size)
        if answer.spool:  # large: sent from disk as the client reads it, never cached
            assert spool is not None  # only a store with a spool folder answers through one
            fh, length = spool.take(answer.spool)
            headers["Content-Length"] = str(length)
            return StreamingResponse(spool.send(fh, length), media_type=content_type, headers=headers)
        self.cache.put(key, answer.body, content_type, headers)
        return Response(answer.body, media_type=content_type, headers=headers)

    # -------------------------------------------------------------- service description

    async def description(self, request: Request, store) -> Response:
        offers = ("html", "turtle", "jsonld", "ntriples", "rdfxml")
        chosen = negotiate(request.headers.get("accept"), offers)
        if chosen is None:
            raise ServiceError(406, "the service description is available as text/turtle, "
                               "application/ld+json, application/n-triples, application/rdf+xml or "
                               "text/html", headers={"Vary": "Accept"})
        fmt, media_type = chosen
        endpoint = str(request.url.replace(query=None, fragment=None))
        if fmt.key == "html":
            page = await self.browser_page(request)
            page.headers["Vary"] = "Accept"
            return page
        names = {"sd": SD, "formats": FORMATS_NS, "void": "http://rdfs.org/ns/void#",
                 "dct": "http://purl.org/dc/terms/", "xsd": "http://www.w3.org/2001/XMLSchema#"}
        body = serialize(light_triples(self._sd_triples(endpoint, store)), fmt.key,
                         prefixes=names, context=names)
        return Response(body, media_type=fmt.content_type(media_type), headers={"Vary": "Accept"})

    def _sd_triples(self, endpoint: str, store) -> list:
        import pyoxigraph as ox

        N, L, B, T = ox.NamedNode, ox.Literal, ox.BlankNode, ox.Triple
        rdf_type = N("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        void_triples = N("http://rdfs.org/ns/void#triples")
        xsd_int = N("http://www.w3.org/2001/XMLSchema#integer")
        svc = N(endpoint)
        s = self.settings
        out = [T(svc, rdf_type, N(SD + "Service")), T(svc, N(SD + "endpoint"), svc),
               T(svc, N(SD + "supportedLanguage"), N(SD + "SPARQL11Query")),
               T(svc, N("http://purl.org/dc/terms/title"), L("機關採購廉政平臺 SPARQL 端點", language="zh-Hant")),
               T(svc, N("http://purl.org/dc/terms/title"), L("Integrity Platform SPARQL endpoint", language="en")),
               T(svc, N("http://purl.org/dc/terms/description"), L(
                   f"Read-only. Updates and SERVICE are refused; a graph the endpoint does not hold is "
                   f"read as empty (X-Unknown-Graphs), never fetched. "
                   f"At most {s.query_timeout:g} s and {s.max_results} results per query "
                   f"(X-Result-Truncated: true when cut).", language="en"))]
        for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                     "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
            out.append(T(svc, N(SD + "resultFormat"), N(FORMATS_NS + name)))
        dataset, default = B("dataset"), B("default")
        out += [T(svc, N(SD + "defaultDataset"), dataset), T(dataset, rdf_type, N(SD + "Dataset")),
                T(dataset, N(SD + "defaultGraph"), default), T(default, rdf_type, N(SD + "Graph")),
                T(default, void_triples, L(str(store.triples), datatype=xsd_int))]
        for i, (g, n) in enumerate(sorted(store.graphs.items())):
            ng, graph = B(f"named{i}"), B(f"graph{i}")
            out += [T(dataset, N(SD + "namedGraph"), ng), T(ng, rdf_type, N(SD + "NamedGraph")),
                    T(ng, N(SD + "name"), N(g)), T(ng, N(SD + "graph"), graph),
                    T(graph, rdf_type, N(SD + "Graph")), T(graph, void_triples, L(str(n), datatype=xsd_int))]
        return out


def add_routes(router: APIRouter, endpoint: Endpoint) -> None:
    """``/sparql``, GET and POST, on ``router``: the app's own (a hot route is not one an
    included router may rebuild, see :mod:`api.direct`)."""
    Store = Annotated[object, Depends(get_store)]
    doc = ("SPARQL 1.1 Protocol query operation. Without a query: the service description (Turtle, "
           "JSON-LD) or a query form (HTML). Results by Accept: application/sparql-results+json (default) "
           "or application/sparql-results+xml for SELECT and ASK, also text/csv and text/tab-separated-values "
           "for SELECT (SPARQL 1.1 defines them for SELECT only); text/turtle "
           "(default), application/n-triples, application/ld+json, application/rdf+xml for CONSTRUCT/DESCRIBE. "
           "Read-only: updates (LOAD too) 403; SERVICE 400; a graph the endpoint does not hold, as "
           "default-graph-uri, named-graph-uri or in FROM, is read as empty and named in X-Unknown-Graphs "
           "(nothing is fetched); time-out 503; budget or share spent 429.")
    responses: dict[int | str, dict[str, Any]] = {
        400: {"description": "not a valid or allowed query"}, 403: {"description": "updates refused"},
        406: {"description": "no acceptable format"}, 413: {"description": "too long"},
        415: {"description": "wrong Content-Type"}, 429: {"description": "client budget spent"},
        503: {"description": "stopped at the time limit, or busy"}}

    dataset_params = [
        {"name": "default-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {
            "type": "string"}}, "style": "form", "explode": True, "description": "A default graph (2.1.4)"},
        {"name": "named-graph-uri", "in": "query", "required": False, "schema": {"type": "array", "items": {
            "type": "string"}}, "style": "form", "explode": True, "description": "A named graph (2.1.4)"}]

    # The parameters are read from the request itself (a repeated 'query' is an error the
    # protocol defines); they are declared for the OpenAPI document only, which also
    # spares FastAPI validating them on every request. A GET with a query is a hot route
    # (api.direct), answered by Endpoint.answer_get first.
    @answers_directly(endpoint.answer_get)
    async def sparql_get(request: Request, store: Store):
        return await endpoint.handle(request, store)

    add_first(router, "/sparql", sparql_get, methods=["GET"], tags=["SPARQL"], summary="SPARQL query (GET)",
              description=doc, response_class=Response, responses=responses, openapi_extra={"parameters": [
                  {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
                   "description": "The SPARQL query (without it: the service description)"}] + dataset_params})

    @router.post("/sparql", tags=["SPARQL"], summary="SPARQL query (POST)", description=doc, response_class=Response,
                 responses=responses, openapi_extra={"requestBody": {"content": {
                     "application/x-www-form-urlencoded": {"schema": {
                         "type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}},
                     "application/sparql-query": {"schema": {"type": "string"}}}, "required": True},
                     "parameters": dataset_params})
    async def sparql_post(request: Request, store: Store):
        return await endpoint.handle(request, store)


__all__ = ["Endpoint", "add_routes", "FORMATS"]
