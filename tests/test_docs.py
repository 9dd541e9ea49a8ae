"""The docs agree with the code: README reference sections, settings, verbs, first commands."""

from __future__ import annotations

import re

from api import docs
from api.settings import SETTINGS
from pipelines.settings import ENV_PREFIX

from .conftest import ROOT


def readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_reference_sections_are_current():
    text = readme()
    assert docs.render(text) == text, "run: .venv/bin/python -m api.docs"


def test_readme_lists_every_setting_and_its_variable():
    text = readme()
    for s in SETTINGS:
        assert f"`{ENV_PREFIX}{s.name.upper()}`" in text, s.name


def test_readme_documents_every_verb():
    parser_help = docs.cli_reference()
    for verb in ("build", "validate", "import", "serve"):
        assert f"$ lianzheng {verb} --help" in parser_help
        assert f"$ lianzheng {verb} --help" in readme()


def test_readme_opens_with_the_two_commands():
    blocks = re.findall(r"```sh\n(.*?)```", readme(), re.S)
    assert blocks[0].strip() == "./scripts/serve"
    assert blocks[1].strip() == "./scripts/test"
    for script in ("serve", "test", "setup"):
        assert (ROOT / "scripts" / script).stat().st_mode & 0o111, f"scripts/{script} is not executable"


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in ci
