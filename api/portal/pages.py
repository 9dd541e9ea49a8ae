"""The public portal: server-rendered pages over the release the service serves.

=========================  ===============================================================
route                      page
=========================  ===============================================================
``/``                      what the platform is, totals, the benchmark cases, entry points
``/cases``                 the case list: search (``q``), facets (``authority``, ``level``,
                           ``status``, ``year``), ``sort``, ``page``; shareable by URL
``/cases/{id}``            a case: facts and sources, timeline, documents by transparency-zone
                           category, participants, quality notes, formats, how to cite
``/agencies``              agencies with cases (``?all=1``: every agency)
``/agencies/{id}``         an agency, its cases and the activities it took part in
``/charts``                cases per year, amount by ministry or city, activities per year
``/query``                 the SPARQL editor (YASGUI) and the gallery of example queries;
                           ``?query=`` or ``?example=`` runs one and shows a table (no JS)
``/downloads``             the release's files with sizes, formats and checksums; history
``/vocabulary``            the vocabulary and code lists, readable (each term an anchor)
``/about``                 licence, how to cite, API and harvesting endpoints
``/static/...``            the portal's stylesheet and script, and YASGUI from node_modules
=========================  ===============================================================

Every page is zh-Hant unless the URL says ``?lang=en``; the language switch keeps the
page and its query. Pages work without JavaScript; nothing is loaded from another host.

The pages read the service's in-memory release (``api.tables.Tables``, found on
``app.state``) and never parse the release's tables a second time. This is the service's one
HTML layer: ``api.app`` hands the other routers the renderers they answer browsers with.
:func:`render_case`, :func:`render_agency` and :func:`render_vocabulary` draw
``/id/case/{id}`` ... as these pages, :func:`render_resource` any other description;
:func:`render_query` (async) is also ``/sparql`` and :func:`render_downloads` also
``/downloads/`` in a browser.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from pipelines.terms import PREFIXES, VOCAB

from ..sparql.protocol import PAGE_LIMITS
from ..tables import ALT_LABEL
from . import charts
from .data import PER_PAGE, SORTS, Portal, Query
from .i18n import EN, ZH, Words, lang_of, with_params
from .queries import BY_ID as EXAMPLES_BY_ID
from .queries import DEFAULT_QUERY, EXAMPLES

log = logging.getLogger("lianzheng.pages")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]  # the checkout: node_modules is beside api/
STATIC = HERE / "static"
NODE_MODULES = ROOT / "node_modules"
# files served from node_modules, by the path under /static/vendor/ (nothing else is)
VENDOR = {
    "yasgui/yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui/yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "axe-core/axe.min.js": "axe-core/axe.min.js",
}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
NAV = (("home", "/"), ("cases", "/cases"), ("agencies", "/agencies"), ("charts", "/charts"),
       ("query", "/query"), ("downloads", "/downloads"), ("vocab", "/vocabulary"), ("about", "/about"))
HTML = "text/html; charset=utf-8"

router = APIRouter(include_in_schema=False)

_env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_lock = threading.Lock()


# ------------------------------------------------------------------ the release

DESCRIPTION = "http://purl.org/dc/terms/description"


def _extra_texts(store):
    """IRI -> {"description": {...}, "alt_names": [{...}]}: texts the tables do not carry,
    read from the service's store (a bounded description of the IRI)."""
    if store is None:
        return lambda iri: {}

    def texts(iri: str) -> dict:
        desc: dict[str, str] = {}
        alts: dict[str, list[str]] = {}
        try:
            quads = store.describe(iri, limit=2000)
        except Exception:  # noqa: BLE001 - texts are extras: a page shows without them
            log.exception("could not read texts of %s from the store", iri)
            return {}
        for q in quads:
            if getattr(q.subject, "value", None) != iri:
                continue
            lang = (getattr(q.object, "language", None) or "").lower()
            key = "zh" if lang.startswith("zh") else "en"
            if q.predicate.value == DESCRIPTION:
                desc[key] = q.object.value
            elif q.predicate.value == ALT_LABEL:
                alts.setdefault(key, []).append(q.object.value)
        out: dict = {}
        if desc:
            out["description"] = desc
        if alts:
            n = max(len(v) for v in alts.values())
            out["alt_names"] = [{k: sorted(v)[i] for k, v in alts.items() if i < len(v)} for i in range(n)]
        return out

    return texts


