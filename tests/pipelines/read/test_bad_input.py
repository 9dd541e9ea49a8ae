"""Bad input is refused with a message naming the file, the record and the field, in
zh-Hant and English, with a non-zero exit and nothing written.

Data-driven: each case mutates a copy of the minimal source folder and names the
problem it must produce, as (type, file, record, field).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pytest

from api.cli import main
from pipelines.errors import ProblemsFound
from pipelines.read.reader import Reader
from tests.conftest import MINIMAL, REAL

CASE = "cases/danjiang-bridge.yaml"
# a stated purpose the minimal folder can hold (its one section that says "約 125 億" is the table)
PURPOSE = ('publisher: aac\npurpose: {zh: 案件資料, en: case data, '
           'cited: [{source: guidebook/table, locator: "約 125 億"}]}')
CJK = re.compile(r"[\u4e00-\u9fff]")
IMPORT_HEADER = "activity_id,case_id,type,date,title_zh,title_en,source_ids\n"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write_import(src: Path, name: str, data: bytes) -> None:
    (src / "imports").mkdir(exist_ok=True)
    (src / "imports" / name).write_bytes(data)


CP950_ROW = ("danjiang-bridge-2021-imported,danjiang-bridge,training,2021-06-01,"
             "圍棋（碁）講座費 €100,Go lecture,guidebook/table\n")

OUTSIDE_DOC = """
  - id: outside
    title: {zh: 外部來源, en: Outside sources}
    kind: outside
    description: {zh: 不是廉政署的文件。, en: Not an AAC document.}
    sections:
      - {id: outside/site-location, title: {zh: 地點所在之縣市, en: The city a site lies in}}
