"""The README's reference sections, generated from the code so that they cannot drift.

``python -m api.docs`` rewrites the parts of README.md between the markers
``<!-- BEGIN name -->`` and ``<!-- END name -->``; ``tests/test_docs.py`` fails
when the README is not what this would write (datasette and sqlite-utils do the
same with cog).
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable
from contextlib import redirect_stdout, suppress
from pathlib import Path

from pipelines.settings import ENV_PREFIX

from .cli import build_parser
from .settings import SETTINGS

README = Path(__file__).resolve().parents[1] / "README.md"


def _help(argv: list[str]) -> str:
    """Help text at a fixed width, whatever the terminal."""
    buf = io.StringIO()
    parser = build_parser()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        with redirect_stdout(buf), suppress(SystemExit):
            parser.parse_args(argv + ["--help"])
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old
    return buf.getvalue().rstrip()


def cli_reference() -> str:
    """`lianzheng --help` and each verb's help, as fenced blocks."""
    parser = build_parser()
    verbs = next(a for a in parser._actions if a.dest == "verb").choices  # noqa: SLF001
    parts = ["```text\n$ lianzheng --help\n" + _help([]) + "\n```"]
    for verb in verbs or ():
        parts.append(f"```text\n$ lianzheng {verb} --help\n" + _help([verb]) + "\n```")
    return "\n\n".join(parts)


def settings_reference() -> str:
    """A table of every setting: flag, environment variable, default, meaning."""
    rows = ["| setting | environment variable | flag | default | meaning |",
            "| --- | --- | --- | --- | --- |"]
    for s in SETTINGS:
        default = str(s.default)
        if "/" in default and default.startswith(str(README.parent)):
            default = default[len(str(README.parent)) + 1:]
        rows.append(f"| `{s.name}` | `{ENV_PREFIX}{s.name.upper()}` | `--{s.name.replace('_', '-')}` "
                    f"| `{default}` | {s.help} |")
    return "\n".join(rows)


SECTIONS = {"cli": cli_reference, "settings": settings_reference}


def _filler(section: str) -> Callable[[re.Match[str]], str]:
    """What replaces a section: its markers kept, ``section`` between them."""
    return lambda m: m.group(1) + section + "\n" + m.group(2)


def render(text: str) -> str:
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- BEGIN {name} -->\n)(?:.*?\n)?(<!-- END {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"README has no <!-- BEGIN {name} --> ... <!-- END {name} --> section")
        text = pattern.sub(_filler(make()), text)
    return text


def main() -> int:
    text = README.read_text(encoding="utf-8")
    new = render(text)
    if "--check" in sys.argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
