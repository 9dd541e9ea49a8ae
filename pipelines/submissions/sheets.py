"""A submission as a sheet: the XLSX/CSV template the service offers, and a filled one read back.

The template has one worksheet per kind of change that fits a row (activities, documents,
changed fields, quarterly-report figures), a first sheet ``說明 Guide`` that explains every
column in zh-Hant and English, and a hidden sheet of the code lists that the drop-downs
point at (the codes of ``vocab/codes.ttl``, which the build's reader checks against). Each
header cell is the zh-Hant label and the English id (``日期 date``); the reader goes by the id.

A filled sheet is read into the JSON form :func:`.changes.parse` takes, each change with its
``origin`` (the sheet, the row and the column of each field), so a report names the cell.
Nothing in the file is trusted before it is looked at: the bytes must be what the media type
says (an XLSX is a zip with ``[Content_Types].xml``; a CSV is text); a workbook with macros,
external links or data connections is refused; its size once expanded and its compression
ratio are read from the zip directory and bounded before anything is expanded (Python's
zipfile never inflates an entry past the size its directory declares); XML with a DOCTYPE is
refused (and openpyxl parses with defusedxml); formula cells are never evaluated but refused,
named by their cell. A CSV is UTF-8 (with or without BOM), or Big5/CP950 when it decodes
strictly as such and reads as Chinese; anything else is refused rather than read garbled.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
import zipfile
from dataclasses import dataclass

from ..errors import Problem
from ..terms import load_code_labels
from .changes import FIELDS, MAX_CHANGES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
GUIDE = "說明 Guide"
CODES = "代碼 codes"
MAX_ROWS = MAX_CHANGES + 1  # the header and at most as many rows as a submission has changes
MAX_COLUMNS = 30
MAX_CELLS = 20_000
MAX_EXPANDED = 20_000_000  # bytes of a workbook's parts once expanded
MAX_RATIO = 100  # expanded over compressed size, for a part larger than RATIO_FROM
RATIO_FROM = 1_000_000
MAX_PARTS = 500
WRONG_TYPE = ("sheet:not-xlsx", "sheet:not-csv")  # the bytes are not what the media type says


@dataclass(frozen=True)
class Column:
    id: str  # the English id in the header
    zh: str  # the zh-Hant label in the header
    about_zh: str
    about_en: str
    path: tuple  # where the value goes in the change: ("record", "title", "zh")
    kind: str = "text"  # text, date, int, number
    required: bool = False
    codes: str = ""  # the code list of its drop-down


@dataclass(frozen=True)
class Sheet:
    id: str  # the change kind
    name: str  # the worksheet's title
    about_zh: str
    about_en: str
    columns: tuple[Column, ...]

    @property
    def ids(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.columns)}


def _text(key: str, zh: str, en: str, *, required: bool = False, within: tuple = ("record",)) -> tuple[Column, ...]:
    """The two columns of a bilingual text: ``key_zh`` and ``key_en``."""
    return (
        Column(
            f"{key}_zh",
            f"{zh}（中文）",
            f"{zh}，中文。",
            f"The {en}, in Chinese.",
            (*within, key, "zh"),
            required=required,
        ),
        Column(
            f"{key}_en",
            f"{zh}（英文）",
            f"{zh}，英文。",
            f"The {en}, in English.",
            (*within, key, "en"),
            required=required,
        ),
    )


SHEETS: dict[str, Sheet] = {
    s.id: s
    for s in (
        Sheet(
            "activity",
            "活動 activity",
            "每列一項平臺活動（會議、宣導、查核等）。",
            "One row per activity of the platform (a meeting, an awareness session, an inspection...).",
            (
                Column(
                    "date",
                    "日期",
                    "活動日期：西元 YYYY-MM-DD 或民國 yyyMMdd。",
                    "The day it took place: YYYY-MM-DD, or ROC yyyMMdd.",
                    ("record", "date"),
                    "date",
                    True,
                ),
                Column(
                    "end_date",
                    "結束日期",
                    "多日活動之最後一日（可空白）。",
                    "The last day of a longer one (may be empty).",
                    ("record", "end_date"),
                    "date",
                ),
                Column(
                    "type",
                    "活動類型",
                    "代碼表 activity-type 之代碼（下拉選單）。",
                    "A code of the list activity-type (drop-down).",
                    ("record", "type"),
                    required=True,
                    codes="activity-type",
                ),
                Column(
                    "ordinal",
                    "次別",
                    "第幾次（如第 5 次聯繫會議填 5；可空白）。",
                    "Which one it is (5 for the fifth liaison meeting; may be empty).",
                    ("record", "ordinal"),
                    "int",
                ),
                *_text("title", "標題", "title", required=True),
                *_text("description", "說明", "description"),
            ),
        ),
        Sheet(
            "document",
            "文件 document",
            "每列一份透明專區文件。",
            "One row per document of the transparency zone.",
            (
                Column(
                    "category",
                    "文件類別",
                    "代碼表 document-category 之代碼（下拉選單）。",
                    "A code of the list document-category (drop-down).",
                    ("record", "category"),
                    required=True,
                    codes="document-category",
                ),
                *_text("title", "標題", "title", required=True),
                Column(
                    "url",
                    "網址",
                    "文件之完整 http(s) 網址。",
                    "The document's full http(s) address.",
                    ("record", "url"),
                    required=True,
                ),
                Column(
                    "date",
                    "日期",
                    "文件日期（可空白）。",
                    "The document's date (may be empty).",
                    ("record", "date"),
                    "date",
                ),
                *_text("description", "說明", "description"),
            ),
        ),
        Sheet(
            "field",
            "欄位更正 field",
            "每列更正案件一個欄位，須附理由。",
            "One row per corrected field of the case, with a reason.",
            (
                Column(
                    "field",
                    "欄位",
                    f"要更正之欄位：{'、'.join(FIELDS)}（下拉選單）。",
                    f"The field to correct: {', '.join(FIELDS)} (drop-down).",
                    ("field",),
                    required=True,
                    codes="field",
                ),
                Column(
                    "value",
                    "新值",
                    "新的值（status 填 case-status 代碼；文字欄位填中文）。",
                    "The new value (a case-status code for status; the Chinese text for a text field).",
                    ("value", "zh"),
                    required=True,
                ),
                Column(
                    "value_en",
                    "新值（英文）",
                    "文字欄位之英文（可空白）。",
                    "The English of a text field (may be empty).",
                    ("value", "en"),
                ),
                *_text("reason", "理由", "reason", within=()),
            ),
        ),
        Sheet(
            "quarterly-report",
            "季報 quarterly-report",
            "每季陳報（每季陳報）之數字：每列一項指標。",
            "The figures of the quarterly report (每季陳報): one row per indicator.",
            (
                Column("year", "年度", "西元年（如 2026）。", "The year (e.g. 2026).", ("year",), "int", True),
                Column("quarter", "季別", "1 至 4。", "1 to 4.", ("quarter",), "int", True, codes="quarter"),
                Column(
                    "indicator",
                    "指標",
                    "代碼表 indicator 之代碼（下拉選單）。",
                    "A code of the list indicator (drop-down).",
                    ("figures", 0, "indicator"),
                    required=True,
                    codes="indicator",
                ),
                Column("value", "數值", "數字（如 2）。", "The number (e.g. 2).", ("figures", 0, "value"), "number"),
                Column(
                    "unit",
                    "單位",
                    "代碼表 unit 之代碼（有數值時必填）。",
                    "A code of the list unit (needed with a value).",
                    ("figures", 0, "unit"),
                    codes="unit",
                ),
                Column(
                    "value_text",
                    "文字值",
                    "無法以數字表示時之文字。",
                    "The value in words, where it is not a number.",
                    ("figures", 0, "value_text"),
                ),
                *_text("summary", "摘要", "summary", required=True, within=()),
            ),
        ),
    )
}


def code_lists() -> dict[str, list[tuple[str, str, str]]]:
    """The drop-downs' lists: code list -> (code, zh-Hant label, English label), codes sorted."""
    labels = load_code_labels()
    out: dict[str, list[tuple[str, str, str]]] = {}
    for sheet in SHEETS.values():
        for col in sheet.columns:
            if col.codes == "field":
                out["field"] = [(f, f, f) for f in FIELDS]
            elif col.codes == "quarter":
                out["quarter"] = [(str(q), f"第 {q} 季", f"Q{q}") for q in range(1, 5)]
            elif col.codes:
                out[col.codes] = [(code, *labels[col.codes][code]) for code in sorted(labels[col.codes])]
    return out