"""


def where(src: Path, block: str, outside: bool = False, kind: str = "aac") -> None:
    """Give the minimal Danjiang case a place and divisions (``block``), the guidebook its
    ``kind`` (none if empty) and, with ``outside``, the sources an outside document."""
    edit(src / CASE, "benchmark: 1\n", "benchmark: 1\n" + block.strip() + "\n")
    if kind:
        edit(src / "sources.yaml", "    publisher: aac\n", f"    kind: {kind}\n    publisher: aac\n")
    if outside:
        (src / "sources.yaml").write_text((src / "sources.yaml").read_text(encoding="utf-8") + OUTSIDE_DOC,
                                          encoding="utf-8")


WORDS = "{source: guidebook/benchmark-1, locator: 縮短淡水、八里通行距離及時間}"
PLACE = f"place: {{zh: 淡水、八里, en: Tamsui and Bali}}\nplace_cited: [{WORDS}]\n"

CASES = {
    "place-without-its-source": (
        lambda s: where(s, "place: {zh: 淡水、八里, en: Tamsui and Bali}"),
        ("missing-field", "datasets/source/" + CASE, "danjiang-bridge", "place_cited"),
    ),
    "place-citing-an-outside-source": (
        lambda s: where(s, "place: {zh: 淡水、八里, en: Tamsui and Bali}\n"
                        "place_cited: [{source: outside/site-location}]", outside=True),
        ("bad-citation", "datasets/source/" + CASE, "danjiang-bridge", "place_cited"),
    ),
    "division-not-a-code": (  # TW-TPQ: the former Taipei County
        lambda s: where(s, PLACE + "divisions: [TW-TPQ]\ndivision_basis: outside\n"
                        "division_cited: [{source: outside/site-location}]", outside=True),
        ("unknown-code", "datasets/source/" + CASE, "danjiang-bridge", "divisions[0]"),
    ),
    "division-listed-twice": (
        lambda s: where(s, PLACE + "divisions: [TW-NWT, TW-NWT]\ndivision_basis: outside\n"
                        "division_cited: [{source: outside/site-location}]", outside=True),
        ("duplicate-code", "datasets/source/" + CASE, "danjiang-bridge", "divisions[1]"),
    ),
    "division-without-basis": (
        lambda s: where(s, PLACE + "divisions: [TW-NWT]\ndivision_cited: [{source: outside/site-location}]",
                        outside=True),
        ("missing-field", "datasets/source/" + CASE, "danjiang-bridge", "division_basis"),
    ),
    "division-without-source": (
        lambda s: where(s, PLACE + "divisions: [TW-NWT]\ndivision_basis: outside"),
        ("missing-field", "datasets/source/" + CASE, "danjiang-bridge", "division_cited"),
    ),
    "basis-without-division": (
        lambda s: where(s, PLACE + "division_basis: text"),
        ("missing-field", "datasets/source/" + CASE, "danjiang-bridge", "divisions"),
    ),
    "outside-basis-citing-only-the-aac": (  # outside knowledge must not pass for the AAC's words
        lambda s: where(s, PLACE + f"divisions: [TW-NWT]\ndivision_basis: outside\ndivision_cited: [{WORDS}]"),
        ("bad-citation", "datasets/source/" + CASE, "danjiang-bridge", "division_cited"),
    ),
    "agency-basis-without-an-outside-source": (
        lambda s: where(s, PLACE + f"divisions: [TW-NWT]\ndivision_basis: agency\ndivision_cited: [{WORDS}]"),
        ("bad-citation", "datasets/source/" + CASE, "danjiang-bridge", "division_cited"),
    ),
    "text-basis-citing-an-outside-source": (
        lambda s: where(s, PLACE + f"divisions: [TW-NWT]\ndivision_basis: text\n"
                        f"division_cited: [{WORDS}, {{source: outside/site-location}}]", outside=True),
        ("bad-citation", "datasets/source/" + CASE, "danjiang-bridge", "division_cited"),
    ),
    "cited-document-states-no-kind": (
        lambda s: where(s, PLACE, kind=""),
        ("bad-citation", "datasets/source/" + CASE, "danjiang-bridge", "place_cited"),
    ),
    "unknown-source-kind": (
        lambda s: where(s, "", kind="ours"),
        ("unknown-code", "datasets/source/sources.yaml", "guidebook", "kind"),
    ),
    "outside-document-saying-nothing-of-itself": (
        lambda s: (where(s, "", outside=True),
                   edit(s / "sources.yaml", "    description: {zh: 不是廉政署的文件。, en: Not an AAC document.}\n",
                        "")),
        ("missing-field", "datasets/source/sources.yaml", "outside", "description"),
    ),
    "malformed-yaml": (
        lambda s: edit(s / CASE, "status: operating", "status: [operating"),
        ("yaml-syntax", "datasets/source/" + CASE, "", ""),
    ),
    "unknown-agency": (
        lambda s: edit(s / CASE, "agencies: [thb]", "agencies: [thb-typo]"),
        ("unknown-agency", "datasets/source/" + CASE, "danjiang-bridge", "agencies[0]"),
    ),
    "unknown-participant-agency": (
        lambda s: edit(s / CASE, "{role: anti-corruption, agency: aac}", "{role: anti-corruption, agency: acc}"),
        ("unknown-agency", "datasets/source/" + CASE, "danjiang-bridge-2021-05-11-liaison-4",
         "participants[0].agency"),
    ),
    "impossible-roc-date": (
        lambda s: edit(s / CASE, 'established: "1080510"', 'established: "1080230"'),
        ("bad-date", "datasets/source/" + CASE, "danjiang-bridge", "established"),
    ),
    "impossible-activity-date": (
        lambda s: edit(s / CASE, 'date: "2021-05-11"', 'date: "2021-02-29"'),
        ("bad-date", "datasets/source/" + CASE, "danjiang-bridge-2021-05-11-liaison-4", "date"),
    ),
    "negative-amount": (
        lambda s: edit(s / CASE, 'amount: "約 125 億"', 'amount: "-125 億"'),
        ("bad-amount", "datasets/source/" + CASE, "danjiang-bridge", "amount"),
    ),
    "non-numeric-amount": (
        lambda s: edit(s / CASE, 'amount: "約 125 億"', 'amount: "約一百二十五億"'),
        ("bad-amount", "datasets/source/" + CASE, "danjiang-bridge", "amount"),
    ),
    "amount-absurd-exponent": (
        lambda s: edit(s / CASE, 'amount: "約 125 億"', 'amount: "1e999999999"'),
        ("bad-amount", "datasets/source/" + CASE, "danjiang-bridge", "amount"),
    ),
    "amount-of-ten-thousand-digits": (
        lambda s: edit(s / CASE, 'amount: "約 125 億"', f'amount: "{"9" * 10_000}億"'),
        ("bad-amount", "datasets/source/" + CASE, "danjiang-bridge", "amount"),
    ),
    "appendix-law-without-url": (
        lambda s: edit(s / "laws.yaml", '  url: "https://law.moj.gov.tw/LawClass/LawAll.aspx?PCode=C0000007"\n',
                       "  in_appendix: true\n"),
        ("missing-field", "datasets/source/laws.yaml", "anti-corruption-act", "url"),
    ),
    "law-unknown-kind": (
        lambda s: edit(s / "laws.yaml", "  url:", "  kind: statute\n  url:"),
        ("unknown-code", "datasets/source/laws.yaml", "anti-corruption-act", "kind"),
    ),
    "law-cites-unknown-case": (
        lambda s: edit(s / "laws.yaml", "  url:", "  cases: [danjiang-brige]\n  url:"),
        ("unknown-case", "datasets/source/laws.yaml", "anti-corruption-act", "cases[0]"),
    ),
    "law-in-appendix-not-a-boolean": (
        lambda s: edit(s / "laws.yaml", "  url:", '  in_appendix: "yes"\n  url:'),
        ("wrong-type", "datasets/source/laws.yaml", "anti-corruption-act", "in_appendix"),
    ),
    "amount-not-a-number": (
        lambda s: edit(s / CASE, 'amount: "約 125 億"', 'amount: "NaN"'),
        ("bad-amount", "datasets/source/" + CASE, "danjiang-bridge", "amount"),
    ),
    "amount-infinite": (
        lambda s: edit(s / CASE, 'amount: "約 125 億"', "amount: .inf"),
        ("bad-amount", "datasets/source/" + CASE, "danjiang-bridge", "amount"),
    ),
    "amount-above-the-bound": (
        lambda s: edit(s / CASE, 'amount: "約 125 億"', 'amount: "10,000,000 億"'),
        ("bad-amount", "datasets/source/" + CASE, "danjiang-bridge", "amount"),
    ),
    "amount-unquoted-beyond-yaml": (
        lambda s: edit(s / CASE, 'amount: "約 125 億"', "amount: " + "9" * 5_000),
        ("yaml-value", "datasets/source/" + CASE, "", ""),
    ),
    "unquoted-impossible-date": (
        lambda s: edit(s / CASE, 'date: "2021-05-11"', "date: 2021-02-30"),
        ("yaml-value", "datasets/source/" + CASE, "", ""),
    ),
    "observation-absurd-exponent": (
        lambda s: edit(s / CASE, "    value: 7", "    value: 1e999999999"),
        ("bad-number", "datasets/source/" + CASE, "danjiang-bridge-failed-tenders", "value"),
    ),
    "observation-absurd-decimals": (
        lambda s: edit(s / CASE, "    value: 7", "    value: 7e-999999999"),
        ("bad-number", "datasets/source/" + CASE, "danjiang-bridge-failed-tenders", "value"),
    ),
    "duplicate-identifier": (
        lambda s: edit(s / CASE, "id: danjiang-bridge-2021-05-11-liaison-4",
                       "id: danjiang-bridge-2019-05-10-declaration"),
        ("duplicate-identifier", "datasets/source/" + CASE, "danjiang-bridge-2019-05-10-declaration", "id"),
    ),
    "duplicate-table-number": (
        lambda s: edit(s / "cases/taipei-eco-park.yaml", "table_number: 23", "table_number: 10"),
        ("duplicate-identifier", "datasets/source/cases/taipei-eco-park.yaml", "taipei-eco-park", "table_number"),
    ),
    "missing-required-field": (
        lambda s: edit(s / CASE, "status: operating\n", ""),
        ("missing-field", "datasets/source/" + CASE, "danjiang-bridge", "status"),
    ),
    "missing-english-name": (
        lambda s: edit(s / CASE, "name: {zh: 淡江大橋廉政平臺, en: Danjiang Bridge Integrity Platform}",
                       "name: {zh: 淡江大橋廉政平臺}"),
        ("missing-field", "datasets/source/" + CASE, "danjiang-bridge", "name.en"),
    ),
    "unknown-code": (
        lambda s: edit(s / CASE, "type: liaison-meeting", "type: liason-meeting"),
        ("unknown-code", "datasets/source/" + CASE, "danjiang-bridge-2021-05-11-liaison-4", "type"),
    ),
    "unknown-source-section": (
        lambda s: edit(s / CASE, "cited: [{source: guidebook/table}, {source: guidebook/benchmark-1}]",
                       "cited: [{source: guidebook/tabel}]"),
        ("unknown-section", "datasets/source/" + CASE, "danjiang-bridge", "cited[0].source"),
    ),
    "bad-slug": (
        lambda s: edit(s / CASE, "id: danjiang-bridge-website", "id: Danjiang Website"),
        ("bad-identifier", "datasets/source/" + CASE, "Danjiang Website", "id"),
    ),
    "yaml-with-bom": (
        lambda s: (s / CASE).write_bytes(codecs.BOM_UTF8 + (s / CASE).read_bytes()),
        ("encoding-bom", "datasets/source/" + CASE, "", ""),
    ),
    "yaml-in-cp950": (
        lambda s: (s / CASE).write_bytes((s / CASE).read_text(encoding="utf-8").encode("cp950")),
        ("encoding-not-utf8", "datasets/source/" + CASE, "", ""),
    ),
    "import-in-cp950": (
        lambda s: write_import(s, "agency.csv", (IMPORT_HEADER + CP950_ROW).encode("cp950")),
        ("encoding-not-utf8", "datasets/source/imports/agency.csv", "", ""),
    ),
    "import-with-bom": (
        lambda s: write_import(s, "agency.csv", codecs.BOM_UTF8 + (IMPORT_HEADER + CP950_ROW).encode()),
        ("encoding-bom", "datasets/source/imports/agency.csv", "", ""),
    ),
    "import-with-unknown-case": (
        lambda s: write_import(s, "agency.csv", (IMPORT_HEADER + CP950_ROW.replace(
            ",danjiang-bridge,", ",danjiang-brigde,")).encode()),
        ("unknown-case", "datasets/source/imports/agency.csv", "danjiang-bridge-2021-imported", "case_id"),
    ),
    "import-with-bad-header": (
        lambda s: write_import(s, "agency.csv", (b"id,case,kind\nx,y,z\n")),
        ("bad-header", "datasets/source/imports/agency.csv", "", ""),
    ),
    "import-with-impossible-date": (
        lambda s: write_import(s, "agency.csv", (IMPORT_HEADER + CP950_ROW.replace(
            "2021-06-01", "2021-06-31")).encode()),
        ("bad-date", "datasets/source/imports/agency.csv", "danjiang-bridge-2021-imported", "date"),
    ),
    "agency-parent-cycle": (
        lambda s: edit(s / "agencies.yaml", "- id: executive-yuan\n", "- id: executive-yuan\n  parent: aac\n"),
        ("agency-cycle", "datasets/source/agencies.yaml", "aac", "parent"),
    ),
    "case-file-not-a-mapping": (
        lambda s: (s / CASE).write_text("- just\n- a list\n", encoding="utf-8"),
        ("wrong-type", "datasets/source/" + CASE, "", ""),
    ),
    "purpose-without-locator": (
        lambda s: edit(s / "dataset.yaml", "publisher: aac", PURPOSE.replace(', locator: "約 125 億"', "")),
        ("missing-field", "datasets/source/dataset.yaml", "dataset", "purpose.cited[0].locator"),
    ),
    "purpose-without-english": (
        lambda s: edit(s / "dataset.yaml", "publisher: aac", PURPOSE.replace(", en: case data", "")),
        ("missing-field", "datasets/source/dataset.yaml", "dataset", "purpose.en"),
    ),
    "purpose-cites-nothing": (
        lambda s: edit(s / "dataset.yaml", "publisher: aac", PURPOSE.split(", cited:")[0] + "}"),
        ("missing-field", "datasets/source/dataset.yaml", "dataset", "purpose.cited"),
    ),
}

ACTIVITY = "danjiang-bridge-2019-05-10-declaration"
# A misspelt key is refused, never dropped: (mutation, (file, record, field, closest known key)).
UNKNOWN_KEYS = {
    "case-activities": (lambda s: edit(s / CASE, "activities:", "activites:"),
                        (CASE, "danjiang-bridge", "activites", "activities")),
    "case-description": (lambda s: edit(s / CASE, "status: operating", "status: operating\ndescripton: x"),
                         (CASE, "danjiang-bridge", "descripton", "description")),
    "case-alt-name": (lambda s: edit(s / CASE, "status: operating",
                                     "status: operating\nalt_names: [{zh: 淡江橋, eng: Danjiang}]"),
                      (CASE, "danjiang-bridge", "alt_names[0].eng", "en")),
    "activity": (lambda s: edit(s / CASE, "    ordinal: 4", "    ordnial: 4"),
                 (CASE, "danjiang-bridge-2021-05-11-liaison-4", "ordnial", "ordinal")),
    "activity-title": (lambda s: edit(s / CASE, "en: 4th regular liaison meeting}",
                                      "en: 4th regular liaison meeting, zh-TW: x}"),
                       (CASE, "danjiang-bridge-2021-05-11-liaison-4", "title.zh-TW", "zh")),
    "participant": (lambda s: edit(s / CASE, "{role: anti-corruption, agency: aac}",
                                   "{role: anti-corruption, agnecy: aac}"),
                    (CASE, "danjiang-bridge-2021-05-11-liaison-4", "participants[0].agnecy", "agency")),
    "citation": (lambda s: edit(s / CASE, "locator: （一）辦理宣誓大會", "locater: （一）辦理宣誓大會"),
                 (CASE, ACTIVITY, "cited[0].locater", "locator")),
    "document": (lambda s: edit(s / CASE, "    publisher: thb\n", "    publisher: thb\n    link: https://x.tw/\n"),
                 (CASE, "danjiang-bridge-website", "link", "")),
    "observation": (lambda s: edit(s / CASE, "    unit: count", "    units: count"),
                    (CASE, "danjiang-bridge-failed-tenders", "units", "unit")),
    "risk": (lambda s: edit(s / CASE, "    mitigation:", "    mitigations:"),
             (CASE, "danjiang-bridge-protest", "mitigations", "mitigation")),
    "note": (lambda s: edit(s / CASE, "    other_value:", "    other_valeu:"),
             (CASE, "danjiang-bridge-test-note", "other_valeu", "other_value")),
    "agency": (lambda s: edit(s / "agencies.yaml", "  alt_names: [公路總局]", "  alt_name: [公路總局]"),
               ("agencies.yaml", "thb", "alt_name", "alt_names")),
    "agency-name-unquoted-comma": (
        lambda s: edit(s / "agencies.yaml", '"Department of Rapid Transit Systems, Taipei City Government"',
                       "Department of Rapid Transit Systems, Taipei City Government"),
        ("agencies.yaml", "taipei-dorts", "name.Taipei City Government", "")),
    "source": (lambda s: edit(s / "sources.yaml", "    language: [zh-Hant]", "    languages: [zh-Hant]"),
               ("sources.yaml", "guidebook", "languages", "language")),
    "section": (lambda s: edit(s / "sources.yaml", "{id: guidebook/table, title:", "{id: guidebook/table, titel:"),
                ("sources.yaml", "guidebook/table", "titel", "title")),
    "sources-file": (lambda s: edit(s / "sources.yaml", "documents:", "docs: []\ndocuments:"),
                     ("sources.yaml", "sources", "docs", "documents")),
    "law": (lambda s: edit(s / "laws.yaml", '  url: "https', '  ulr: "https'),
            ("laws.yaml", "anti-corruption-act", "ulr", "url")),
    "dataset": (lambda s: edit(s / "dataset.yaml", "modified:", "modifed:"),
                ("dataset.yaml", "dataset", "modifed", "modified")),
    "dataset-licence": (lambda s: edit(s / "dataset.yaml", 'url: "https://data.gov.tw/license"}',
                                       'link: "https://data.gov.tw/license"}'),
                        ("dataset.yaml", "dataset", "licence.link", "")),
    "dataset-purpose": (lambda s: edit(s / "dataset.yaml", "publisher: aac", PURPOSE.replace("cited:", "cites:")),
                        ("dataset.yaml", "dataset", "purpose.cites", "cited")),
    "dataset-datagovtw": (lambda s: edit(s / "dataset.yaml", "publisher: aac",
                                         "publisher: aac\ndatagovtw: {contact_mail: a@b.tw}"),
                          ("dataset.yaml", "dataset", "datagovtw.contact_mail", "contact_email")),
    "notes-file": (lambda s: (s / "notes.yaml").write_text("note: []\n", encoding="utf-8"),
                   ("notes.yaml", "notes", "note", "notes")),
}


def _rooted(src: Path) -> Path:
    """Place the copy at .../datasets/source so messages name files as agency staff see them."""
    return src


@pytest.fixture
def source(tmp_path, minimal_source):
    root = tmp_path / "repo" / "datasets" / "source"
    root.parent.mkdir(parents=True)
    minimal_source.rename(root)
    return root


@pytest.mark.parametrize("name", sorted(CASES))
def test_records_refuse_bad_input_naming_file_record_and_field(name, source):
    mutate, (type_, file, record, field) = CASES[name]
    mutate(source)
    with pytest.raises(ProblemsFound) as err:
        Reader(source).read()
    problems = err.value.problems
    hits = [p for p in problems if p.type == type_ and p.file == file]
    assert hits, "\n".join(p.render() for p in problems)
    p = hits[0]
    assert (p.record, p.field) == (record, field), p.render()
    # both languages, and a fix in both
    assert CJK.search(p.message_zh) and CJK.search(p.fix_zh), p.render()
    assert p.message_en and not CJK.search(p.message_en.split("'")[0][:10]) and p.fix_en, p.render()


@pytest.mark.parametrize("name", ["malformed-yaml", "negative-amount", "import-in-cp950", "unknown-agency"])
def test_build_refuses_bad_input_with_exit_1_and_writes_nothing(name, source, tmp_path, capsys):
    mutate, (type_, file, *_rest) = CASES[name]
    mutate(source)
    out = tmp_path / "out"
    code = main(["build", "--source", str(source), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert file in err and type_ not in ("",)
    assert "nothing was written" in err
    assert not out.exists()
    assert not any(p.name.startswith(".out.") for p in tmp_path.iterdir()), "a temporary folder was left"


# What an absurd amount is told, exactly: name -> (amount as written, message_zh, message_en).
AMOUNT_MESSAGES = {
    "ten-thousand-digits": (
        f"{'9' * 10_000}億", f"金額「{'9' * 40}…」過大：金額須小於 10^15 元（1,000 兆元）。",
        f"amount '{'9' * 40}…' is too large: amounts are below 10^15 TWD (1,000 trillion)."),
    "the-bound": (
        "10,000,000 億", "金額「10,000,000 億」過大：金額須小於 10^15 元（1,000 兆元）。",
        "amount '10,000,000 億' is too large: amounts are below 10^15 TWD (1,000 trillion)."),
    "exponent": (
        "1e999999999", "金額「1e999999999」無法辨識，請寫成如「約 125 億」或「122 億 8,400 萬元」。",
        "amount '1e999999999' is not a number: write it as the source does, e.g. '約 125 億' (億 = 10^8 TWD)."),
    "infinity": (
        "Infinity", "金額「Infinity」無法辨識，請寫成如「約 125 億」或「122 億 8,400 萬元」。",
        "amount 'Infinity' is not a number: write it as the source does, e.g. '約 125 億' (億 = 10^8 TWD)."),
    "negative": (
        "-1e999999999", "金額「-1e999999999」不可為負數。",
        "amount '-1e999999999' is negative; amounts are zero or more."),
}


@pytest.mark.parametrize("name", sorted(AMOUNT_MESSAGES))
def test_an_absurd_amount_is_a_problem_with_the_bound_not_an_exception(name, source):
    amount, zh, en = AMOUNT_MESSAGES[name]
    edit(source / CASE, 'amount: "約 125 億"', f'amount: "{amount}"')
    with pytest.raises(ProblemsFound) as err:
        Reader(source).read()
    p = next(p for p in err.value.problems if p.type == "bad-amount")
    assert (p.file, p.record, p.field) == ("datasets/source/" + CASE, "danjiang-bridge", "amount")
    assert (p.message_zh, p.message_en) == (zh, en)
    assert p.fix_en == ("Write the amount as the source does, e.g. '約 125 億' (億 = 10^8 TWD); amounts "
                        "are never negative and are below 10^15 TWD.")
    assert p.fix_zh == "依來源的寫法填金額，如「約 125 億」（億 = 1 億元新臺幣）；金額不可為負，且小於 10^15 元。"


@pytest.mark.parametrize("name, where", [
    ("amount-of-ten-thousand-digits", f"datasets/source/{CASE}, record danjiang-bridge, field amount"),
    ("amount-unquoted-beyond-yaml", f"datasets/source/{CASE}:8"),
    ("observation-absurd-exponent",
     f"datasets/source/{CASE}, record danjiang-bridge-failed-tenders, field value"),
])
def test_build_refuses_an_absurd_number_with_exit_1(name, where, source, tmp_path, capsys):
    CASES[name][0](source)
    out = tmp_path / "out"
    assert main(["build", "--source", str(source), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"[error] {where}: " in err and "could not run" not in err, err
    assert not out.exists()


def test_build_failure_leaves_an_existing_release_as_it_was(source, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", "--source", str(source), "--out", str(out), "--quiet"]) == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    CASES["impossible-roc-date"][0](source)
    assert main(["build", "--source", str(source), "--out", str(out)]) == 1
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.parametrize("name", sorted(UNKNOWN_KEYS))
def test_records_refuse_an_unknown_key_naming_the_closest_known_one(name, source):
    mutate, (file, record, field, hint) = UNKNOWN_KEYS[name]
    mutate(source)
    with pytest.raises(ProblemsFound) as err:
        Reader(source).read()
    rows = [(p.type, p.file, p.record, p.field) for p in err.value.problems]
    assert ("unknown-key", "datasets/source/" + file, record, field) in rows, rows
    p = next(p for p in err.value.problems if p.type == "unknown-key")
    assert CJK.search(p.message_zh) and CJK.search(p.fix_zh), p.render()
    if hint:
        assert f"(did you mean '{hint}'?)" in p.fix_en and f"（是否為「{hint}」？）" in p.fix_zh, p.render()
    else:
        assert "did you mean" not in p.fix_en, p.render()


def test_a_misspelt_optional_key_stops_the_build_instead_of_dropping_data(source, tmp_path, capsys):
    UNKNOWN_KEYS["case-activities"][0](source)
    with pytest.raises(ProblemsFound) as err:
        Reader(source).read()
    p = next(p for p in err.value.problems if p.type == "unknown-key")
    assert (p.message_zh, p.message_en) == (
        "不明的欄位「activites」（案件）：此欄不會被讀取，其資料不會發布。",
        "Unknown key 'activites' in a case: it is not read, so its data would not be published.")
    keys = ("accounts, activities, agencies, alt_names, amount, authority, benchmark, cited, description, "
            "division_basis, division_cited, divisions, documents, established, id, name, notes, observations, "
            "pcc_tender_ids, place, place_cited, procurement, risks, status, table_number, wikidata")
    assert p.fix_zh == f"改用已知的欄位名稱（是否為「activities」？）：{keys}；格式見 docs/model.md。"
    assert p.fix_en == f"Use a known key (did you mean 'activities'?): {keys}; see docs/model.md."
    out = tmp_path / "out"
    assert main(["build", "--source", str(source), "--out", str(out)]) == 1
    assert "field activites" in capsys.readouterr().err and not out.exists()


def test_an_unquoted_comma_in_a_text_is_explained(source):
    UNKNOWN_KEYS["agency-name-unquoted-comma"][0](source)
    with pytest.raises(ProblemsFound) as err:
        Reader(source).read()
    p = next(p for p in err.value.problems if p.type == "unknown-key")
    assert p.fix_en.endswith("Inside { }, an unquoted comma splits the text: quote text that contains a comma.")
    assert p.fix_zh.endswith("在 { } 之內，未加引號的逗號會把文字切開：含逗號的文字請加引號。")


@pytest.mark.parametrize("root", [MINIMAL, REAL], ids=["minimal", "real"])
def test_every_key_of_the_projects_records_is_known(root):
    reader = Reader(root)
    reader.read()
    assert [p.render() for p in reader.problems if p.type == "unknown-key"] == []


class _Tracked(dict):
    """A parsed mapping that remembers which keys the reader looked up."""

    def __init__(self, items):
        super().__init__(items)
        self.read: set = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def _tracked(value, found: list):
    if isinstance(value, dict):
        found.append(_Tracked({k: _tracked(v, found) for k, v in value.items()}))
        return found[-1]
    return [_tracked(v, found) for v in value] if isinstance(value, list) else value


# dataset.yaml's nested mappings are read by the release writers, not by the reader
WRITER_KINDS = {"dataset", "licence", "contact", "package-source", "datagovtw", "publisher"}


def test_the_declared_keys_are_the_keys_the_reader_reads(monkeypatch):
    """Every mapping the reader reads is key-checked, against the set of its kind, and
    each set is exactly what the reader looks up in the project's records."""
    from pipelines.read import cases, fields, syntax

    found: list[_Tracked] = []
    kinds: dict[int, str] = {}
    parse, check = syntax.parse_yaml_file, Reader.known_keys

    def parse_tracked(path, file):
        data, problem = parse(path, file)
        return _tracked(data, found), problem

    def known_keys(self, rec, kind, **kw):
        kinds[id(rec)] = kind
        return check(self, rec, kind, **kw)

    for module in (fields, cases):  # where the reader parses files
        monkeypatch.setattr(module, "parse_yaml_file", parse_tracked)
    monkeypatch.setattr(Reader, "known_keys", known_keys)
    for root in (MINIMAL, REAL):
        Reader(root).read()
    read: dict[str, set] = {kind: set() for kind in fields.RECORD_KEYS}
    for rec in found:
        if rec.read:
            assert id(rec) in kinds, f"a mapping is read without a key check: {dict(rec)}"
            read[kinds[id(rec)]] |= rec.read
    for kind, spec in fields.RECORD_KEYS.items():
        assert read[kind] <= spec.keys, kind
        if kind not in WRITER_KINDS:
            assert read[kind] == spec.keys, kind


