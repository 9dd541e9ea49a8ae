"""A real two-release log, built once from two different sources: what the verification
tests copy and tamper with."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import EPOCH, MINIMAL, ROOT

BASE = "https://lianzheng.example.tw"


@dataclass(frozen=True)
class TwoReleases:
    releases: Path  # releases/0.0.1, releases/0.0.2, releases/log
    key: Path  # the publisher's private key
    vkey: str  # the publisher's verifier key, as a reader pins it
    sources: tuple[Path, Path]

    def copy(self, dest: Path) -> Path:
        shutil.copytree(self.releases, dest, symlinks=True)
        return dest


def second_source(first: Path, dest: Path) -> Path:
    """The minimal source with its version raised and one fact changed."""
    shutil.copytree(first, dest)
    meta = dest / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('version: "0.0.1"', 'version: "0.0.2"'), encoding="utf-8")
    case = dest / "cases" / "danjiang-bridge.yaml"
    text = case.read_text(encoding="utf-8")
    assert 'amount: "約 125 億"' in text
    case.write_text(text.replace('amount: "約 125 億"', 'amount: "約 126 億"'), encoding="utf-8")
    return dest


@pytest.fixture(scope="session")
def two_releases(tmp_path_factory) -> TwoReleases:
    from pipelines.log.publishing import signer_for
    from pipelines.release import publish

    root = tmp_path_factory.mktemp("two-releases")
    first = root / "source-1"
    shutil.copytree(MINIMAL, first)
    second = second_source(first, root / "source-2")
    key = root / "publisher.pem"
    signer = signer_for(str(key), BASE)[0]
    releases = root / "releases"
    for source, reason in ((first, "first release"), (second, "a corrected amount")):
        result = publish(source, releases, signer=signer, reason=reason, source_date_epoch=EPOCH)
        assert result.ok, result.report.to_text()
    return TwoReleases(releases, key, signer.verifier.vkey, (first, second))


def lianzheng(*args: str | Path) -> subprocess.CompletedProcess:
    """The real command, in a subprocess, as a reader runs it."""
    return subprocess.run([sys.executable, "-m", "api.cli", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
