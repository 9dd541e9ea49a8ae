"""The submission desk: ``/submissions``, the write side's pages for agency staff and reviewers.

The same service as ``/api/submissions`` (:mod:`api.submissions`: the same checks, ledger,
decisions and release step, and the same audit log), in a browser, in zh-Hant and English,
usable on a phone:

* ``GET /submissions`` signs in (the token, once, for a session cookie) or lists what the
  session's token may see, with a state filter, and for a reviewer the release button;
* ``GET|POST /submissions/new`` is a form of the changes a platform reports (an activity, a
  document of the transparency zone, a changed field with its reason, the quarterly report's
  figures); a refusal re-renders it, as it was filled in, with the report rows (422);
  ``/submissions/template`` and ``POST /submissions/sheet`` are the same with the spreadsheet
  template (:mod:`pipelines.submissions.sheets`), its rows reported by sheet, row and column;
* ``GET /submissions/{id}`` shows a submission, its decisions and the case before and after,
  side by side; a reviewer accepts or rejects it there, with the reason the submitter reads.

**Sessions and CSRF.** The token is posted once; the answer sets a session cookie
(:mod:`pipelines.submissions.sessions`) that is ``HttpOnly``, ``SameSite=Strict``, ``Secure``
when the request came over HTTPS, and scoped to ``Path=/submissions``. Every form that changes
anything carries the session's CSRF value, and every POST must come from this site's origin
(``Origin``, when the browser sends one). The sign-in form, before there is a session, uses a
double-submit cookie. Pages are ``Cache-Control: no-store``. Under a release's prefix none of
this exists (the switchboard answers 404: the write side is the service's).
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pipelines.submissions import check, ledger, sessions, sheets, tokens
from pipelines.terms import load_code_labels

from ..errors import ServiceError
from ..submissions import (
    admit,
    case_diff,
    decide_entry,
    desk_of,
    entries_for,
    entry_for,
    records_of,
    release,
    sheet_document,
    submit,
)
from .i18n import Words, lang_of, with_params
from .render import _context, _page

router = APIRouter(prefix="/submissions", include_in_schema=False)

COOKIE = "lz_session"
SIGN_IN_COOKIE = "lz_sign_in"  # the sign-in form's double-submit value
PATH = "/submissions"
NO_STORE = {"Cache-Control": "no-store", "Vary": "Cookie"}
FORM = "application/x-www-form-urlencoded"
UPLOAD = "multipart/form-data"  # the one form with a file: a filled template
MAX_FIELDS = 100
SHEET_TYPES = {".xlsx": sheets.XLSX, ".csv": sheets.CSV}
# The form's sections: (prefix, change kind, words key). Their fields are named prefix_field.
SECTIONS = (("a", "activity", "desk_activity"), ("d", "document", "desk_document"),
            ("f", "field", "desk_field"), ("q", "quarterly-report", "desk_quarterly"))
PAGE = 50


# ------------------------------------------------------------------ plumbing

def _answer(response: Response) -> Response:
    response.headers.update(NO_STORE)
    return response


def _render(request: Request, template: str, title: str, status: int = 200, **extra) -> Response:
    ctx = _context(request, "", title, **extra)
    return _answer(_page(template, ctx, status=status))


def _go(request: Request, path: str) -> RedirectResponse:
    """303 to ``path`` on the desk, in the page's language."""
    return RedirectResponse(with_params(path, {}, lang_of(request)), status_code=303)


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PATH, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def _refusal(request: Request, exc: ServiceError) -> Response:
    t = Words(lang_of(request))
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    said = detail.get("zh" if t.i == 0 else "en") or exc.error
    response = _render(request, "desk_message.html", t("desk_refused"), status=exc.status, message=said)
    response.headers.update(exc.headers)
    return response


def _guard(handler):
    """A page handler whose refusals (:class:`ServiceError`) are pages, not the API's JSON body."""

    @functools.wraps(handler)
    async def wrapped(request: Request, *args, **kwargs):
        try:
            return await handler(request, *args, **kwargs)
        except ServiceError as exc:
            return _refusal(request, exc)

    return wrapped


def _session(request: Request) -> tuple[tokens.Holder | None, str]:
    value = request.cookies.get(COOKIE, "")
    if not value:
        return None, ""
    with desk_of(request).db() as db:
        return sessions.holder_of(db, value), value


