"""Downloads: every release file, validators, 304, gzip, ranges, and nothing outside the release."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from pipelines.checksums import SUMS


def listed(release):
    out = {}
    for line in (release / SUMS).read_text().splitlines():
        digest, _, name = line.partition("  ")
        out[name] = digest
    return out


def test_index_lists_every_file_with_its_checksum(client, real_release):
    body = client.get("/downloads/").json()
    files = {f["path"]: f for f in body["files"]}
    assert set(listed(real_release)) | {SUMS} == set(files)
    for name, digest in listed(real_release).items():
        assert files[name]["sha256"] == digest and files[name]["url"] == f"/downloads/{name}"
    html = client.get("/downloads/", headers={"accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "lianzheng.ttl" in html.text


EXPECTED_TYPES = {"data/cases.csv": "text/csv; charset=utf-8", "lianzheng.ttl": "text/turtle; charset=utf-8",
                  "lianzheng.nt": "application/n-triples", "lianzheng.jsonld": "application/ld+json",
                  "lianzheng.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "datapackage.json": "application/json", "validation-report.txt": "text/plain; charset=utf-8",
                  SUMS: "text/plain; charset=utf-8", "catalog.rdf": "application/rdf+xml",
                  "changes.atom": "application/atom+xml; charset=utf-8", "catalog.jsonld": "application/ld+json"}


@pytest.mark.parametrize("name", sorted(EXPECTED_TYPES))
def test_each_file_comes_whole_with_its_type_and_validators(client, real_release, name):
    r = client.get(f"/downloads/{name}", headers={"accept-encoding": "identity"})
    assert r.status_code == 200
    assert r.headers["content-type"] == EXPECTED_TYPES[name]
    data = (real_release / name).read_bytes()
    assert r.content == data
    assert r.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert r.headers["last-modified"] == "Sun, 22 Nov 2026 00:00:00 GMT"  # the release's created
    assert r.headers["accept-ranges"] == "bytes" and int(r.headers["content-length"]) == len(data)


def test_every_listed_file_is_served_as_its_checksum_says(client, real_release):
    for name, digest in listed(real_release).items():
        r = client.get(f"/downloads/{name}", headers={"accept-encoding": "identity"})
        assert hashlib.sha256(r.content).hexdigest() == digest, name


def test_conditional_requests_answer_304(client):
    r = client.get("/downloads/lianzheng.ttl", headers={"accept-encoding": "identity"})
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    for headers in ({"if-none-match": etag}, {"if-none-match": f"W/{etag}"}, {"if-none-match": f'"x", {etag}'},
                    {"if-none-match": "*"}, {"if-modified-since": modified},
                    {"if-modified-since": "Mon, 01 Jan 2035 00:00:00 GMT"}):
        again = client.get("/downloads/lianzheng.ttl", headers=headers)
        assert again.status_code == 304, headers
        assert again.content == b"" and again.headers["etag"]
    for headers in ({"if-none-match": '"other"'}, {"if-modified-since": "Sat, 01 Jan 2000 00:00:00 GMT"},
                    {"if-modified-since": "not a date"},
                    # If-None-Match wins over If-Modified-Since
                    {"if-none-match": '"other"', "if-modified-since": modified}):
        assert client.get("/downloads/lianzheng.ttl", headers=headers).status_code == 200, headers


def test_text_is_gzipped_when_the_client_accepts_it(client, real_release):
    data = (real_release / "lianzheng.nt").read_bytes()
    with client.stream("GET", "/downloads/lianzheng.nt", headers={"accept-encoding": "gzip"}) as r:
        raw = b"".join(r.iter_raw())
        headers = r.headers
    assert headers["content-encoding"] == "gzip" and gzip.decompress(raw) == data
    assert len(raw) < len(data) / 3
    assert headers["etag"].endswith('-gzip"') and "Accept-Encoding" in headers["vary"]
    # the compressed representation's validator also answers 304
    assert client.get("/downloads/lianzheng.nt", headers={"accept-encoding": "gzip",
                                                          "if-none-match": headers["etag"]}).status_code == 304
    xlsx = client.get("/downloads/lianzheng.xlsx", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in xlsx.headers  # already compressed
    for refused in ("gzip;q=0", "identity", "br"):
        assert "content-encoding" not in client.get("/downloads/lianzheng.nt",
                                                    headers={"accept-encoding": refused}).headers


@pytest.mark.parametrize("header,start,end", [("bytes=0-99", 0, 99), ("bytes=100-", 100, None),
                                              ("bytes=-50", None, None), ("bytes=10-10", 10, 10),
                                              ("bytes=0-99999999", 0, None)])
def test_ranges(client, real_release, header, start, end):
    data = (real_release / "data" / "cases.csv").read_bytes()
    size = len(data)
    if header == "bytes=-50":
        start, end = size - 50, size - 1
    end = size - 1 if end is None else end
    r = client.get("/downloads/data/cases.csv", headers={"range": header, "accept-encoding": "gzip"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes {start}-{end}/{size}"
    assert r.content == data[start:end + 1]
    assert "content-encoding" not in r.headers  # ranges are of the file itself


def test_bad_ranges(client, real_release):
    size = (real_release / "data" / "cases.csv").stat().st_size
    r = client.get("/downloads/data/cases.csv", headers={"range": f"bytes={size}-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{size}"
    assert r.json()["status"] == 416
    # ranges the service does not do are ignored: the whole file
    for header in ("bytes=0-1,5-6", "lines=1-2", "bytes=5-1", "bytes=x-y"):
        assert client.get("/downloads/data/cases.csv", headers={"range": header}).status_code == 200, header


def test_if_range(client):
    etag = client.get("/downloads/data/cases.csv", headers={"accept-encoding": "identity"}).headers["etag"]
    same = client.get("/downloads/data/cases.csv", headers={"range": "bytes=0-9", "if-range": etag})
    assert same.status_code == 206
    changed = client.get("/downloads/data/cases.csv", headers={"range": "bytes=0-9", "if-range": '"old"'})
    assert changed.status_code == 200 and len(changed.content) > 10


@pytest.mark.parametrize("path", ["../release.json", "data/../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd",
                                  "/etc/passwd", "data", "data/", "nothing.csv", ".git/config",
                                  "data/cases.csv/"])
def test_nothing_outside_the_list_can_be_named(client, path):
    r = client.get(f"/downloads/{path}")
    assert r.status_code == 404
    assert r.json()["ok"] is False


def test_head_gives_headers_only(client, real_release):
    r = client.head("/downloads/lianzheng.ttl", headers={"accept-encoding": "identity"})
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == (real_release / "lianzheng.ttl").stat().st_size
