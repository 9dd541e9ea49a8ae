"""The submission template and the sheets read back from it: a filled template passes the build's
checks on a copy of the real records, a wrong row is named by its sheet, row and column, and a
file that is not what it says, or carries formulas, macros, external links or a zip bomb, or
text in an unknown encoding, is refused with a bilingual problem before anything is expanded."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from api.submissions import report_rows
from pipelines.errors import ERROR
from pipelines.submissions import changes, check, records, sheets, workbook
from pipelines.terms import load_codes

ROOT = Path(__file__).resolve().parents[3]
BASE = "https://w3id.org/lianzheng"
CASE, AGENCY = "bitan-weir", "new-taipei-water-resources"
ACTIVITY = "活動 activity"


@pytest.fixture()
def source(tmp_path) -> Path:
    out = tmp_path / "source"
    shutil.copytree(ROOT / "datasets" / "source", out)
    return out


def stamp() -> records.Stamp:
    return records.Stamp(check.PROVISIONAL, AGENCY, "新北市政府水利局", "2026-12-03T00:00:00Z")


def filled(**rows: list[list]) -> bytes:
    """The template with ``rows`` appended to the sheets named by their change kind."""
    wb = openpyxl.load_workbook(io.BytesIO(sheets.template_xlsx()))
    for kind, values in rows.items():
        ws = wb[sheets.SHEETS[kind.replace("_", "-")].name]
        for row in values:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezipped(data: bytes, extra: dict[str, bytes], content_types: bytes = b"") -> bytes:
    """The workbook ``data`` with parts added or replaced (and, if given, one more content type declared)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in extra:
                continue
            body = src.read(info)
            if info.filename == "[Content_Types].xml" and content_types:
                body = body.replace(b"</Types>", content_types + b"</Types>")
            dst.writestr(info, body)
        for name, body in extra.items():
            dst.writestr(name, body)
    return out.getvalue()


def refused(data: bytes, media_type: str = sheets.XLSX):
    doc, problems = sheets.read_sheet(data, media_type, CASE)
    assert doc is None and problems
    assert all(p.message_zh and p.message_en and p.check == "sheet" for p in problems)
    return problems


GOOD = dict(
    activity=[["2026-10-02", None, "liaison-meeting", 5, "第 5 次聯繫會議", "Fifth liaison meeting"]],
    document=[["progress", "第 5 次會議紀錄", "Minutes of the fifth meeting", "https://www.wra.ntpc.gov.tw/x.pdf"]],
    field=[["status", "ended", None, "工程完工，平臺結束。", "The works are done; the platform ended."]],
    quarterly_report=[[2026, 3, "meetings-held", 2, "count", None, "本季召開聯繫會議兩次。", "Two meetings."]],
)


def test_the_template_has_a_guide_bilingual_headers_and_drop_downs_of_the_code_lists():
    wb = openpyxl.load_workbook(io.BytesIO(sheets.template_xlsx()))
    assert wb.sheetnames[0] == sheets.GUIDE
    assert wb[sheets.CODES].sheet_state == "hidden"
    guide = [[c for c in row] for row in wb[sheets.GUIDE].iter_rows(values_only=True)]
    codes = load_codes()
    for sheet in sheets.SHEETS.values():
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == [f"{c.zh} {c.id}" for c in sheet.columns]
        for col in sheet.columns:  # every column explained, in both languages
            assert any(row[0] == sheet.name and row[2] == col.id and row[4] and row[5] for row in guide)
        lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}
        for i, col in enumerate(sheet.columns):
            letter = openpyxl.utils.get_column_letter(i + 1)
            if not col.codes:
                assert letter not in lists
                continue
            dv = lists[letter]
            assert dv.type == "list" and str(dv.sqref) == f"{letter}2:{letter}{workbook.MAX_ROWS}"
            ref = dv.formula1.split("!")[1].replace("$", "")
            offered = {c.value for row in wb[sheets.CODES][ref] for c in row}
            if col.codes in codes:
                assert offered == codes[col.codes]  # the very codes the build's reader accepts
    assert {"liaison-meeting", "progress", "meetings-held"} <= {row[1] for row in guide}
    csv = sheets.template_csv("quarterly-report")
    assert csv.startswith(b"\xef\xbb\xbf")
    assert csv.decode("utf-8-sig").startswith("年度 year,季別 quarter,指標 indicator")


