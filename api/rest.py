"""The REST API: cases and agencies as JSON, from the release's tables in memory.

Served from :mod:`api.tables` (never from SPARQL): a case lookup is a dict get of
bytes rendered at start-up. Lists are filtered, sorted and paginated; the page
comes with ``total``, ``page`` and ``per_page`` and with RFC 8288 ``Link``
headers (https://www.rfc-editor.org/rfc/rfc8288) to the first, previous, next
and last pages. Free text ``q`` matches names in zh-Hant or English, folding
臺/台, full-width forms and case (``pipelines.normalise.fold``).

The Pydantic models below describe the responses in the OpenAPI document at
``/docs``; the bodies themselves are the pre-rendered bytes (a test checks that
every one of them validates against its model).
"""


from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from pipelines.terms import load_codes

from .direct import add_first, answers_directly, send_bytes
from .errors import ServiceError
from .tables import AGENCY_SORTS, CASE_SORTS, DEFAULT_PER_PAGE, MAX_PER_PAGE, Tables

JSON = "application/json"


# ------------------------------------------------------------------ models

class Text(BaseModel):
    zh: str = Field(description="zh-Hant")
    en: str = Field(description="English")


class Links(BaseModel):
    api: str | None = Field(None, description="This record in the REST API (a path on this server)")
    html: str | None = Field(None, description="The record's linked-data page (a path on this server)")
    turtle: str | None = None
    jsonld: str | None = None


class AgencyRef(BaseModel):
    id: str
    name: Text | None
    links: Links


class SourceRef(BaseModel):
    id: str = Field(description="Source section, e.g. guidebook/table")
    title: Text | None
    document: str
    document_title: str | None
    iri: str | None
    kind: str | None = Field(None, description="Kind of its document (source-kind list): aac, the "
                             "AAC's own document; outside, an outside source, not the AAC's words")
    links: Links


class Participant(BaseModel):
    position: int | None
    role: str = Field(description="Code of the participant-role list")
    agency: AgencyRef | None
    description: Text | None
    person: Text | None
    person_title: Text | None


class Activity(BaseModel):
    id: str
    iri: str
    type: str = Field(description="Code of the activity-type list")
    date: str = Field(description="YYYY-MM-DD, or YYYY-MM / YYYY where only that is known")
    date_precision: str
    end_date: str | None
    ordinal: int | None
    title: Text | None
    description: Text | None
    sources: list[str]
    locators: list[str]
    participants: list[Participant]
    links: Links


class Document(BaseModel):
    id: str
    iri: str
    category: str
    title: Text | None
    publisher: AgencyRef | None
    date: str | None
    url: str | None
    sources: list[str]
    links: Links


class Observation(BaseModel):
    id: str
    iri: str
    indicator: str
    value: float | None
    unit: str | None
    value_text: str | None
    phase: str | None
    date: str | None
    description: Text | None
    sources: list[str]
    links: Links


class Risk(BaseModel):
    id: str
    iri: str
    category: str
    description: Text | None
    mitigation: Text | None
    sources: list[str]
    links: Links


class Account(BaseModel):
    """An illustrative story the case's chapter tells: the source's words, not an event of the case."""

    id: str
    iri: str
    title: Text | None
    quote: str = Field(description="The source's own words (zh-Hant, verbatim)")
    summary: Text | None
    names_project: bool = Field(description="Whether the passage names the chapter's project")
    attribution: Text | None = Field(description="Whether and why it can be attributed to the case")
    stated_date: str | None = Field(description="A date the passage gives; not the date of an event of the case")
    sources: list[str]
    links: Links


class LawRef(BaseModel):
    """A law, plan or convention that the case's chapter or example cites."""

    id: str
    iri: str
    name: Text | None
    kind: str | None = Field(description="Code of the law-kind list")
    in_appendix: bool = Field(description="Whether the guidebook's Appendix 2 (相關法規列表) lists it")
    url: str | None = Field(description="Official text, where one is confirmed")
    links: Links


class QualityNote(BaseModel):
    id: str
    iri: str
    type: str
    field: str
    official_value: str | None
    official_source: str
    other_value: str | None
    other_source: str | None
    description: Text | None
    resolution: Text | None
    links: Links


class CaseSummary(BaseModel):
    id: str
    iri: str = Field(description="The case's permanent IRI")
    table_number: int | None = Field(description="Row in the guidebook's table of all platforms (110.12.31); "
                                     "null for a platform added since")
    name: Text
    procurement: Text
    agencies: list[AgencyRef] = Field(description="Procuring agencies, in the table's order")
    authority: AgencyRef | None = Field(description="Parent ministry or city government")
    level: str = Field(description="central or local")
    established: str = Field(description="Date established (ISO)")
    established_roc: str = Field(description="As the table writes it (ROC yyyMMdd)")
    amount_twd: float | None = Field(description="Approximate amount in TWD")
    amount_text: str
    status: str = Field(description="operating or ended")
    benchmark: int | None
    place: Text | None = Field(description="The place as the source names it, in its words; null where "
                               "it names none")
    divisions: list[str] = Field(description="Special municipalities, counties or cities: ISO 3166-2:TW "
                                 "codes of the division list (e.g. TW-TPE)")
    division_basis: str | None = Field(description="What the divisions rest on (division-basis list): text, "
                                       "named in the source; agency, only the owning government is named; "
                                       "outside, outside knowledge")
    links: Links


