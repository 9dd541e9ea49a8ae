"""The project's own records against the seeds they were transcribed from.

Every expectation here is computed from the seed text itself (the guidebook's table,
its summary line, the narrative), not typed in: a transcription error, a dropped
case or a citation to text that is not there fails.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from decimal import Decimal

import pytest

from pipelines.normalise import parse_amount, parse_date
from pipelines.read.reader import read_dataset
from pipelines.terms import load_code_labels

from .conftest import REAL, seed_text

GUIDEBOOK = "000_c0e697bf07a7a8a2.txt"
INTRO = "004_ac704a67dcdb3950.txt"
ROW = re.compile(r"\[(?P<agency>[^\]]+)\]\s*(?P<name>[^\t]+?)\s*\t(?P<date>\d{7})\t(?P<amount>約 [\d.]+ 億)")


@pytest.fixture(scope="module")
def ds():
    return read_dataset(REAL)


@pytest.fixture(scope="module")
def table_rows():
    rows = []
    for line in seed_text(GUIDEBOOK).splitlines():
        m = ROW.search(line)
        if m:
            rows.append(m.groupdict())
    return rows


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_every_table_row_is_a_case_with_its_date_amount_and_status(ds, table_rows):
    assert len(table_rows) == len(ds.cases) == 32
    by_number = sorted(ds.cases.values(), key=lambda c: c.table_number)
    assert [c.table_number for c in by_number] == list(range(1, 33))
    for row, case in zip(table_rows, by_number, strict=True):
        ended = "已結束" in row["name"]
        name = row["name"].replace("(已結束)", "").strip()
        if squash(case.name.zh) != squash(name):  # a corrected name: the table's is an alternative,
            assert squash(name) in {squash(a.zh) for a in case.alt_names}, (case.id, name)  # with a note
            assert any(n.case == case.id and n.field == "name" and squash(n.other_value) == squash(name)
                       for n in ds.notes), (case.id, "the table's name differs and no note says why")
        assert case.established.original == row["date"]
        assert case.established == parse_date(row["date"])
        assert case.amount_text == row["amount"]
        assert case.amount_twd == parse_amount(row["amount"])
        assert case.status == ("ended" if ended else "operating"), case.id


def test_case_counts_match_the_tables_summary(ds):
    text = seed_text(GUIDEBOOK)
    total, operating, ended = map(int, re.search(
        r"總計 (\d+) 案 \(運作中 (\d+) 案, 已完成 (\d+) 案\)", text).groups())
    statuses = Counter(c.status for c in ds.cases.values())
    assert (len(ds.cases), statuses["operating"], statuses["ended"]) == (total, operating, ended)
    central = int(re.search(r"中央機關：總計 (\d+) 案", text).group(1))
    local = int(re.search(r"地方政府：總計 (\d+) 案", text).group(1))
    levels = Counter(c.level for c in ds.cases.values())
    assert (levels["central"], levels["local"]) == (central, local)
    # per ministry or city: "經濟部\t7 案", "臺北市\t8 案" ...
    authorities = "經濟部|交通部|財政部|臺北市|新北市|桃園市|臺中市|臺南市|高雄市|嘉義市"
    summary = dict(re.findall(rf"({authorities})\t(\d+) 案", text))
    by_authority = Counter(ds.agencies[c.authority].name.zh for c in ds.cases.values())
    for short, count in summary.items():
        matches = [n for n in by_authority if n.startswith(short)]
        assert len(matches) == 1, (short, matches)
        assert by_authority[matches[0]] == int(count), short


def test_procuring_agencies_match_the_tables_brackets(ds, table_rows):
    by_number = sorted(ds.cases.values(), key=lambda c: c.table_number)
    for row, case in zip(table_rows, by_number, strict=True):
        bracket = squash(row["agency"]).split("-", 1)[1]
        parts = bracket.split("+")
        assert len(parts) == len(case.agencies), (case.id, bracket)
        for part, aid in zip(parts, case.agencies, strict=True):
            agency = ds.agencies[aid]
            names = [squash(agency.name.zh)] + [squash(a) for a in agency.alt_names]
            assert any(part in n or n.endswith(part) for n in names), (case.id, part, names)


def test_one_case_names_two_agencies(ds):
    two = [c for c in ds.cases.values() if len(c.agencies) > 1]
    assert len(two) == 1 and len(two[0].agencies) == 2


def test_every_record_cites_a_known_section(ds):
    cited = [(c.id, c.cited) for c in ds.cases.values()] + [(a.id, a.cited) for a in ds.activities] + \
        [(d.id, d.cited) for d in ds.documents] + [(o.id, o.cited) for o in ds.observations] + \
        [(r.id, r.cited) for r in ds.risks]
    for rid, cites in cited:
        assert cites, f"{rid} has no source"
        for c in cites:
            assert c.source in ds.sections, (rid, c.source)
    for case in ds.cases.values():
        assert any(c.source == "guidebook/table" for c in case.cited), case.id


def _quotes(locator: str) -> list[str]:
    """The quoted source text inside a locator: the whole of it, or the parts in 「」/""."""
    inner = re.findall(r"[「“\"]([^」”\"]{4,})[」”\"]", locator)
    return inner or [locator]


def test_locators_quote_the_seed_text(ds):
    """A locator that is a quotation of the seed must be found there (spacing aside)."""
    text = squash(seed_text(GUIDEBOOK) + seed_text(INTRO))
    missing = []
    items = [(a.id, a.cited) for a in ds.activities] + [(d.id, d.cited) for d in ds.documents] + \
        [(o.id, o.cited) for o in ds.observations] + [(r.id, r.cited) for r in ds.risks]
    items += [(n.id, (n.official_source,) + ((n.other_source,) if n.other_source else ())) for n in ds.notes]
    checked = 0
    for rid, cites in items:
        for c in cites:
            if not c.locator or not re.search(r"[\u4e00-\u9fff]{4,}", c.locator):
                continue  # not a quotation (a note of our own, a row count ...)
            for quote in _quotes(c.locator):
                if not re.search(r"[\u4e00-\u9fff]{4,}", quote):
                    continue
                checked += 1
                parts = [p for p in re.split(r"…|\.\.\.", squash(quote)) if p]
                if not all(p in text for p in parts):
                    missing.append((rid, quote))
    assert checked > 50
    # a locator may paraphrase a heading; no more than a few may be other than verbatim
    assert len(missing) <= max(3, checked // 20), missing


def test_activity_dates_appear_in_the_seed(ds):
    """Each dated activity's date is written in the seed (ISO → '2019 年 5 月 10 日')."""
    text = squash(seed_text(GUIDEBOOK))
    for a in ds.activities:
        y, *rest = a.date.iso.split("-")
        forms = []
        if len(rest) == 2:
            forms = [f"{y}年{int(rest[0])}月{int(rest[1])}日", f"{y}年{int(rest[0])}月{int(rest[1])}"]
        elif len(rest) == 1:
            forms = [f"{y}年{int(rest[0])}月"]
        else:
            forms = [f"{y}年", f"{int(y) - 1911}年", y]
        found = any(f in text for f in forms)
        if not found and len(rest) == 2:  # "2021 年 7 月 19 日、20 日"
            found = re.search(rf"{y}年{int(rest[0])}月[^。]{{0,12}}?[、及]{int(rest[1])}日", text)
        assert found, (a.id, a.date.iso)