# ---- the template -------------------------------------------------------------------------------


def header(col: Column) -> str:
    return f"{col.zh} {col.id}"


def template_xlsx() -> bytes:
    """The XLSX template: the guide, one sheet per kind of change, and the hidden code lists."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE
    bold = Font(bold=True)
    guide.append(["機關採購廉政平臺：提交範本", "Integrity platforms: the submission template"])
    guide.append(
        [
            "每個工作表一種變更，每列一項；填好後以 POST /api/submissions?case=案件識別碼 提交（或在提交頁上傳）。",
            "One sheet per kind of change, one change per row; submit it with POST "
            "/api/submissions?case=CASE-ID (or upload it on the submissions page).",
        ]
    )
    guide.append(
        [
            "表頭為中文名稱與英文識別碼，請勿更改；不用的工作表留空即可。不接受公式、巨集與外部連結。",
            "Headers are the Chinese label and the English id: keep them. Leave a sheet you do not need "
            "empty. Formulas, macros and external links are refused.",
        ]
    )
    guide.append([])
    guide.append(
        ["工作表 sheet", "欄位 column", "識別碼 id", "必填 required", "說明", "description", "代碼表 code list"]
    )
    for cell in guide[guide.max_row]:
        cell.font = bold
    for sheet in SHEETS.values():
        for col in sheet.columns:
            guide.append(
                [sheet.name, col.zh, col.id, "是 yes" if col.required else "", col.about_zh, col.about_en, col.codes]
            )
    guide.append([])
    guide.append(["代碼表 code list", "代碼 code", "中文", "English"])
    for cell in guide[guide.max_row]:
        cell.font = bold
    lists = code_lists()
    for name, codes in lists.items():
        for code, zh, en in codes:
            guide.append([name, code, zh, en])
    for letter, width in zip("ABCDEFG", (24, 16, 16, 12, 48, 60, 18), strict=True):
        guide.column_dimensions[letter].width = width
    guide["A1"].font = Font(bold=True, size=14)
    guide["B1"].font = Font(bold=True, size=14)

    codes = wb.create_sheet(CODES)
    ranges = {}
    for i, (name, items) in enumerate(lists.items(), start=1):
        letter = get_column_letter(i)
        codes.cell(1, i, name)
        for j, (code, _, _) in enumerate(items, start=2):
            codes.cell(j, i, code)
        ranges[name] = f"{quote_sheetname(CODES)}!${letter}$2:${letter}${len(items) + 1}"
    codes.sheet_state = "hidden"

    fill = PatternFill("solid", fgColor="FFF2CC")
    for sheet in SHEETS.values():
        ws = wb.create_sheet(sheet.name, index=len(wb.sheetnames) - 1)
        ws.append([header(c) for c in sheet.columns])
        for i, col in enumerate(sheet.columns, start=1):
            cell = ws.cell(1, i)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True)
            if col.required:
                cell.fill = fill
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = 30 if col.kind == "text" else 16
            if col.kind in ("date", "text"):  # kept as typed: 2026-10-02 stays a text, 0 a leading digit
                ws.column_dimensions[letter].number_format = "@"
            if col.codes:
                dv = DataValidation(
                    type="list",
                    formula1=ranges[col.codes],
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="代碼 code",
                    error=f"請選代碼表 {col.codes} 之代碼。Choose a code of the list {col.codes}.",
                )
                dv.add(f"{letter}2:{letter}{MAX_ROWS}")
                ws.add_data_validation(dv)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_csv(sheet: str) -> bytes:
    """The header row of one sheet (a change kind: ``activity``...) as CSV, UTF-8 with a BOM
    (so that Excel opens it as UTF-8)."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerow([header(c) for c in SHEETS[sheet].columns])
    return ("\ufeff" + text.getvalue()).encode("utf-8")