def portal_of(request: Request) -> Portal:
    """The pages' view of the served release, made once per app from the service's tables."""
    return portal_for(request.app.state)


def portal_for(state) -> Portal:
    """:func:`portal_of` for an app's state: the service's app calls it as it starts, so that no
    request pays for it (0.5 s of the event loop at 10k cases, when the first page was asked)."""
    portal = getattr(state, "portal", None)
    if portal is not None:
        return portal
    with _lock:
        portal = getattr(state, "portal", None)
        if portal is None:
            portal = Portal(state.tables, Path(state.release_dir), Path(state.settings.releases),
                            _extra_texts(state.store))
            state.portal = portal
    return portal


# ------------------------------------------------------------------- rendering

def _context(request: Request, section: str, title: str, **extra) -> dict:
    lang = lang_of(request)
    t = Words(lang)
    portal = portal_of(request)
    params = {k: v for k, v in request.query_params.multi_items() if k != "lang"}
    path = request.url.path

    def url(p: str, **kw) -> str:
        return with_params(p, kw, lang)

    lang_urls = {ZH: with_params(path, params, ZH), EN: with_params(path, params, EN)}
    ctx = {
        "request": request, "lang": lang, "other_lang": EN if lang == ZH else ZH, "t": t,
        "portal": portal, "url": url, "section": section, "title": title, "nav": NAV,
        "lang_urls": lang_urls, "switch_url": lang_urls[EN if lang == ZH else ZH], "alternates": [],
        "source_title": lambda s: _source_title(s, t),
    }
    ctx.update(extra)
    return ctx


def _source_title(s: dict, t: Words) -> str:
    doc = s.get("document") or ""
    names = {"guidebook": ("指引手冊", "Guidebook"), "aac-intro": ("廉政平臺介紹", "AAC introduction")}
    prefix = names.get(doc, (s.get("document_title") or doc, s.get("document_title") or doc))[t.i]
    title = t.pick(s.get("title"), s.get("id", ""))
    return f"{prefix} · {title}" if prefix else title


def _page(template: str, ctx: dict, status: int = 200, headers: dict | None = None) -> HTMLResponse:
    html = _env.get_template(template).render(**ctx)
    h = {"Vary": "Accept", "Content-Language": ctx["lang"]}
    h.update(headers or {})
    return HTMLResponse(html, status_code=status, headers=h)


def render_resource(request: Request, view) -> HTMLResponse:
    """The page of any description the portal has no page of its own for (an activity, a
    document, a code ...): ``view`` is an ``api.linked_data.ResourceView``."""
    ctx = _context(request, "", view.title, view=view)
    ctx["alternates"] = [{"type": mt, "href": href} for href, mt, _ in view.alternates]
    return _page("resource.html", ctx)


def not_found(request: Request) -> HTMLResponse:
    ctx = _context(request, "", Words(lang_of(request))("not_found"), path=request.url.path)
    return _page("notfound.html", ctx, status=404)


# ------------------------------------------------------------------------ home

@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    portal = portal_of(request)
    t = Words(lang_of(request))
    ctx = _context(request, "home", t("nav_home"), totals=portal.totals,
                   benchmarks=[portal.case_summary(c) for c in portal.benchmarks])
    return _page("home.html", ctx)


# ----------------------------------------------------------------------- cases

def _query_of(request: Request, portal: Portal) -> Query:
    p = request.query_params
    sort = p.get("sort") or "table_number"
    try:
        page = max(1, int(p.get("page") or 1))
    except ValueError:
        page = 1
    return Query(q=(p.get("q") or "").strip()[:200], authority=p.get("authority") or "",
                 level=p.get("level") or "", status=p.get("status") or "", year=p.get("year") or "",
                 sort=sort if sort in SORTS else "table_number", page=page)