def test_quality_notes_cover_the_known_disagreements(ds):
    """The seeds README's traps, each published as a note with both sources."""
    notes = {n.id: n for n in ds.notes}
    by_case_field = {(n.case, n.field) for n in ds.notes}
    # amounts the narrative states differently: compute them from the seed text
    text = seed_text(GUIDEBOOK)
    narrative_amounts = {"anping-water-reclamation": "102", "taichung-convention-center": "76"}
    for case_id, amount in narrative_amounts.items():
        assert f"約 {amount} 億" in text or f"約{amount}億" in squash(text)
        case = next(c for c in ds.cases.values() if c.id.startswith(case_id))
        assert (case.id, "amount") in by_case_field, case.id
    assert any(n.type == "garbled-text" and "總" not in n.field for n in ds.notes)
    total_notes = [n for n in ds.notes if not n.case and n.field == "total_amount"]
    assert total_notes, "the garbled grand total must be published"
    for n in notes.values():
        if n.other_value:
            assert n.other_source is not None, n.id


def test_the_table_total_is_computed_not_typed(ds):
    """The dataset's total is the sum of the rows; the source's garbled total is a note."""
    total = sum((c.amount_twd for c in ds.cases.values()), Decimal(0))
    rows_sum = sum(parse_amount(m["amount"]) for m in (
        ROW.search(line).groupdict() for line in seed_text(GUIDEBOOK).splitlines() if ROW.search(line)))
    assert total == rows_sum
    sum_note = next(n for n in ds.notes if n.type == "total-mismatch")
    assert Decimal(sum_note.official_value) == total


