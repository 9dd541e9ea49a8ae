"""A release log of two releases built from two different sources, and a rollback.

Release ``0.0.1`` holds three cases (the minimal fixture's two and ``old-case``); release
``0.0.2`` changes ``danjiang-bridge`` (its amount, with a data-quality note saying why),
removes ``old-case`` and adds ``new-case``; then the service is rolled back to ``0.0.1``.
Built once per test session (about 3 s; the ``two_releases`` fixture of tests/conftest.py),
signed with a key in a temporary folder.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import EPOCH, MINIMAL

BASE = "https://w3id.org/lianzheng"
TIMES = ("2026-11-22T01:00:00Z", "2026-12-01T02:00:00Z", "2026-12-02T03:00:00Z")
THIRD = "2026-12-03T04:00:00Z"
NOTE = """\
  - id: danjiang-bridge-amount-corrected
    type: narrative-table-disagreement
    field: amount
    official_value: "約 130 億"
    official_source: {source: guidebook/table}
    other_value: "約 125 億"
    other_source: {source: guidebook/benchmark-1}
    description: {zh: 總表金額更正為約 130 億, en: The table's amount was corrected to about 13 billion}
"""


@dataclass(frozen=True)
class TwoReleases:
    releases: Path  # the folder of releases, with log/
    first: Path  # releases/0.0.1
    second: Path  # releases/0.0.2


def _case(src: Path, old: str, new: str, table_number: int, name_en: str) -> None:
    text = (src / "cases" / f"{old}.yaml").read_text(encoding="utf-8")
    text = text.replace(f"id: {old}", f"id: {new}").replace("table_number: 23", f"table_number: {table_number}")
    text = text.replace("Eco Theme Park and Car Parks BOT Integrity Platform", name_en)
    text = text.replace("生態主題園區及周邊停車場興建營運移轉案廉政平臺", f"{name_en}廉政平臺")
    (src / "cases" / f"{new}.yaml").write_text(text, encoding="utf-8")


def make_two_releases(root: Path, key: Path) -> TwoReleases:
    from pipelines.log.publishing import record_rollback, signer_for
    from pipelines.publish import publish

    signer = signer_for(str(key), BASE)[0]
    releases = root / "releases"
    one, two = root / "source-1", root / "source-2"
    shutil.copytree(MINIMAL, one)
    _case(one, "taipei-eco-park", "old-case", 90, "Old case")
    shutil.copytree(MINIMAL, two)
    _case(two, "taipei-eco-park", "new-case", 91, "New case")
    meta = two / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('version: "0.0.1"', 'version: "0.0.2"'),
                    encoding="utf-8")
    case = two / "cases" / "danjiang-bridge.yaml"
    text = case.read_text(encoding="utf-8").replace('amount: "約 125 億"', 'amount: "約 130 億"')
    case.write_text(text + NOTE, encoding="utf-8")
    for src, reason, time in ((one, "第一版 first release", TIMES[0]),
                              (two, "更正淡江大橋金額 corrected the Danjiang Bridge amount", TIMES[1])):
        result = publish(src, releases, signer=signer, reason=reason, time=time, source_date_epoch=EPOCH)
        assert result.ok, result.report.to_text()
    record_rollback(releases, "0.0.1", signer, reason="退回 rolled back", time=TIMES[2])
    return TwoReleases(releases, releases / "0.0.1", releases / "0.0.2")


def key_for(root: Path) -> Path:
    """Where the signing key of the log made in ``root`` is kept (beside it, not in it)."""
    return root.parent / f"{root.name}-key.pem"


def key_of(log: TwoReleases) -> Path:
    """The signing key the log was made with."""
    return key_for(log.releases.parent)


def publish_third(log: TwoReleases, root: Path, key: Path) -> Path:
    """A copy of the log's releases with a third release, 0.0.3, published after the rollback: the
    release it follows in service is 0.0.1, though 0.0.2 was published since."""
    from pipelines.log.publishing import signer_for
    from pipelines.publish import publish

    releases = root / "releases"
    shutil.copytree(log.releases, releases, symlinks=True)
    src = root / "source-3"
    shutil.copytree(MINIMAL, src)
    meta = src / "dataset.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace('version: "0.0.1"', 'version: "0.0.3"'),
                    encoding="utf-8")
    result = publish(src, releases, signer=signer_for(str(key), BASE)[0], reason="third", time=THIRD,
                     source_date_epoch=EPOCH)
    assert result.ok, result.report.to_text()
    return releases / "0.0.3"