@router.get("/cases", response_class=HTMLResponse)
def cases(request: Request):
    portal = portal_of(request)
    lang = lang_of(request)
    t = Words(lang)
    query = _query_of(request, portal)
    ids, counts = portal.search(query)
    pages = max(1, math.ceil(len(ids) / PER_PAGE))
    page = min(query.page, pages)
    start = (page - 1) * PER_PAGE
    shown = ids[start:start + PER_PAGE]

    def link(**change) -> str:
        change.setdefault("page", 1)
        return with_params("/cases", query.params(**change), lang)

    def facet(name: str, values: list[str], label) -> dict:
        selected = getattr(query, name)
        items = [{"value": v, "label": label(v), "count": counts[name].get(v, 0),
                  "selected": v == selected, "url": link(**{name: "" if v == selected else v})}
                 for v in values if counts[name].get(v, 0) or v == selected]
        return {"name": name, "selected": selected, "values": items, "any_url": link(**{name: ""})}

    years = sorted({portal.tables.case_rows[c]["established"][:4] for c in portal.tables.case_ids}, reverse=True)
    facets = [
        facet("authority", portal.authorities, lambda v: t.pick(portal.agency_name(v))),
        facet("level", ["central", "local"], lambda v: t.pick(portal.label("government-level", v))),
        facet("status", ["operating", "ended"], lambda v: t.pick(portal.label("case-status", v))),
        facet("year", years, lambda v: v),
    ]
    api_params = {"q": query.q, "authority": query.authority, "level": query.level,
                  "status": query.status, "year": query.year}
    sort_api = {"-amount": "-amount", "amount": "amount", "established": "established",
                "-established": "-established", "name": "name"}.get(query.sort, "")
    api_params["sort"] = sort_api
    api_url = with_params("/api/cases", api_params, ZH)
    ctx = _context(
        request, "cases", t("cases_title"), query=query, sorts=SORTS, facets=facets,
        rows=[portal.case_summary(c) for c in shown], total=len(ids), first=start + 1,
        last=start + len(shown), filtered=any((query.q, query.authority, query.level, query.status, query.year)),
        pages=[{"n": n, "url": link(page=n), "current": n == page} for n in range(1, pages + 1)],
        prev_url=link(page=page - 1) if page > 1 else None,
        next_url=link(page=page + 1) if page < pages else None, api_url=api_url,
    )
    ctx["alternates"] = [{"type": "application/json", "href": api_url}]
    return _page("cases.html", ctx)


def _participant(p: dict, t: Words, lang: str) -> Markup:
    parts = []
    if p.get("person"):
        person = escape(t.pick(p["person"]))
        if p.get("person_title"):
            person = escape(t.pick(p["person_title"])) + Markup(" ") + person
        parts.append(person)
    if p.get("agency"):
        a = p["agency"]
        parts.append(Markup('<a href="{}">{}</a>').format(with_params(f"/agencies/{a['id']}", {}, lang),
                                                           t.pick(a.get("name"), a["id"])))
    if p.get("description") and not p.get("agency"):
        parts.append(escape(t.pick(p["description"])))
    elif p.get("description"):
        parts.append(Markup('<span class="small muted">{}</span>').format(t.pick(p["description"])))
    return Markup(" ").join(parts)


