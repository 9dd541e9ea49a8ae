"""Reading text files that people and agencies hand us, without ever garbling them.

Taiwanese government files are often Big5/CP950, and spreadsheet programs add a
byte-order mark to UTF-8. The usual detectors take a CP950 file holding
CP950-only characters (碁, €) for GB18030 and decode it into plausible-looking
nonsense, which then passes every later check. So we never guess: a source file
is UTF-8 without BOM, or it is refused with a message saying what it looks like
and how to convert it (``lianzheng import --encoding cp950``), which decodes
strictly with the encoding the person names.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from .errors import Problem

_BOMS = (
    (codecs.BOM_UTF8, "UTF-8 BOM"),
    (codecs.BOM_UTF32_LE, "UTF-32 BOM"),
    (codecs.BOM_UTF32_BE, "UTF-32 BOM"),
    (codecs.BOM_UTF16_LE, "UTF-16 BOM"),
    (codecs.BOM_UTF16_BE, "UTF-16 BOM"),
)


def decode_source(data: bytes, file: str) -> tuple[str | None, Problem | None]:
    """Decode a source file's bytes as strict UTF-8, or explain why not."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return None, Problem(
                "encoding-bom",
                f"檔案開頭有位元組順序標記（{name}），本系統只收不含 BOM 的 UTF-8 檔。",
                f"The file starts with a byte-order mark ({name}); source files must be UTF-8 without BOM.",
                file=file,
                fix_zh="以「UTF-8（無 BOM）」另存新檔，或執行 lianzheng import --encoding utf-8-sig 檔名 轉換。",
                fix_en="Save it as 'UTF-8 (without BOM)', or run "
                       "`lianzheng import --encoding utf-8-sig FILE` to convert it.",
                check="import",
            )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
    guess = _legacy_guess(data)
    if guess:
        zh_guess, en_guess = f"看起來是 {guess}（Big5）編碼", f"it looks like {guess} (Big5)"
        fix_zh = f"執行 lianzheng import --encoding {guess.lower()} 檔名 轉成 UTF-8，並核對轉換後的文字。"
        fix_en = f"Run `lianzheng import --encoding {guess.lower()} FILE` to convert it to UTF-8, then check the text."
    else:
        zh_guess, en_guess = "無法判定其編碼", "its encoding could not be determined"
        fix_zh = "請以 UTF-8（無 BOM）另存新檔，或以 lianzheng import --encoding 編碼 檔名 指定原編碼轉換。"
        fix_en = "Save it as UTF-8 (without BOM), or name its encoding: `lianzheng import --encoding NAME FILE`."
    return None, Problem(
        "encoding-not-utf8",
        f"檔案不是 UTF-8 編碼（第 {line} 行起），{zh_guess}；為免文字亂碼，本系統不自動猜測編碼。",
        f"The file is not UTF-8 (from line {line} on); {en_guess}. Encodings are never guessed, "
        "so that no text is silently garbled.",
        file=file,
        line=line,
        fix_zh=fix_zh,
        fix_en=fix_en,
        check="import",
    )


def _legacy_guess(data: bytes) -> str:
    """'CP950' when the bytes decode strictly as CP950 (a hint for the message only)."""
    try:
        data.decode("cp950")
    except UnicodeDecodeError:
        return ""
    return "CP950"


def read_source_text(path: Path, file: str) -> tuple[str | None, Problem | None]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(
            "unreadable-file",
            f"無法讀取檔案：{exc.strerror}",
            f"The file cannot be read: {exc.strerror}",
            file=file,
            fix_zh="確認檔案存在且有讀取權限。",
            fix_en="Check that the file exists and can be read.",
        )
    return decode_source(data, file)


def convert_to_utf8(src: Path, dest: Path, encoding: str) -> tuple[int, list[Problem]]:
    """Decode ``src`` strictly with the named encoding and write UTF-8 (no BOM) to ``dest``.

    Refuses (writes nothing) if any byte does not decode, naming the line.
    Returns the number of characters written.
    """
    data = src.read_bytes()
    try:
        codecs.lookup(encoding)
    except LookupError:
        return 0, [
            Problem(
                "unknown-encoding",
                f"不認得編碼名稱「{encoding}」。",
                f"Unknown encoding name '{encoding}'.",
                file=str(src),
                fix_zh="常用的有 cp950（Big5）、utf-8-sig（有 BOM 的 UTF-8）、utf-16。",
                fix_en="Common ones: cp950 (Big5), utf-8-sig (UTF-8 with BOM), utf-16.",
                check="import",
            )
        ]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return 0, [
            Problem(
                "encoding-mismatch",
                f"檔案第 {line} 行有無法以 {encoding} 解碼的位元組，未轉換任何內容。",
                f"Line {line} has bytes that are not valid {encoding}; nothing was converted.",
                file=str(src),
                line=line,
                fix_zh="確認檔案的實際編碼後再試。",
                fix_en="Check which encoding the file really uses and try again.",
                check="import",
            )
        ]
    text = text.lstrip("\ufeff").replace("\r\n", "\n")
    tmp = dest.with_name(dest.name + ".part")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    tmp.replace(dest)
    return len(text), []