async def _form(request: Request) -> dict[str, str]:
    """A form's fields (URL-encoded; or multipart, with its one file's bytes under ``"file"`` and
    its name under ``"file_name"``)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == UPLOAD:
        return await _upload(request)
    if kind != FORM:
        raise ServiceError(415, f"send the form as {FORM}")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise ServiceError(400, "the form is not in UTF-8, or has too many fields") from None
    return {k: v.strip() for k, v in pairs}


async def _upload(request: Request) -> dict:
    try:
        form = await request.form(max_files=1, max_fields=MAX_FIELDS)
    except Exception:  # noqa: BLE001 - python-multipart's and Starlette's parse errors alike
        raise ServiceError(400, "the form is not multipart/form-data with one file") from None
    out: dict = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            out[key] = value.strip()
        elif key == "file":
            out["file"], out["file_name"] = await value.read(), value.filename or ""
    await form.close()
    return out


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


async def _posted(request: Request, action: str) -> tuple[tokens.Holder, dict, str]:
    """A POST from a signed-in page: the holder, the form and the session; or 401/403 (logged)."""
    desk = desk_of(request)
    holder, value = _session(request)
    if holder is None:
        desk.log(action, "no session", request, target=request.url.path)
        raise ServiceError(401, "sign in first", detail={"zh": "請先登入（或工作階段已結束）。",
                                                         "en": "Sign in first (or the session has ended)."})
    form = await _form(request)
    if not _same_origin(request) or not sessions.same(str(form.get("csrf", "")), sessions.csrf_of(value)):
        desk.log(action, "refused: cross-site form", request, holder, target=request.url.path)
        raise ServiceError(403, "the form did not come from this site's page",
                           detail={"zh": "表單驗證失敗，請重新整理頁面後再送出。",
                                   "en": "The form failed its check: reload the page and send it again."})
    admit(desk, holder, request, action)
    return holder, form, value


def _reviewer(request: Request, holder: tokens.Holder, action: str, target: str) -> None:
    if holder.role != "reviewer":
        desk_of(request).log(action, "forbidden: not a reviewer", request, holder, target=target)
        raise ServiceError(403, "this needs a reviewer's token",
                           detail={"zh": "此操作須由審核者（廉政署）為之。",
                                   "en": "Only a reviewer (the AAC) may do this."})


def _signed_in(holder: tokens.Holder, value: str) -> dict:
    return {"holder": holder, "csrf": sessions.csrf_of(value)}


# ------------------------------------------------------------------ sign-in, the list

@router.get("", response_class=HTMLResponse)
@_guard
async def desk_page(request: Request, state: str = ""):
    t = Words(lang_of(request))
    holder, value = _session(request)
    if holder is None:
        return _sign_in_page(request)
    state = state if state in ledger.STATES else ""
    desk = desk_of(request)
    entries = await run_in_threadpool(entries_for, desk, holder, state or None, PAGE * 20, 0)
    entries.reverse()  # the newest first
    return _render(request, "desk_list.html", t("desk_title"), entries=entries, states=ledger.STATES,
                   state=state, **_signed_in(holder, value))


def _sign_in_page(request: Request, failed: bool = False) -> Response:
    t = Words(lang_of(request))
    nonce = sessions.new_value()
    response = _render(request, "desk_sign_in.html", t("desk_title"), status=401 if failed else 200,
                       nonce=nonce, failed=failed)
    _set_cookie(request, response, SIGN_IN_COOKIE, nonce, max_age=3600)
    return response


@router.post("/sign-in")
@_guard
async def sign_in(request: Request):
    desk = desk_of(request)
    form = await _form(request)
    if not _same_origin(request) or not sessions.same(form.get("csrf", ""), request.cookies.get(SIGN_IN_COOKIE, "")):
        desk.log("sign-in", "refused: cross-site form", request, target=PATH)
        raise ServiceError(403, "the sign-in form did not come from this site's page",
                           detail={"zh": "登入表單驗證失敗，請重新整理頁面後再登入。",
                                   "en": "The sign-in form failed its check: reload the page and sign in again."})
    with desk.db() as db:
        holder, why, tid = tokens.check(db, form.get("token", ""))
    if holder is None:
        desk.log("sign-in", why, request, tid=tid, target=PATH)
        return _sign_in_page(request, failed=True)
    admit(desk, holder, request, "sign-in")
    with desk.db() as db:
        value = sessions.open_session(db, holder)
    desk.log("sign-in", "ok", request, holder, target=PATH)
    response = _go(request, PATH)
    _set_cookie(request, response, COOKIE, value, max_age=sessions.HOURS * 3600)
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)
    return _answer(response)


@router.post("/sign-out")
@_guard
async def sign_out(request: Request):
    holder, _, value = await _posted(request, "sign-out")
    with desk_of(request).db() as db:
        sessions.end(db, value)
    desk_of(request).log("sign-out", "ok", request, holder, target=PATH)
    response = _go(request, PATH)
    response.delete_cookie(COOKIE, path=PATH)
    return _answer(response)


# ------------------------------------------------------------------ a new submission

def _codes() -> dict[str, list[tuple[str, tuple[str, str]]]]:
    labels = load_code_labels()
    names = ("activity-type", "document-category", "indicator", "unit")
    return {name: sorted(labels.get(name, {}).items()) for name in names}


def _cases_for(request: Request, holder: tokens.Holder) -> list[tuple[str, str]]:
    ds = records_of(desk_of(request))
    return sorted((cid, c.name.zh) for cid, c in ds.cases.items()
                  if holder.role == "reviewer" or check.may_submit(ds, holder.agency, c))


def _new_page(request: Request, holder, value, form: dict, rows=(), status: int = 200, sections=()) -> Response:
    t = Words(lang_of(request))
    cases = _cases_for(request, holder)
    return _render(request, "desk_new.html", t("desk_new"), status=status, form=form, rows=list(rows),
                   sections=list(sections), cases=cases, codes=_codes(), fields=_FIELD_WORDS,
                   sheet_names=sheets.SHEETS, xlsx=sheets.XLSX,
                   **_signed_in(holder, value))


@router.get("/new", response_class=HTMLResponse)
@_guard
async def new_page(request: Request):
    holder, value = _session(request)
    if holder is None:
        return _go(request, PATH)
    return await run_in_threadpool(_new_page, request, holder, value, {"case": request.query_params.get("case", "")})


def _text(form: dict, key: str) -> dict:
    out = {"zh": form.get(f"{key}_zh", "")}
    if form.get(f"{key}_en"):
        out["en"] = form[f"{key}_en"]
    return out


def _number(text: str):
    """A form's number as the submission format has it: int or float, else the text (which the
    check then names)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def form_doc(form: dict[str, str]) -> tuple[dict, list[str]]:
    """The submission a filled-in form says, and the section each change came from."""
    changes: list[dict] = []
    sections: list[str] = []

    def filled(prefix: str) -> bool:
        return any(v for k, v in form.items() if k.startswith(prefix + "_"))

    if filled("a"):
        record = {"type": form.get("a_type", ""), "date": form.get("a_date", ""), "title": _text(form, "a_title")}
        changes.append({"kind": "activity", "record": record})
        sections.append("desk_activity")
    if filled("d"):
        record = {"category": form.get("d_category", ""), "title": _text(form, "d_title")}
        for key in ("url", "date"):
            if form.get(f"d_{key}"):
                record[key] = form[f"d_{key}"]
        changes.append({"kind": "document", "record": record})
        sections.append("desk_document")
    if filled("f"):
        changes.append({"kind": "field", "field": form.get("f_field", ""), "value": form.get("f_value", ""),
                        "reason": _text(form, "f_reason")})
        sections.append("desk_field")
    if filled("q"):
        figure = {"indicator": form.get("q_indicator", ""), "value": _number(form.get("q_value", "")),
                  "unit": form.get("q_unit", "")}
        changes.append({"kind": "quarterly-report", "year": _number(form.get("q_year", "")),
                        "quarter": _number(form.get("q_quarter", "")), "figures": [figure],
                        "summary": _text(form, "q_summary")})
        sections.append("desk_quarterly")
    return {"case": form.get("case", ""), "changes": changes}, sections