# ---- reading a filled sheet ---------------------------------------------------------------------


class _Refused(Exception):
    """The file as a whole is refused: one problem, nothing read."""

    def __init__(self, problem: Problem):
        self.problem = problem


@dataclass(frozen=True, slots=True)
class SheetProblem(Problem):
    """A problem of a sheet itself (a header, a formula cell...), found before there are changes:
    ``file`` is the sheet, ``record`` the row (``row 3``), and ``column`` its letter."""

    column: str = ""

    @property
    def origin(self) -> dict:
        """Where it is, as a change's ``origin`` says it (the report rows read either)."""
        return {"sheet": self.file, "row": self.line, "columns": {self.field: self.column}}


def _problem(
    kind: str,
    zh: str,
    en: str,
    *,
    file: str,
    row: int | None = None,
    field: str = "",
    column: str = "",
    fix_zh: str = "",
    fix_en: str = "",
) -> Problem:
    where_zh = f"（{column} 欄）" if column else ""
    where_en = f" (column {column})" if column else ""
    return SheetProblem(
        f"sheet:{kind}",
        zh + where_zh,
        en + where_en,
        file=file,
        record=f"row {row}" if row else "",
        field=field,
        fix_zh=fix_zh,
        fix_en=fix_en,
        check="sheet",
        line=row,
        column=column,
    )