class CaseDetail(CaseSummary):
    sources: list[SourceRef]
    activities: list[Activity]
    documents: list[Document]
    observations: list[Observation]
    risks: list[Risk]
    accounts: list[Account] = Field(description="Illustrative stories the case's chapter tells")
    laws: list[LawRef] = Field(description="Laws, plans and conventions the case's chapter or example cites")
    quality_notes: list[QualityNote]


class CasePage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[CaseSummary]


class AgencySummary(BaseModel):
    id: str
    iri: str
    name: Text
    kind: str = Field(description="Code of the organisation-kind list")
    level: str | None
    parent: AgencyRef | None
    agency_code: str | None = Field(description="機關代碼, where a source gives it")
    wikidata: str | None
    case_count: int = Field(description="Cases in which it is a procuring agency")
    case_count_with_sub_agencies: int = Field(
        description="Cases it or one of its sub-agencies (at any depth) procures")
    links: Links


class CaseRef(BaseModel):
    role: str = Field(description="procuring-agency or authority")
    id: str
    name: Text
    status: str
    established: str
    links: Links


class SubAgencyCaseRef(CaseRef):
    through: AgencyRef = Field(description="The sub-agency that procures it")


class AgencyDetail(AgencySummary):
    children: list[AgencyRef]
    cases: list[CaseRef]
    sub_agency_cases: list[SubAgencyCaseRef] = Field(
        description="Cases its sub-agencies procure and it does not, in table order")


class AgencyPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[AgencySummary]


class ErrorBody(BaseModel):
    ok: bool = False
    error: str
    status: int
    detail: object | None = None


ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such record"},
          422: {"model": ErrorBody, "description": "A parameter is not valid"}}


# ------------------------------------------------------------------ the lookup fast path

# ------------------------------------------------------------------ helpers