# Where each section of the seeds begins, in document order (sources.yaml's): the guidebook's
# by the exact text of its first line (the contents repeat the headings with page numbers),
# the introduction's by a pattern (its lists are spaced with no-break spaces).
GUIDEBOOK_STARTS = (
    ("guidebook/contents", "Contents 目錄"), ("guidebook/origin", "壹 緣起"),
    ("guidebook/vision", "貳 目標願景"), ("guidebook/benchmark-1", "標竿案例"),
    ("guidebook/operating-model/principles", "參 作業要領"),
    ("guidebook/operating-model/risk-check", "(二) 前置作業"),
    ("guidebook/operating-model/execution-plan", "2. 訂定實施計畫"),
    ("guidebook/operating-model/public-declaration", "(三) 跨域合作"),
    ("guidebook/operating-model/liaison-meeting", "2. 聯繫會議"),
    ("guidebook/operating-model/consultation", "3. 座談協商"),
    ("guidebook/operating-model/awareness", "4. 廉政宣導："),
    ("guidebook/operating-model/transparency-zone", "(四) 資訊公開"),
    ("guidebook/operating-model/regular-update", "2. 定期檢視更新"),
    ("guidebook/operating-model/internal-control", "(五) 內控檢核"),
    ("guidebook/operating-model/measure-tracking", "(六) 措施管考"),
    ("guidebook/operating-model/effectiveness-evaluation", "(七) 效益評估"),
    ("guidebook/training", "二、教育訓練"), ("guidebook/outreach", "三、多元行銷"),
    ("guidebook/benchmark-2", "標竿案例"), ("guidebook/key-factors", "肆 關鍵因素"),
    ("guidebook/benchmark-3", "標竿案例"), ("guidebook/table", "伍 執行成果"),
    ("guidebook/benchmark-4", "安平再生水廠"), ("guidebook/conclusion", "陸 結語"),
    ("guidebook/implementation-plan", "附錄"), ("guidebook/laws", "相關法規列表"),
    ("guidebook/editors", "研編小組成員"),
)
INTRO_STARTS = (
    ("aac-intro/background", r"I\. Background"), ("aac-intro/four-prongs", r"II\.\s"),
    ("aac-intro/specific-actions", r"III\.\s"), ("aac-intro/benefits", r"IV\.\s"),
    ("aac-intro/outlook", r"V\.\s"), ("aac-intro/zh-specific-actions", r"1\.\s+跨域合作"),
    ("aac-intro/zh-benefits", r"1\.\s+對國家"), ("aac-intro/zh-outlook", r"為擴大廉政平臺"),
)


@pytest.fixture(scope="module")
def sections() -> dict[str, str]:
    """Each section's text: from its first line up to the next section's."""
    out = {}
    for name, starts in ((GUIDEBOOK, [(sid, re.escape(first) + "$") for sid, first in GUIDEBOOK_STARTS]),
                         (INTRO, list(INTRO_STARTS))):
        lines = seed_text(name).splitlines()
        found, i = [], 0
        for sid, pattern in starts:
            while i < len(lines) and not re.match(pattern, lines[i].strip()):
                i += 1
            assert i < len(lines), (name, sid, "its first line is not in the seed")
            found.append((sid, i))
            i += 1
        for (sid, a), (_, b) in zip(found, found[1:] + [("", len(lines))], strict=True):
            out[sid] = "\n".join(lines[a:b])
    return out


@pytest.fixture(scope="module")
def case_passages(ds, sections) -> dict[str, str]:
    """Each case's chapter (標竿案例 N) and its example in the operating model: the passage
    from a 【...】 heading that names the case up to the next heading or the section's end."""
    out = {c.id: sections[f"guidebook/benchmark-{c.benchmark}"] for c in ds.cases.values() if c.benchmark}
    for sid, text in sections.items():
        if not sid.startswith("guidebook/operating-model/"):
            continue
        for part in re.split(r"^(?=【)", text, flags=re.M)[1:]:
            head = squash(part.splitlines()[0])
            named = [c.id for c in ds.cases.values()
                     if any(squash(n) in head for n in [c.name.zh] + [a.zh for a in c.alt_names])]
            assert len(named) == 1, (sid, head, named)  # every example heading names one case
            out[named[0]] = out.get(named[0], "") + part
    return out


def test_section_starts_are_the_sections_in_order(ds, sections):
    """The seeds' sections, in order; an outside document's sections are in no seed."""
    assert list(sections) == [s for s, sec in ds.sections.items() if ds.sources[sec.document].kind == "aac"]


def _names(law) -> list[str]:
    return [law.name.zh] + list(law.alt_names)


def test_the_appendix_laws_are_exactly_the_in_appendix_ones_with_their_printed_urls(ds):
    text = seed_text(GUIDEBOOK)
    listed = re.findall(r"^(\S+)\t(https://\S+)", text, re.M)
    appendix = [law for law in ds.laws.values() if law.in_appendix]
    assert len(listed) == len(appendix) == 6
    assert {(name, url) for name, url in listed} == {(law.name.zh, law.url) for law in appendix}
    for law in ds.laws.values():  # the appendix, and only the appendix, cites guidebook/laws
        assert law.in_appendix == any(c.source == "guidebook/laws" for c in law.cited), law.id
        assert law.kind and law.name.en, law.id
    # an English name changed since 1.0.0 is a correction note giving the name used now
    for n in ds.notes:
        if n.type == "correction" and n.field == "name_en":
            assert n.official_value in {law.name.en for law in appendix}, n.id


