"""The SPARQL page (``/query``, and ``/sparql`` in a browser): the editor (YASGUI, served
locally), the gallery of example queries, and a query run through the endpoint itself and
shown as a table, a page of rows at a time, with no JavaScript needed."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipelines.terms import PREFIXES

from ..sparql.protocol import PAGE_LIMITS
from .i18n import Words, lang_of, with_params
from .queries import BY_ID as EXAMPLES_BY_ID
from .queries import DEFAULT_QUERY, EXAMPLES
from .render import _context, _page, _size, vendored

log = logging.getLogger("lianzheng.pages")

router = APIRouter(include_in_schema=False)

PAGE_ROWS = 100  # result rows a page shows
PAGE_BYTES = 2 * 1024 * 1024  # the most of an answer a page asks for (a few thousand rows)
CELL_CHARS = 2000  # characters of a value a page shows
GRAPH_CHARS = 200_000  # characters of a graph answer a page shows


async def _ask_endpoint(request: Request, query: str, rows: int) -> tuple[int, str, bytes]:
    """Run ``query`` through this app's own ``/sparql`` endpoint, in process (ASGI), for at most
    ``rows`` rows and :data:`PAGE_BYTES` bytes.

    The page thus gets exactly what a client of the endpoint gets -- the same checks
    (read-only, no SERVICE), time and row limits, and the same per-client budget, since the
    request carries the visitor's address -- without a second way to run a query; only the
    limits are lower, set in the ASGI scope (:data:`api.sparql.PAGE_LIMITS`), where no HTTP
    request can set them.
    """
    body = urlencode({"query": query}).encode("utf-8")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": request.url.scheme, "path": "/sparql", "raw_path": b"/sparql", "root_path": "",
        "query_string": b"", "client": request.scope.get("client"), "server": request.scope.get("server"),
        PAGE_LIMITS: (rows, PAGE_BYTES),
        "headers": [(b"content-type", b"application/x-www-form-urlencoded"),
                    (b"accept", b"application/sparql-results+json, text/turtle;q=0.9"),
                    (b"content-length", str(len(body)).encode()), (b"host", b"localhost")],
    }
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status, media, chunks = 500, "", []

    async def send(message):
        nonlocal status, media
        if message["type"] == "http.response.start":
            status = message["status"]
            for k, v in message.get("headers", []):
                if k.lower() == b"content-type":
                    media = v.decode("latin-1")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)
    return status, media, b"".join(chunks)


def _shown(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _cell(term: dict | None, lang: str) -> dict | None:
    if term is None:
        return None
    value = term.get("value", "")
    if term.get("type") == "uri":
        href = value
        for kind in ("case", "agency"):
            marker = f"/id/{kind}/"
            if marker in value:
                slug = value.split(marker, 1)[1]
                href = with_params(f"/{'cases' if kind == 'case' else 'agencies'}/{slug}", {}, lang)
        return {"text": _shown(value, CELL_CHARS), "href": href}
    return {"text": _shown(value, CELL_CHARS), "lang": term.get("xml:lang")}


async def _run_for_page(request: Request, query: str, lang: str, page: int = 1) -> dict:
    """The answer's rows on ``page`` (of :data:`PAGE_ROWS`), and whether there are more."""
    empty: dict[str, object] = {"error": None, "vars": None, "rows": [], "boolean": None, "graph": None,
                                "truncated": False, "page": page, "first": 0, "more": False}
    try:  # one row past the page: is there a next one?
        status, media, body = await _ask_endpoint(request, query, page * PAGE_ROWS + 1)
    except Exception:  # noqa: BLE001 - the page still shows the editor
        log.exception("running a gallery query failed")
        return dict(empty, error="internal error")
    text = body.decode("utf-8", "replace")
    if status >= 400:
        try:
            err = json.loads(text)
            message = err.get("error") or f"HTTP {status}"
            if err.get("detail") and isinstance(err["detail"], str):
                message += f" ({err['detail']})"
        except ValueError:
            message = f"HTTP {status}"
        return dict(empty, error=message)
    if "json" in media:
        data = json.loads(text)
        if "boolean" in data:
            return dict(empty, boolean=data["boolean"])
        names = data.get("head", {}).get("vars", [])
        bindings = data.get("results", {}).get("bindings", [])
        first = (page - 1) * PAGE_ROWS
        rows = [[_cell(b.get(v), lang) for v in names] for b in bindings[first:first + PAGE_ROWS]]
        more = len(bindings) > first + PAGE_ROWS
        # cut by the endpoint's own limits (not by the page's extra row): say so
        cut = bool(data.get("limitBytes")) or (
            bool(data.get("truncated")) and data.get("limit") != page * PAGE_ROWS + 1)
        return dict(empty, vars=names, rows=rows, truncated=cut and not more, first=first, more=more)
    return dict(empty, graph=_shown(text, GRAPH_CHARS), truncated=len(text) > GRAPH_CHARS)


