"""The release's SHACL check (pipelines/checks/shacl.py): what it sees and how it reports it."""

from __future__ import annotations

from pipelines.checks import shacl
from pipelines.rdf.graph import PROV_DERIVED, TripleParts
from pipelines.rdf.ids import DEFAULT_BASE
from pipelines.read.reader import read_dataset
from tests.conftest import MINIMAL


def _problems(ds, parts):
    chunks = shacl.prepare_shacl(parts)
    try:
        rows = [row for i in range(chunks) for row in shacl.run_shacl_chunk(i)]
    finally:
        shacl.finish_shacl()
    return shacl.shacl_problems(ds, DEFAULT_BASE, [rows])


def test_the_release_check_sees_the_dataset_node():
    """The dataset node (its title, laws, source documents, stated purpose) is checked with every
    chunk, and a breach names datasets/source/dataset.yaml."""
    ds = read_dataset(MINIMAL)
    parts = TripleParts(ds, DEFAULT_BASE)
    assert not [p for p in _problems(ds, parts) if p.file.endswith("dataset.yaml")]
    parts.top = [t for t in parts.top if t[1] != PROV_DERIVED]  # as if it named no source document
    found = {(p.type, p.file, p.record) for p in _problems(ds, parts)}
    assert ("shacl:Dataset-source", "datasets/source/dataset.yaml", "lianzheng-test") in found, found