def test_every_law_is_named_verbatim_wherever_it_is_cited(ds, sections):
    """Each citation's locator is the seed's words in that section, and names the law (its
    name or one of the other spellings the seeds use)."""
    for law in ds.laws.values():
        assert law.cited, law.id
        for c in law.cited:
            assert c.locator and c.locator in sections[c.source], (law.id, c.source, c.locator)
            assert any(n in c.locator for n in _names(law)), (law.id, c.locator, "does not name the law")


def test_every_section_that_names_a_law_is_among_its_citations(ds, sections):
    for law in ds.laws.values():
        naming = {sid for sid, text in sections.items() if any(squash(n) in squash(text) for n in _names(law))}
        assert naming == {c.source for c in law.cited}, law.id


# Named in 「」 in the guidebook but not laws: the cases' own projects (see laws.yaml)
NOT_LAWS = {
    "淡江大橋及其連絡道路設計畫": "the Danjiang Bridge case's procurement (its 建設計畫)",
    "曾文南化烏山頭水庫治理及穩定南部地區供水計畫": "the precursor platform's project (notes.yaml)",
    "臺南市安平再生水廠新建工程統包計畫案": "the Anping case's procurement",
}


def test_every_instrument_the_guidebook_names_is_a_law(ds):
    quoted = set(re.findall(r"「([^」]{4,}?(?:法|條例|要點|規範|規定|準則|公約|計畫|方案|計畫案))」",
                            squash(seed_text(GUIDEBOOK))))
    recorded = {squash(n) for law in ds.laws.values() for n in _names(law)}
    assert quoted - set(NOT_LAWS) <= recorded, sorted(quoted - set(NOT_LAWS) - recorded)
    assert set(NOT_LAWS) <= quoted


def test_the_texts_procurement_rules_and_uncac_are_recorded(ds):
    text = squash(seed_text(GUIDEBOOK))
    kinds = {law.name.zh: law.kind for law in ds.laws.values()}
    expected = {"政府採購法": "act", "機關巨額工程採購採最有利標決標作業要點": "administrative-rule",
                "機關採購審查小組設置及作業要點": "administrative-rule",
                "公共工程招標文件公開閱覽制度實施要點": "administrative-rule", "聯合國反貪腐公約": "convention"}
    for name, kind in expected.items():
        assert name in text and kinds.get(name) == kind, name
    uncac = next(law for law in ds.laws.values() if law.name.zh == "聯合國反貪腐公約")
    assert "UNCAC" in uncac.alt_names and uncac.name.en in seed_text(GUIDEBOOK)


def test_a_law_cites_the_cases_in_whose_chapter_or_example_it_is_named(ds, case_passages):
    """A law's cases are exactly those whose chapter or example holds one of its citations."""
    assert sum(1 for c in ds.cases.values() if c.benchmark) == 4 and len(case_passages) >= 12
    for law in ds.laws.values():
        holding = {cid for cid, passage in case_passages.items() for c in law.cited if c.locator in passage}
        assert set(law.cases) == holding, law.id
    assert any(law.cases for law in ds.laws.values())


def test_benchmark_cases_have_their_stories(ds):
    bench = {c.benchmark: c.id for c in ds.cases.values() if c.benchmark}
    assert sorted(bench) == [1, 2, 3, 4]
    per_case = Counter(a.case for a in ds.activities)
    for number, cid in bench.items():
        assert per_case[cid] >= 2, (number, cid)
        assert any(o.case == cid for o in ds.observations) or any(r.case == cid for r in ds.risks), cid


def test_agencies_name_every_participating_body(ds):
    names = {a.name.zh for a in ds.agencies.values()}
    for needed in ("法務部廉政署", "行政院公共工程委員會", "審計部", "臺灣透明組織協會"):
        assert any(needed in n for n in names), needed
    kinds = Counter(a.kind for a in ds.agencies.values())
    assert kinds["prosecutors-office"] >= 5 and kinds["investigation-office"] >= 3
    for a in ds.agencies.values():
        assert a.name.en, a.id


def _stories() -> dict[str, str]:
    """Each 溫馨小故事 of the guidebook: its heading -> its text (up to the next heading or case)."""
    text = seed_text(GUIDEBOOK)
    heads = [m for m in re.finditer(r"^溫馨小故事 - \S+$", text, re.M)]
    out = {}
    for m in heads:
        rest = text[m.end():]
        stop = re.search(r"^(肆 |伍 |陸 |參 |標竿案例|\d+\s*$)", rest, re.M)
        out[m.group()] = rest[:stop.start() if stop else len(rest)].strip()
    return out


