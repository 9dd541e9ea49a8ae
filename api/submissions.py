"""The write side: agencies submit, the AAC's reviewers decide and release (``/api/submissions``).

Every route needs a token (``Authorization: Bearer lzt_...``; :mod:`pipelines.submissions.tokens`)
with the role it names; each use, and each refused attempt, is a row of the audit log (who,
when, what, from where; the token's id, never the token). A submitter sees and submits only
for the cases of its agency and the agencies under it; a reviewer sees all, decides, releases.

A submission is checked at once with the build's rules (:mod:`pipelines.submissions.check`):
422 with the report rows (zh-Hant and English, naming the change, and the sheet, row and column
where it came from a sheet) and nothing stored when it fails; 202 with its id when it passes.
Nothing here is public and nothing here changes a release: a release comes only from the
release step (:mod:`pipelines.submissions.fold`), run in a child process.
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import re
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from pipelines.errors import ProblemsFound
from pipelines.read.reader import read_dataset
from pipelines.submissions import changes, check, database, ledger, sheets, tokens, workbook
from pipelines.submissions.verbs import database_path

from .errors import ServiceError

WRITE_SIDE = ("/api/submissions", "/api/releases", "/submissions")  # paths a release's prefix never takes
RATE_WINDOW = 60  # seconds over which a token's uses are counted
_CHANGE = re.compile(r"^changes\[(\d+)\]")


class Desk:
    """The service's side of the submissions database: one connection, used under a lock."""

    def __init__(self, settings):
        self.settings = settings
        self.path = database_path(settings)
        self.source = Path(settings.source)
        self._db = None
        self._lock = threading.Lock()
        self.releasing = asyncio.Lock()

    @contextmanager
    def db(self):
        with self._lock:
            if self._db is None:
                self._db = database.connect(self.path)
            yield self._db

    def log(
        self,
        action: str,
        outcome: str,
        request: Request,
        holder: tokens.Holder | None = None,
        tid: str = "",
        target: str = "",
    ) -> None:
        with self.db() as db:
            database.record_event(
                db,
                action,
                outcome,
                token=holder.id if holder else tid,
                agency=holder.agency if holder else "",
                role=holder.role if holder else "",
                target=target,
                address=request.client.host if request.client else "",
            )


def desk_of(request: Request) -> Desk:
    state = request.app.state
    if getattr(state, "desk", None) is None:
        state.desk = Desk(state.settings)
    return state.desk


# Declared, so that the OpenAPI document says which routes need a token (and /docs links none
# of them); auto_error off: a missing or malformed header is this module's 401, logged.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A token from `lianzheng tokens create` (lzt_...), per agency and role.",
)


def holder_of(request: Request, action: str, token: str) -> tokens.Holder:
    """The token's holder, or 401 (logged). Rate-limited per token: 429 with Retry-After."""
    desk = desk_of(request)
    token = token.strip()
    with desk.db() as db:
        holder, why, tid = tokens.check(db, token) if token else (None, "no token", "")
    if holder is None:
        desk.log(action, why, request, tid=tid, target=request.url.path)
        raise ServiceError(
            401,
            f"a valid token is needed ({why})",
            headers={"WWW-Authenticate": 'Bearer realm="lianzheng"'},
            detail={
                "zh": "需要有效的權杖（Authorization: Bearer lzt_...）。",
                "en": "A valid token is needed (Authorization: Bearer lzt_...).",
            },
        )
    admit(desk, holder, request, action)
    return holder