def yasgui_labels(t: Words) -> dict:
    """YASGUI's labels in the page's language, as far as YASGUI 4.6 takes them from a page
    (``static/query.js`` applies them and lists what stays English): the tab's name, the
    editor's name for screen readers, the result views' names and the table's texts (the
    ``language`` option of DataTables 2, which YASR's table draws with); and the names the page
    itself gives YASGUI's unnamed fields."""
    return {
        "tab": t("yasgui_tab"), "tabName": t("yasgui_tab_name"), "editor": t("yasgui_editor"),
        "endpoint": t("yasgui_endpoint"), "rowsPerPage": t("yasgui_rows_per_page"),
        "plugins": {"table": t("yasgui_table"), "response": t("yasgui_response")},
        "dataTables": {
            "info": t("yasgui_info"), "infoEmpty": t("yasgui_info_empty"),
            "infoFiltered": t("yasgui_info_filtered"), "zeroRecords": t("yasgui_zero_records"),
            "emptyTable": t("yasgui_empty_table"),
            "aria": {"paginate": {"first": t("yasgui_first"), "previous": t("yasgui_previous"),
                                  "next": t("yasgui_next"), "last": t("yasgui_last")},
                     "orderable": t("yasgui_sort"), "orderableReverse": t("yasgui_sort_reverse"),
                     "orderableRemove": t("yasgui_sort_remove")},
        },
    }


async def render_query(request: Request) -> HTMLResponse:
    """The SPARQL page; ``/sparql`` may call it for a browser that sends no query."""
    lang = lang_of(request)
    t = Words(lang)
    p = request.query_params
    example = EXAMPLES_BY_ID.get(p.get("example") or "")
    query = p.get("query") or (example.query if example else "")
    try:
        page = max(1, min(int(p.get("page") or 1), 10_000))
    except ValueError:
        page = 1
    result = await _run_for_page(request, query, lang, page) if query.strip() else None
    yasgui = vendored("yasgui/")
    prefixes = {k: v for k, v in PREFIXES.items() if k in ("lz", "skos", "dct", "prov", "org", "xsd", "rdf", "rdfs")}
    s = request.app.state.settings
    limits = {"query_timeout": f"{s.query_timeout:g}", "max_results": f"{s.max_results:,}",
              "max_answer_size": _size(s.max_answer_bytes), "client_budget": f"{s.client_budget:g}",
              "budget_window": f"{s.budget_window:g}"}
    ctx = _context(request, "query", t("query_title"), endpoint="/sparql", query_text=query or DEFAULT_QUERY,
                   run_now=bool(query.strip()), examples=EXAMPLES, result=result, yasgui=yasgui,
                   prefixes_json=json.dumps(prefixes), labels_json=json.dumps(yasgui_labels(t), ensure_ascii=False),
                   limits=limits)
    return _page("query.html", ctx)


@router.get("/query", response_class=HTMLResponse)
async def query_page(request: Request):
    return await render_query(request)