def test_every_illustrative_story_is_an_account_and_nothing_else(ds):
    """Each 溫馨小故事 is recorded once, as an account in its own words, with the chapter's case;
    no activity, risk, observation or document rests on a story's text, since a story does not
    always name the project (attribution, issue 14)."""
    stories = _stories()
    assert len(stories) == 4, list(stories)
    by_title = {a.title.zh: a for a in ds.accounts}
    assert sorted(by_title) == sorted(stories)
    for heading, body in stories.items():
        account = by_title[heading]
        assert account.quote and account.quote in body, (account.id, "the quote is not the story's words")
        assert account.summary.en and account.attribution.zh and account.attribution.en
        bench = ds.cases[account.case].benchmark
        assert bench and any(c.source == f"guidebook/benchmark-{bench}" for c in account.cited), account.id
        names = [ds.cases[account.case].name.zh.removesuffix("廉政平臺"), ds.cases[account.case].procurement.zh]
        assert account.names_project == any(n in body for n in names), account.id
        if account.stated_date:  # a date it gives is the story's, written in it
            y, mth = account.stated_date.iso.split("-")[:2]
            assert f"{y}年{int(mth)}月" in squash(body), account.id
    story_text = squash("".join(stories.values()))
    facts = [(a.id, a.cited) for a in ds.activities] + [(r.id, r.cited) for r in ds.risks] + \
        [(o.id, o.cited) for o in ds.observations] + [(d.id, d.cited) for d in ds.documents]
    for rid, cites in facts:
        for c in cites:
            words = squash(c.locator)
            assert not (len(words) >= 6 and words in story_text) and "溫馨小故事" not in c.locator, \
                (rid, "rests on an illustrative story", c.locator)


def test_the_lake_is_named_as_its_chapter_spells_it_and_the_note_counts_right(ds):
    """鳥嘴潭 in both names, the table's 烏嘴潭 an alternative; the note's counts are the seed's."""
    text = seed_text(GUIDEBOOK)
    case = ds.cases["niaozuitan-artificial-lake"]
    assert "鳥嘴潭" in case.name.zh and "Niaozuitan" in case.name.en and "烏嘴潭" not in case.name.zh
    assert any("烏嘴潭" in a.zh for a in case.alt_names)
    note = next(n for n in ds.notes if n.id == "niaozuitan-name")
    wrong, right = text.count("烏嘴潭"), text.count("鳥嘴潭")
    assert f"「烏嘴潭」{wrong} 處" in note.description.zh and f"烏嘴潭 {wrong} times" in note.description.en
    assert f"「鳥嘴潭」{right} 處" in note.description.zh and f"鳥嘴潭 {right} times" in note.description.en
    start = text.index("烏溪烏嘴潭\n\n經濟部水利署中區水資源局")  # the chapter's cover page
    end = re.search(r"^肆 關鍵因素$", text, re.M).start()  # the next chapter's heading
    assert text[start:end].count("鳥嘴潭") == right  # every 鳥嘴潭 is the chapter's own


def test_the_origin_note_dates_the_plan_not_the_precursor_platform(ds):
    """The seed dates the water plan (政府於 2010 年起) and never the liaison platform set up for it."""
    text = squash(seed_text(GUIDEBOOK))
    assert "政府於2010年起" in text and not re.search(r"2010年[^。]{0,12}成立聯繫平臺", text)
    note = next(n for n in ds.notes if n.id == "origin-platform-not-in-table")
    assert "2010" not in note.other_value and "未載" in note.other_value
    assert "set up from 2010" not in note.description.en.split("Release 1.0.0")[0]

# --- the introduction (004): the four prongs, the actions, the stated purpose ------------------

CODES_TTL = "codes.ttl"
SKOS = "http://www.w3.org/2004/02/skos/core#"
VOCAB = "https://w3id.org/lianzheng/vocab/"
SOURCE = "https://w3id.org/lianzheng/id/source/"


def _intro() -> dict:
    """The introduction's parts, parsed from its text: the four prongs of the English section II,
    the numbered English actions of III, and the Chinese part's numbered lists (each restarts at 1;
    the first is the actions, the second the benefits)."""
    text = seed_text(INTRO)
    heading = re.search(r"^II\.\s+A Four-Pronged Platform:\s*(.+)$", text, re.M)[1]
    en_section = text.split("III. Specific Actions", 1)[1].split("IV. Benefits", 1)[0]
    en_actions = re.findall(r"^\d+\.\s*([A-Za-z][^:\n]*):", en_section, re.M)
    blocks: list[list[tuple[str, str]]] = []
    for m in re.finditer(r"^(\d+)\.\s*([\u4e00-\u9fff]+):(.+)$", text, re.M):
        if m[1] == "1":
            blocks.append([])
        blocks[-1].append((m[2], m[3].strip()))
    outlook = text.split("V. Future Outlook", 1)[1]
    return {"en_prongs": [p.strip() for p in heading.split(",")], "en_actions": en_actions,
            "zh_actions": blocks[0], "en_outlook": outlook.split("\n\n\n", 1)[0],
            "zh_outlook": text.rsplit("\n\n\n", 1)[1]}