def _refuse(kind: str, zh: str, en: str, fix_zh: str = "", fix_en: str = "", file: str = "") -> _Refused:
    return _Refused(_problem(kind, zh, en, file=file, fix_zh=fix_zh, fix_en=fix_en))


def read_sheet(data: bytes, media_type: str, case: str) -> tuple[dict | None, list[Problem]]:
    """The submission for ``case`` in a filled template (XLSX or CSV), in the JSON form that
    :func:`.changes.parse` takes; or None and every problem found."""
    try:
        if media_type == XLSX:
            tables = _xlsx_tables(data)
        elif media_type == CSV:
            tables = [_csv_table(data)]
        else:
            raise _refuse(
                "media-type",
                f"不接受 {media_type} 格式。",
                f"{media_type} is not accepted.",
                "以 XLSX 或 CSV 提交。",
                "Send an XLSX or a CSV.",
            )
    except _Refused as exc:
        return None, [exc.problem]
    problems: list[Problem] = []
    found = []
    for name, rows in tables:
        sheet = _sheet_for(name, rows)
        if sheet is None:
            if name not in (GUIDE, CODES) and any(any(v not in (None, "") for v in row) for row in rows):
                problems.append(
                    _problem(
                        "unknown-sheet",
                        "此工作表不是範本中的工作表，其內容不會被讀取。",
                        "This sheet is not one of the template's: its content would not be read.",
                        file=name,
                        row=1,
                        fix_zh=f"用範本的工作表：{'、'.join(s.name for s in SHEETS.values())}。",
                        fix_en=f"Use the template's sheets: {', '.join(s.name for s in SHEETS.values())}.",
                    )
                )
            continue
        changes, more = _changes(sheet, name, rows)
        found.extend(changes)
        problems.extend(more)
    if not problems and not found:
        problems.append(
            _problem(
                "empty",
                "範本中沒有填寫任何一列。",
                "No row of the template is filled in.",
                file=tables[0][0] if len(tables) == 1 else GUIDE,
                fix_zh="在表頭下方每列填一項變更。",
                fix_en="Fill one change per row below the headers.",
            )
        )
    if not case:
        problems.append(
            _problem(
                "no-case",
                "未指明案件。",
                "No case is named.",
                file=tables[0][0] if tables else "",
                field="case",
                fix_zh="提交時指明案件識別碼（?case=案件識別碼，如 bitan-weir）。",
                fix_en="Name the case when submitting (?case=CASE-ID, e.g. bitan-weir).",
            )
        )
    if problems:
        return None, problems
    return {"case": case, "changes": found}, []


