"""Linked data: every minted IRI resolves, in every format, with negotiation and suffix twins."""

from __future__ import annotations

import csv

import pytest
import rdflib
from rdflib import RDF, URIRef
from rdflib.namespace import SKOS

from .conftest import by_value

BASE = "https://w3id.org/lianzheng"
RDFLIB = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/n-triples": "nt",
          "application/rdf+xml": "xml", "application/json": "json-ld"}
SUFFIX = {"ttl": "text/turtle; charset=utf-8", "jsonld": "application/ld+json", "nt": "application/n-triples",
          "rdf": "application/rdf+xml", "json": "application/json", "html": "text/html; charset=utf-8"}
CASE = "anping-water-reclamation"


def first_iri(release, table):
    with open(release / "data" / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return next(csv.DictReader(fh))["iri"]


@pytest.fixture(scope="module")
def iris(real_release):
    out = [first_iri(real_release, t) for t in ("cases", "agencies", "activities", "documents", "observations",
                                               "risks", "quality_notes", "laws", "sources")]
    out += [f"{BASE}/id/procurement/{CASE}", f"{BASE}/id/participation/{CASE}-2020-03-05-launch-1",
            f"{BASE}/id/dataset/lianzheng"]
    return out


@pytest.fixture(scope="module")
def release_graph(real_release):
    return by_value(rdflib.Graph().parse(real_release / "lianzheng.nt", format="nt"))


def parse(response, media):
    return by_value(rdflib.Graph().parse(data=response.content, format=RDFLIB[media]))


@pytest.mark.parametrize("media", sorted(RDFLIB))
def test_every_kind_of_iri_resolves_in_every_rdf_format(client, iris, release_graph, media):
    for iri in iris:
        path = iri[len(BASE):]
        r = client.get(path, headers={"accept": media})
        assert r.status_code == 200, (path, r.text[:200])
        assert r.headers["content-type"].split(";")[0] == media
        assert "Accept" in r.headers["vary"]
        assert r.headers["content-location"].startswith(path + ".")
        g = parse(r, media)
        own = set(release_graph.triples((URIRef(iri), None, None)))
        assert own and own <= set(g), f"{path} as {media} misses its own triples"


def test_a_case_description_includes_the_parts_it_owns(client, release_graph):
    g = parse(client.get(f"/id/case/{CASE}", headers={"accept": "text/turtle"}), "text/turtle")
    case = URIRef(f"{BASE}/id/case/{CASE}")
    for p in ("activity", "observation", "risk", "publishedDocument", "monitors"):
        for part in release_graph.objects(case, URIRef(f"{BASE}/vocab#{p}")):
            assert set(release_graph.triples((part, None, None))) <= set(g), part
    participations = list(g.subjects(RDF.type, URIRef("http://www.w3.org/ns/prov#Association")))
    assert participations, "participations of the activities come one hop further"
    agency = next(release_graph.objects(case, URIRef(f"{BASE}/vocab#procuringAgency")))
    assert not set(release_graph.triples((agency, None, None))) & set(g)  # linked, not described


def test_language_tags_keep_their_case(client):
    text = client.get(f"/id/case/{CASE}.ttl").text
    assert "@zh-Hant" in text and "@zh-hant" not in text


def test_jsonld_carries_its_context_inline(client):
    body = client.get(f"/id/case/{CASE}", headers={"accept": "application/ld+json"}).json()
    assert isinstance(body["@context"], dict)
    assert body["@context"]["lz"] == f"{BASE}/vocab#"
    assert all(not isinstance(v, str) or not v.endswith(".jsonld") for v in body["@context"].values())


@pytest.mark.parametrize("suffix", sorted(SUFFIX))
def test_suffix_twins(client, suffix):
    r = client.get(f"/id/case/{CASE}.{suffix}", headers={"accept": "image/png"})  # the suffix wins
    assert r.status_code == 200
    assert r.headers["content-type"] == SUFFIX[suffix]
    assert r.headers["content-location"] == f"/id/case/{CASE}.{suffix}"


def test_html_for_browsers_names_the_resource_and_its_formats(client):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    r = client.get(f"/id/case/{CASE}", headers={"accept": browser})
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert "安平再生水廠" in r.text
    r = client.get(f"/id/activity/{CASE}-2020-03-05-launch", headers={"accept": browser})
    assert r.status_code == 200 and "啟動儀式" in r.text
    assert f"/id/activity/{CASE}-2020-03-05-launch.ttl" in r.text


def test_head_answers_without_a_body(client):
    r = client.head(f"/id/case/{CASE}", headers={"accept": "text/turtle"})
    assert r.status_code == 200 and r.content == b""
    assert r.headers["content-type"].startswith("text/turtle")


def test_406_for_what_cannot_be_produced(client):
    r = client.get(f"/id/case/{CASE}", headers={"accept": "image/png, application/pdf"})
    assert r.status_code == 406
    body = r.json()
    assert body["ok"] is False and body["status"] == 406
    assert "text/turtle" in body["detail"]["available"]


@pytest.mark.parametrize("path", ["/id/case/no-such-case", "/id/case/no-such-case.ttl", "/id/planet/earth",
                                  f"/id/case/{CASE}.xyz", "/id/case/", "/vocab/no-such-scheme",
                                  "/vocab/case-status/no-such-code", "/vocab/a/b/c", "/vocab.xyz",
                                  # found by the fuzzer: not an IRI at all (was a 500)
                                  "/vocab/%21%F0%A3%A8%ADG%E2%81%A5%0D%C2%90dBS%1C", "/id/case/%20x%0A",
                                  "/id/source/Guidebook/Table"])
def test_unknown_resources_are_404(client, path):
    r = client.get(path, headers={"accept": "text/turtle"})
    assert r.status_code == 404
    assert r.json()["ok"] is False


def test_vocab_holds_every_term_and_code_list(client, real_release):
    g = rdflib.Graph().parse(data=client.get("/vocab", headers={"accept": "text/turtle"}).content,
                             format="turtle")
    vocab = rdflib.Graph().parse(real_release / "vocab" / "lianzheng.ttl")
    codes = rdflib.Graph().parse(real_release / "vocab" / "codes.ttl")
    assert set(vocab.subjects()) <= set(g.subjects())
    assert set(codes.subjects(RDF.type, SKOS.ConceptScheme)) <= set(g.subjects())
    html = client.get("/vocab", headers={"accept": "text/html"}).text
    assert 'id="IntegrityPlatform"' in html or "IntegrityPlatform" in html


def test_a_code_list_and_a_code_resolve(client):
    g = rdflib.Graph().parse(data=client.get("/vocab/case-status.ttl").content, format="turtle")
    scheme = URIRef(f"{BASE}/vocab/case-status")
    concepts = set(g.subjects(SKOS.inScheme, scheme))
    assert {URIRef(f"{BASE}/vocab/case-status/operating"), URIRef(f"{BASE}/vocab/case-status/ended")} <= concepts
    one = rdflib.Graph().parse(data=client.get("/vocab/case-status/ended",
                                               headers={"accept": "application/n-triples"}).content, format="nt")
    labels = {str(o) for o in one.objects(URIRef(f"{BASE}/vocab/case-status/ended"), SKOS.prefLabel)}
    assert "已結束" in labels


def test_context_and_shapes_resolve(client):
    ctx = client.get("/vocab/context.jsonld")
    assert ctx.status_code == 200 and ctx.headers["content-type"] == "application/ld+json"
    assert "@context" in ctx.json()
    g = rdflib.Graph().parse(data=client.get("/shapes", headers={"accept": "text/turtle"}).content,
                             format="turtle")
    assert len(list(g.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))) > 5
    assert client.get("/shapes.jsonld").headers["content-type"] == "application/ld+json"


