"""The W3C SPARQL 1.1 Protocol test manifest, run against the real server.

The manifest (``../shared/standards/w3c-sparql11-protocol/manifest.ttl``) lists
HTTP requests and the status class, result format and boolean expected. Paths
``/sparql/`` are rewritten to ``/sparql``. How this read-only endpoint takes it:

* update requests must be refused with a 4xx (the manifest's own provision for a
  read-only endpoint); the queries that would then check the update's effect are
  not sent;
* tests that preload data graphs (``ut:graphData``) are skipped: this endpoint
  serves one release, and nothing can load other graphs into it;
* tests naming ``http://kasei.us/.../data0.rdf`` as the protocol dataset are run
  twice: as written (a graph this endpoint does not hold is read as empty, never
  fetched, and named in ``X-Unknown-Graphs``), and with that graph name rewritten to the
  endpoint's vocabulary graph, where the answer comes from data.
"""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import httpx
import pytest
import rdflib
from rdflib import Namespace
from rdflib.collection import Collection

from ..conftest import STANDARDS

pytestmark = pytest.mark.e2e

MANIFEST = STANDARDS / "w3c-sparql11-protocol" / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
FOREIGN = "http://kasei.us/2009/09/sparql/data/data0.rdf"
OURS = "https://w3id.org/lianzheng/vocab"
RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values", "application/json", "application/xml"}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml"}


def _requests(g: rdflib.Graph, test) -> list[dict]:
    action = g.value(test, MF.action)
    out = []
    for req in Collection(g, g.value(action, HT.requests)):
        headers = {}
        hlist = g.value(req, HT.headers)
        if hlist is not None:
            for h in Collection(g, hlist):
                headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
        body = g.value(req, HT.body)
        chars = encoding = None
        if body is not None:
            chars = str(g.value(body, CNT.chars))
            encoding = str(g.value(body, CNT.characterEncoding) or "UTF-8")
        resp = g.value(req, HT.resp)
        statuses = {str(s)[len(HTS):] for s in g.objects(resp, MF.expectedStatus)}
        boolean = g.value(resp, MF.expectedBoolean)
        fmt = g.value(resp, MF.expectedFormat)
        out.append({"path": str(g.value(req, HT.absolutePath)), "method": str(g.value(req, HT.methodName)),
                    "headers": headers, "chars": chars, "encoding": encoding, "statuses": statuses,
                    "boolean": None if boolean is None else boolean.toPython(),
                    "format": None if fmt is None else str(fmt)})
    return out


def _is_update(req: dict) -> bool:
    ctype = req["headers"].get("content-type", "")
    return ("sparql-update" in ctype or "update=" in req["path"] or "using-graph-uri" in req["path"]
            or "using-named-graph-uri" in req["path"] or (req["chars"] or "").startswith("update="))


def _cases():
    if not MANIFEST.exists():
        return [pytest.param(None, None, None, marks=pytest.mark.skip(
            reason=f"the W3C manifest is not here ({MANIFEST}): it lives in ../shared beside the project"))]
    g = rdflib.Graph().parse(MANIFEST, format="turtle")
    manifest = next(g.subjects(rdflib.RDF.type, MF.Manifest))
    cases = []
    for test in Collection(g, g.value(manifest, MF.entries)):
        name = str(test).rsplit("#", 1)[-1]
        reqs = _requests(g, test)
        if (test, UT.graphData, None) in g:
            cases.append(pytest.param(name, reqs, "as-written", id=name, marks=pytest.mark.skip(
                reason="preloads data graphs; this endpoint serves one release and loads nothing")))
            continue
        foreign = any(quote(FOREIGN, safe="") in r["path"] for r in reqs)
        if foreign and not _is_update(reqs[0]) and "2xx" in reqs[0]["statuses"]:
            cases.append(pytest.param(name, reqs, "as-written", id=name))
            cases.append(pytest.param(name, reqs, "our-graph", id=f"{name}-with-our-graph"))
        else:
            cases.append(pytest.param(name, reqs, "as-written", id=name))
    return cases


def _send(url: str, req: dict, variant: str) -> httpx.Response:
    path = req["path"].replace("/sparql/", "/sparql", 1)
    if variant == "our-graph":
        path = path.replace(quote(FOREIGN, safe=""), quote(OURS, safe=""))
    content = None
    if req["chars"] is not None:
        content = req["chars"].encode("utf-16" if req["encoding"].upper() == "UTF-16" else "utf-8")
    return httpx.request(req["method"], url + path, content=content, headers=req["headers"], timeout=30)


def _check_format(r: httpx.Response, req: dict, name: str) -> None:
    media = r.headers.get("content-type", "").split(";")[0].strip()
    if req["format"] in ("boolean", "tabular"):
        assert media in RESULT_TYPES, f"{name}: {media}"
    if req["format"] == "boolean":
        if "json" in media:
            value = json.loads(r.content)["boolean"]
        else:
            from rdflib.query import Result

            value = Result.parse(io.BytesIO(r.content), format="xml").askAnswer
        if req["boolean"] is not None:
            assert value is req["boolean"], name
    if req["format"] == "RDF":
        assert media in RDF_TYPES, f"{name}: {media}"
        rdflib.Graph().parse(data=r.content, format=RDF_TYPES[media])


@pytest.mark.parametrize("name,requests_,variant", _cases())
def test_w3c_protocol(server, name, requests_, variant):
    first_update = _is_update(requests_[0])
    for req in requests_:
        r = _send(server.url, req, variant)
        if first_update:
            assert 400 <= r.status_code < 500, f"{name}: an update must be refused with a 4xx, got {r.status_code}"
            assert r.json()["ok"] is False
            return  # what would check the update's effect is not sent
        klass = f"{r.status_code // 100}xx"
        assert klass in req["statuses"], f"{name}: status {r.status_code}, expected {sorted(req['statuses'])}: " \
                                         f"{r.text[:200]}"
        if r.status_code < 300:
            _check_format(r, req, name)
            if variant == "as-written" and quote(FOREIGN, safe="") in req["path"]:
                assert r.headers["x-unknown-graphs"] == f"<{FOREIGN}>", name
        else:
            assert r.json()["ok"] is False  # the one error body
