"""A sent sheet's bytes read into rows of cells, safely: what :mod:`.sheets` reads changes from.

Nothing in the file is trusted before it is looked at: the bytes must be what the media type
says (an XLSX is a zip with ``[Content_Types].xml``; a CSV is text); a workbook with macros,
external links or data connections is refused; its size once expanded and its compression
ratio are read from the zip directory and bounded before anything is expanded (Python's
zipfile never inflates an entry past the size its directory declares); XML with a DOCTYPE is
refused (and openpyxl parses with defusedxml); formula cells are never evaluated but refused,
named by their cell; rows, columns and cells are bounded whatever the sheet's ``<dimension>``
says. A CSV is UTF-8 (with or without BOM), or Big5/CP950 when it decodes strictly as such and
reads as Chinese; anything else is refused rather than read garbled.

A refusal is a :class:`Refused` carrying one :class:`SheetProblem` (file = the sheet, record =
the row, and the column's letter).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

from ..errors import Problem
from .changes import MAX_CHANGES

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
MAX_ROWS = MAX_CHANGES + 1  # the header and at most as many rows as a submission has changes
MAX_COLUMNS = 30
MAX_CELLS = 20_000
MAX_EXPANDED = 20_000_000  # bytes of a workbook's parts once expanded
MAX_RATIO = 100  # expanded over compressed size, for a part larger than RATIO_FROM
RATIO_FROM = 1_000_000
MAX_PARTS = 500
WRONG_TYPE = ("sheet:not-xlsx", "sheet:not-csv")  # the bytes are not what the media type says


class Refused(Exception):
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


def problem(
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


def refuse(kind: str, zh: str, en: str, fix_zh: str = "", fix_en: str = "", file: str = "") -> Refused:
    return Refused(problem(kind, zh, en, file=file, fix_zh=fix_zh, fix_en=fix_en))


def letter(i: int) -> str:
    """The column letter of the 0-based index ``i``."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


# ---- XLSX ---------------------------------------------------------------------------------------

_MACRO_TYPES = ("macroEnabled", "vbaProject", "application/vnd.ms-office.vba")


def xlsx_tables(data: bytes) -> list[tuple[str, list[list]]]:
    """Each worksheet's title and rows, after the checks of the zip that need no expanding."""
    not_xlsx = refuse(
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
        raise refuse(
            "too-large", f"活頁簿的組成部分超過 {MAX_PARTS} 個。", f"The workbook has more than {MAX_PARTS} parts."
        )
    expanded = sum(i.file_size for i in infos)
    if expanded > MAX_EXPANDED or any(
        i.file_size > RATIO_FROM and i.file_size > MAX_RATIO * max(i.compress_size, 1) for i in infos
    ):
        raise refuse(
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
        raise refuse(
            "macro",
            "活頁簿含巨集（VBA），不予接受。",
            "The workbook contains macros (VBA): it is refused.",
            "另存為不含巨集的 .xlsx（Excel 活頁簿）後再提交。",
            "Save it as a macro-free .xlsx workbook and send that.",
        )
    if "xl/workbook.bin" in names:
        raise refuse(
            "binary-workbook",
            "不接受二進位活頁簿（.xlsb）。",
            "A binary workbook (.xlsb) is not accepted.",
            "另存為 .xlsx 後再提交。",
            "Save it as .xlsx and send that.",
        )
    if any(n.startswith(("xl/externalLinks/", "xl/connections.xml", "xl/queryTables/")) for n in names):
        raise refuse(
            "external-link",
            "活頁簿含外部連結或資料連線，不予接受（本服務不會開啟它們）。",
            "The workbook has external links or data connections: it is refused (they are never followed).",
            "移除外部連結（Excel：資料 > 編輯連結 > 中斷連結），或只貼上值後另存。",
            "Remove the links (Excel: Data > Edit Links > Break Link), or paste values only, and save.",
        )
    for info in infos:
        if info.filename.endswith((".xml", ".rels", ".vml")) and _has_doctype(zf, info):
            raise refuse(
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
        raise refuse(
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
                        raise Refused(
                            problem(
                                "formula",
                                "此儲存格是公式；公式不會被計算。",
                                "This cell is a formula: formulas are never evaluated.",
                                file=ws.title,
                                row=n,
                                column=letter(i),
                                fix_zh="複製後以「貼上值」取代公式。",
                                fix_en="Copy it and paste the value only.",
                            )
                        )
                    if cell.data_type == "e":
                        raise Refused(
                            problem(
                                "cell-error",
                                f"此儲存格是錯誤值 {value}。",
                                f"This cell holds the error {value}.",
                                file=ws.title,
                                row=n,
                                column=letter(i),
                                fix_zh="填入正確的值。",
                                fix_en="Write the value.",
                            )
                        )
                    if i >= MAX_COLUMNS:
                        raise Refused(
                            problem(
                                "too-wide",
                                f"超過 {MAX_COLUMNS} 欄。",
                                f"More than {MAX_COLUMNS} columns.",
                                file=ws.title,
                                row=n,
                                column=letter(i),
                            )
                        )
                    values.append(value)
                if cells > MAX_CELLS:
                    raise Refused(
                        problem(
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
                    raise Refused(_too_many_rows(ws.title, n))
            while rows and all(v is None for v in rows[-1]):
                rows.pop()
            tables.append((ws.title, rows))
    except Refused:
        raise
    except Exception:  # a malformed sheet part surfaces only while it is read
        raise refuse(
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
    return problem(
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
        raise refuse(
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
    raise refuse(
        "encoding",
        "無法辨識此 CSV 的文字編碼（不是 UTF-8，也不是 Big5）；為免亂碼，不予讀取。",
        "The CSV's encoding is neither UTF-8 nor Big5 (CP950): it is refused rather than read garbled.",
        "在 Excel 另存為「CSV UTF-8（逗號分隔）」後再提交。",
        "Save it from Excel as 'CSV UTF-8 (comma delimited)' and send that.",
    )


def csv_rows(data: bytes) -> list[list]:
    """A CSV's rows (empty cells None), decoded as :func:`decode` says and bounded."""
    text = decode(data)
    rows: list[list] = []
    try:
        for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if n > MAX_ROWS and any(v.strip() for v in row):
                raise Refused(_too_many_rows("CSV", n))
            if len(row) > MAX_COLUMNS and any(v.strip() for v in row[MAX_COLUMNS:]):
                raise Refused(
                    problem(
                        "too-wide", f"超過 {MAX_COLUMNS} 欄。", f"More than {MAX_COLUMNS} columns.", file="CSV", row=n
                    )
                )
            rows.append([v if v.strip() else None for v in row[:MAX_COLUMNS]])
    except csv.Error as exc:
        raise refuse(
            "bad-csv",
            "CSV 格式有誤（引號未閉合或欄位過長）。",
            f"The CSV is malformed: {exc}.",
            "以試算表程式重新另存為 CSV。",
            "Save it again as CSV from a spreadsheet program.",
            file="CSV",
        ) from None
    return rows
