"""Normalising the source's wording: ROC dates, 億/萬 amounts, names.

Each function takes the source's text and returns the normal form, or raises
``ValueError`` with a message in both languages ("zh / en") that the record
reader turns into a :class:`~pipelines.errors.Problem`.
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from .model import Date

ROC_OFFSET = 1911  # 民國元年 = 1912

_ROC = re.compile(r"^(\d{2,3})(\d{2})(\d{2})$")
_ROC_DOTTED = re.compile(r"^(\d{2,3})[./](\d{1,2})[./](\d{1,2})$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ISO_YEAR = re.compile(r"^(\d{4})$")


def parse_date(text: str) -> Date:
    """An ISO date (day, month or year) or an ROC date (``1080510``, ``110.12.31``).

    >>> parse_date("1080510")
    Date(iso='2019-05-10', original='1080510')
    >>> parse_date("2021-01").precision
    'month'
    """
    raw = str(text).strip()
    m = _ROC.match(raw) or _ROC_DOTTED.match(raw)
    if m:
        year, month, day = int(m[1]) + ROC_OFFSET, int(m[2]), int(m[3])
        _check_day(raw, year, month, day, roc=True)
        return Date(f"{year:04d}-{month:02d}-{day:02d}", raw)
    m = _ISO_DAY.match(raw)
    if m:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        _check_day(raw, year, month, day, roc=False)
        return Date(raw)
    m = _ISO_MONTH.match(raw)
    if m:
        if not 1 <= int(m[2]) <= 12:
            raise ValueError(f"「{raw}」的月份不存在 / month {m[2]} of '{raw}' does not exist")
        return Date(raw)
    if _ISO_YEAR.match(raw):
        return Date(raw)
    raise ValueError(
        f"「{raw}」不是可辨識的日期，請用西元 YYYY-MM-DD（或 YYYY-MM、YYYY）或民國 yyyMMdd"
        f" / '{raw}' is not a date: write YYYY-MM-DD (or YYYY-MM, YYYY) or ROC yyyMMdd such as 1080510"
    )


def _check_day(raw: str, year: int, month: int, day: int, *, roc: bool) -> None:
    try:
        _dt.date(year, month, day)
    except ValueError:
        calendar = f"民國 {year - ROC_OFFSET} 年（西元 {year} 年）" if roc else f"{year} 年"
        raise ValueError(
            f"「{raw}」是不存在的日期：{calendar} {month} 月沒有 {day} 日"
            f" / '{raw}' is an impossible date: {year}-{month:02d} has no day {day}"
        ) from None
    if not 1900 <= year <= 2200:
        raise ValueError(f"「{raw}」的年份 {year} 不合理 / year {year} of '{raw}' is out of range")


_UNITS = {"億": Decimal(100_000_000), "萬": Decimal(10_000), "千": Decimal(1_000), "百": Decimal(100)}
_AMOUNT_TOKEN = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*([億萬千百]?)")
_AMOUNT_NOISE = re.compile(r"^(約|新臺幣|新台幣|NT\$|TWD)+")

# Amounts are below 10^15 TWD (1,000 兆). The whole central government budget is about
# 3 x 10^12 a year and the largest case about 6.3 x 10^10, so no real amount comes near;
# the bound stops absurd input (a thousand digits, an exponent) before it reaches the
# decimal arithmetic, and every whole amount below it is exact as a 64-bit float (2^53 is
# about 9 x 10^15), the number type of XLSX cells, JSON readers and spreadsheets.
AMOUNT_DIGITS = 15
AMOUNT_LIMIT = Decimal(10) ** AMOUNT_DIGITS
# An observation's value (a count, a share, TWD, tonnes a day ...): the same bound on its
# size, and at most this many decimal places: 1e-999999999 would be written out in full.
NUMBER_DECIMALS = 15


def _shown(raw: str) -> str:
    """The input as a message quotes it: cut after 40 characters (an absurd input may be long)."""
    return raw if len(raw) <= 40 else f"{raw[:40]}…"


def parse_amount(text: str) -> Decimal:
    """A TWD amount from the source's wording: ``約 125 億``, ``122 億 8,400 萬元``.

    Zero or more and below :data:`AMOUNT_LIMIT`; anything else raises ``ValueError``
    (never a :mod:`decimal` signal).

    >>> parse_amount("約 628.88 億")
    Decimal('62888000000')
    >>> parse_amount("122 億 8,400 萬元")
    Decimal('12284000000')
    """
    raw = str(text).strip()
    body = unicodedata.normalize("NFKC", raw).replace(" ", "")
    body = _AMOUNT_NOISE.sub("", body)
    body = re.sub(r"(元|餘元|餘)$", "", body)
    if body.startswith("-") or body.startswith("負"):
        raise ValueError(f"金額「{_shown(raw)}」不可為負數 / amount '{_shown(raw)}' is negative; amounts "
                         "are zero or more")
    total = Decimal(0)
    pos = 0
    matched = False
    for m in _AMOUNT_TOKEN.finditer(body):
        if m.start() != pos:
            break
        number, unit = m[1].replace(",", ""), m[2]
        try:
            value = Decimal(number)
        except InvalidOperation:
            break
        if value.adjusted() >= AMOUNT_DIGITS:  # before any arithmetic: no overflow, no rounding
            raise _too_large(raw)
        total += value * _UNITS.get(unit, Decimal(1))
        pos = m.end()
        matched = True
    if not matched or pos != len(body):
        raise ValueError(
            f"金額「{_shown(raw)}」無法辨識，請寫成如「約 125 億」或「122 億 8,400 萬元」"
            f" / amount '{_shown(raw)}' is not a number: write it as the source does, e.g. '約 125 億' "
            "(億 = 10^8 TWD)"
        )
    if total >= AMOUNT_LIMIT:
        raise _too_large(raw)
    return total.quantize(Decimal(1)) if total == total.to_integral_value() else total.normalize()


def _too_large(raw: str) -> ValueError:
    return ValueError(
        f"金額「{_shown(raw)}」過大：金額須小於 10^15 元（1,000 兆元）"
        f" / amount '{_shown(raw)}' is too large: amounts are below 10^15 TWD (1,000 trillion)"
    )


def parse_number(text: str) -> Decimal:
    """An observation's value: a finite decimal number, of size below :data:`AMOUNT_LIMIT`,
    with at most :data:`NUMBER_DECIMALS` decimal places; else ``ValueError``.

    The value is returned as written (``6.0`` stays ``6.0``).

    >>> parse_number("90.5")
    Decimal('90.5')
    """
    raw = str(text).strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValueError(f"value「{_shown(raw)}」不是數字 / value '{_shown(raw)}' is not a number")
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # 'n', 'N' and 'F' are the exponents of NaN and infinities only
    if value.adjusted() >= AMOUNT_DIGITS or exponent < -NUMBER_DECIMALS:
        raise ValueError(
            f"value「{_shown(raw)}」超出範圍：絕對值須小於 10^15，小數至多 {NUMBER_DECIMALS} 位"
            f" / value '{_shown(raw)}' is out of range: its size must be below 10^15, with at most "
            f"{NUMBER_DECIMALS} decimal places")
    return value


def fold(text: str) -> str:
    """A search key: NFKC (full-width to half-width), 台 → 臺, lower case, no spaces."""
    s = unicodedata.normalize("NFKC", text).replace("台", "臺").lower()
    return re.sub(r"\s+", "", s)
