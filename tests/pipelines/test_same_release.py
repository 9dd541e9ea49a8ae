"""A change of the code's shape does not change the release: the code at BASE and the code here,
given the same sources (BASE's records, so that later edits of the data do not count) and the
same time stamp, write the same files, byte for byte.

BASE is the last commit before the house was reshaped (issue 12). A file may differ from
BASE's only on purpose: it is listed in CHANGED with the reason, in the commit that changes it.
Moving BASE forward empties CHANGED.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EPOCH, ROOT

BASE = "2566a0e799b0c8ef8a82764b209e5ef702532fce"
CHANGED = {
    "changes.atom": "issue 13: each entry's alternate link is a page for people (text/html), the release "
                    "entry's the version IRI; the catalogue in Turtle moved to rel=describedby",
    "datapackage.json": "issue 13: the workbook states its hash and no byte count, which `frictionless "
                        "validate <URL>` cannot count for a remote XLSX and then reports as wrong; "
                        "issue 14: the accounts table; the survey activity type and the translation-difference "
                        "note type in the columns' code constraints; the laws table's new columns and optional url; "
                        "the new columns of cases and sources",
    "catalog.ttl": "gives datapackage.json's size and checksum", "catalog.jsonld": "the same",
    "catalog.rdf": "the same",
    "lianzheng-spreadsheets.zip": "issue 13: new, the people's copy of the tables (pipelines/tables/people.py)",
    "release.json": "names the new file; issue 15: its inputs (the SHA-256 of the records and settings it was made "
                    "from), by which a publish finds a release built but not yet logged",
    "data/accounts.csv": "issue 14: new table of illustrative accounts (溫馨小故事); BASE's records have none",
    "data/laws.csv": "issue 14: the laws table's new last columns kind, in_appendix, case_ids, source_ids, "
                     "alt_names (BASE's records have no kind, in_appendix or cases)",
    "data/cases.csv": "issue 14: the columns place_zh, place_en, divisions, division_basis at the end "
                      "(empty for BASE's records, which place no case)",
    "data/sources.csv": "issue 14: the column kind at the end (empty for BASE's records, which state none)",
    "lianzheng.xlsx": "a sheet for the new accounts table; the laws sheet's new columns; the new columns of "
                      "cases and sources",
    "lianzheng.ttl": "declares the account: and prong: prefixes; each law's lz:inAppendix (false: BASE's records "
                     "do not say); the prefixes of the code lists division:, division-basis:, source-kind:",
    "lianzheng.jsonld": "the same, in its context",
    "lianzheng.nt": "each law's lz:inAppendix", "void.ttl": "counts those triples",
    "vocab/lianzheng.ttl": "issue 14: lz:IllustrativeAccount and its properties; date properties name the "
                           "datatypes they include; lz:servesProng, lz:statedPurpose, lz:purposeSource, "
                           "lz:citesLaw and lz:inAppendix; lz:placeName and lz:divisionBasis",
    "vocab/codes.ttl": "issue 14: the prong code list (四大內涵), each activity type's prong or why none, the "
                       "survey activity type, the translation-difference note type, the law-kind code list; "
                       "the code lists source-kind, division (ISO 3166-2:TW) and division-basis",
    "shapes/lianzheng.ttl": "issue 14: the shape of an illustrative account; the codes survey and "
                            "translation-difference, a code's prong, the dataset's stated purpose; laws: kind, "
                            "inAppendix, a URL required of the appendix's laws only; a case's lz:citesLaw; a "
                            "case's place, divisions and their basis; a source document's kind",
    "validation-report.json": "counts the new table; warns of BASE's laws without a kind and of BASE's source "
                              "documents, which state no kind",
    "validation-report.txt": "the same",
    "datagovtw.json": "its contract names the portal's developer guide, not a source file that moved",
    "SHA256SUMS": "lists the files above",
}

# Builds the release with the code of the folder it is given, and says which code it ran.
RUN = """
import sys
from pathlib import Path
tree, source, out = sys.argv[1:4]
sys.path.insert(0, tree)
import pipelines
assert pipelines.__file__.startswith(tree), pipelines.__file__
from pipelines.release import build
result = build(Path(source), Path(out), source_date_epoch=sys.argv[4])
sys.exit(0 if result.ok else 1)
"""


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _base_tree(into: Path) -> Path:
    known = subprocess.run(["git", "cat-file", "-e", f"{BASE}^{{commit}}"], cwd=ROOT, capture_output=True)
    if known.returncode != 0:
        pytest.skip(f"this clone does not hold commit {BASE[:10]} (a shallow clone?): nothing to compare with")
    tree = into / "base"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", "--format=tar", BASE, "pipelines", "api", "vocab", "shapes",
                              "datasets/source"],
                             cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


@pytest.mark.slow
def test_the_release_is_byte_identical_to_the_one_built_by_the_code_at_base(tmp_path):
    tree = _base_tree(tmp_path)
    source = tree / "datasets" / "source"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANZHENG_")}
    built = {}
    for name, code in (("base", tree), ("here", ROOT)):
        out = tmp_path / f"{name}-release"
        done = subprocess.run([sys.executable, "-c", RUN, str(code), str(source), str(out), EPOCH],
                              cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (name, done.stderr[-3000:])
        built[name] = files_of(out)
    before, now = built["base"], built["here"]
    assert sorted(set(before) - set(now)) == [], "files of the release are gone"
    changed = [name for name in now if before.get(name) != now[name]]  # a new file too
    unexplained = [name for name in changed if name not in CHANGED]
    assert unexplained == [], f"these files differ from the release of {BASE[:10]}: {unexplained}"
    stale = sorted(set(CHANGED) - set(changed))
    assert stale == [], f"CHANGED lists files that no longer differ from {BASE[:10]}: {stale}"