def _guidebook_prongs() -> list[str]:
    """The guidebook's basic principle: 「秉持跨域合作、公私協力、行政透明、全民監督四大內涵」."""
    return re.search(r"秉持(\S+?)四大內涵", seed_text(GUIDEBOOK))[1].split("、")


def _cross_domain_block() -> str:
    """The guidebook's operating model, (三) 跨域合作, up to (四) (the body, not the contents)."""
    return seed_text(GUIDEBOOK).split("\n(三) 跨域合作\n", 1)[1].split("\n(四) 資訊公開\n", 1)[0]


@pytest.fixture(scope="module")
def codes():
    from rdflib import Graph

    from pipelines.terms import vocab_dir

    return Graph().parse(vocab_dir() / CODES_TTL, format="turtle")


def _texts(g, s, p: str) -> dict[str, str]:
    from rdflib import URIRef

    return {("zh" if o.language == "zh-Hant" else o.language): str(o) for o in g.objects(s, URIRef(p))}


def _scheme(g, scheme: str) -> dict[str, object]:
    """code -> concept IRI of one code list."""
    from rdflib import URIRef

    return {str(g.value(c, URIRef(SKOS + "notation"))): c
            for c in g.subjects(URIRef(SKOS + "inScheme"), URIRef(VOCAB + scheme))}


def test_the_four_prongs_are_the_introductions_in_both_languages(codes):
    """Section II names four prongs in English; the Chinese action list opens with the same four,
    which the guidebook calls its 四大內涵. The prong code list is those words, each concept defined by
    its Chinese action text and citing both parts of the introduction."""
    from rdflib import URIRef

    intro = _intro()
    en, zh = intro["en_prongs"], _guidebook_prongs()
    assert len(en) == len(zh) == 4
    assert [name for name, _ in intro["zh_actions"][:4]] == zh  # the Chinese list names them, in order
    prongs = _scheme(codes, "prong")
    labels = {(_texts(codes, c, SKOS + "prefLabel")["zh"], _texts(codes, c, SKOS + "prefLabel")["en"])
              for c in prongs.values()}
    assert labels == set(zip(zh, en, strict=True))
    action_text = dict(intro["zh_actions"])
    for c in prongs.values():
        label = _texts(codes, c, SKOS + "prefLabel")["zh"]
        assert _texts(codes, c, SKOS + "definition")["zh"] == action_text[label], label
        cited = {str(o) for o in codes.objects(c, URIRef("http://purl.org/dc/terms/source"))}
        assert {SOURCE + "aac-intro/four-prongs", SOURCE + "aac-intro/zh-specific-actions"} <= cited, label


def test_every_activity_type_serves_a_prong_or_says_why_not(codes):
    """Each activity type names the prong(s) it serves. A link the seeds make quotes them in the
    concept's scope note (the quote is in that prong's Chinese action text, or for 跨域合作 in the
    guidebook's (三) 跨域合作); a link that is this dataset's reading says so in an editorial note
    naming the prong; a type the seeds tie to no prong says where they place it instead. The
    types the guidebook lists under (三) 跨域合作, and those the introduction's prong texts name,
    serve that prong."""
    from rdflib import URIRef

    serves = URIRef("https://w3id.org/lianzheng/vocab#servesProng")
    prongs = _scheme(codes, "prong")
    prong_label = {c: _texts(codes, c, SKOS + "prefLabel")["zh"] for c in prongs.values()}
    action_text = dict(_intro()["zh_actions"])
    seed_of = {c: squash(action_text[label]) for c, label in prong_label.items()}
    cross = next(c for c, label in prong_label.items() if label == "跨域合作")
    seed_of[cross] += squash(_cross_domain_block())
    types = _scheme(codes, "activity-type")
    served: dict[str, set[str]] = {}
    for code, c in types.items():
        links = set(codes.objects(c, serves))
        served[code] = {prong_label[p] for p in links}
        assert links <= set(prongs.values()), code
        scope = _texts(codes, c, SKOS + "scopeNote")
        assert sorted(scope) == ["en", "zh"], (code, "a scope note in both languages")
        editorial = _texts(codes, c, SKOS + "editorialNote")
        for p in links:
            if prong_label[p] in editorial.get("zh", ""):
                assert editorial.get("en"), (code, "a reading is said in both languages")
                continue
            quotes = re.findall(r"「([^」]+)」", scope["zh"])
            assert any(squash(q) in seed_of[p] for q in quotes), (code, prong_label[p], quotes)
        if not links:
            assert not editorial, code
    # the guidebook's (三) 跨域合作: 1. 公開宣示 2. 聯繫會議 3. 座談協商 4. 廉政宣導
    headings = re.findall(r"^\d\. (\S+?)：?$", _cross_domain_block(), re.M)
    assert len(headings) == 4, headings
    for heading in headings:
        code = next(k for k, c in types.items()
                    if heading in [str(o) for o in codes.objects(c, URIRef(SKOS + "prefLabel"))]
                    + [str(o) for o in codes.objects(c, URIRef(SKOS + "altLabel"))])
        assert "跨域合作" in served[code], (code, heading)
    for code, c in types.items():  # a type a prong's text names (三字以上) serves it
        label = _texts(codes, c, SKOS + "prefLabel")["zh"]
        for label_p in prong_label.values():
            if len(label) >= 3 and label in action_text[label_p]:
                assert label_p in served[code], (code, label_p)