def test_the_reconciliation_view_opens_the_entity_page_on_this_server(client):
    """OpenRefine's "view" link: 303 to this server's page of the entity, which a browser reads."""
    iri = "https://w3id.org/lianzheng/id/case/danjiang-bridge"
    r = client.get("/reconcile/view", params={"id": iri}, headers={"accept": "text/html"})
    assert r.history and r.history[0].status_code == 303
    assert r.url.path == "/id/case/danjiang-bridge"  # under the public URL the settings name
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html") and "淡江大橋" in r.text


def _published_iris(release) -> set[str]:
    """Every IRI under {base}/id/ that the catalogue, VoID, the feed, OCDS and the reconciliation
    manifest publish (fragments dropped)."""
    import re

    base = "https://w3id.org/lianzheng/id/"
    found: set[str] = set()
    for name in ("catalog.ttl", "void.ttl"):
        g = rdflib.Graph().parse(release / name)
        found |= {str(t).split("#", 1)[0] for triple in g for t in triple
                  if isinstance(t, URIRef) and str(t).startswith(base)}
    for name in ("changes.atom", "ocds.json", "reconcile.json"):
        text = (release / name).read_text(encoding="utf-8")
        found |= {m.split("#", 1)[0] for m in re.findall(r'(https://w3id\.org/lianzheng/id/[^"<\s{}]+)', text)}
    return found