_FIELD_WORDS = {"status": ("狀態", "status"), "name": ("平臺名稱", "platform name"),
                "procurement": ("採購案名稱", "procurement"), "amount": ("金額", "amount"),
                "established": ("成立日期", "date established"), "description": ("說明", "description"),
                "place": ("地點", "place"), "wikidata": ("Wikidata 項目", "Wikidata item")}


@router.post("/new")
@_guard
async def post_new(request: Request):
    holder, form, value = await _posted(request, "submit")
    doc, sections = form_doc(form)
    t = Words(lang_of(request))
    if not doc["changes"]:
        nothing = [{"change": None, "message_zh": t("desk_nothing"), "message_en": t("desk_nothing")}]
        return await run_in_threadpool(_new_page, request, holder, value, form, nothing, 422, sections)
    desk = desk_of(request)
    address = request.client.host if request.client else ""
    try:
        sid, _ = await run_in_threadpool(submit, desk, holder, doc, address)
    except ServiceError as exc:
        desk.log("submit", f"refused: {exc.status}", request, holder, target=doc["case"][:80])
        if exc.status != 422:
            raise
        report = exc.detail.get("report", []) if isinstance(exc.detail, dict) else []
        for row in report:  # a change's rows name the form's section it came from
            if isinstance(row.get("change"), int) and row["change"] < len(sections):
                row["section"] = sections[row["change"]]
        return await run_in_threadpool(_new_page, request, holder, value, form, report, 422, sections)
    desk.log("submit", "ok", request, holder, target=f"submission {sid}")
    return _answer(_go(request, f"{PATH}/{sid}"))


