"""The people's archive: the same rows as the machine tables, for a spreadsheet, in zh-Hant."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import pytest

from pipelines.tables.people import ARCHIVE, GUIDE, code_labels, write_archive
from pipelines.tables.schema import SEP, TABLES
from pipelines.terms import load_code_labels


@pytest.fixture(scope="module")
def archive(real_release):
    with zipfile.ZipFile(real_release / ARCHIVE) as zf:
        yield {info.filename: zf.read(info) for info in zf.infolist()}, zf.infolist()


def machine_rows(release, table) -> list[list[str]]:
    with open(release / table.path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def people_csv(files, table) -> tuple[bytes, list[list[str]]]:
    name = next(n for n in files if n.endswith(f" {table.name}.csv") and table.zh in n)
    data = files[name]
    return data, list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_every_table_is_a_csv_excel_reads_as_utf8(archive):
    files, infos = archive
    assert "說明 README.txt" in files and f"00 {GUIDE} column guide.csv" in files
    for table in TABLES:
        data, rows = people_csv(files, table)
        assert data.startswith(b"\xef\xbb\xbf"), f"{table.name}: no byte-order mark"
        text = data.decode("utf-8-sig")
        assert text.startswith(",".join(f.zh for f in table.fields) + "\r\n") and text.endswith("\r\n")
        assert rows[0] == [f.zh for f in table.fields]
    for info in infos:  # names in UTF-8, flagged so that an extractor does not guess a code page
        if not info.filename.isascii():
            assert info.flag_bits & 0x800, info.filename


def test_the_rows_are_the_machine_rows_with_codes_as_their_labels(archive, real_release):
    files, _ = archive
    labels = load_code_labels()
    for table in TABLES:
        machine = machine_rows(real_release, table)
        _, people = people_csv(files, table)
        assert len(people) == len(machine), table.name
        assert machine[0] == [f.name for f in table.fields]
        for m_row, p_row in zip(machine[1:], people[1:], strict=True):
            for field, m, p in zip(table.fields, m_row, p_row, strict=True):
                codes = code_labels(field)
                if codes and m:
                    assert p == SEP.join(codes[part][0] for part in m.split(SEP)), (table.name, field.name, m, p)
                else:
                    assert p == m, (table.name, field.name)
    _, cases = people_csv(files, TABLES[0])
    status = cases[0].index("狀態")
    assert {row[status] for row in cases[1:]} == {"運作中", "已結束"}
    assert labels["case-status"]["operating"][0] == "運作中"


def test_the_workbook_opens_on_a_column_guide_and_keeps_types(archive):
    openpyxl = pytest.importorskip("openpyxl")
    files, _ = archive
    book_name = next(n for n in files if n.endswith(".xlsx"))
    wb = openpyxl.load_workbook(io.BytesIO(files[book_name]))
    assert wb.sheetnames == [GUIDE] + [t.zh for t in TABLES]
    guide = [r for r in wb[GUIDE].iter_rows(values_only=True)]
    ids = {(row[0], row[3]) for row in guide[1:]}
    assert ids == {(t.name, f.name) for t in TABLES for f in t.fields}  # every column, once
    status = next(row for row in guide if row[0] == "cases" and row[3] == "status")
    assert "operating＝運作中" in status[7] and "ended＝已結束" in status[7]
    assert wb[GUIDE].column_dimensions["A"].width >= 8
    cases = wb["廉政平臺案件"]
    header = [c.value for c in cases[1]]
    assert header == [f.zh for f in TABLES[0].fields]
    amount = header.index("金額（新臺幣元）") + 1
    assert cases.cell(row=2, column=amount).data_type == "n"
    assert cases.cell(row=2, column=header.index("狀態") + 1).value in ("運作中", "已結束")
    assert cases.freeze_panes == "A2"


def test_the_archive_is_byte_stable_and_leaves_the_machine_files_alone(tmp_path, real_release):
    rows = {t.name: [tuple(r) for r in machine_rows(real_release, t)[1:]] for t in TABLES}
    meta = {"title": {"zh": "測試", "en": "Test"}, "version": "0.0.1"}
    created = dt.datetime(2026, 11, 22)
    write_archive(tmp_path / "a.zip", rows, meta, created=created)
    write_archive(tmp_path / "b.zip", rows, meta, created=created)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    for table in TABLES:  # the machine CSVs: English ids, code values, no byte-order mark
        data = (real_release / table.path).read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf")
        assert data.split(b"\n", 1)[0].decode() == ",".join(f.name for f in table.fields)
