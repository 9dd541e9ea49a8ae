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
        assert squash(case.name.zh) == squash(name), (case.id, name)
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
    assert list(sections) == list(ds.sections)


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