@router.get("/template")
@_guard
async def template(request: Request, format: str = "xlsx", sheet: str = "activity"):
    """The submission template for a signed-in page (the API's ``/api/submissions/template``)."""
    holder, _ = _session(request)
    if holder is None:
        return _go(request, PATH)
    if format == "csv" and sheet in sheets.SHEETS:
        body, media, name = sheets.template_csv(sheet), f"{sheets.CSV}; charset=utf-8", f"lianzheng-{sheet}.csv"
    else:
        body, media, name = await run_in_threadpool(sheets.template_xlsx), sheets.XLSX, "lianzheng-submission.xlsx"
    desk_of(request).log("template", "ok", request, holder, target=name)
    return _answer(Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}))


@router.post("/sheet")
@_guard
async def post_sheet(request: Request):
    """A filled template, sent from the form: read as the API reads it, then checked and stored."""
    holder, form, value = await _posted(request, "submit")
    name = str(form.get("file_name", ""))
    media = SHEET_TYPES.get(name[name.rfind("."):].lower()) if "." in name else None
    desk = desk_of(request)
    if media is None or not form.get("file"):
        raise ServiceError(415, "choose a filled template: an .xlsx or .csv file",
                           detail={"zh": "請選擇填妥之範本檔（.xlsx 或 .csv）。",
                                   "en": "Choose a filled template (.xlsx or .csv)."})
    case = str(form.get("case", ""))
    try:
        doc = await run_in_threadpool(sheet_document, form["file"], media, case)
        sid, _ = await run_in_threadpool(submit, desk, holder, doc, request.client.host if request.client else "")
    except ServiceError as exc:
        desk.log("submit", f"refused: {exc.status}", request, holder, target=case[:80])
        if exc.status != 422:
            raise
        report = exc.detail.get("report", []) if isinstance(exc.detail, dict) else []
        return await run_in_threadpool(_new_page, request, holder, value, {"case": case}, report, 422)
    desk.log("submit", "ok", request, holder, target=f"submission {sid}")
    return _answer(_go(request, f"{PATH}/{sid}"))


# ------------------------------------------------------------------ one submission, the review

def _entry_page(request: Request, sid: int, holder: tokens.Holder, value: str) -> Response:
    t = Words(lang_of(request))
    desk = desk_of(request)
    entry = entry_for(request, sid, holder)
    with desk.db() as db:
        decisions = ledger.history(db, sid)
    diff = case_diff(desk, entry) if entry.state in ("pending", "accepted") else None
    desk.log("read", "ok", request, holder, target=f"submission {sid}")
    return _render(request, "desk_entry.html", f"{t('desk_number')} {sid}", entry=entry, decisions=decisions,
                   diff=diff, **_signed_in(holder, value))


@router.get("/{sid:int}", response_class=HTMLResponse)
@_guard
async def entry_page(request: Request, sid: int):
    holder, value = _session(request)
    if holder is None:
        return _go(request, PATH)
    return await run_in_threadpool(_entry_page, request, sid, holder, value)


@router.post("/{sid:int}/decision")
@_guard
async def post_decision(request: Request, sid: int):
    holder, form, _ = await _posted(request, "review")
    _reviewer(request, holder, "review", f"submission {sid}")
    await run_in_threadpool(decide_entry, request, sid, holder, form.get("decision"), form.get("reason"))
    return _answer(_go(request, f"{PATH}/{sid}"))


@router.post("/release")
@_guard
async def post_release(request: Request):
    holder, _, value = await _posted(request, "release")
    t = Words(lang_of(request))
    _reviewer(request, holder, "release", PATH)
    answer = await release(request, holder)
    return _render(request, "desk_released.html", t("desk_release"), status=200 if answer.get("ok") else 422,
                   answer=answer, **_signed_in(holder, value))
