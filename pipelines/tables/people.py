"""The people's copy of the tables: one archive that a spreadsheet opens as it is.

The machine files (``data/*.csv``, ``lianzheng.xlsx``) keep English column ids, code
values and plain UTF-8, as tools expect them, and do not change. This archive is for
people reading the tables in Excel, LibreOffice or Numbers:

- one CSV per table, in UTF-8 with a byte-order mark (without one, Excel on Windows reads a
  double-clicked CSV in the system's legacy code page, Big5 in Taiwan, and the Chinese
  turns to mojibake) and CRLF line ends;
- headers in zh-Hant (each field's title in the Table Schema), and every code value as its
  zh-Hant label from ``vocab/codes.ttl`` (``operating`` reads 運作中);
- one workbook of the same sheets, opened on a column guide (欄位說明): every column's
  zh-Hant name, id, type and description in both languages, with its codes and labels;
- a README in both languages: what the files are, the release, the licence, the sources.

Entries are written in one order with a fixed time stamp, so the same tables give the
same bytes. Zip entry names are UTF-8 (the zip's language-encoding flag, which Windows'
own extractor honours).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import unicodedata
import zipfile
from collections.abc import Sequence

from ..model import publisher_name
from ..terms import load_code_labels
from .schema import SEP, TABLES, Field, Table
from .xlsx import Sheet, write_workbook

ARCHIVE = "lianzheng-spreadsheets.zip"
GUIDE = "欄位說明"
BOM = "\ufeff"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# the one enumerated field whose codes are not a code list of the vocabulary
_INLINE_LABELS = {"day": ("日", "day"), "month": ("月", "month"), "year": ("年", "year")}
TYPE_NAMES = {"string": ("文字", "text"), "integer": ("整數", "integer"), "number": ("數值", "number"),
              "date": ("日期", "date"), "boolean": ("是非", "true or false")}
_BOOLEAN_LABELS = {"true": ("是", "yes"), "false": ("否", "no")}
GUIDE_HEADER = ("表格 table", "表格名稱 table name", "欄位 column", "欄位代碼 column id", "型別 type",
                "必填 required", "說明 description", "代碼與標籤 codes and labels")


def code_labels(field: Field) -> dict[str, tuple[str, str]]:
    """The field's codes with their (zh-Hant, English) labels; empty if it has no code list."""
    if field.type == "boolean":
        return _BOOLEAN_LABELS
    if not field.enum:
        return {}
    schemes = load_code_labels()
    if len(field.enum) == 1 and field.enum[0] in schemes:
        return schemes[field.enum[0]]
    return {code: _INLINE_LABELS.get(code, (code, code)) for code in field.enum}


def headers(table: Table) -> list[str]:
    """The zh-Hant column titles of ``table``; they must differ, as a spreadsheet's readers need."""
    names = [f.zh for f in table.fields]
    if len(set(names)) != len(names):
        raise ValueError(f"table {table.name}: two columns share a zh-Hant title: {names}")
    return names


def readable_rows(table: Table, rows: Sequence[tuple]) -> list[list[str]]:
    """``rows`` with each code value replaced by its zh-Hant label (multi-valued cells each part)."""
    labels = [{code: zh for code, (zh, _) in code_labels(f).items()} for f in table.fields]
    mapped = [i for i, found in enumerate(labels) if found]
    out = []
    for row in rows:
        cells = ["" if v is None else str(v) for v in row]
        for i in mapped:
            if cells[i]:
                cells[i] = SEP.join(labels[i].get(part, part) for part in cells[i].split(SEP))
        out.append(cells)
    return out