def test_a_filled_template_reads_into_changes_that_pass_the_builds_checks(source):
    doc, problems = sheets.read_sheet(filled(**GOOD), sheets.XLSX, CASE)
    assert problems == [], [p.render() for p in problems]
    assert [c["kind"] for c in doc["changes"]] == ["activity", "document", "field", "quarterly-report"]
    activity, _, field, quarter = doc["changes"]
    assert activity["record"] == {"date": "2026-10-02", "type": "liaison-meeting", "ordinal": 5,
                                  "title": {"zh": "第 5 次聯繫會議", "en": "Fifth liaison meeting"}}
    assert activity["origin"]["sheet"] == ACTIVITY and activity["origin"]["row"] == 2
    assert field["value"] == "ended" and quarter["figures"] == [{"indicator": "meetings-held", "value": 2,
                                                                  "unit": "count"}]
    sub, problems = changes.parse(doc)
    assert sub is not None, problems
    out = check.check(source, sub, stamp(), base=BASE)
    assert out.ok, [p.render() for p in out.problems]


def test_a_wrong_row_is_named_by_its_sheet_row_and_column(source):
    data = filled(activity=GOOD["activity"] + [["2026-13-02", None, "liason-meeting", None, "會議"]])
    doc, problems = sheets.read_sheet(data, sheets.XLSX, CASE)
    assert problems == []
    sub, _ = changes.parse(doc)
    out = check.check(source, sub, stamp(), base=BASE)
    rows = {row["field"]: row for row in report_rows([p for p in out.problems if p.severity == ERROR], sub)}
    assert {(r["sheet"], r["row"], r["column"]) for r in rows.values()} == {(ACTIVITY, 3, "A"), (ACTIVITY, 3, "C"),
                                                                             (ACTIVITY, 3, "F")}
    assert rows["type"]["column"] == "C" and "liaison-meeting" in rows["type"]["fix_en"]
    assert rows["title.en"]["column"] == "F"  # the English title's own column, not the Chinese one's
    assert all(r["change"] == 1 for r in rows.values())


def test_a_bad_header_and_a_missing_one_are_named():
    wb = openpyxl.load_workbook(io.BytesIO(filled(**GOOD)))
    ws = wb[ACTIVITY]
    ws["C1"] = "類型 kind"
    out = io.BytesIO()
    wb.save(out)
    problems = refused(out.getvalue())
    assert {(p.type, p.file, p.record, p.field) for p in problems} == {
        ("sheet:bad-header", ACTIVITY, "row 1", "kind"), ("sheet:missing-header", ACTIVITY, "row 1", "type")}
    assert [r["column"] for r in report_rows(problems, None) if r["type"] == "sheet:bad-header"] == ["C"]


def test_a_formula_cell_is_refused_and_never_evaluated():
    wb = openpyxl.load_workbook(io.BytesIO(filled(**GOOD)))
    wb[ACTIVITY]["A2"] = '=WEBSERVICE("http://127.0.0.1:9/")'
    out = io.BytesIO()
    wb.save(out)
    [p] = refused(out.getvalue())
    assert (p.type, p.file, p.record) == ("sheet:formula", ACTIVITY, "row 2")
    row = report_rows([p], None)[0]
    assert (row["sheet"], row["row"], row["column"]) == (ACTIVITY, 2, "A")


def test_a_workbook_with_macros_is_refused():
    vba = b'<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>'
    [p] = refused(rezipped(filled(**GOOD), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 500}, vba))
    assert p.type == "sheet:macro"
    macro_type = b'<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"/>'
    [p] = refused(rezipped(filled(**GOOD), {}, macro_type))
    assert p.type == "sheet:macro"


def test_a_workbook_with_an_external_link_is_refused():
    link = (b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<externalBook r:id="rId1" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>'
            b"</externalLink>")
    [p] = refused(rezipped(filled(**GOOD), {"xl/externalLinks/externalLink1.xml": link}))
    assert p.type == "sheet:external-link" and "Break Link" in p.fix_en


def test_a_zip_bomb_is_refused_from_its_directory_before_it_is_expanded():
    bomb = rezipped(filled(**GOOD), {"xl/media/image1.png": b"\0" * (workbook.MAX_EXPANDED + 1)})
    assert len(bomb) < workbook.MAX_EXPANDED // 100
    [p] = refused(bomb)
    assert p.type == "sheet:zip-bomb"
    one_part = rezipped(filled(**GOOD), {"xl/media/image1.png": b"\0" * (workbook.RATIO_FROM * 3)})
    [p] = refused(one_part)  # well below the total, but no picture compresses 1000 to 1
    assert p.type == "sheet:zip-bomb"


def test_a_doctype_in_the_workbooks_xml_is_refused():
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')
    [p] = refused(rezipped(filled(**GOOD), {"xl/custom.xml": laughs}))
    assert p.type == "sheet:xml-doctype"


