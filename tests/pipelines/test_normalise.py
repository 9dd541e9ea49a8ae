from decimal import Decimal

import pytest

from pipelines.normalise import fold, parse_amount, parse_date


@pytest.mark.parametrize("text, iso, precision", [
    ("1080510", "2019-05-10", "day"),       # the table's ROC form
    ("0991231", "2010-12-31", "day"),
    ("991231", "2010-12-31", "day"),        # a two-digit ROC year
    ("110.12.31", "2021-12-31", "day"),     # the table heading's form
    ("1090229", "2020-02-29", "day"),       # 2020 is a leap year
    ("2019-05-10", "2019-05-10", "day"),
    ("2021-01", "2021-01", "month"),
    ("2021", "2021", "year"),
])
def test_parse_date_accepts_roc_and_iso(text, iso, precision):
    d = parse_date(text)
    assert (d.iso, d.precision) == (iso, precision)


def test_parse_date_keeps_the_roc_original():
    assert parse_date("1080510").original == "1080510"
    assert parse_date("2019-05-10").original == ""


@pytest.mark.parametrize("text, fragment", [
    ("1100229", "2021-02 has no day 29"),   # 2021 is not a leap year
    ("1081341", "1081341"),                  # month 13
    ("1080532", "no day 32"),
    ("2021-02-30", "no day 30"),
    ("2021-13", "month 13"),
    ("108/5/10x", "not a date"),
    ("", "not a date"),
])
def test_parse_date_refuses_impossible_dates_in_both_languages(text, fragment):
    with pytest.raises(ValueError) as err:
        parse_date(text)
    zh, en = str(err.value).split(" / ", 1)
    assert fragment in en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)


@pytest.mark.parametrize("text, value", [
    ("約 125 億", Decimal("12500000000")),
    ("約 628.88 億", Decimal("62888000000")),
    ("約 6.363 億", Decimal("636300000")),
    ("約 8.25 億", Decimal("825000000")),
    ("122 億 8,400 萬元", Decimal("12284000000")),
    ("新臺幣 540 億元", Decimal("54000000000")),
    ("約　１２５　億", Decimal("12500000000")),  # full-width digits and spaces
    ("1,000", Decimal("1000")),
])
def test_parse_amount_reads_the_sources_wording(text, value):
    assert parse_amount(text) == value


@pytest.mark.parametrize("text", ["-5 億", "負 5 億", "約 一百 億", "abc", "", "12 億 xyz", "億", "NaN",
                                  "Infinity", "1e999999999", "9" * 10_000 + "億", "10000000 億"])
def test_parse_amount_refuses_negative_and_non_numeric(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_fold_makes_search_keys_tolerant():
    assert fold("台北市") == fold("臺北市")
    assert fold("Ｃ１／Ｄ１") == fold("c1/d1")
    assert fold(" 淡江 大橋 ") == "淡江大橋"