def render_case(request: Request, case_id: str) -> HTMLResponse:
    """The case page for ``case_id`` (404 page if there is none); ``/id/case/{id}`` may call it."""
    portal = portal_of(request)
    lang = lang_of(request)
    t = Words(lang)
    c = portal.case_detail(case_id)
    if c is None:
        return not_found(request)
    extra = portal.extra(c["iri"]) or {}
    by_source = {s["id"]: s for s in c.get("sources", [])}

    def refs(ids):
        return [by_source.get(i) or {"id": i, "title": None, "document": i.split("/")[0],
                                     "links": {"html": f"/id/source/{i}"}} for i in ids if i]

    row = portal.tables.case_rows[case_id]
    case_sources = refs([s for s in row.get("source_ids", "").split("|") if s]) or c.get("sources", [])

    # documents grouped by transparency-zone category, in the code list's order
    scheme = portal.vocab.scheme("document-category")
    order = [x.code for x in scheme.concepts] if scheme else []
    groups: dict[str, list] = {}
    for d in c.get("documents", []):
        groups.setdefault(d["category"], []).append(d)
    doc_groups = [{"category": k, "label": portal.label("document-category", k), "documents": groups[k]}
                  for k in sorted(groups, key=lambda k: (order.index(k) if k in order else len(order), k))]

    # participants across the timeline: who, with which roles, in how many activities
    people: dict[str, dict] = {}
    for a in c.get("activities", []):
        for p in a.get("participants", []):
            key = (p.get("agency") or {}).get("id") or json.dumps([p.get("person"), p.get("description")],
                                                                  ensure_ascii=False, sort_keys=True)
            entry = people.setdefault(key, {"who": _participant(p, t, lang), "roles": [], "activities": set()})
            if p["role"] not in entry["roles"]:
                entry["roles"].append(p["role"])
            entry["activities"].add(a["id"])
    people_rows = sorted(({"who": v["who"], "roles": v["roles"], "count": len(v["activities"])}
                          for v in people.values()), key=lambda x: -x["count"])

    name = c["name"]
    year = (portal.manifest.get("created") or "")[:4]
    citation = (
        f"法務部廉政署（{year}）。{name.get('zh', '')}。機關採購廉政平臺開放資料集，第 {portal.version} 版"
        f"（資料基準日 {portal.as_of}）。{c['iri']}\n"
        f"Agency Against Corruption, Ministry of Justice ({year}). {name.get('en', '')}. "
        f"Government Procurement Integrity Platform Open Dataset, version {portal.version} "
        f"(data as of {portal.as_of}). {c['iri']}"
    )
    describe = f"DESCRIBE <{c['iri']}>"
    ctx = _context(
        request, "cases", t.pick(name), c=c, extra=extra, refs=refs, case_sources=case_sources,
        doc_groups=doc_groups, people=people_rows, citation=citation,
        participant=lambda p: _participant(p, t, lang),
        describe_url=with_params("/query", {"query": describe}, lang) + "#results",
    )
    ctx["alternates"] = [{"type": "application/json", "href": c["links"]["api"]},
                         {"type": "text/turtle", "href": c["links"]["turtle"]},
                         {"type": "application/ld+json", "href": c["links"]["jsonld"]}]
    return _page("case.html", ctx)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str):
    return render_case(request, case_id)


# --------------------------------------------------------------------- agencies

@router.get("/agencies", response_class=HTMLResponse)
def agencies(request: Request):
    portal = portal_of(request)
    t = Words(lang_of(request))
    show_all = request.query_params.get("all") == "1"
    ids = portal.tables.agency_ids if show_all else portal.agencies_with_cases
    rows = []
    for aid in ids:
        a = portal.tables.agency_rows[aid]
        n_cases = portal.tables.agency_case_count.get(aid, 0) + portal.count_by_authority.get(aid, 0)
        rows.append({"id": aid, "name": {"zh": a["name_zh"], "en": a["name_en"]}, "kind": a["kind"],
                     "level": a["level"], "cases": n_cases,
                     "activities": len(portal.agency_activities.get(aid, []))})
    rows.sort(key=lambda r: (-r["cases"], -r["activities"], r["id"]))
    return _page("agencies.html", _context(request, "agencies", t("agencies_title"), rows=rows, show_all=show_all))