@pytest.mark.parametrize("data, media_type, kind", [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, sheets.XLSX, "sheet:not-xlsx"),
    (b"PK\x03\x04 not really a zip", sheets.XLSX, "sheet:not-xlsx"),
    (b"date,type\n2026-10-02,liaison-meeting\n", sheets.XLSX, "sheet:not-xlsx"),
    (None, sheets.CSV, "sheet:not-csv"),  # an XLSX sent as CSV
    (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", sheets.CSV, "sheet:not-csv"),
])
def test_bytes_that_are_not_what_the_type_says_are_refused(data, media_type, kind):
    [p] = refused(data if data is not None else filled(**GOOD), media_type)
    assert p.type == kind and p.type in workbook.WRONG_TYPE


def csv_bytes(kind: str, rows: list[list[str]], encoding: str) -> bytes:
    head = sheets.template_csv(kind).decode("utf-8-sig")
    body = "".join(",".join(row) + "\r\n" for row in rows)
    return (head + body).encode(encoding)


def test_a_big5_csv_is_read_as_the_chinese_it_is(source):
    title = "第 5 次聯繫會議（碧潭堰）"
    data = csv_bytes("activity", [["1151002", "", "liaison-meeting", "5", title, "Fifth liaison meeting"]], "cp950")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really CP950, not UTF-8 that happens to pass
    doc, problems = sheets.read_sheet(data, sheets.CSV, CASE)
    assert problems == [], [p.render() for p in problems]
    [change] = doc["changes"]
    assert change["record"]["title"]["zh"] == title and change["record"]["ordinal"] == 5
    assert change["origin"] == {"sheet": ACTIVITY, "row": 2, "columns": change["origin"]["columns"]}
    sub, _ = changes.parse(doc)
    assert check.check(source, sub, stamp(), base=BASE).ok
    utf8, _ = sheets.read_sheet(csv_bytes("activity", [["2026-10-02", "", "liaison-meeting", "", title, "x"]],
                                          "utf-8"), sheets.CSV, CASE)
    assert utf8["changes"][0]["record"]["title"]["zh"] == title


def test_text_in_another_encoding_is_refused_rather_than_read_garbled():
    head = sheets.template_csv("activity").decode("utf-8-sig").split(",")
    row = "2026-10-02,,liaison-meeting,,Caf\xe9 \xab r\xe9union \xbb,x"
    latin = ",".join(h.split()[-1] for h in head) + "\r\n" + row + "\r\n"
    [p] = refused(latin.encode("latin-1"), sheets.CSV)
    assert p.type == "sheet:encoding" and "UTF-8" in p.message_en and "Big5" in p.message_zh
    [p] = refused("日期 date\r\n一\r\n".encode("utf-16-le"), sheets.CSV)  # NUL bytes: not text at all
    assert p.type == "sheet:not-csv"


def test_too_many_rows_and_a_missing_case_are_refused():
    rows = [["2026-10-02", "", "liaison-meeting", "", f"會議 {i}", "Meeting"] for i in range(workbook.MAX_ROWS)]
    [p] = refused(csv_bytes("activity", rows, "utf-8"), sheets.CSV)
    assert p.type == "sheet:too-many-rows" and p.record == f"row {workbook.MAX_ROWS + 1}"
    doc, problems = sheets.read_sheet(filled(**GOOD), sheets.XLSX, "")
    assert doc is None and [p.type for p in problems] == ["sheet:no-case"] and "?case=" in problems[0].fix_en
    [p] = refused(sheets.template_xlsx())
    assert p.type == "sheet:empty"


def test_a_workbook_too_long_or_too_wide_is_refused_whatever_its_dimension_claims():
    wb = openpyxl.load_workbook(io.BytesIO(filled(**GOOD)))
    wb[ACTIVITY].cell(1000, 1, "2026-10-02")
    wb[ACTIVITY].row_dimensions[600].height = 30  # a styled empty row is no row of data
    out = io.BytesIO()
    wb.save(out)
    claim = b'<dimension ref="A1:H2"/>'  # what the sheet says of itself is not what is read
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as zf:
        name = next(n for n in zf.namelist() if n.startswith("xl/worksheets/") and b"1000" in zf.read(n))
        lying = {name: re.sub(rb'<dimension ref="[^"]*"/>', claim, zf.read(name))}
    [p] = refused(rezipped(out.getvalue(), lying))
    assert (p.type, p.file, p.record) == ("sheet:too-many-rows", ACTIVITY, "row 1000")
    wb = openpyxl.load_workbook(io.BytesIO(filled(**GOOD)))
    wb[ACTIVITY].cell(2, workbook.MAX_COLUMNS + 1, "x")
    out = io.BytesIO()
    wb.save(out)
    [p] = refused(out.getvalue())
    assert p.type == "sheet:too-wide" and p.record == "row 2"

