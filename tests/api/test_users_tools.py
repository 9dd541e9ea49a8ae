"""The tools this project's users already have, unchanged, against the real server on loopback.

SPARQLWrapper, rdflib and pyld have their tests in test_e2e.py; this module holds the
harvesters' and reusers' tools: a feed reader (feedparser), the OCDS validator
(libcoveocds), the Frictionless validator given the package's URL, and an OpenRefine-style
reconciliation client. The IRIs under ``https://w3id.org/lianzheng`` are fetched from the
server, as w3id.org's redirect would send them.
"""

from __future__ import annotations

import json
import re

import feedparser
import httpx
import pytest
import rdflib

from tests.conftest import STANDARDS

pytestmark = pytest.mark.e2e

BASE = "https://w3id.org/lianzheng"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
OCDS_ZIP = STANDARDS / "ocds-1.1.5" / "standard-1__1__5-schema.zip"


def here(server, url: str) -> str:
    """Where the server answers ``url``: its own URLs as they are, the base IRI's under the server."""
    return server.url + url[len(BASE):] if url.startswith(BASE) else url


# ------------------------------------------------------------------ a feed reader

def test_a_feed_reader_reads_the_feed_and_every_link_in_it_answers(server):
    feed = feedparser.parse(server.url + "/feeds/changes.atom")  # feedparser's own request and Accept
    assert not feed.bozo, feed.bozo_exception
    assert feed.status == 200 and feed.version == "atom10"
    assert feed.feed.link == server.url + "/"
    assert feed.entries, "the feed has no entries"
    for entry in feed.entries:
        # what a reader opens when a person clicks the entry: a page, never a data file
        page = httpx.get(here(server, entry.link), headers={"accept": BROWSER}, follow_redirects=True)
        assert page.status_code == 200, (entry.id, entry.link)
        assert page.headers["content-type"].startswith("text/html"), (entry.id, page.headers["content-type"])
        for link in entry.links:
            r = httpx.get(here(server, link.href), follow_redirects=True,
                          headers={"accept": link.get("type") or BROWSER})
            assert r.status_code == 200, (entry.id, link.rel, link.href, r.status_code)
            if link.get("type"):
                assert r.headers["content-type"].startswith(link.type), (link.href, r.headers["content-type"])
            if link.rel == "enclosure":
                assert len(r.content) == int(link.length), link.href
            if link.rel == "describedby":
                assert len(rdflib.Graph().parse(data=r.content, format="turtle")) > 10


# ------------------------------------------------------------------ the OCDS validator

def test_libcoveocds_accepts_the_served_ocds_and_every_url_in_it_answers(server, tmp_path):
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    if not OCDS_ZIP.exists():
        pytest.skip(f"the OCDS schema is not here ({OCDS_ZIP}): it lives in ../shared/standards")
    r = httpx.get(server.url + "/api/ocds")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    path = tmp_path / "ocds.json"
    path.write_bytes(r.content)
    config = LibCoveOCDSConfig()
    config.config["standard_zip"] = OCDS_ZIP.resolve().as_uri()  # the schema from disk, never the network
    config.config["context"] = "api"
    result = ocds_json_output(str(tmp_path / "cove"), str(path), None, lib_cove_ocds_config=config)
    assert result["validation_errors"] == []
    assert result["unique_ocids_count"] == len(r.json()["releases"]) == 32
    urls = set(re.findall(r'"(https?://[^"]+)"', r.text))
    ours = sorted(u for u in urls if u.startswith((BASE, server.url)))
    assert any("/id/agency/" in u for u in ours) and server.url + "/downloads/ocds.json" in ours
    for url in ours:
        page = httpx.get(here(server, url), headers={"accept": BROWSER}, follow_redirects=True)
        assert page.status_code == 200, url
        if "/id/" in url:  # and, for a client, the same IRI in RDF
            ttl = httpx.get(here(server, url), headers={"accept": "text/turtle"})
            assert (rdflib.URIRef(url), None, None) in rdflib.Graph().parse(data=ttl.content, format="turtle")


# ------------------------------------------------------------------ the Frictionless validator, by URL

def test_frictionless_validates_the_package_by_its_url(server):
    """`frictionless validate <URL>`, as a reuser types it: every resource fetched from the server."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    cli = shutil.which("frictionless", path=str(Path(sys.executable).parent)) or shutil.which("frictionless")
    assert cli, "the frictionless command is not installed beside this Python"
    url = server.url + "/downloads/datapackage.json"
    done = subprocess.run([cli, "validate", "--json", url], capture_output=True, text=True, timeout=600)
    report = json.loads(done.stdout)
    errors = [(task["name"], e["type"], e["note"]) for task in report["tasks"] for e in task["errors"]]
    assert done.returncode == 0 and report["valid"], errors
    names = {task["name"] for task in report["tasks"]}
    assert {"cases", "activities", "workbook", "rdf-turtle"} <= names