def _sheet_for(name: str, rows: list[list]) -> Sheet | None:
    """The template sheet a worksheet (by its title) or a CSV (by its headers, title '') is."""
    for sheet in SHEETS.values():
        if name in (sheet.name, sheet.id, sheet.name.split()[-1]):
            return sheet
    if not rows:
        return None
    ids = {_header_id(v) for v in rows[0] if v not in (None, "")}
    scored = [(len(ids & set(s.ids)), s) for s in SHEETS.values() if ids <= set(s.ids)]
    scored.sort(key=lambda t: -t[0])
    return scored[0][1] if scored and scored[0][0] else None


def _header_id(value) -> str:
    text = str(value).strip()
    return text.split()[-1] if text else ""


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


def _changes(sheet: Sheet, name: str, rows: list[list]) -> tuple[list[dict], list[Problem]]:
    problems: list[Problem] = []
    if not rows:
        return [], []
    by_label = {c.zh: c.id for c in sheet.columns}
    columns: dict[int, Column] = {}
    for i, value in enumerate(rows[0]):
        if value in (None, ""):
            continue
        cid = _header_id(value)
        cid = by_label.get(str(value).strip(), cid)
        col = next((c for c in sheet.columns if c.id == cid), None)
        if col is None or col in columns.values():
            problems.append(
                _problem(
                    "bad-header",
                    f"表頭「{value}」不是此工作表的欄位" + ("（重複）" if col else "") + "。",
                    f"The header '{value}' is not a column of this sheet" + (" (it is repeated)" if col else "") + ".",
                    file=name,
                    row=1,
                    column=_letter(i),
                    field=cid,
                    fix_zh=f"用範本的表頭：{'、'.join(header(c) for c in sheet.columns)}。",
                    fix_en=f"Use the template's headers: {', '.join(header(c) for c in sheet.columns)}.",
                )
            )
            continue
        columns[i] = col
    missing = [c for c in sheet.columns if c.required and c not in columns.values()]
    for col in missing:
        problems.append(
            _problem(
                "missing-header",
                f"缺少必填欄位「{header(col)}」。",
                f"The required column '{header(col)}' is missing.",
                file=name,
                row=1,
                field=col.id,
                fix_zh="加回範本的此欄表頭。",
                fix_en="Put the template's header back.",
            )
        )
    if problems:
        return [], problems
    where: dict[str, str] = {}  # a field of the change -> the column it is read from
    for i, col in sorted(columns.items()):
        names = [str(p) for p in col.path[1 if col.path[0] in ("record", "figures") else 0 :] if not isinstance(p, int)]
        where.setdefault(names[0], _letter(i))
        where.setdefault(".".join(names), _letter(i))
    if "indicator" in where:
        where["figures"] = where["indicator"]
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if all(v in (None, "") for v in row):
            continue
        change: dict = {"kind": sheet.id}
        for i, raw in enumerate(row):
            if raw in (None, ""):
                continue
            if i not in columns:
                problems.append(
                    _problem(
                        "no-header",
                        "此欄有值但沒有表頭。",
                        "A value in a column with no header.",
                        file=name,
                        row=n,
                        column=_letter(i),
                        fix_zh="刪除此值，或移到正確的欄。",
                        fix_en="Remove it, or move it to its column.",
                    )
                )
                continue
            _put(change, columns[i].path, _value(raw, columns[i].kind))
        columns_of = dict(where)
        if sheet.id == "field":
            value = change.get("value")
            if isinstance(value, dict) and set(value) == {"zh"}:
                change["value"] = value["zh"]  # a code or a plain value, not a bilingual text
            if isinstance(change.get("field"), str):
                columns_of.setdefault(change["field"], where["value"])  # the case's field is read from 'value'
        change["origin"] = {"sheet": name, "row": n, "columns": columns_of}
        out.append(change)
    return out, problems