def render_agency(request: Request, agency_id: str) -> HTMLResponse:
    """The agency page (404 page if there is none); ``/id/agency/{id}`` may call it."""
    portal = portal_of(request)
    t = Words(lang_of(request))
    a = portal.agency_detail(agency_id)
    if a is None:
        return not_found(request)
    procuring = [x for x in a.get("cases", []) if x.get("role") == "procuring-agency"]
    authority = [x for x in a.get("cases", []) if x.get("role") == "authority"]
    ctx = _context(request, "agencies", t.pick(a["name"], agency_id), a=a, procuring=procuring,
                   authority=authority, activities=portal.agency_activities.get(agency_id, []),
                   extra=portal.extra(a["iri"]) or {},
                   case_name=lambda cid: portal.case_summary(cid)["name"])
    ctx["alternates"] = [{"type": "application/json", "href": a["links"]["api"]}]
    return _page("agency.html", ctx)


@router.get("/agencies/{agency_id}", response_class=HTMLResponse)
def agency_page(request: Request, agency_id: str):
    return render_agency(request, agency_id)


# ----------------------------------------------------------------------- charts

def _yi(value) -> float:
    return float(value) / 1e8


@router.get("/charts", response_class=HTMLResponse)
def charts_page(request: Request):
    portal = portal_of(request)
    lang = lang_of(request)
    t = Words(lang)
    years = sorted(portal.per_year)
    per_year = [(y, portal.per_year[y]) for y in years]
    amount = [(t.pick(portal.agency_name(a)), round(_yi(portal.amount_by_authority.get(a, 0)), 2))
              for a in portal.authorities]
    act_years = sorted(portal.activities_per_year)
    activities = [(y, portal.activities_per_year[y]) for y in act_years]

    def desc(items, unit=""):
        return "; ".join(f"{k}: {v:,}{unit}" for k, v in items)

    made = [
        {"id": "per-year", "title": t("chart_per_year"), "label_head": t("col_year"), "value_head": t("col_count"),
         "svg": charts.column_chart("chart-per-year", per_year, t("chart_per_year"), desc(per_year)),
         "rows": [{"label": y, "value": n, "href": with_params("/cases", {"year": y}, lang)} for y, n in per_year]},
        {"id": "amount", "title": t("chart_amount"), "label_head": t("col_authority"), "value_head": t("col_total"),
         "svg": charts.bar_chart("chart-amount", amount, t("chart_amount"), desc(amount),
                                 label_width=190 if lang == EN else 130),
         "rows": [{"label": label, "value": f"{v:,.2f}", "href": with_params("/cases", {"authority": a}, lang)}
                  for (label, v), a in zip(amount, portal.authorities, strict=True)]},
        {"id": "activities", "title": t("chart_activities"), "label_head": t("col_year"),
         "value_head": t("col_activities"), "note": t("chart_note_undated"),
         "svg": charts.column_chart("chart-activities", activities, t("chart_activities"), desc(activities)),
         "rows": [{"label": y, "value": n} for y, n in activities]},
    ]
    return _page("charts.html", _context(request, "charts", t("charts_title"), charts=made))


# ------------------------------------------------------------------------ SPARQL

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
    yasgui = all((NODE_MODULES / v).is_file() for k, v in VENDOR.items() if k.startswith("yasgui/"))
    prefixes = {k: v for k, v in PREFIXES.items() if k in ("lz", "skos", "dct", "prov", "org", "xsd", "rdf", "rdfs")}
    s = request.app.state.settings
    limits = {"query_timeout": f"{s.query_timeout:g}", "max_results": f"{s.max_results:,}",
              "max_answer_size": _size(s.max_answer_bytes), "client_budget": f"{s.client_budget:g}",
              "budget_window": f"{s.budget_window:g}"}
    ctx = _context(request, "query", t("query_title"), endpoint="/sparql", query_text=query or DEFAULT_QUERY,
                   run_now=bool(query.strip()), examples=EXAMPLES, result=result, yasgui=yasgui,
                   prefixes_json=json.dumps(prefixes), limits=limits)
    return _page("query.html", ctx)


@router.get("/query", response_class=HTMLResponse)
async def query_page(request: Request):
    return await render_query(request)


# --------------------------------------------------------------------- downloads