def _links(request: Request, page: int, per_page: int, total: int) -> str:
    last = max(1, -(-total // per_page))
    url = request.url

    def at(n: int) -> str:
        return str(url.include_query_params(page=n, per_page=per_page))

    rels = [("first", 1)]
    if page > 1:
        rels.append(("prev", min(page - 1, last)))
    if page < last:
        rels.append(("next", page + 1))
    rels.append(("last", last))
    return ", ".join(f'<{at(n)}>; rel="{rel}"' for rel, n in rels)


def _page(request: Request, tables: Tables, ids: list[str], page: int, per_page: int,
          rendered: dict[str, bytes]) -> Response:
    body = tables.page_bytes(ids, page, per_page, rendered)
    return Response(body, media_type=JSON, headers={"Link": _links(request, page, per_page, len(ids)),
                                                    "X-Total-Count": str(len(ids))})


def build_router(tables: Tables) -> APIRouter:
    codes = load_codes()
    # members from the code lists and sort keys, which mypy cannot see: hence the ignores
    def members(codes_of) -> dict[str, str]:
        return {c.replace("-", "_"): c for c in sorted(codes_of)}

    def sorts(keys) -> dict[str, str]:
        return {(("desc_" + k) if d else k): (("-" + k) if d else k) for k in keys for d in (False, True)}

    Level = Enum("Level", members(codes["government-level"]), type=str)  # type: ignore[misc]
    Status = Enum("Status", members(codes["case-status"]), type=str)  # type: ignore[misc]
    Kind = Enum("Kind", members(codes["organisation-kind"]), type=str)  # type: ignore[misc]
    Division = Enum("Division", members(codes["division"]), type=str)  # type: ignore[misc]
    CaseSort = Enum("CaseSort", sorts(CASE_SORTS), type=str)  # type: ignore[misc]
    AgencySort = Enum("AgencySort", sorts(AGENCY_SORTS), type=str)  # type: ignore[misc]
    by_number, by_id = CaseSort("table_number"), AgencySort("id")
    Page = Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")]
    PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description=f"Items per page (at most {MAX_PER_PAGE})")]
    Q = Annotated[str | None, Query(max_length=200, description="Free text in zh-Hant or English: names of "
                                    "the case, its procurement, its place and its agencies (臺/台 and "
                                    "full-width forms are the same)")]

    router = APIRouter(prefix="/api", tags=["REST"])

    @router.get("", summary="The REST API's entry point",
                description="What the REST API offers, and where its description is (the catalogue's "
                "dcat:endpointURL of the API).")
    def api_root():
        return {"name": "機關採購廉政平臺開放資料 REST API", "version": tables.version,
                "openapi": "/openapi.json", "docs": "/docs",
                "links": {"cases": "/api/cases", "case": "/api/cases/{case_id}", "agencies": "/api/agencies",
                          "agency": "/api/agencies/{agency_id}"}}

    @router.get("/cases", response_model=CasePage, responses=ERRORS, summary="List and search cases",
                description="Filters combine with AND. The `Link` header points to the first, previous, "
                "next and last pages.")
    def list_cases(request: Request,
                   agency: Annotated[str | None, Query(
                       max_length=100, description="A procuring agency's id: its cases, and its sub-agencies' "
                       "unless sub_agencies=false")] = None,
                   sub_agencies: Annotated[bool, Query(
                       description="With agency: include the cases its sub-agencies (at any depth) procure")] = True,
                   authority: Annotated[str | None, Query(
                       max_length=100, description="The parent ministry's or city's agency id")] = None,
                   level: Level | None = None,
                   status: Status | None = None,
                   division: Annotated[Division | None, Query(
                       description="A special municipality, county or city (ISO 3166-2:TW code, e.g. "
                       "TW-TPE): the cases placed in it, on whatever basis (see division_basis)")] = None,
                   year: Annotated[int | None, Query(ge=1900, le=2200, description="Year established")] = None,
                   amount_min: Annotated[float | None, Query(ge=0, le=1e18, description="Least amount, TWD")] = None,
                   amount_max: Annotated[float | None, Query(ge=0, le=1e18, description="Most amount, TWD")] = None,
                   q: Q = None,
                   sort: Annotated[CaseSort, Query(description="Sort key; a leading '-' sorts descending")]
                   = by_number,
                   page: Page = 1, per_page: PerPage = DEFAULT_PER_PAGE):
        if amount_min is not None and amount_max is not None and amount_min > amount_max:
            raise ServiceError(422, "invalid parameter: amount_min is above amount_max",
                               detail=[{"parameter": "amount_min", "problem": "must not exceed amount_max"}])
        ids = tables.filter_cases(agency=agency, authority=authority, level=level and level.value,
                                  status=status and status.value, year=year, amount_min=amount_min,
                                  amount_max=amount_max, q=q, sort=sort.value, sub_agencies=sub_agencies,
                                  division=division and division.value)
        return _page(request, tables, ids, page, per_page, tables.case_summary_bytes)

    @router.get("/agencies", response_model=AgencyPage, responses=ERRORS, summary="List and search agencies")
    def list_agencies(request: Request, kind: Kind | None = None, level: Level | None = None,
                      parent: Annotated[str | None, Query(max_length=100, description="Parent agency's id")] = None,
                      q: Q = None,
                      sort: Annotated[AgencySort, Query(description="Sort key; a leading '-' sorts descending")]
                      = by_id,
                      page: Page = 1, per_page: PerPage = DEFAULT_PER_PAGE):
        ids = tables.filter_agencies(kind=kind and kind.value, level=level and level.value, parent=parent, q=q,
                                     sort=sort.value)
        return _page(request, tables, ids, page, per_page, tables.agency_summary_bytes)

    return router


def add_lookups(router: APIRouter, tables: Tables) -> None:
    """``/api/cases/{case_id}`` and ``/api/agencies/{agency_id}`` on ``router``, the app's own: hot
    routes (:mod:`api.direct`) whose known ids are answered with the pre-rendered bytes before
    FastAPI's request handling; unknown ids reach the endpoint, which says 404 in the one error
    body. Measured on the 10k-case release, 2 cores, wrk -c16: 1,815 req/s through FastAPI's
    handling, 3,111 answered before it, against 3,229 for a FastAPI hello-world."""

    def lookup(rendered: dict[str, bytes], param: str):
        async def direct(scope, receive, send) -> bool:
            body = rendered.get(scope["path_params"][param])
            if body is None:
                return False
            await send_bytes(scope, send, body, b"application/json")
            return True
        return direct

    @answers_directly(lookup(tables.case_detail_bytes, "case_id"))
    async def get_case(case_id: str):
        body = tables.case_detail_bytes.get(case_id)
        if body is None:
            raise ServiceError(404, f"no case with id {case_id!r}")
        return Response(body, media_type=JSON)

    @answers_directly(lookup(tables.agency_detail_bytes, "agency_id"))
    async def get_agency(agency_id: str):
        body = tables.agency_detail_bytes.get(agency_id)
        if body is None:
            raise ServiceError(404, f"no agency with id {agency_id!r}")
        return Response(body, media_type=JSON)

    for path, endpoint, model, summary, description in (
            ("/api/cases/{case_id}", get_case, CaseDetail, "One case",
             "The case with its activities (and their participants), documents, observations, risks, "
             "the laws its chapter cites, quality notes and the sources cited."),
            ("/api/agencies/{agency_id}", get_agency, AgencyDetail, "One agency",
             "The agency with its sub-agencies and the cases it takes part in.")):
        for method in ("GET", "HEAD"):  # HEAD answered alike, and left out of the OpenAPI document
            add_first(router, path, endpoint, methods=[method], tags=["REST"], responses=ERRORS,
                      response_model=model, summary=summary, description=description,
                      include_in_schema=method == "GET")