def _put(target: dict, path: tuple, value) -> None:
    node: dict | list = target
    for key, following in zip(path, path[1:], strict=False):
        if isinstance(node, list):
            while len(node) <= key:
                node.append({} if not isinstance(following, int) else [])
            node = node[key]
        else:
            node = node.setdefault(key, [] if isinstance(following, int) else {})
    last = path[-1]
    if isinstance(node, list):
        node.append(value)
    else:
        node[last] = value


_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _value(raw, kind: str):
    """A cell's value as the records write it: dates as YYYY-MM-DD, whole numbers as integers,
    a text as a text (a number typed into a text column stays as typed)."""
    if isinstance(raw, _dt.datetime):
        raw = raw.date() if raw.time() == _dt.time() else raw
    if isinstance(raw, _dt.date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str):
        raw = raw.strip()
        if kind in ("int", "number") and _NUMBER.match(raw.replace(",", "")):
            text = raw.replace(",", "")
            return int(text) if "." not in text else float(text)
        return raw
    if kind in ("text", "date") and not isinstance(raw, bool):
        return str(raw)
    return raw


# ---- XLSX ---------------------------------------------------------------------------------------

_MACRO_TYPES = ("macroEnabled", "vbaProject", "application/vnd.ms-office.vba")


def _xlsx_tables(data: bytes) -> list[tuple[str, list[list]]]:
    """Each worksheet's title and rows, after the checks of the zip that need no expanding."""
    not_xlsx = _refuse(
        "not-xlsx",
        "內容不是 XLSX 活頁簿。",
        "The content is not an XLSX workbook.",
        "以 Excel 或 LibreOffice 另存為 .xlsx 後再提交。",
        "Save it as .xlsx (Excel, LibreOffice) and send that.",
    )
    if not data.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_xlsx from None
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise not_xlsx
    if len(infos) > MAX_PARTS:
        raise _refuse(
            "too-large", f"活頁簿的組成部分超過 {MAX_PARTS} 個。", f"The workbook has more than {MAX_PARTS} parts."
        )
    expanded = sum(i.file_size for i in infos)
    if expanded > MAX_EXPANDED or any(
        i.file_size > RATIO_FROM and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos
    ):
        raise _refuse(
            "zip-bomb",
            f"活頁簿展開後過大（{expanded:,} 位元組）或壓縮比異常，未予展開。",
            f"The workbook would expand too far ({expanded:,} bytes) or is compressed beyond any "
            "real sheet's ratio: it was not expanded.",
            "只提交範本的工作表，刪去圖片與多餘內容。",
            "Send only the template's sheets, without pictures or extras.",
        )
    if any(n.lower().endswith("vbaproject.bin") for n in names) or any(
        t in zf.read("[Content_Types].xml").decode("utf-8", "replace") for t in _MACRO_TYPES
    ):
        raise _refuse(
            "macro",
            "活頁簿含巨集（VBA），不予接受。",
            "The workbook contains macros (VBA): it is refused.",
            "另存為不含巨集的 .xlsx（Excel 活頁簿）後再提交。",
            "Save it as a macro-free .xlsx workbook and send that.",
        )
    if "xl/workbook.bin" in names:
        raise _refuse(
            "binary-workbook",
            "不接受二進位活頁簿（.xlsb）。",
            "A binary workbook (.xlsb) is not accepted.",
            "另存為 .xlsx 後再提交。",
            "Save it as .xlsx and send that.",
        )
    if any(n.startswith(("xl/externalLinks/", "xl/connections.xml", "xl/queryTables/")) for n in names):
        raise _refuse(
            "external-link",
            "活頁簿含外部連結或資料連線，不予接受（本服務不會開啟它們）。",
            "The workbook has external links or data connections: it is refused (they are never followed).",
            "移除外部連結（Excel：資料 > 編輯連結 > 中斷連結），或只貼上值後另存。",
            "Remove the links (Excel: Data > Edit Links > Break Link), or paste values only, and save.",
        )
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")) and _has_doctype(zf, info):
            raise _refuse(
                "xml-doctype",
                "活頁簿的 XML 含 DOCTYPE 宣告（可能是實體攻擊），不予接受。",
                "The workbook's XML declares a DOCTYPE (a possible entity attack): it is refused.",
                "以 Excel 或 LibreOffice 重新另存後再提交。",
                "Save it again with Excel or LibreOffice and send that.",
            )
    return _worksheets(data)