def admit(desk: Desk, holder: tokens.Holder, request: Request, action: str) -> None:
    """The per-token rate limit, over the audit log's rows: 429 with Retry-After (logged)."""
    since = (_dt.datetime.now(_dt.UTC) - _dt.timedelta(seconds=RATE_WINDOW)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with desk.db() as db:
        used = db.execute(  # its uses: not its making or revoking by the command line
            "SELECT COUNT(*) FROM events WHERE token = ? AND at > ? AND action NOT LIKE 'token-%'", (holder.id, since)
        ).fetchone()[0]
    if used >= desk.settings.submit_rate:
        desk.log(action, "rate limited", request, holder, target=request.url.path)
        raise ServiceError(
            429,
            f"more than {desk.settings.submit_rate} requests a minute with this token",
            headers={"Retry-After": str(RATE_WINDOW)},
            detail={
                "zh": f"此權杖每分鐘最多 {desk.settings.submit_rate} 次請求，請稍候再試。",
                "en": f"At most {desk.settings.submit_rate} requests a minute with this token: try again shortly.",
            },
        )


def _need(role: str):
    def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> tokens.Holder:
        token = credentials.credentials if credentials is not None else ""
        holder = holder_of(request, f"{request.method} {request.url.path}"[:60], token)
        if role == "reviewer" and holder.role != "reviewer":
            desk_of(request).log(request.url.path, "forbidden: not a reviewer", request, holder)
            raise ServiceError(
                403,
                "this needs a reviewer's token",
                detail={"zh": "此操作須由審核者（廉政署）之權杖為之。", "en": "Only a reviewer (the AAC) may do this."},
            )
        return holder

    return dependency


submitter = _need("submitter")
reviewer = _need("reviewer")


def report_rows(problems, sub: changes.Submission | None) -> list[dict]:
    """Problems as the rows a person reads: the change, and the sheet, row and column it came from."""
    rows = []
    for p in problems:
        m = _CHANGE.match(p.record)
        index = int(m.group(1)) if m else None
        origin = sub.changes[index].origin if sub is not None and index is not None and index < len(sub.changes) else {}
        origin = origin or getattr(p, "origin", {})  # a sheet's own problem (sheets.SheetProblem) says where
        columns = origin.get("columns", {}) if isinstance(origin.get("columns"), dict) else {}
        rows.append(
            {
                "severity": p.severity,
                "type": p.type,
                "change": index,
                "record": p.record,
                "field": p.field,
                "sheet": origin.get("sheet"),
                "row": origin.get("row"),
                "column": columns.get(p.field) or columns.get(p.field.split(".")[0]),
                "message_zh": p.message_zh,
                "message_en": p.message_en,
                "fix_zh": p.fix_zh,
                "fix_en": p.fix_en,
            }
        )
    return rows


def _refused(status: int, error: str, rows: list[dict]) -> ServiceError:
    return ServiceError(status, error, detail={"report": rows})


def _prior(db, ds) -> list:
    out = []
    for e in ledger.listing(db, state="accepted", limit=10_000):
        out.append((e.submission(), e.stamp(check.agency_name(ds, e.agency))))
    return out


def _visible(entry: ledger.Entry, holder: tokens.Holder, ds) -> bool:
    if holder.role == "reviewer" or entry.agency == holder.agency:
        return True
    case = ds.cases.get(entry.case)
    return case is not None and check.may_submit(ds, holder.agency, case)


def records_of(desk: Desk):
    try:
        return read_dataset(desk.source)
    except ProblemsFound as exc:
        raise ServiceError(
            503,
            "the source records do not pass their own checks: submissions wait",
            headers={"Retry-After": "600"},
            detail={"report": report_rows(exc.problems[:20], None)},
        ) from None


def submit(desk: Desk, holder: tokens.Holder, doc, address: str) -> tuple[int, dict]:
    """Check ``doc`` and store it; (202, body) or a :class:`ServiceError`."""
    sub, problems = changes.parse(doc)
    if sub is None:
        raise _refused(422, "the submission is not in the submission format", report_rows(problems, None))
    ds = records_of(desk)
    record = next((c.data.get("record") for c in sub.changes if c.kind == "case"), None)
    if holder.role != "reviewer" and not check.may_submit(ds, holder.agency, ds.cases.get(sub.case), record):
        raise ServiceError(
            403,
            f"the agency {holder.agency} may not submit for the case {sub.case}",
            detail={
                "zh": "只能提交本機關（及所屬機關）之案件。",
                "en": "An agency submits only for its own cases and those of the agencies under it.",
            },
        )
    with desk.db() as db:
        prior = _prior(db, ds)
    stamp = check.Stamp(check.PROVISIONAL, holder.agency, check.agency_name(ds, holder.agency), database.now())
    outcome = check.check(desk.source, sub, stamp, prior, base=desk.settings.base)
    if not outcome.ok:
        raise _refused(
            422, "the submission does not pass the checks: nothing was stored", report_rows(outcome.problems, sub)
        )
    with desk.db() as db:
        sid = ledger.add(db, holder.id, holder.agency, sub, doc, address)
    return sid, {
        "ok": True,
        "id": sid,
        "state": "pending",
        "url": f"/api/submissions/{sid}",
        "warnings": report_rows(outcome.problems, sub),
    }


router = APIRouter(prefix="/api/submissions", tags=["submissions"])


@router.post(
    "",
    status_code=202,
    summary="Submit changes to a case (checked at once)",
    description="JSON, or a filled template (`/api/submissions/template`) as XLSX or `text/csv` with `?case=ID`.",
)
async def post_submission(
    request: Request,
    case: str = Query("", max_length=80, description="The case, for a sheet (XLSX or CSV)"),
    holder: tokens.Holder = Depends(submitter),
):
    desk = desk_of(request)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("application/json", sheets.XLSX, sheets.CSV):
        desk.log("submit", "refused: content type", request, holder)
        raise ServiceError(
            415,
            f"send the submission as application/json, {sheets.XLSX} or {sheets.CSV}",
            detail={"zh": "請以 JSON、XLSX 或 CSV 提交。", "en": "Send it as JSON, XLSX or CSV."},
        )
    body = await request.body()
    if kind == "application/json":
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            desk.log("submit", "refused: not JSON", request, holder)
            raise ServiceError(
                400, "the body is not JSON in UTF-8", detail={"position": getattr(exc, "pos", None)}
            ) from None
    else:
        doc = await run_in_threadpool(sheet_document, body, kind, case)
    address = request.client.host if request.client else ""
    try:
        sid, answer = await run_in_threadpool(submit, desk, holder, doc, address)
    except ServiceError as exc:
        desk.log(
            "submit",
            f"refused: {exc.status}",
            request,
            holder,
            target=str(doc.get("case", ""))[:80] if isinstance(doc, dict) else "",
        )
        raise
    desk.log("submit", "ok", request, holder, target=f"submission {sid}")
    return JSONResponse(answer, status_code=202, headers={"Location": answer["url"]})


def sheet_document(body: bytes, kind: str, case: str) -> dict:
    """A filled template read into the submission's JSON form; 415 when the bytes are not the
    type they were sent as, 422 with the report rows when the sheet itself is wrong."""
    doc, problems = sheets.read_sheet(body, kind, case)
    if doc is None:
        wrong = any(p.type in workbook.WRONG_TYPE for p in problems)
        raise _refused(
            415 if wrong else 422,
            f"the body is not {kind}" if wrong else "the sheet cannot be read as a submission: nothing was stored",
            report_rows(problems, None),
        )
    return doc


@router.get("/template", summary="The submission template (XLSX, or one sheet as CSV)")
async def get_template(
    request: Request,
    format: str = Query("xlsx", pattern="^(xlsx|csv)$"),
    sheet: str = Query("activity", pattern="^(" + "|".join(sheets.SHEETS) + ")$", description="For CSV"),
    holder: tokens.Holder = Depends(submitter),
):
    if format == "xlsx":
        body, media, name = await run_in_threadpool(sheets.template_xlsx), sheets.XLSX, "lianzheng-submission.xlsx"
    else:
        body, media, name = sheets.template_csv(sheet), f"{sheets.CSV}; charset=utf-8", f"lianzheng-{sheet}.csv"
    desk_of(request).log("template", "ok", request, holder, target=format if format == "xlsx" else sheet)
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("", summary="Submissions this token may see")
async def list_submissions(
    request: Request,
    state: str | None = Query(None, pattern="^(" + "|".join(ledger.STATES) + ")$"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
    holder: tokens.Holder = Depends(submitter),
):
    desk = desk_of(request)
    entries = entries_for(desk, holder, state, limit, offset)
    desk.log("list", "ok", request, holder)
    return {"ok": True, "submissions": [{k: v for k, v in e.public().items() if k != "content"} for e in entries]}


def entries_for(desk: Desk, holder: tokens.Holder, state: str | None, limit: int, offset: int) -> list[ledger.Entry]:
    """The submissions ``holder`` may see: a reviewer all, a submitter its agency's."""
    with desk.db() as db:
        return ledger.listing(
            db, state=state, agency=None if holder.role == "reviewer" else holder.agency, limit=limit, offset=offset
        )


def entry_for(request: Request, sid: int, holder: tokens.Holder) -> ledger.Entry:
    """Submission ``sid`` if ``holder`` may see it; else 404, or 403 (logged)."""
    desk = desk_of(request)
    with desk.db() as db:
        entry = ledger.get(db, sid)
    if entry is None:
        raise ServiceError(404, f"no submission {sid}")
    if not _visible(entry, holder, records_of(desk)):
        desk.log("read", "forbidden: another agency's", request, holder, target=f"submission {sid}")
        raise ServiceError(403, "this submission is another agency's")
    return entry


@router.get("/{sid}", summary="One submission, with its decisions")
async def get_submission(request: Request, sid: int, holder: tokens.Holder = Depends(submitter)):
    entry = await run_in_threadpool(entry_for, request, sid, holder)
    with desk_of(request).db() as db:
        decisions = ledger.history(db, sid)
    desk_of(request).log("read", "ok", request, holder, target=f"submission {sid}")
    return {"ok": True, **entry.public(), "decisions": decisions}


@router.get("/{sid}/diff", summary="The case before and after the submission")
async def get_diff(request: Request, sid: int, holder: tokens.Holder = Depends(submitter)):
    entry = await run_in_threadpool(entry_for, request, sid, holder)
    diff = await run_in_threadpool(case_diff, desk_of(request), entry)
    desk_of(request).log("diff", "ok", request, holder, target=f"submission {sid}")
    return {"ok": True, "id": sid, "case": entry.case, **diff}


def case_diff(desk: Desk, entry: ledger.Entry) -> dict:
    from pipelines.submissions.diff import case_diff as diff

    ds = records_of(desk)
    with desk.db() as db:
        prior = [p for p in _prior(db, ds) if p[1].number != str(entry.id)]
    stamp = entry.stamp(check.agency_name(ds, entry.agency))
    outcome = check.check(desk.source, entry.submission(), stamp, prior, base=desk.settings.base, tables=False)
    if outcome.before is None or outcome.after is None:
        return {"applies": False, "report": report_rows(outcome.problems, entry.submission())}
    return {"applies": True, **diff(outcome.before, outcome.after, entry.case, desk.settings.base)}


@router.post("/{sid}/decision", summary="Accept or reject a submission (reviewers)")
async def decide(request: Request, sid: int, holder: tokens.Holder = Depends(reviewer)):
    try:
        body = json.loads((await request.body()).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise ServiceError(400, "the body is not JSON in UTF-8") from None
    decision = body.get("decision") if isinstance(body, dict) else None
    reason = body.get("reason") if isinstance(body, dict) else None
    state = await run_in_threadpool(decide_entry, request, sid, holder, decision, reason)
    return {"ok": True, "id": sid, "state": state}


def decide_entry(request: Request, sid: int, holder: tokens.Holder, decision, reason) -> str:
    """A reviewer's decision on submission ``sid``, with the reason its submitter reads; the new
    state. 422 for a decision or reason missing, 409 when it is not pending or no longer applies."""
    desk = desk_of(request)
    if decision not in ("accept", "reject") or not isinstance(reason, str) or not reason.strip() or len(reason) > 4000:
        raise ServiceError(
            422,
            'give {"decision": "accept" or "reject", "reason": "..."} (the submitter sees the reason)',
            detail={
                "zh": "請選擇接受或退回，並寫下理由（提交者會看到）。",
                "en": "Choose accept or reject, and give the reason (the submitter reads it).",
            },
        )
    entry = entry_for(request, sid, holder)
    if entry.state != "pending":
        raise ServiceError(409, f"submission {sid} is {entry.state}, not pending")
    if decision == "accept":
        diff = case_diff(desk, entry)
        if not diff["applies"]:
            desk.log("review", "refused: no longer applies", request, holder, target=f"submission {sid}")
            raise _refused(
                409, "the submission no longer applies to the records: reject it with the reason", diff["report"]
            )
    state = "accepted" if decision == "accept" else "rejected"
    with desk.db() as db:
        ledger.decide(db, [sid], state, reason=reason.strip(), token=holder.id)
    desk.log("review", decision, request, holder, target=f"submission {sid}")
    return state


releases_router = APIRouter(prefix="/api/releases", tags=["submissions"])


@releases_router.post("", summary="Fold the accepted submissions and publish a release (reviewers)")
async def post_release(request: Request, holder: tokens.Holder = Depends(reviewer)):
    answer = await release(request, holder)
    return JSONResponse(answer, status_code=200 if answer.get("ok") else 422)


async def release(request: Request, holder: tokens.Holder) -> dict:
    """The release step for a reviewer (the API's and the page's button), one at a time (409)."""
    desk = desk_of(request)
    if desk.releasing.locked():
        raise ServiceError(409, "a release step is running already", headers={"Retry-After": "30"})
    async with desk.releasing:
        answer = await run_release(desk.settings)
    desk.log("release", "ok" if answer.get("ok") else "refused", request, holder, target=answer.get("version") or "")
    return answer


async def run_release(settings) -> dict:
    """``lianzheng release`` in a child process (a failure there never takes the service down)."""
    args = [
        sys.executable,
        "-m",
        "api.cli",
        "release",
        "--format",
        "json",
        "--source",
        str(settings.source),
        "--releases",
        str(settings.releases),
        "--database",
        str(database_path(settings)),
        "--base",
        settings.base,
    ]
    if settings.signing_key:
        args += ["--signing-key", settings.signing_key]
    proc = await asyncio.create_subprocess_exec(
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=3600)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return {"ok": False, "error": "the release step ran for an hour and was stopped; run it again to finish"}
    try:
        answer = json.loads(out.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {
            "ok": False,
            "error": "the release step could not run",
            "detail": err.decode("utf-8", "replace")[-2000:],
        }
    return answer
