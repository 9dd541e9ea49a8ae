"""Linked data: every IRI the dataset mints resolves here, with content negotiation.

W3C "Cool URIs for the Semantic Web" (https://www.w3.org/TR/cooluris/), answered
directly rather than by a 303 redirect: the response names the representation
it sent in ``Content-Location`` (``/id/case/x.ttl``) and varies on ``Accept``
(``Vary: Accept``). RFC 9110 section 12.5.1 for the negotiation (:mod:`api.media`);
406 with the error body when nothing asked for can be written.

* ``/id/{kind}/{slug}``: an instance IRI ``{base}/id/{kind}/{slug}``, the catalogue's
  too (``/id/dataset/lianzheng/1.0.0``, a distribution, a data service). A version IRI of any
  release in the log (and a distribution of it) is described by that release's own
  ``catalog.ttl``, found through the shelf (``app.state.shelf``), so every version a catalogue,
  feed or VoID file ever named keeps answering. The description
  is a Concise Bounded Description (https://www.w3.org/submissions/CBD/): the
  triples with the resource as subject, those of its blank nodes, and, one hop
  further, those of the parts it owns (a case's procurement, activities and their
  participations, documents, observations, risks, quality notes).
* ``/vocab``: the vocabulary and every code list (``https://w3id.org/lianzheng/vocab#Term``
  is a section of that page); ``/vocab/{scheme}`` a code list with its codes;
  ``/vocab/{scheme}/{code}`` one code; ``/vocab/context.jsonld`` the JSON-LD context.
* ``/shapes``: the SHACL shapes.

Each has format-suffix twins for people who cannot set headers: ``.html``,
``.ttl``, ``.jsonld``, ``.json``, ``.nt``, ``.rdf``; every answer but JSON and JSON-LD
lists the others in ``Link: <...>; rel="alternate"; type="..."`` (:data:`JSON_ANSWERS`).
"""


import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from pipelines.rdf.ids import KINDS
from pipelines.rdf.prefixes import prefixes_for
from pipelines.rdf.serialize import by_subject, canonical, compactor, nt_term, serialize
from pipelines.rdf.terms import XSD_STRING, BNode, Lit, Quoted
from pipelines.terms import CODES, SHAPES, VOCAB

from .errors import ServiceError
from .media import BY_SUFFIX, FORMATS, RESOURCE_FORMATS, acceptable, negotiate
from .store.embedded import LABELS, SHAPES_GRAPH, VOCAB_GRAPH
from .store.interface import ReleaseStore, get_store
from .store.terms import light_triples

log = logging.getLogger("lianzheng.api")
VOCAB_DOC = VOCAB.rstrip("#")  # https://w3id.org/lianzheng/vocab
SHAPES_DOC = SHAPES.rstrip("#")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SKOS_IN_SCHEME = "http://www.w3.org/2004/02/skos/core#inScheme"
OWNED = frozenset({
    VOCAB + "monitors", VOCAB + "activity", VOCAB + "publishedDocument", VOCAB + "observation",
    VOCAB + "risk", VOCAB + "account", "http://www.w3.org/ns/dqv#hasQualityAnnotation",
    "http://www.w3.org/ns/prov#qualifiedAssociation",
})
# A JSON or JSON-LD answer names no alternates: a JSON-LD processor reads rel="alternate" as a
# pointer to the JSON-LD (JSON-LD 1.1 section 9.2), and pyld (3.3) fails on more than one.
JSON_ANSWERS = frozenset({"jsonld", "json"})
SUFFIXES = {f.suffix for k, f in FORMATS.items() if k in RESOURCE_FORMATS}
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*")  # ids, and source ids with one slash
# The catalogue's resources (catalog.ttl): the catalogue, the dataset and each release of it,
# their distributions and the data services; their slugs hold the release's version.
CATALOGUE_KINDS = frozenset({"catalog", "dataset", "distribution", "service"})
CATALOGUE_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*(/[0-9][0-9a-z.+-]*)?(/[a-z0-9][a-z0-9-]*)?")
CODE_PATH = re.compile(r"[a-z0-9][a-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9-]*)?")  # scheme or scheme/code (TW-TPE)


