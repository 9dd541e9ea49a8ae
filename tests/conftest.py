"""Shared fixtures: source folders to mutate, and releases built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "fixtures" / "minimal"
REAL = ROOT / "datasets" / "source"
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
STANDARDS = SHARED / "standards"
EPOCH = "1795305600"  # 2026-11-22T00:00:00Z, so builds in tests are reproducible


@pytest.fixture(scope="session", autouse=True)
def _signing_keys_in_a_temporary_home(tmp_path_factory):
    """A publish makes the publisher's key under $XDG_CONFIG_HOME when there is none: in the
    tests (and the servers they start, which inherit it) that is a temporary folder."""
    import os

    old = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
    yield
    if old is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = old


@pytest.fixture
def minimal_source(tmp_path: Path) -> Path:
    """A writable copy of the minimal source folder."""
    dest = tmp_path / "source"
    shutil.copytree(MINIMAL, dest)
    return dest


@pytest.fixture(scope="session")
def minimal_release(tmp_path_factory) -> Path:
    from pipelines.release import build

    out = tmp_path_factory.mktemp("minimal") / "release"
    result = build(MINIMAL, out, source_date_epoch=EPOCH)
    assert result.ok, result.report.to_text()
    return out


@pytest.fixture(scope="session")
def two_releases(tmp_path_factory):
    """A release log of two releases from two sources and a rollback (tests/two_releases.py)."""
    from tests.two_releases import key_for, make_two_releases

    root = tmp_path_factory.mktemp("history")
    return make_two_releases(root, key_for(root))


@pytest.fixture(scope="session")
def real_release(tmp_path_factory) -> Path:
    """The release of the project's own records (built once)."""
    from pipelines.release import build

    out = tmp_path_factory.mktemp("real") / "release"
    result = build(REAL, out, source_date_epoch=EPOCH)
    assert result.ok, result.report.to_text()
    return out


def seed_text(name: str) -> str:
    path = SEEDS / name
    if not path.exists():
        pytest.skip(f"the seeds are not here ({path}): they live in ../shared beside the project")
    return path.read_text(encoding="utf-8")