def test_document_categories_tied_to_a_prong_quote_its_text(codes):
    """A document category that serves a prong does so on the seeds' words: its scope note quotes
    that prong's Chinese action text (these links are never readings), and the categories that
    text names (辦理進度, 案件釋疑 ...) are the ones tied to it."""
    from rdflib import URIRef

    serves = URIRef("https://w3id.org/lianzheng/vocab#servesProng")
    prongs = _scheme(codes, "prong")
    action_text = dict(_intro()["zh_actions"])
    linked = 0
    for code, c in _scheme(codes, "document-category").items():
        label = _texts(codes, c, SKOS + "prefLabel")["zh"]
        for p in prongs.values():
            text = action_text[_texts(codes, p, SKOS + "prefLabel")["zh"]]
            if (c, serves, p) in codes:
                linked += 1
                assert not _texts(codes, c, SKOS + "editorialNote"), code
                quotes = re.findall(r"「([^」]+)」", _texts(codes, c, SKOS + "scopeNote")["zh"])
                assert quotes and all(squash(q) in squash(text) for q in quotes), (code, quotes)
            elif len(label) >= 4:
                assert label not in text, (code, "named by the prong's text but not tied to it")
    assert linked >= 1

def test_the_survey_is_an_activity_type_of_public_oversight(ds, codes):
    """問卷調查: the introduction's 全民監督 names it; the guidebook records a survey only if it tells one."""
    from rdflib import URIRef

    survey = _scheme(codes, "activity-type")["survey"]
    label = _texts(codes, survey, SKOS + "prefLabel")
    assert label["zh"] == "問卷調查" and label["en"]
    oversight = dict(_intro()["zh_actions"])["全民監督"]
    assert label["zh"] in oversight
    prong = codes.value(survey, URIRef("https://w3id.org/lianzheng/vocab#servesProng"))
    assert _texts(codes, prong, SKOS + "prefLabel")["zh"] == "全民監督"
    assert (survey, URIRef("http://purl.org/dc/terms/source"),
            URIRef(SOURCE + "aac-intro/zh-specific-actions")) in codes
    surveys = [a.id for a in ds.activities if a.type == "survey"]
    assert bool(surveys) == ("問卷" in seed_text(GUIDEBOOK)), surveys


def test_the_stated_purpose_is_the_introductions_outlook(ds):
    """The dataset's purpose is the introduction's OGP outlook in its own words, each language
    cited to its part of the introduction with a verbatim locator that holds the words."""
    intro = _intro()
    purpose = ds.purpose
    assert purpose is not None
    by_source = {c.source: c.locator for c in purpose.cited}
    assert set(by_source) == {"aac-intro/outlook", "aac-intro/zh-outlook"}
    assert squash(by_source["aac-intro/zh-outlook"]) in squash(intro["zh_outlook"])
    assert squash(purpose.text.zh) in squash(by_source["aac-intro/zh-outlook"])
    assert " ".join(by_source["aac-intro/outlook"].split()) in " ".join(intro["en_outlook"].split())
    assert purpose.text.en in by_source["aac-intro/outlook"]
    assert "Open Government Partnership" in intro["en_outlook"]
    assert "Open Government Partnership" in intro["zh_outlook"]


