"""A submission as a sheet: the XLSX/CSV template the service offers, and a filled one read back.

The template has one worksheet per kind of change that fits a row (activities, documents,
changed fields, quarterly-report figures), a first sheet ``說明 Guide`` that explains every
column in zh-Hant and English, and a hidden sheet of the code lists that the drop-downs
point at (the codes of ``vocab/codes.ttl``, which the build's reader checks against). Each
header cell is the zh-Hant label and the English id (``日期 date``); the reader goes by the id.

A filled sheet is read into the JSON form :func:`.changes.parse` takes, each change with its
``origin`` (the sheet, the row and the column of each field), so a report names the cell.
The file's bytes are read into rows of cells by :mod:`.workbook`, which trusts nothing in it
(macros, external links, zip bombs, entities, formulas and unknown encodings are refused there).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import re
from dataclasses import dataclass

from ..errors import Problem
from ..terms import load_code_labels
from .changes import FIELDS
from .workbook import CSV, MAX_ROWS, XLSX, Refused, csv_rows, problem, refuse, xlsx_tables
from .workbook import letter as cell_letter

GUIDE = "說明 Guide"
CODES = "代碼 codes"


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


def read_sheet(data: bytes, media_type: str, case: str) -> tuple[dict | None, list[Problem]]:
    """The submission for ``case`` in a filled template (XLSX or CSV), in the JSON form that
    :func:`.changes.parse` takes; or None and every problem found."""
    try:
        if media_type == XLSX:
            tables = xlsx_tables(data)
        elif media_type == CSV:
            rows = csv_rows(data)
            sheet = _sheet_for("", rows)
            tables = [(sheet.name if sheet else "CSV", rows)]
        else:
            raise refuse(
                "media-type",
                f"不接受 {media_type} 格式。",
                f"{media_type} is not accepted.",
                "以 XLSX 或 CSV 提交。",
                "Send an XLSX or a CSV.",
            )
    except Refused as exc:
        return None, [exc.problem]
    problems: list[Problem] = []
    found = []
    for name, rows in tables:
        sheet = _sheet_for(name, rows)
        if sheet is None:
            if name not in (GUIDE, CODES) and any(any(v not in (None, "") for v in row) for row in rows):
                problems.append(
                    problem(
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
            problem(
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
            problem(
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
                problem(
                    "bad-header",
                    f"表頭「{value}」不是此工作表的欄位" + ("（重複）" if col else "") + "。",
                    f"The header '{value}' is not a column of this sheet" + (" (it is repeated)" if col else "") + ".",
                    file=name,
                    row=1,
                    column=cell_letter(i),
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
            problem(
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
        where.setdefault(names[0], cell_letter(i))
        where.setdefault(".".join(names), cell_letter(i))
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
                    problem(
                        "no-header",
                        "此欄有值但沒有表頭。",
                        "A value in a column with no header.",
                        file=name,
                        row=n,
                        column=cell_letter(i),
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