def guide_rows() -> list[list[str]]:
    """The column guide: one row per column of every table."""
    out = []
    for table in TABLES:
        for f in table.fields:
            codes = "；".join(f"{code}＝{zh}（{en}）" for code, (zh, en) in sorted(code_labels(f).items()))
            zh_type, en_type = TYPE_NAMES.get(f.type, (f.type, f.type))
            out.append([table.name, f"{table.zh} {table.en}", f.zh, f.name, f"{zh_type} {en_type}",
                        "是 yes" if f.required else "", f.en, codes])
    return out


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: two for a wide (CJK) character, one for the rest."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def widths(header: Sequence[str], rows: Sequence[Sequence[str]], sample: int = 200) -> list[float]:
    """Column widths (characters) that fit the header and the first ``sample`` rows, 8 to 60."""
    out = []
    for i, head in enumerate(header):
        widest = max([display_width(head)] + [display_width(r[i]) for r in rows[:sample]])
        out.append(float(min(max(widest + 2, 8), 60)))
    return out


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    buf = io.StringIO(newline="")
    buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def readme(meta: dict, names: list[str]) -> str:
    title = meta.get("title", {})
    lic = meta.get("licence", {}) if isinstance(meta.get("licence"), dict) else {}
    sources = [s["title"] for s in meta.get("package_sources", []) if s.get("title")]
    publisher, provenance = publisher_name(meta), meta.get("provenance")
    lines = [
        f"{title.get('zh', '')} {title.get('en', '')}".strip(),
        f"發行版 Release {meta.get('version', '')}；資料截至 data as of {meta.get('as_of', '')}",
        "",
        "本壓縮檔供一般使用者以試算表閱讀：CSV 為含 BOM 之 UTF-8，Excel 可直接開啟；欄名為中文，"
        "代碼以中文標籤呈現；各欄位之意義、英文代碼及代碼對照見「欄位說明」。",
        "This archive is for reading the tables in a spreadsheet: the CSVs are UTF-8 with a byte-order "
        "mark, which Excel opens with a double click; headers are in Chinese and codes show their "
        "Chinese labels; the column guide (欄位說明) gives each column's meaning, its English id and the codes.",
        "",
        "若數字前導零或長數字於 CSV 中被 Excel 改變，請改用 XLSX 檔（文字欄位保持原樣）。",
        "If Excel changes leading zeros or long numbers in a CSV, use the XLSX file (its text cells stay as they are).",
        "",
        "程式使用之原始檔（英文欄名、代碼值、無 BOM）與 RDF 請見同一發行版之 data/*.csv、datapackage.json。",
        "For software, use the release's machine files (English column ids, code values, no BOM): "
        "data/*.csv, datapackage.json and the RDF.",
        "",
        "檔案 Files:",
        *[f"  {n}" for n in names],
        "",
        f"授權 Licence: {lic.get('title', '')} {lic.get('title_en', '')} {lic.get('url', '')}".rstrip(),
        f"發布者 Publisher: {publisher.zh} {publisher.en}".rstrip(),
        *([f"{provenance.get('zh', '')}", f"{provenance.get('en', '')}"] if isinstance(provenance, dict) else []),
        "來源 Sources:",
        *[f"  {s}" for s in sources],
    ]
    return "\r\n".join(lines) + "\r\n"


def write_archive(path, table_rows: dict[str, list[tuple]], meta: dict, *, created: _dt.datetime) -> None:
    """Write the people's archive of ``table_rows`` (the machine tables' rows) to ``path``."""
    title = meta.get("title", {})
    book_name = f"{title.get('zh') or 'lianzheng'}.xlsx"
    guide = guide_rows()
    sheets = [Sheet(GUIDE, GUIDE_HEADER, ["string"] * len(GUIDE_HEADER), guide, widths(GUIDE_HEADER, guide))]
    files: list[tuple[str, bytes]] = []
    files.append((f"00 {GUIDE} column guide.csv", csv_bytes(GUIDE_HEADER, guide)))
    for n, table in enumerate(TABLES, start=1):
        head = headers(table)
        rows = readable_rows(table, table_rows[table.name])
        files.append((f"{n:02d} {table.zh} {table.name}.csv", csv_bytes(head, rows)))
        sheets.append(Sheet(table.zh[:31], head, [f.type for f in table.fields], rows, widths(head, rows)))
    book = io.BytesIO()
    write_workbook(book, sheets, title=f"{title.get('zh', '')} {title.get('en', '')}".strip(),
                   author="lianzheng", created=created)
    names = ["說明 README.txt", book_name] + [name for name, _ in files]
    files = [("說明 README.txt", (BOM + readme(meta, names)).encode("utf-8")),
             (book_name, book.getvalue())] + files
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