FILE_KINDS = {
    ".csv": ("CSV", ("表格（UTF-8）", "table (UTF-8)")),
    ".xlsx": ("XLSX", ("試算表，含全部表格", "spreadsheet with every table")),
    ".ttl": ("Turtle", ("RDF 圖（Turtle）", "RDF graph (Turtle)")),
    ".nt": ("N-Triples", ("RDF 圖（N-Triples）", "RDF graph (N-Triples)")),
    ".jsonld": ("JSON-LD", ("RDF 圖（JSON-LD，內含 context）", "RDF graph (JSON-LD, context inline)")),
    ".json": ("JSON", ("中繼資料", "metadata")),
    ".txt": ("text", ("檢查報告", "validation report")),
    "": ("text", ("SHA-256 檢查碼", "SHA-256 checksums")),
}
SPECIAL = {
    "datapackage.json": ("Frictionless Data Package（欄位說明與外鍵）", "Frictionless Data Package (columns and keys)"),
    "release.json": ("版本資訊與筆數", "release version and counts"),
    "validation-report.json": ("檢查報告（機器可讀）", "validation report (for machines)"),
    "validation-report.txt": ("檢查報告", "validation report (for people)"),
    "SHA256SUMS": ("每個檔案的 SHA-256 檢查碼", "SHA-256 of every file"),
    "lianzheng.ttl": ("完整 RDF 圖", "the whole RDF graph"),
    "lianzheng.nt": ("完整 RDF 圖", "the whole RDF graph"),
    "lianzheng.jsonld": ("完整 RDF 圖，context 內含", "the whole RDF graph, context inline"),
    "lianzheng.xlsx": ("全部表格之試算表", "every table in one spreadsheet"),
}


def _size(nbytes: int) -> str:
    n: float = nbytes
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{nbytes:,} B" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


def render_downloads(request: Request) -> HTMLResponse:
    portal = portal_of(request)
    t = Words(lang_of(request))
    files = []
    for f in portal.release_files():
        name = f["name"]
        suffix = Path(name).suffix
        fmt, what = FILE_KINDS.get(suffix, (suffix.lstrip(".") or "file", ("", "")))
        if name in SPECIAL:
            what = SPECIAL[name]
        elif name.startswith("data/"):
            what = (f"表格 {Path(name).stem}", f"table {Path(name).stem}")
        elif name.startswith("vocab/") or name.startswith("shapes/"):
            vocab = name.startswith("vocab/")
            what = ("詞彙" if vocab else "SHACL 規則", "vocabulary" if vocab else "SHACL shapes")
        files.append({"name": name, "href": f"/downloads/{name}", "format": fmt, "what": what[t.i],
                      "size": f["size"], "size_text": _size(f["size"]), "sha256": f["sha256"]})
    return _page("downloads.html", _context(request, "downloads", t("downloads_title"), files=files,
                                            history=portal.history()))


@router.get("/downloads", response_class=HTMLResponse)
def downloads_page(request: Request):
    return render_downloads(request)


# -------------------------------------------------------------------- vocabulary

def render_vocabulary(request: Request) -> HTMLResponse:
    """The vocabulary as a page, each term at ``#{name}``; ``/vocab`` may call it for browsers."""
    portal = portal_of(request)
    t = Words(lang_of(request))
    files = [{"name": f"vocab/{n}", "href": f"/downloads/vocab/{n}"} for n in portal.vocab.files]
    return _page("vocab.html", _context(request, "vocab", t("vocab_title"), vocab=portal.vocab,
                                        namespace=VOCAB, vocab_files=files))


@router.get("/vocabulary", response_class=HTMLResponse)
def vocabulary_page(request: Request):
    return render_vocabulary(request)


# ------------------------------------------------------------------------- about