def test_every_iri_the_catalogue_void_feed_ocds_and_reconciliation_publish_dereferences(client, real_release):
    """The catalogue's own resources (the dataset and this release of it, each distribution, the
    data services) resolve like every other IRI: RDF about them for a client, a page for a person."""
    iris = _published_iris(real_release)
    assert any("/id/distribution/" in i for i in iris) and any("/id/dataset/lianzheng/" in i for i in iris)
    for iri in sorted(iris):
        path = iri[len("https://w3id.org/lianzheng"):]
        r = client.get(path, headers={"accept": "text/turtle"})
        assert r.status_code == 200, (path, r.status_code)
        g = rdflib.Graph().parse(data=r.content, format="turtle")
        assert (rdflib.URIRef(iri), None, None) in g, path
    release = "/id/dataset/lianzheng/1.1.0"
    page = client.get(release, headers={"accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    # titled by its own dct:title, which the catalogue holds and the store does not
    assert "<title>機關採購廉政平臺開放資料集" in page.text, page.text[:400]
    twin = client.get(release + ".ttl")
    assert twin.status_code == 200 and twin.headers["content-type"].startswith("text/turtle")
    assert client.get("/id/distribution/lianzheng/1.1.0/nothing-here").status_code == 404
    # and the catalogue's other IRIs of this site (endpoints, downloads, the vocabulary) answer here
    g = rdflib.Graph().parse(real_release / "catalog.ttl")
    site = {str(t).split("#", 1)[0] for triple in g for t in triple
            if isinstance(t, URIRef) and str(t).startswith(BASE) and "/id/" not in str(t)}
    assert "https://w3id.org/lianzheng/api" in site
    for iri in sorted(site):
        r = client.get(iri[len(BASE):] or "/")
        assert r.status_code == 200, (iri, r.status_code)


def test_every_iri_anywhere_in_the_release_answers_a_client_and_a_browser(client, real_release):
    """Every IRI of this site in the data, the catalogue, VoID, the feed, OCDS and the
    reconciliation index (fragments dropped): RDF naming it for a client, a page for a browser."""
    import re

    ours = (f"{BASE}/id/", f"{BASE}/vocab")
    found: set[str] = set()
    for name in ("lianzheng.nt", "catalog.ttl", "void.ttl"):  # the RDF: its IRIs, not its prefixes
        g = rdflib.Graph().parse(real_release / name)
        found |= {str(t).split("#", 1)[0] for triple in g for t in triple
                  if isinstance(t, URIRef) and str(t).startswith(ours)}
    for name in ("changes.atom", "ocds.json", "reconcile.json"):
        text = (real_release / name).read_text(encoding="utf-8")
        found |= {m.split("#", 1)[0] for m in re.findall(r"https://w3id\.org/lianzheng/(?:id|vocab)[^\"<>\s{}]*",
                                                           text)}
    ids = sorted(i for i in found if "/id/" in i)
    assert len(ids) > 400, len(ids)  # every case, agency, activity, document ... and the catalogue's own
    browser = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for iri in sorted(found):
        path = iri[len(BASE):]
        ttl = client.get(path, headers={"accept": "text/turtle"})
        assert ttl.status_code == 200, (iri, ttl.status_code)
        if "/id/" in iri:
            assert (URIRef(iri), None, None) in rdflib.Graph().parse(data=ttl.content, format="turtle"), iri
        page = client.get(path, headers=browser)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), iri


CATALOGUE_KINDS = ("/id/dataset/", "/id/distribution/", "/id/catalog/", "/id/service/")


@pytest.fixture(scope="module", params=["0.0.1", "0.0.2"])
def shelf_client(request, two_releases, tmp_path_factory):
    """An app over one release of the two-release log (0.0.1 is the one the log's rollback put back
    in service), with the shelf of the whole log, as the service runs it."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.shelf import Shelf

    from .conftest import settings_for

    settings = settings_for(tmp_path_factory.mktemp("shelf"))
    app = create_app(settings, two_releases.releases / request.param, Shelf(two_releases.releases))
    with TestClient(app) as c:
        yield request.param, c


def test_every_catalogue_iri_of_every_logged_release_dereferences_on_the_served_one(shelf_client, two_releases):
    """Each dataset, version, distribution, catalogue and service IRI that any release's catalogue,
    VoID or feed names answers on the release in service: RDF naming it for a client (a version
    or distribution of another release from that release's own catalogue), a page for a person."""
    served, client = shelf_client
    iris = set()
    for folder in (two_releases.first, two_releases.second):
        iris |= {i for i in _published_iris(folder) if any(k in i for k in CATALOGUE_KINDS)}
    other = "0.0.2" if served == "0.0.1" else "0.0.1"
    assert any(f"/id/distribution/lianzheng-test/{other}/" in i for i in iris)
    for iri in sorted(iris):
        path = iri[len(BASE):]
        r = client.get(path, headers={"accept": "text/turtle"})
        assert r.status_code == 200, (served, path, r.status_code)
        assert (URIRef(iri), None, None) in rdflib.Graph().parse(data=r.content, format="turtle"), (served, path)
        page = client.get(path, headers={"accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), (served, path)
    # the other release's version is described by its own catalogue, in full: title, files, date
    dcat, dct = "http://www.w3.org/ns/dcat#", "http://purl.org/dc/terms/"
    version = URIRef(f"{BASE}/id/dataset/lianzheng-test/{other}")
    g = rdflib.Graph().parse(data=client.get(f"/id/dataset/lianzheng-test/{other}.ttl").content, format="turtle")
    assert g.value(version, URIRef(dcat + "version")) == rdflib.Literal(other)
    assert f"Test dataset, version {other}" in {str(t) for t in g.objects(version, URIRef(dct + "title"))}
    assert len(set(g.objects(version, URIRef(dcat + "distribution")))) > 10
    page = client.get(f"/id/dataset/lianzheng-test/{other}", headers={"accept": "text/html"})
    assert f"version {other}" in page.text or f"{other} 版" in page.text
    # a version no release was ever built as is still unknown
    assert client.get("/id/dataset/lianzheng-test/9.9.9", headers={"accept": "text/turtle"}).status_code == 404
    # and every instance IRI of the served release answers too (the other's are the dispatch layer's)
    mine = two_releases.releases / served
    for iri in sorted(i for i in _published_iris(mine) if not any(k in i for k in CATALOGUE_KINDS)):
        if "/id/case/" in iri and iri.rsplit("/", 1)[1] not in _case_ids(mine):
            continue  # a case the feed names as removed: it is in the release before
        r = client.get(iri[len(BASE):], headers={"accept": "text/turtle"})
        assert r.status_code == 200, (served, iri, r.status_code)


def _case_ids(release) -> set[str]:
    with open(release / "data" / "cases.csv", encoding="utf-8", newline="") as fh:
        return {row["case_id"] for row in csv.DictReader(fh)}