def test_the_action_lists_difference_is_a_quality_note(ds):
    """The English section III lists fewer actions than the Chinese list; a dataset-wide note says
    so with the counts and the items of each, as computed here from the text, both cited verbatim."""
    intro = _intro()
    en_items, zh_items = intro["en_actions"], [name for name, _ in intro["zh_actions"]]
    assert len(en_items) != len(zh_items)
    notes = [n for n in ds.notes if n.type == "translation-difference" and not n.case]
    assert len(notes) == 1
    note = notes[0]
    assert note.official_source.source == "aac-intro/zh-specific-actions"
    assert note.other_source is not None and note.other_source.source == "aac-intro/specific-actions"
    assert int(re.match(r"\d+", note.official_value)[0]) == len(zh_items)
    assert int(re.match(r"\d+", note.other_value)[0]) == len(en_items)
    assert all(name in note.official_value for name in zh_items)
    assert all(name in note.other_value for name in en_items)
    text = seed_text(INTRO)
    for c in (note.official_source, note.other_source):
        assert c.locator and squash(c.locator) in squash(text), c
    # the description gives both counts and the four prongs of section II
    assert str(len(en_items)) in note.description.en and str(len(zh_items)) in note.description.en
    assert all(p in note.description.en for p in intro["en_prongs"])


def _fold(text: str) -> str:
    return text.replace("台", "臺")


def test_places_and_divisions_rest_on_the_seed_words_they_cite(ds, sections):
    """A place is the source's words, found in the very section it cites; a division whose basis
    is the text (or the owning government) is named in a quotation it cites; any other basis
    cites an outside source, never passing for the AAC's words (issue 14)."""
    kinds = {doc.id: doc.kind for doc in ds.sources.values()}
    assert kinds["guidebook"] == kinds["aac-intro"] == "aac" and set(kinds.values()) == {"aac", "outside"}
    outside = {s for s, sec in ds.sections.items() if kinds[sec.document] == "outside"}
    labels = load_code_labels()["division"]
    placed = [c for c in ds.cases.values() if c.place]
    assert len(placed) >= 20
    for case in ds.cases.values():
        for c in case.place_cited + tuple(x for x in case.division_cited if x.source not in outside):
            assert c.source in sections, (case.id, c.source, "a place cites a seed's own words")
            assert c.locator and c.locator in sections[c.source], (case.id, c.source, c.locator)
        if case.place:
            quoted = [c.locator for c in case.place_cited]
            for part in re.split(r"[：；]", case.place.zh):  # several parts: the source's phrases
                assert any(part in q for q in quoted), (case.id, part, "the place is not the source's words")
            assert case.place.en, case.id
        if not case.divisions:
            assert not case.division_basis and not case.division_cited, case.id
            continue
        names = [labels[d][0] for d in case.divisions]
        words = [_fold(c.locator) for c in case.division_cited if c.source not in outside]
        cites_outside = any(c.source in outside for c in case.division_cited)
        if case.division_basis in ("text", "agency"):  # the city or its government, by name
            for name in names:
                assert any(_fold(name) in w for w in words), (case.id, name, "the text does not name it")
        assert cites_outside == (case.division_basis != "text"), (case.id, case.division_basis)
    danjiang = ds.cases["danjiang-bridge"]
    assert "淡水" in danjiang.place.zh and "八里" in danjiang.place.zh
    assert danjiang.divisions == ("TW-NWT",) and danjiang.division_basis == "outside"  # 新北市 is never named
    c1d1 = ds.cases["taipei-station-c1d1"].place.zh
    assert all(street in c1d1 for street in ("市民大道", "重慶北路", "延平北路", "特定區綠地"))
    for purchase in ("taipower-bituminous-coal-2022", "taipower-offshore-wind-phase-2", "tra-rolling-stock"):
        assert not ds.cases[purchase].place and not ds.cases[purchase].divisions, purchase


def test_agencies_are_named_as_the_sources_name_them_or_say_where_a_name_is_from(ds):
    """A name the seeds never write is either the parent's name before the source's own short form
    (the table's [臺北市 - 財政局] is 臺北市政府財政局, the short form an alternative name) or cites an
    outside source for it (issue 14: names as the source gives them; outside knowledge marked)."""
    text = squash(seed_text(GUIDEBOOK) + seed_text(INTRO)).replace("台", "臺")

    def written(name: str) -> bool:
        return squash(name).replace("台", "臺") in text

    unexplained = []
    for a in ds.agencies.values():
        if written(a.name.zh) or any(c.source.startswith("outside/") for c in a.cited):
            continue
        ancestors, cur = [], ds.agencies.get(a.parent)
        while cur is not None and cur not in ancestors:
            ancestors.append(cur)
            cur = ds.agencies.get(cur.parent)
        shorts = [x for x in a.alt_names if written(x)]
        if not any(a.name.zh == up.name.zh + s for up in ancestors for s in shorts):
            unexplained.append((a.id, a.name.zh))
    assert unexplained == [], unexplained
    post = ds.agencies["chunghwa-post"]
    assert post.name.zh == "臺灣郵政股份有限公司" and "中華郵政股份有限公司" in post.alt_names
