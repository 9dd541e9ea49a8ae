"""The release's XLSX writer: what openpyxl and calamine read back is what was written."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest

from pipelines.tables.xlsx import Sheet, column_name, write_workbook, xml_text

CREATED = dt.datetime(2026, 11, 22, 8, 30)
TRICKY = [
    "臺北市政府捷運工程局", "A & B <c> \"d\" 'e'", "  leading and trailing  ", "tab\there",
    "line\nbreak", "bell\x07 and nul\x00", "_x0041_ stays literal", "emoji 🙂 and 𠮷",
    "約 7,812.533 億", "=1+1 is text, not a formula", "0012 keeps its zeros",
]


def _book(tmp_path, rows, kinds=("string", "integer", "number"), name="cases"):
    path = tmp_path / "t.xlsx"
    header = ["text 文字", "count", "amount"][:len(kinds)]
    write_workbook(path, [Sheet(name, header, kinds, rows)], title="標題 Title", author="lianzheng",
                   created=CREATED)
    return path


def _rows():
    return [(t, str(i), f"{i * 1.5}") for i, t in enumerate(TRICKY)] + [("", "", ""), ("x", "-7", "1e20")]


def _expected():
    out = [("text 文字", "count", "amount")]
    for text, count, amount in _rows():
        out.append((text or None, int(count) if count else None, float(amount) if amount else None))
    return out


def test_openpyxl_reads_back_every_value(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = _book(tmp_path, _rows())
    wb = openpyxl.load_workbook(path)
    ws = wb["cases"]
    got = [tuple(r) for r in ws.iter_rows(values_only=True)]
    want = _expected()
    # openpyxl leaves the _xHHHH_ escapes as they are (Excel and calamine decode them)
    assert got[6][0] == "bell_x0007_ and nul_x0000_" and want[6][0] == "bell\x07 and nul\x00"
    assert got[7][0] == "_x005F_x0041_ stays literal"
    got[6:8], want[6:8] = [], []
    # openpyxl reads a row without cells as no row at all: compare the rows that have values
    assert [r for r in got if any(v is not None for v in r)] == [r for r in want if any(
        v is not None for v in r)]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b and not ws["A2"].font.b
    assert ws["B2"].data_type == "n"
    assert ws["A11"].value.startswith("=") and ws["A11"].data_type == "s"  # "=1+1" stays text
    assert wb.properties.title == "標題 Title" and wb.properties.creator == "lianzheng"
    assert wb.properties.created == CREATED


def test_calamine_reads_back_every_value(tmp_path):
    calamine = pytest.importorskip("python_calamine")
    path = _book(tmp_path, _rows())
    wb = calamine.CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["cases"]
    got = wb.get_sheet_by_name("cases").to_python(skip_empty_area=False)
    want = [["" if v is None else v for v in row] for row in _expected()]
    assert [[(float(v) if isinstance(v, int) and not isinstance(v, bool) else v) for v in row] for row in got] == \
        [[(float(v) if isinstance(v, int) else v) for v in row] for row in want]


def test_same_tables_same_bytes(tmp_path):
    a = _book(tmp_path, _rows()).read_bytes()
    assert _book(tmp_path, _rows()).read_bytes() == a
    assert _book(tmp_path, _rows()[:-1]).read_bytes() != a


def test_package_parts_are_well_formed_xml(tmp_path):
    from xml.dom import minidom

    with zipfile.ZipFile(_book(tmp_path, _rows())) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names[0] == "[Content_Types].xml" and "xl/worksheets/sheet1.xml" in names
        for name in names:
            minidom.parseString(zf.read(name))  # raises on anything not well-formed
        sheet = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "_x0007_" in sheet and "_x0000_" in sheet and "\x07" not in sheet
    assert "_x005F_x0041_" in sheet
    assert '<dimension ref="A1:C14"/>' in sheet


@pytest.mark.parametrize("sheet, rows, message", [
    (("cases", ["a"], ["string"]), [("x", "y")], "row 2: 2 values for 1 columns"),
    (("cases", ["a"], ["integer"]), [("1.5",)], "invalid literal"),
    (("cases", ["a"], ["number"]), [("nan",)], "not a finite number"),
    (("cases", ["a"], ["string"]), [("x" * 32768,)], "longer than a cell holds"),
    (("bad/name", ["a"], ["string"]), [], "not a valid sheet name"),
    (("x" * 32, ["a"], ["string"]), [], "not a valid sheet name"),
    (("cases", ["a", "b"], ["string"]), [], "2 columns, 1 kinds"),
])
def test_bad_tables_are_refused(tmp_path, sheet, rows, message):
    name, header, kinds = sheet
    with pytest.raises(ValueError, match=message):
        write_workbook(tmp_path / "t.xlsx", [Sheet(name, header, kinds, rows)], title="t", author="a",
                       created=CREATED)


def test_column_names():
    assert [column_name(i) for i in (0, 25, 26, 51, 52, 701, 702, 16383)] == \
        ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "XFD"]


def test_plain_text_is_returned_as_is():
    text = "臺中市 regular text"
    assert xml_text(text) is text