def _has_doctype(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    tail = b""
    with zf.open(info) as part:
        while chunk := part.read(65536):
            if b"<!DOCTYPE" in tail + chunk or b"<!ENTITY" in tail + chunk:
                return True
            tail = chunk[-16:]
    return False


def _worksheets(data: bytes) -> list[tuple[str, list[list]]]:
    from openpyxl import load_workbook
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_vba=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds (KeyError, ValueError, XML and defusedxml errors) on a bad part
        raise _refuse(
            "unreadable",
            "無法讀取此活頁簿。",
            "The workbook cannot be read.",
            "以 Excel 或 LibreOffice 重新另存為 .xlsx 後再提交。",
            "Save it again as .xlsx and send that.",
        ) from None
    tables = []
    cells = 0
    try:
        for ws in wb.worksheets:
            rows: list[list] = []
            ws.reset_dimensions()  # read every row there is, not the ones the sheet's <dimension> claims
            for n, row in enumerate(ws.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLUMNS + 1), start=1):
                values: list = []
                for i, cell in enumerate(row):
                    value = cell.value
                    if value is None:
                        values.append(None)
                        continue
                    cells += 1
                    if cell.data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
                        raise _Refused(
                            _problem(
                                "formula",
                                "此儲存格是公式；公式不會被計算。",
                                "This cell is a formula: formulas are never evaluated.",
                                file=ws.title,
                                row=n,
                                column=_letter(i),
                                fix_zh="複製後以「貼上值」取代公式。",
                                fix_en="Copy it and paste the value only.",
                            )
                        )
                    if cell.data_type == "e":
                        raise _Refused(
                            _problem(
                                "cell-error",
                                f"此儲存格是錯誤值 {value}。",
                                f"This cell holds the error {value}.",
                                file=ws.title,
                                row=n,
                                column=_letter(i),
                                fix_zh="填入正確的值。",
                                fix_en="Write the value.",
                            )
                        )
                    if i >= MAX_COLUMNS:
                        raise _Refused(
                            _problem(
                                "too-wide",
                                f"超過 {MAX_COLUMNS} 欄。",
                                f"More than {MAX_COLUMNS} columns.",
                                file=ws.title,
                                row=n,
                                column=_letter(i),
                            )
                        )
                    values.append(value)
                if cells > MAX_CELLS:
                    raise _Refused(
                        _problem(
                            "too-many-cells",
                            f"超過 {MAX_CELLS} 個儲存格。",
                            f"More than {MAX_CELLS} cells.",
                            file=ws.title,
                            row=n,
                        )
                    )
                rows.append(values)
            # beyond the rows a submission may have, only whether a row is empty (styled rows are)
            more = ws.iter_rows(min_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True)
            for n, values in enumerate(more, start=MAX_ROWS + 1):
                if values.count(None) != len(values):
                    raise _Refused(_too_many_rows(ws.title, n))
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            tables.append((ws.title, rows))
    except _Refused:
        raise
    except Exception:  # a malformed sheet part surfaces only while it is read
        raise _refuse(
            "unreadable",
            "無法讀取此活頁簿。",
            "The workbook cannot be read.",
            "以 Excel 或 LibreOffice 重新另存為 .xlsx 後再提交。",
            "Save it again as .xlsx and send that.",
        ) from None
    finally:
        wb.close()
    return tables