ENDPOINTS = (
    ("/api/cases", {"zh": "REST API：案件（篩選、排序、分頁）", "en": "REST API: cases (filters, sort, pages)"}),
    ("/api/agencies", {"zh": "REST API：機關", "en": "REST API: agencies"}),
    ("/sparql", {"zh": "SPARQL 1.1 查詢端點（唯讀，有時間與筆數上限）",
                 "en": "SPARQL 1.1 query endpoint (read-only, bounded in time and rows)"}),
    ("/id/case/danjiang-bridge", {"zh": "鏈結資料 IRI：依 Accept 回傳 HTML、Turtle、JSON-LD、N-Triples",
                                  "en": "Linked-data IRIs: HTML, Turtle, JSON-LD, N-Triples by Accept"}),
    ("/downloads", {"zh": "下載：CSV、XLSX、RDF，附 SHA256SUMS", "en": "Downloads: CSV, XLSX, RDF with SHA256SUMS"}),
    ("/catalog", {"zh": "DCAT-AP 資料目錄（供介接收割）", "en": "DCAT-AP catalogue for harvesters"}),
    ("/catalog/datagovtw.json", {"zh": "data.gov.tw 詮釋資料欄位", "en": "data.gov.tw metadata fields"}),
    ("/.well-known/void", {"zh": "VoID 資料集描述", "en": "VoID dataset description"}),
    ("/feeds/changes.atom", {"zh": "Atom 異動通知", "en": "Atom feed of changes"}),
    ("/api/ocds", {"zh": "OCDS 開放契約資料格式匯出", "en": "OCDS export"}),
    ("/reconcile", {"zh": "OpenRefine 對應（reconciliation）服務", "en": "Reconciliation service (OpenRefine)"}),
    ("/vocabulary", {"zh": "詞彙與代碼表", "en": "Vocabulary and code lists"}),
    ("/-/health", {"zh": "服務狀態", "en": "Service health"}),
    ("/-/version", {"zh": "服務與資料版本", "en": "Service and data versions"}),
)


@router.get("/about", response_class=HTMLResponse)
def about_page(request: Request):
    portal = portal_of(request)
    lang = lang_of(request)
    t = Words(lang)
    year = (portal.manifest.get("created") or "")[:4]
    base = portal.base
    citation = (
        f"法務部廉政署（{year}）。機關採購廉政平臺開放資料集，第 {portal.version} 版（資料基準日 {portal.as_of}）。"
        f"{base}/id/dataset/lianzheng\n"
        f"Agency Against Corruption, Ministry of Justice ({year}). Government Procurement Integrity Platform "
        f"Open Dataset, version {portal.version} (data as of {portal.as_of}). {base}/id/dataset/lianzheng"
    )
    endpoints = [{"path": path, "href": with_params(path, {}, lang) if path in ("/downloads", "/vocabulary") else path,
                  "what": what} for path, what in ENDPOINTS]
    description = {}
    try:
        dp = json.loads((portal.release_dir / "datapackage.json").read_text(encoding="utf-8"))
        description = {"zh": dp.get("description", ""), "en": dp.get("description_en", "")} \
            if dp.get("description") else {}
        sources = [s.get("title", "") for s in dp.get("sources", [])]
    except (OSError, ValueError):
        sources = []
    ctx = _context(request, "about", t("about_title"), citation=citation, endpoints=endpoints,
                   dataset_description=description, source_docs=sources,
                   publisher="法務部廉政署 Agency Against Corruption, Ministry of Justice")
    return _page("about.html", ctx)


# ------------------------------------------------------------------------ static

@router.get("/static/{path:path}")
def static(path: str):
    if path.startswith("vendor/"):
        rel = VENDOR.get(path[len("vendor/"):])
        target = NODE_MODULES / rel if rel else None
    else:
        target = (STATIC / path).resolve()
        if STATIC.resolve() not in target.parents:
            target = None
    if target is None or not target.is_file():
        return Response(status_code=404, content=b'{"ok":false,"error":"not found","status":404}',
                        media_type="application/json")
    media = STATIC_TYPES.get(target.suffix, "application/octet-stream")
    return FileResponse(target, media_type=media, headers={"Cache-Control": "public, max-age=3600"})
