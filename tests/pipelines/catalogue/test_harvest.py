"""The harvesting files as a whole: which are written, the URL convention, the checks on a built release."""

from __future__ import annotations

import pytest

from pipelines.catalogue.context import download_url, for_public_url, site_url
from pipelines.catalogue.harvest import check_release_files

BASE = "https://w3id.org/lianzheng"


def test_every_release_has_the_harvesting_files(minimal_release, real_release):
    for folder in (minimal_release, real_release):
        for name in ("catalog.ttl", "catalog.jsonld", "catalog.rdf", "void.ttl", "datagovtw.json", "ocds.json",
                     "changes.atom", "reconcile.json"):
            assert (folder / name).is_file(), name
        listed = {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()}
        assert {"catalog.ttl", "ocds.json", "changes.atom"} <= listed


def test_built_releases_pass_the_harvesting_checks(real_release, release_pair):
    for folder in (real_release, *release_pair):
        assert check_release_files(folder) == []


@pytest.mark.parametrize("text,public,expected", [
    # site URLs move to the public URL ...
    (f"<{BASE}/downloads/data/cases.csv>", "http://127.0.0.1:8000", "<http://127.0.0.1:8000/downloads/data/cases.csv>"),
    (f'"{BASE}/sparql"', "https://lz.example.org/", '"https://lz.example.org/sparql"'),
    (f"{BASE}/", "https://lz.example.org", "https://lz.example.org/"),
    # ... IRIs and the vocabulary never do
    (f"<{BASE}/id/case/danjiang-bridge>", "http://127.0.0.1:8000", f"<{BASE}/id/case/danjiang-bridge>"),
    (f"<{BASE}/vocab#IntegrityPlatform>", "http://127.0.0.1:8000", f"<{BASE}/vocab#IntegrityPlatform>"),
    (f"<{BASE}/vocab/case-status/ended>", "http://x", f"<{BASE}/vocab/case-status/ended>"),
    (f"<{BASE}/shapes#CaseShape>", "http://x", f"<{BASE}/shapes#CaseShape>"),
    # another site's URL is left alone; so is everything when the public URL is the base
    ("<https://w3id.org/lianzhengx/downloads/a>", "http://x", "<https://w3id.org/lianzhengx/downloads/a>"),
    (f"<{BASE}/downloads/a>", BASE, f"<{BASE}/downloads/a>"),
    (f"<{BASE}/downloads/a>", "", f"<{BASE}/downloads/a>"),
])
def test_for_public_url(text, public, expected):
    assert for_public_url(text, BASE, public) == expected


def test_site_urls_are_under_the_base():
    assert download_url(BASE + "/", "data/cases.csv") == f"{BASE}/downloads/data/cases.csv"
    assert site_url(BASE, "void") == f"{BASE}/.well-known/void"