def _too_many_rows(file: str, n: int) -> Problem:
    return _problem(
        "too-many-rows",
        f"超過 {MAX_ROWS - 1} 列。",
        f"More than {MAX_ROWS - 1} rows.",
        file=file,
        row=n,
        fix_zh="分成數次提交。",
        fix_en="Split it into several submissions.",
    )


# ---- CSV ----------------------------------------------------------------------------------------

_BINARY = (b"PK\x03\x04", b"\x89PNG", b"%PDF", b"\xd0\xcf\x11\xe0", b"GIF8", b"\xff\xd8\xff")
_CHINESE = re.compile(r"[\u3000-\u303f\u3100-\u312f\u4e00-\u9fff\uff00-\uffef]")


def decode(data: bytes) -> str:
    """The text of a CSV: UTF-8 (a BOM dropped), else Big5/CP950 if it decodes strictly as such
    and every character beyond ASCII is Chinese or full-width; else refused, never guessed."""
    if data.startswith(_BINARY) or b"\x00" in data:
        raise _refuse(
            "not-csv",
            "內容不是 CSV 文字檔。",
            "The content is not a CSV text file.",
            "另存為「CSV UTF-8（逗號分隔）」後再提交。",
            "Save it as 'CSV UTF-8 (comma delimited)' and send that.",
        )
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp950")
    except UnicodeDecodeError:
        text = ""
    if text and all(ch.isascii() or _CHINESE.match(ch) for ch in text):
        return text
    raise _refuse(
        "encoding",
        "無法辨識此 CSV 的文字編碼（不是 UTF-8，也不是 Big5）；為免亂碼，不予讀取。",
        "The CSV's encoding is neither UTF-8 nor Big5 (CP950): it is refused rather than read garbled.",
        "在 Excel 另存為「CSV UTF-8（逗號分隔）」後再提交。",
        "Save it from Excel as 'CSV UTF-8 (comma delimited)' and send that.",
    )


def _csv_table(data: bytes) -> tuple[str, list[list]]:
    text = decode(data)
    rows: list[list] = []
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if n > MAX_ROWS and any(v.strip() for v in row):
                raise _Refused(_too_many_rows("CSV", n))
            if len(row) > MAX_COLUMNS and any(v.strip() for v in row[MAX_COLUMNS:]):
                raise _Refused(
                    _problem(
                        "too-wide", f"超過 {MAX_COLUMNS} 欄。", f"More than {MAX_COLUMNS} columns.", file="CSV", row=n
                    )
                )
            rows.append([v if v.strip() else None for v in row[:MAX_COLUMNS]])
    except csv.Error as exc:
        raise _refuse(
            "bad-csv",
            "CSV 格式有誤（引號未閉合或欄位過長）。",
            f"The CSV is malformed: {exc}.",
            "以試算表程式重新另存為 CSV。",
            "Save it again as CSV from a spreadsheet program.",
            file="CSV",
        ) from None
    sheet = _sheet_for("", rows)
    return (sheet.name if sheet else "CSV"), rows