def test_yaml_syntax_error_names_the_line(source):
    CASES["malformed-yaml"][0](source)
    with pytest.raises(ProblemsFound) as err:
        Reader(source).read()
    p = next(p for p in err.value.problems if p.type == "yaml-syntax")
    lines = (source / CASE).read_text(encoding="utf-8").splitlines()
    assert p.line is not None and 1 <= p.line <= len(lines) + 1


def test_unknown_agency_suggests_the_closest_id(source):
    CASES["unknown-agency"][0](source)
    with pytest.raises(ProblemsFound) as err:
        Reader(source).read()
    p = next(p for p in err.value.problems if p.type == "unknown-agency")
    assert "'thb'" in p.fix_en and "「thb」" in p.fix_zh


def test_every_problem_is_reported_in_one_run(source):
    for name in ("negative-amount", "unknown-code", "missing-english-name"):
        CASES[name][0](source)
    with pytest.raises(ProblemsFound) as err:
        Reader(source).read()
    assert {"bad-amount", "unknown-code", "missing-field"} <= {p.type for p in err.value.problems}


def test_cp950_import_is_never_garbled(source, tmp_path, capsys):
    """The trap: a CP950 file with CP950-only characters (碁, €) is misdetected by the usual
    detectors and then reads as plausible nonsense. We refuse it, and
    `lianzheng import --encoding cp950` converts it exactly."""
    from frictionless import Resource

    raw = (IMPORT_HEADER + CP950_ROW).encode("cp950")
    original = IMPORT_HEADER + CP950_ROW
    probe = tmp_path / "probe.csv"
    probe.write_bytes(raw)
    resource = Resource(str(probe))
    resource.infer()
    read_by_detection = resource.read_rows()
    assert resource.encoding not in ("cp950", "big5", "utf-8")
    assert "碁" not in str(read_by_detection), "Frictionless's own detection reads garbled text"

    write_import(source, "agency.csv", raw)
    with pytest.raises(ProblemsFound) as err:
        Reader(source).read()
    p = next(p for p in err.value.problems if p.type == "encoding-not-utf8")
    assert "cp950" in p.fix_en.lower()

    target = source / "imports" / "agency.csv"
    assert main(["import", str(target), "--encoding", "cp950"]) == 0
    assert target.read_text(encoding="utf-8") == original  # 碁 and € survive
    ds = Reader(source).read()
    imported = next(a for a in ds.activities if a.id == "danjiang-bridge-2021-imported")
    assert "碁" in imported.title.zh and "€" in imported.title.zh


def test_import_refuses_the_wrong_encoding_and_writes_nothing(tmp_path, capsys):
    src = tmp_path / "t.csv"
    src.write_bytes("名稱\n淡江大橋\n".encode())
    out = tmp_path / "converted.csv"
    assert main(["import", str(src), "--encoding", "ascii", "--out", str(out)]) == 1
    assert not out.exists()
    assert "Line 1 has bytes that are not valid ascii" in capsys.readouterr().err


def test_import_with_bom_converts_to_utf8_without_bom(tmp_path):
    src = tmp_path / "t.csv"
    src.write_bytes(codecs.BOM_UTF8 + "名稱\r\n淡江大橋\r\n".encode())
    assert main(["import", str(src), "--encoding", "utf-8-sig"]) == 0
    assert src.read_bytes() == "名稱\n淡江大橋\n".encode()