def split_suffix(path: str) -> tuple[str, str | None]:
    """``case/x.ttl`` -> (``case/x``, ``ttl``). Only a release's version holds dots in a slug
    (``dataset/lianzheng/1.0.0``), and a version never ends in a format's suffix."""
    head, dot, ext = path.rpartition(".")
    if dot and "/" not in ext and ext in SUFFIXES:
        return head, ext
    return path, None


def release_context(release: Path, base: str) -> dict:
    """The JSON-LD context of the release (``vocab/context.jsonld``) plus its instance prefixes."""
    path = release / "vocab" / "context.jsonld"
    ctx = dict(json.loads(path.read_text(encoding="utf-8"))["@context"]) if path.exists() else {}
    for k, v in prefixes_for(base).items():
        ctx.setdefault(k, v)
    return ctx


@dataclass
class Value:
    """One object of a property, as a page shows it: an IRI (with a local link and a label) or
    a literal."""

    text: str
    href: str | None = None
    lang: str = ""
    datatype: str = ""
    label: str = ""


@dataclass
class Subject:
    iri: str
    anchor: str  # the id of its section, for links to #Term
    label: str
    types: list[Value] = field(default_factory=list)
    rows: list[tuple[Value, list[Value]]] = field(default_factory=list)  # (property, values)


@dataclass
class ResourceView:
    """What the HTML page of a resource shows: every subject of its description."""

    title: str
    iri: str
    subjects: list[Subject]
    alternates: list[tuple[str, str, str]]  # (href, media type, label)
    note: str = ""


