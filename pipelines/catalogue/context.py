"""What every writer of the harvesting files shares: where each file and service lives, the
public-URL convention, the release folder's inventory, and :class:`Release` (what a writer
needs to know about the release being built).

Public URLs: the one convention, and why
-----------------------------------------
Download and service URLs are not known when a release is built (the same release
may be served at ``https://w3id.org/lianzheng``, behind a reverse proxy, or on a
laptop). Release files therefore write them under the **base IRI**, as if the base
IRI's host served the site: ``{base}/downloads/{path}``, ``{base}/sparql``,
``{base}/reconcile`` ... (with the default base, the w3id.org redirect sends them
to the service). The service, when it serves one of these files, rewrites that
prefix to the URL it is reached at (:func:`for_public_url`), and so does the
``push`` command before it sends the metadata to data.gov.tw. Instance IRIs
(``{base}/id/...``) and the vocabulary (``/vocab``, ``/shapes``) are never
rewritten: they are names, not locations. The files in the release, and their
checksums, stay exactly as built.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..checksums import sha256_file
from ..model import Dataset, Text, publisher_name
from ..rdf.ids import Minter

# Where each harvesting file and service lives on the site (relative to the public URL).
ROUTES = {
    "home": "/",
    "downloads": "/downloads/",
    "sparql": "/sparql",
    "api": "/api",
    "openapi": "/openapi.json",
    "reconcile": "/reconcile",
    "catalog": "/catalog",
    "datagovtw": "/catalog/datagovtw.json",
    "void": "/.well-known/void",
    "feed": "/feeds/changes.atom",
    "ocds": "/api/ocds",
}

FILES = {
    "reconcile": "reconcile.json",
    "ocds": "ocds.json",
    "feed": "changes.atom",
    "datagovtw": "datagovtw.json",
    "void": "void.ttl",
    "catalog_turtle": "catalog.ttl",
    "catalog_jsonld": "catalog.jsonld",
    "catalog_rdfxml": "catalog.rdf",
}
CATALOG_FILES = (FILES["catalog_turtle"], FILES["catalog_jsonld"], FILES["catalog_rdfxml"])

# file suffix -> (IANA media type, EU file-type code, data.gov.tw format name, text?)
MEDIA = {
    ".csv": ("text/csv", "CSV", "CSV", True),
    ".ttl": ("text/turtle", "RDF_TURTLE", "RDF", True),
    ".nt": ("application/n-triples", "RDF_N_TRIPLES", "RDF", True),
    ".jsonld": ("application/ld+json", "JSON_LD", "JSON", True),
    ".json": ("application/json", "JSON", "JSON", True),
    ".rdf": ("application/rdf+xml", "RDF_XML", "XML", True),
    ".atom": ("application/atom+xml", "ATOM", "XML", True),
    ".txt": ("text/plain", "TXT", "TXT", True),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", "XLSX", False),
    ".zip": ("application/zip", "ZIP", "ZIP", False),
}

_KEEP = ("id/", "vocab", "shapes")  # never rewritten: names, not locations


def site_url(base: str, route: str) -> str:
    """A URL of the site as release files write it: under the base IRI."""
    return base.rstrip("/") + ROUTES[route]


def download_url(base: str, path: str) -> str:
    """``{base}/downloads/{path}``: the download URL of a release file, as release files write it."""
    return base.rstrip("/") + ROUTES["downloads"] + path


def for_public_url(text: str, base: str, public: str) -> str:
    """Rewrite the site URLs of a release file from the base IRI to the URL the site is served at.

    >>> for_public_url("<https://w3id.org/lz/downloads/a.csv> <https://w3id.org/lz/id/case/x>",
    ...                "https://w3id.org/lz", "http://127.0.0.1:8000")
    '<http://127.0.0.1:8000/downloads/a.csv> <https://w3id.org/lz/id/case/x>'
    """
    base, public = base.rstrip("/"), public.rstrip("/")
    if not public or base == public:
        return text
    pattern = re.compile(re.escape(base) + "/(?!" + "|".join(re.escape(k) for k in _KEEP) + ")")
    return pattern.sub(lambda _: public + "/", text)


@dataclass(frozen=True)
class FileInfo:
    """A file of the release folder, as the catalogue and the portal metadata describe it."""

    path: str  # relative, with forward slashes
    bytes: int
    sha256: str

    @property
    def suffix(self) -> str:
        return Path(self.path).suffix.lower()

    @property
    def media_type(self) -> str:
        return MEDIA.get(self.suffix, ("application/octet-stream", "BIN", "BIN", False))[0]


def inventory(folder: Path, *, exclude: tuple[str, ...] = ()) -> list[FileInfo]:
    """Every file of the release folder with its size and SHA-256, sorted by path.

    Hashes already recorded in ``datapackage.json`` (the tables, the RDF and the
    XLSX: nearly all the bytes of a large release) are reused when the size agrees.
    """
    known: dict[str, tuple[int, str]] = {}
    pkg = folder / "datapackage.json"
    if pkg.exists():
        for res in json.loads(pkg.read_text(encoding="utf-8")).get("resources", []):
            digest = str(res.get("hash", ""))
            if digest.startswith("sha256:") and isinstance(res.get("bytes"), int):
                known[res["path"]] = (res["bytes"], digest[len("sha256:"):])
    out = []
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(folder).as_posix()
        if rel in exclude or rel == "SHA256SUMS":
            continue
        size = p.stat().st_size
        hit = known.get(rel)
        out.append(FileInfo(rel, size, hit[1] if hit and hit[0] == size else sha256_file(p)))
    return out


@dataclass
class Release:
    """What every writer needs to know about the release being built."""

    ds: Dataset
    folder: Path
    base: str
    created: str  # YYYY-MM-DDTHH:MM:SSZ
    previous: Path | None
    ocid_prefix: str
    log_key: str | None = None  # the publisher's verifier key (C2SP vkey) of the release log
    ids: Minter = field(init=False)
    slug: str = field(init=False)
    version: str = field(init=False)

    def __post_init__(self):
        self.base = self.base.rstrip("/")
        self.ids = Minter(self.base)
        self.slug = str(self.ds.meta.get("id", "lianzheng"))
        self.version = str(self.ds.meta.get("version", "")) or "0.0.0"

    # metadata, read once from datasets/source/dataset.yaml (docs/model.md)

    @property
    def meta(self) -> dict:
        return self.ds.meta

    def text(self, key: str) -> Text:
        value = self.meta.get(key) or {}
        if isinstance(value, str):
            return Text(value, value)
        return Text(str(value.get("zh", "")), str(value.get("en", "")))

    @property
    def title(self) -> Text:
        return self.text("title")

    @property
    def description(self) -> Text:
        return self.text("description")

    @property
    def keywords(self) -> tuple[list[str], list[str]]:
        kw = self.meta.get("keywords") or {}
        if not isinstance(kw, dict):
            return [str(k) for k in kw], []
        return [str(k) for k in kw.get("zh", [])], [str(k) for k in kw.get("en", [])]

    @property
    def publisher(self) -> dict:
        """``dataset.yaml``'s ``publisher``: who publishes this release, as the operator sets it
        (``agency``: an id of agencies.yaml, or ``name`` and ``url``). A bare string is an agency id."""
        p = self.meta.get("publisher") or {}
        return p if isinstance(p, dict) else {"agency": str(p)}

    @property
    def publisher_id(self) -> str:
        return str(self.publisher.get("agency") or "")

    @property
    def publisher_set(self) -> bool:
        return self.publisher_id in self.ds.agencies or bool(publisher_name(self.meta).zh.strip())

    @property
    def publisher_name(self) -> Text:
        agency = self.ds.agencies.get(self.publisher_id)
        if agency is not None:
            return agency.name
        return publisher_name(self.meta)

    @property
    def publisher_iri(self) -> str:
        """The agency's IRI when an agency publishes; otherwise a node the catalogue describes."""
        if self.publisher_id in self.ds.agencies:
            return self.ids.agency(self.publisher_id)
        return self.ids.catalog(self.slug) + "#publisher"

    @property
    def provenance(self) -> Text:
        return self.text("provenance")

    @property
    def licence(self) -> dict:
        lic = self.meta.get("licence") or {}
        return lic if isinstance(lic, dict) else {"id": str(lic)}

    @property
    def licence_url(self) -> str:
        return str(self.licence.get("url") or "https://data.gov.tw/license")

    @property
    def contact(self) -> dict:
        c = self.meta.get("contact") or {}
        return c if isinstance(c, dict) else {}

    @property
    def languages(self) -> list[str]:
        return [str(x) for x in (self.meta.get("language") or ["zh-Hant", "en"])]

    def date(self, key: str) -> str:
        """An ISO date of the metadata (``issued``, ``modified``, ``as_of``), or ''."""
        value = self.meta.get(key)
        return str(value)[:10] if value else ""

    @property
    def dataset_iri(self) -> str:
        return self.ids.dataset(self.slug)

    @property
    def version_iri(self) -> str:
        return self.ids.dataset_version(self.slug, self.version)

    def url(self, route: str) -> str:
        return site_url(self.base, route)

    def download(self, path: str) -> str:
        return download_url(self.base, path)

    def known_versions(self) -> list[str]:
        """The versions of the dataset published before this one, as far as the build knows: those
        the release log beside the previous release names (:mod:`pipelines.log.store`; a rollback
        may have made the previous release older than the newest), and those the previous
        release's catalogue names as versions (a folder built outside a log). In log order, then
        the catalogue's order; this version left out."""
        if self.previous is None:
            return []
        from ..log.store import ReleaseLog  # here: the log's entries read the catalogue's feed

        found = [e.version for e in ReleaseLog.open(Path(self.previous).parent).releases()]
        found += _catalogue_versions(Path(self.previous), self.ids.dataset(self.slug))
        found.append(str(self.previous_manifest().get("version", "")))
        return [v for v in dict.fromkeys(found) if v and v != self.version]

    def previous_manifest(self) -> dict:
        if self.previous is None:
            return {}
        path = Path(self.previous) / "release.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}


def _catalogue_versions(release: Path, dataset: str) -> list[str]:
    """The ``dcat:version`` of each ``dcat:hasVersion`` of ``dataset`` in a release's catalog.ttl."""
    import pyoxigraph as ox

    path = release / FILES["catalog_turtle"]
    if not path.is_file():
        return []
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    dcat = "http://www.w3.org/ns/dcat#"
    versions = []
    for q in store.quads_for_pattern(ox.NamedNode(dataset), ox.NamedNode(dcat + "hasVersion"), None):
        for v in store.quads_for_pattern(q.object, ox.NamedNode(dcat + "version"), None):  # type: ignore[arg-type]
            if isinstance(v.object, ox.Literal):
                versions.append(v.object.value)
    return sorted(versions)
