"""The public portal: server-rendered pages over the release the service serves.

=========================  ===============================================================
route                      page
=========================  ===============================================================
``/``                      what the platform is, totals, the benchmark cases, entry points
``/cases``                 the case list: search (``q``), facets (``authority``, ``level``,
                           ``status``, ``year``, ``division``), ``sort``, ``page``; shareable by URL
``/cases/{id}``            a case: facts and sources, timeline, documents by transparency-zone
                           category, participants, the laws its chapter cites, quality notes,
                           formats, how to cite
``/agencies``              agencies with cases (``?all=1``: every agency)
``/agencies/{id}``         an agency, its cases and the activities it took part in
``/charts``                cases per year, amount by ministry or city, activities per year
``/query``                 the SPARQL editor (YASGUI) and the gallery of example queries;
                           ``?query=`` or ``?example=`` runs one and shows a table (no JS)
``/downloads``             the release's files with sizes, formats and checksums; history
``/vocabulary``            the vocabulary and code lists, readable (each term an anchor)
``/about``                 licence, how to cite, API and harvesting endpoints, the laws the
                           sources cite
``/docs``                  the API reference: the OpenAPI document in Swagger UI (served
                           locally), and every operation listed for a browser without it
``/static/...``            the portal's stylesheet and scripts, YASGUI and Swagger UI from node_modules
=========================  ===============================================================

Every page is zh-Hant unless the URL says ``?lang=en``; the language switch keeps the
page and its query. Pages work without JavaScript; nothing is loaded from another host.

The pages read the service's in-memory release (``api.tables.Tables``, found on
``app.state``) and never parse the release's tables a second time. This is the service's one
HTML layer: ``api.app`` hands the other routers the renderers they answer browsers with.
:func:`render_case`, :func:`render_agency` and :func:`render_vocabulary` draw
``/id/case/{id}`` ... as these pages, :func:`.render.render_resource` any other
description; :func:`.editor.render_query` (async) is also ``/sparql`` and
:func:`render_downloads` also ``/downloads/`` in a browser. What every page shares is in
:mod:`.render`; the SPARQL page is :mod:`.editor`, the API reference :mod:`.reference`.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from markupsafe import Markup, escape
from starlette.staticfiles import StaticFiles

from pipelines.model import UNSET_PUBLISHER
from pipelines.tables.people import ARCHIVE
from pipelines.tables.schema import TABLE_BY_NAME
from pipelines.terms import VOCAB

from ..errors import ServiceError
from . import charts, editor, reference
from .data import PER_PAGE, SORTS, Portal, Query
from .i18n import ZH, Words, lang_of, with_params
from .releases import history_of
from .render import (
    NODE_MODULES,
    STATIC,
    STATIC_TYPES,
    VENDOR,
    _context,
    _page,
    _size,
    href_of,
    not_found,
    portal_of,
)

log = logging.getLogger("lianzheng.pages")

router = APIRouter(include_in_schema=False)
router.include_router(editor.router)
router.include_router(reference.router)


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
                 sort=sort if sort in SORTS else "table_number", page=page,
                 division=(p.get("division") or "")[:20])


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
        # the code list's order (the six special municipalities first); only those with cases
        facet("division", portal.division_codes, lambda v: t.pick(portal.label("division", v))),
    ]
    api_params = {"q": query.q, "authority": query.authority, "level": query.level,
                  "status": query.status, "year": query.year, "division": query.division}
    sort_api = {"-amount": "-amount", "amount": "amount", "established": "established",
                "-established": "-established", "name": "name"}.get(query.sort, "")
    api_params["sort"] = sort_api
    api_url = with_params("/api/cases", api_params, ZH)
    ctx = _context(
        request, "cases", t("cases_title"), query=query, sorts=SORTS, facets=facets,
        rows=[portal.case_summary(c) for c in shown], total=len(ids), first=start + 1,
        last=start + len(shown), filtered=any((query.q, query.authority, query.level, query.status, query.year,
                                                query.division)),
        pages=[{"n": n, "url": link(page=n), "current": n == page} for n in range(1, pages + 1)],
        prev_url=link(page=page - 1) if page > 1 else None,
        next_url=link(page=page + 1) if page < pages else None, api_url=api_url,
    )
    ctx["alternates"] = [{"type": "application/json", "href": api_url}]
    return _page("cases.html", ctx)


def _participant(p: dict, t: Words, lang: str, href) -> Markup:
    parts = []
    if p.get("person"):
        person = escape(t.pick(p["person"]))
        if p.get("person_title"):
            person = escape(t.pick(p["person_title"])) + Markup(" ") + person
        parts.append(person)
    if p.get("agency"):
        a = p["agency"]
        parts.append(Markup('<a href="{}">{}</a>').format(href(with_params(f"/agencies/{a['id']}", {}, lang)),
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
    href = href_of(request)
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
            entry = people.setdefault(key, {"who": _participant(p, t, lang, href), "roles": [], "activities": set()})
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
        participant=lambda p: _participant(p, t, lang, href),
        describe_url=with_params("/query", {"query": describe}, lang) + "#results",
        history=history_of(request, case_id),
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
                   authority=authority, through=a.get("sub_agency_cases", []),
                   activities=portal.agency_activities.get(agency_id, []),
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

    def chart(key: str, items, shape: str) -> Markup:  # named by its section's heading, {key}-h
        return charts.bar_list(f"chart-{key}", items, f"{key}-h", shape)

    made = [
        {"id": "per-year", "title": t("chart_per_year"), "label_head": t("col_year"), "value_head": t("col_count"),
         "chart": chart("per-year", per_year, "columns"),
         "rows": [{"label": y, "value": n, "href": with_params("/cases", {"year": y}, lang)} for y, n in per_year]},
        {"id": "amount", "title": t("chart_amount"), "label_head": t("col_authority"), "value_head": t("col_total"),
         "chart": chart("amount", amount, "bars"),
         "rows": [{"label": label, "value": f"{v:,.2f}", "href": with_params("/cases", {"authority": a}, lang)}
                  for (label, v), a in zip(amount, portal.authorities, strict=True)]},
        {"id": "activities", "title": t("chart_activities"), "label_head": t("col_year"),
         "value_head": t("col_activities"), "note": t("chart_note_undated"),
         "chart": chart("activities", activities, "columns"),
         "rows": [{"label": y, "value": n} for y, n in activities]},
    ]
    return _page("charts.html", _context(request, "charts", t("charts_title"), charts=made))


# --------------------------------------------------------------------- downloads

FILE_KINDS = {
    ".csv": ("CSV", ("表格（UTF-8）", "table (UTF-8)")),
    ".xlsx": ("XLSX", ("試算表，含全部表格", "spreadsheet with every table")),
    ".zip": ("ZIP", ("壓縮檔", "archive")),
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
    "lianzheng-spreadsheets.zip": ("給一般使用者：Excel 可直接開啟之表格（中文欄名、代碼標籤、欄位說明）",
                                   "for people: tables Excel opens as they are (Chinese headers, code labels, "
                                   "column guide)"),
}


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
            stem = Path(name).stem
            table = TABLE_BY_NAME.get(stem)
            what = (f"表格：{table.zh}（{stem}）", f"table: {table.en} ({stem})") if table else \
                (f"表格：{stem}", f"table: {stem}")
        elif name.startswith("vocab/") or name.startswith("shapes/"):
            vocab = name.startswith("vocab/")
            what = ("詞彙" if vocab else "SHACL 規則", "vocabulary" if vocab else "SHACL shapes")
        files.append({"name": name, "href": f"/downloads/{name}", "format": fmt, "what": what[t.i],
                      "size": f["size"], "size_text": _size(f["size"]), "sha256": f["sha256"]})
    people = next((f for f in files if f["name"] == ARCHIVE), None)
    return _page("downloads.html", _context(request, "downloads", t("downloads_title"), files=files,
                                            people=people, history=portal.history()))


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
    endpoints = [{"path": path, "href": with_params(path, {}, lang) if path in ("/downloads", "/vocabulary") else path,
                  "what": what} for path, what in ENDPOINTS]
    description: dict = {}
    provenance: dict = {}
    publisher = f"{UNSET_PUBLISHER.zh} {UNSET_PUBLISHER.en}"
    try:
        dp = json.loads((portal.release_dir / "datapackage.json").read_text(encoding="utf-8"))
        description = {"zh": dp.get("description", ""), "en": dp.get("description_en", "")} \
            if dp.get("description") else {}
        sources = [s.get("title", "") for s in dp.get("sources", [])]
        publisher = next((c["title"] for c in dp.get("contributors", []) if "publisher" in c.get("roles", [])),
                         publisher)
        zh_en = str(dp.get("provenance", "")).split("\n\n", 1)
        provenance = {"zh": zh_en[0], "en": zh_en[-1]} if dp.get("provenance") else {}
        purpose = dp.get("purpose") if isinstance(dp.get("purpose"), dict) else {}
    except (OSError, ValueError):
        sources, purpose = [], {}
    # the publisher is the operator's; the facts are the AAC's documents', transcribed
    citation = (
        f"{publisher}（{year}）。機關採購廉政平臺開放資料集，第 {portal.version} 版（資料基準日 {portal.as_of}；"
        f"轉錄自法務部廉政署《機關採購廉政平臺指引手冊》及《機關採購廉政平臺介紹》）。{base}/id/dataset/lianzheng\n"
        f"{publisher} ({year}). Government Procurement Integrity Platform Open Dataset, version {portal.version} "
        f"(data as of {portal.as_of}; transcribed from the Agency Against Corruption's Government Procurement "
        f"Integrity Platform Guidebook and Introduction). {base}/id/dataset/lianzheng"
    )
    ctx = _context(request, "about", t("about_title"), citation=citation, endpoints=endpoints,
                   dataset_description=description, source_docs=sources, publisher=publisher,
                   provenance=provenance, stated_purpose=purpose,
                   laws=sorted(portal.tables.laws, key=lambda law: (not law["in_appendix"], law["id"])))
    return _page("about.html", ctx)


# ------------------------------------------------------------------------ static

class StaticFolder(StaticFiles):
    """The portal's own stylesheet and scripts (Starlette's ``StaticFiles``: ETag, 304, HEAD,
    ranges, no way out of the folder), cached by browsers for an hour; mounted at ``/static``."""

    def get_path(self, scope) -> str:
        """The file asked for. Starlette takes it as ``path`` less ``root_path`` (ASGI's rule:
        ``path`` holds the mount's prefix); the switchboard serves a release at
        ``/releases/{v}/`` with the prefix in ``root_path`` and out of ``path``
        (:mod:`api.switchboard`), where that rule would look for ``static/portal.css``."""
        path, root = scope["path"], scope.get("root_path", "")
        if root and not path.startswith(root) and path.startswith(STATIC_AT + "/"):
            scope = dict(scope, path=path[len(STATIC_AT):], root_path="")
        return super().get_path(scope)

    def file_response(self, *args, **kwargs) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response


STATIC_AT = "/static"  # where api.app mounts it
static_files = StaticFolder(directory=STATIC)


@router.get("/static/vendor/{path:path}")
def vendor(path: str):
    """The few files the pages use from node_modules (:data:`VENDOR`), and nothing else there."""
    rel = VENDOR.get(path)
    target = NODE_MODULES / rel if rel else None
    if target is None or not target.is_file():
        raise ServiceError(404, "not found")
    return FileResponse(target, media_type=STATIC_TYPES.get(target.suffix, "application/octet-stream"),
                        headers={"Cache-Control": "public, max-age=3600"})