class LinkedData:
    """Descriptions of resources, written in the negotiated format.

    HTML comes from the portal (the one HTML layer): ``render_resource(request, view)`` draws
    any description as a page; ``pages`` may map ``"case"``, ``"agency"`` and ``"vocab"`` to the
    portal's own pages of those (``api.portal.pages.render_case(request, id)`` ...), which a browser
    asking for ``/id/case/x`` then gets instead.
    """

    def __init__(self, release: Path, base: str, render_resource: Callable[[Request, ResourceView], Response],
                 pages: dict | None = None):
        self.render_resource = render_resource
        self.pages = dict(pages or {})
        self.release = Path(release)
        self.base = base.rstrip("/")
        self.prefixes = prefixes_for(self.base)
        self.context = release_context(self.release, self.base)
        self.compact = compactor(self.prefixes)
        self._cache: dict[tuple[str, str], bytes] = {}
        self._catalogues: dict[Path, dict[str, list]] = {}

    def catalogue_triples(self, iri: str, release: Path | None = None) -> list:
        """The catalogue's triples about ``iri`` and its ``#`` parts (a checksum, a contact),
        from the ``catalog.ttl`` of this release (or of ``release``, another logged one: releases
        are immutable), each read once (a few hundred triples)."""
        folder = self.release if release is None else Path(release)
        index = self._catalogues.get(folder)
        if index is None:
            import pyoxigraph as ox

            index = {}
            path = folder / "catalog.ttl"
            if path.exists():
                for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
                    if isinstance(t.subject, ox.NamedNode):
                        index.setdefault(t.subject.value.split("#", 1)[0], []).append(t)
            self._catalogues[folder] = index
        return index.get(iri, [])

    def logged_release(self, shelf, slug: str) -> Path | None:
        """The folder of the logged release whose version a catalogue slug holds
        (``lianzheng/1.0.0``, ``lianzheng/1.0.0/data-cases-csv``), if it is another than this one."""
        found = CATALOGUE_SLUG.fullmatch(slug)
        version = found[1].lstrip("/") if found and found[1] else None
        if shelf is None or version is None or shelf.log.release(version) is None:
            return None
        folder = Path(shelf.folder(version))
        return folder if folder.resolve() != self.release.resolve() else None

    # ------------------------------------------------------------ addresses

    def local_href(self, iri: str) -> str | None:
        """The path on this server where ``iri`` resolves, if it is one of ours."""
        if iri.startswith(self.base + "/id/"):
            return iri[len(self.base):]
        if iri.startswith(VOCAB_DOC) and iri[len(VOCAB_DOC):len(VOCAB_DOC) + 1] in ("", "#", "/"):
            return "/vocab" + iri[len(VOCAB_DOC):]
        if iri.startswith(SHAPES_DOC) and iri[len(SHAPES_DOC):len(SHAPES_DOC) + 1] in ("", "#"):
            return "/shapes" + iri[len(SHAPES_DOC):]
        return None

    # ------------------------------------------------------------ responses

    def choose(self, request: Request, suffix: str | None):
        if suffix is not None:
            fmt = BY_SUFFIX[suffix]
            return fmt, fmt.media_type
        chosen = negotiate(request.headers.get("accept"), RESOURCE_FORMATS)
        if chosen is None:
            raise ServiceError(406, "none of the media types in Accept can be produced",
                               detail={"available": acceptable(RESOURCE_FORMATS)},
                               headers={"Vary": "Accept"})
        return chosen

    async def answer(self, request: Request, store, *, path: str, suffix: str | None, key: str,
                     iri: str, triples_of, title_default: str, note: str = "",
                     page: tuple[str, str] | None = None) -> Response:
        fmt, media_type = self.choose(request, suffix)
        cache_key = (key, fmt.key)
        body = self._cache.get(cache_key)
        if body is None:
            triples = await run_in_threadpool(triples_of)
            if not triples:
                raise ServiceError(404, f"nothing is known about <{iri}>")
            terms = light_triples(triples)
            if fmt.key != "html":
                body = serialize(terms, fmt.key, prefixes=self.prefixes, context=self.context)
            elif page is not None and page[0] in self.pages:
                body = await self._portal_page(request, page)  # None if the portal could not
            if body is None:
                view = await run_in_threadpool(self.view, store, iri, terms, path, title_default, note)
                body = bytes(self.render_resource(request, view).body)
            if key.startswith(("/vocab", "/shapes")) and not (fmt.key == "html" and page):
                self._cache[cache_key] = body  # small, and the same for the whole run
        headers = {"Vary": "Accept", "Content-Location": f"{path}.{fmt.suffix}"}
        if fmt.key not in JSON_ANSWERS:
            headers["Link"] = ", ".join(f'<{path}.{FORMATS[k].suffix}>; rel="alternate"; '
                                        f'type="{FORMATS[k].media_type}"' for k in RESOURCE_FORMATS if k != fmt.key)
        return Response(body, media_type=fmt.content_type(media_type), headers=headers)

    async def _portal_page(self, request: Request, page: tuple[str, str]) -> bytes | None:
        kind, ident = page
        try:
            response = await run_in_threadpool(self.pages[kind], request, *((ident,) if ident else ()))
        except Exception:  # noqa: BLE001 - the description's page still answers
            log.exception("the portal could not render %s %s", kind, ident)
            return None
        return bytes(response.body) if response.status_code == 200 else None

    # ------------------------------------------------------------ HTML views

    def view(self, store, iri: str, terms: list[tuple], path: str, title_default: str,
             note: str) -> ResourceView:
        """The HTML view of ``terms`` (light-term triples, any order), subjects in the writers' order."""
        grouped = by_subject(canonical(terms, unique=True)[0], ordered=True)
        iris = set()
        for s, preds in grouped:
            if type(s) is not BNode:
                iris.add(s)
            for p, objs in preds:
                iris.add(p)
                iris.update(o for o in objs if type(o) not in (Lit, BNode, Quoted))
        labels = store.labels(sorted(iris))
        own = labels_in(terms)  # catalogue resources are described, not stored
        for x, found in own.items():
            labels.setdefault(x, found)

        def label_of(x: str) -> str:
            found = labels.get(x)
            if not found:
                return ""
            zh, en = found.get("zh-Hant", ""), found.get("en", "")
            if zh and en:
                return f"{zh} {en}"
            return zh or en or next(iter(found.values()))

        def value(t) -> Value:
            kind = type(t)
            if kind is Lit:
                lex, lang, dt = t
                return Value(lex, lang=lang, datatype="" if lang or dt == XSD_STRING else (self.compact(dt) or dt))
            if kind is BNode:
                return Value(f"_:{t}", href=f"#b-{t}")
            if kind is Quoted:
                return Value(nt_term(t))
            return Value(self.compact(t) or t, href=self.local_href(t) or t, label=label_of(t))

        subjects = []
        for s, preds in grouped:
            if type(s) is BNode:
                anchor, label = f"b-{s}", f"_:{s}"
            else:
                local = self.local_href(s) or ""
                anchor = local.split("#", 1)[1] if "#" in local else \
                    (local.rsplit("/", 1)[-1] if local.startswith("/vocab/") else "")
                label = label_of(s) or self.compact(s) or s
            subject = Subject(iri=f"_:{s}" if type(s) is BNode else str(s), anchor=anchor, label=label)
            for p, objs in preds:
                if p == RDF_TYPE:
                    subject.types.extend(value(o) for o in objs)
                else:
                    subject.rows.append((value(p), [value(o) for o in objs]))
            subjects.append(subject)
        main = [x for x in subjects if x.iri == iri]
        rest = [x for x in subjects if x.iri != iri]
        title = main[0].label if main else title_default
        alternates = [(f"{path}.{FORMATS[k].suffix}", FORMATS[k].media_type, FORMATS[k].label)
                      for k in RESOURCE_FORMATS if k != "html"]
        return ResourceView(title=title, iri=iri, subjects=main + rest, alternates=alternates, note=note)


