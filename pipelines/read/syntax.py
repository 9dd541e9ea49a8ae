"""The source files' syntax: YAML read safely (the values it would turn into dates or numbers
are refused, so that the reader checks them), each file's decoding and YAML errors as problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem
from ..textfiles import read_source_text

try:  # libyaml is ten times faster; PyYAML's wheels ship it
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Base = yaml.SafeLoader  # type: ignore[misc,assignment]  # the pure-Python twin of CSafeLoader


class _Loader(_Base):
    """The safe loader, with a value YAML cannot build reported at its line.

    PyYAML raises a bare ``ValueError`` for an unquoted integer of more than 4,300
    digits (Python's limit on converting text to int) and for an unquoted date that
    does not exist (``2021-02-30``); here those are ``ConstructorError`` with the mark.
    """


def _int_problem(value: str) -> tuple[str, str]:
    shown = value if len(value) <= 40 else f"{value[:40]}…"
    digits = sum(c.isdigit() for c in value)
    return (f"整數「{shown}」有 {digits} 位數，超過可讀取的位數",
            f"the integer '{shown}' has {digits} digits, more than can be read")


def _date_problem(value: str) -> tuple[str, str]:
    return f"「{value[:40]}」不是存在的日期", f"'{value[:40]}' is not an existing date"


def _guarded(construct, describe):
    """``construct``, raising a ``ConstructorError`` at the node for a value it cannot build."""
    def build(loader, node):
        try:
            return construct(loader, node)
        except (ValueError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None, None, " / ".join(describe(str(node.value))), node.start_mark) from None
    return build


for _tag, _construct, _describe in (
        ("int", yaml.constructor.SafeConstructor.construct_yaml_int, _int_problem),
        ("timestamp", yaml.constructor.SafeConstructor.construct_yaml_timestamp, _date_problem)):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _guarded(_construct, _describe))


class _Missing:
    def __reduce__(self):  # one MISSING, also across processes
        return (_missing, ())


def _missing():
    return MISSING


MISSING = _Missing()
PARALLEL_FROM = 400  # files; below this a second process costs more than it saves


def parse_yaml_file(path: Path, file: str) -> tuple[Any, Problem | None]:
    """(data, None) or (MISSING, the problem): decoding and YAML syntax, nothing else."""
    text, problem = read_source_text(path, file)
    if problem:
        return MISSING, problem
    assert text is not None  # read_source_text gives a text or a problem
    try:
        return yaml.load(text, Loader=_Loader), None
    except yaml.constructor.ConstructorError as exc:
        zh, _, en = str(exc.problem).partition(" / ")
        return MISSING, Problem(
            "yaml-value", f"YAML 無法讀取此值：{zh}。", f"YAML cannot read this value: {en}.",
            file=file, line=exc.problem_mark.line + 1 if exc.problem_mark else None,
            fix_zh="把該值加上引號（如 amount: \"約 125 億\"、date: \"2021-02-28\"），"
            "讀取程式就會逐欄檢查並指出問題與修正方式。",
            fix_en="Quote the value (e.g. amount: \"約 125 億\", date: \"2021-02-28\"): the reader "
            "then checks it field by field and says what to fix.")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return MISSING, Problem(
            "yaml-syntax", f"YAML 格式錯誤：{what}。", f"Malformed YAML: {what}.", file=file,
            line=line, fix_zh="檢查該行的縮排、冒號與引號；含冒號或 # 的文字請加引號。",
            fix_en="Check the indentation, colons and quotes on that line; quote text that "
            "contains ':' or '#'.")