def labels_in(terms: list[tuple]) -> dict[str, dict[str, str]]:
    """Labels by language that ``terms`` give their IRI subjects: the first of :data:`LABELS` found,
    as the store's ``labels`` chooses them."""
    rank = {p: i for i, p in enumerate(LABELS)}
    best: dict[str, tuple[int, dict[str, str]]] = {}
    for s, p, o in terms:
        if p not in rank or type(o) is not Lit or type(s) is not str:
            continue
        i = rank[p]
        have = best.get(s)
        if have is None or i < have[0]:
            best[s] = have = (i, {})
        if i == have[0]:
            have[1].setdefault(o[1], o[0])
    return {s: found for s, (_, found) in best.items()}


def build_router(ld: LinkedData) -> APIRouter:
    router = APIRouter(tags=["linked data"])
    Store = Annotated[ReleaseStore, Depends(get_store)]
    doc = "Content negotiation: text/html, text/turtle, application/ld+json, application/n-triples, " \
          "application/rdf+xml (406 for anything else). Suffix twins: .html .ttl .jsonld .json .nt .rdf."

    @router.head("/id/{kind}/{slug:path}", include_in_schema=False)
    @router.get("/id/{kind}/{slug:path}", summary="Resolve an instance IRI",
                      description=f"The description of `{{base}}/id/{{kind}}/{{slug}}`. {doc}",
                      response_class=Response, responses={404: {"description": "unknown IRI"},
                                                          406: {"description": "not acceptable"}})
    async def resource(request: Request, kind: str, slug: str, store: Store):
        slug, suffix = split_suffix(slug)
        catalogued = kind in CATALOGUE_KINDS and CATALOGUE_SLUG.fullmatch(slug) is not None
        if not catalogued and (kind not in KINDS or not SLUG.fullmatch(slug)):
            raise ServiceError(404, f"no such resource: /id/{kind}/{slug}")
        iri = f"{ld.base}/id/{kind}/{slug}"

        older = ld.logged_release(getattr(request.app.state, "shelf", None), slug) if catalogued else None

        def triples():
            found = list(store.describe(iri, follow=OWNED))
            if catalogued:
                found += ld.catalogue_triples(iri)
                if older is not None:  # a version in the log: its own catalogue describes it
                    found = list(dict.fromkeys(found + ld.catalogue_triples(iri, older)))
            return found

        return await ld.answer(request, store, path=f"/id/{kind}/{slug}", suffix=suffix, key=iri, iri=iri,
                               triples_of=triples, title_default=iri, page=(kind, slug))

    @router.get("/vocab/context.jsonld", summary="The JSON-LD context", response_class=Response)
    async def context():
        path = ld.release / "vocab" / "context.jsonld"
        if not path.exists():
            raise ServiceError(404, "this release has no JSON-LD context")
        return Response(path.read_bytes(), media_type="application/ld+json")

    async def vocabulary(request: Request, store, suffix: str | None):
        return await ld.answer(
            request, store, path="/vocab", suffix=suffix, key="/vocab", iri=VOCAB_DOC,
            triples_of=lambda: store.graph(VOCAB_GRAPH), title_default="詞彙 Vocabulary",
            note="機關採購廉政平臺詞彙與代碼表。The vocabulary and code lists of the Integrity Platform data.",
            page=("vocab", ""))

    @router.head("/vocab", include_in_schema=False)
    @router.get("/vocab", summary="The vocabulary and code lists",
                      description=doc, response_class=Response)
    async def vocab(request: Request, store: Store):
        return await vocabulary(request, store, None)

    @router.api_route("/vocab.{ext}", methods=["GET", "HEAD"], include_in_schema=False)
    async def vocab_twin(request: Request, ext: str, store: Store):
        if ext not in SUFFIXES:
            raise ServiceError(404, f"no such format: .{ext}")
        return await vocabulary(request, store, ext)

    @router.head("/vocab/{rest:path}", include_in_schema=False)
    @router.get("/vocab/{rest:path}", summary="A code list or a code",
                      description=f"`/vocab/{{scheme}}` (a SKOS concept scheme with its concepts) or "
                      f"`/vocab/{{scheme}}/{{code}}`. {doc}", response_class=Response)
    async def vocab_part(request: Request, rest: str, store: Store):
        rest, suffix = split_suffix(rest)
        parts = rest.split("/")
        if not CODE_PATH.fullmatch(rest):
            raise ServiceError(404, f"no such vocabulary term: /vocab/{rest}")
        iri = CODES + rest
        if len(parts) == 1:
            def triples():
                out = store.describe(iri)
                if out:
                    for concept in store.subjects(SKOS_IN_SCHEME, iri):
                        out += store.describe(concept)
                return out
        else:
            def triples():
                return store.describe(iri)
        return await ld.answer(request, store, path=f"/vocab/{rest}", suffix=suffix, key=f"/vocab/{rest}", iri=iri,
                               triples_of=triples, title_default=rest)

    async def shapes_answer(request: Request, store, suffix: str | None):
        return await ld.answer(request, store, path="/shapes", suffix=suffix, key="/shapes", iri=SHAPES_DOC,
                               triples_of=lambda: store.graph(SHAPES_GRAPH), title_default="SHACL shapes")

    @router.head("/shapes", include_in_schema=False)
    @router.get("/shapes", summary="The SHACL shapes", description=doc,
                      response_class=Response)
    async def shapes(request: Request, store: Store):
        return await shapes_answer(request, store, None)

    @router.api_route("/shapes.{ext}", methods=["GET", "HEAD"], include_in_schema=False)
    async def shapes_twin(request: Request, ext: str, store: Store):
        if ext not in SUFFIXES:
            raise ServiceError(404, f"no such format: .{ext}")
        return await shapes_answer(request, store, ext)

    return router
