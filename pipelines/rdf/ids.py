"""Minting IRIs: one function per kind of thing, and nowhere else.

Instance IRIs are ``{base}/id/{kind}/{slug}`` (Cool URIs: no file extension,
no version, no query). The base is a setting; the default is the project's
permanent identifier space.
"""

from __future__ import annotations

DEFAULT_BASE = "https://w3id.org/lianzheng"

KINDS = (
    "case", "procurement", "agency", "activity", "participation", "document", "observation",
    "risk", "account", "note", "law", "source", "dataset",
)


class Minter:
    """IRIs for one base. ``Minter(base).case("danjiang-bridge")``."""

    __slots__ = ("base", "_prefix")

    def __init__(self, base: str = DEFAULT_BASE):
        base = base.rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ValueError(f"base IRI must be http(s), not {base!r}")
        self.base = base
        self._prefix = base + "/id/"

    def case(self, slug: str) -> str:
        return f"{self._prefix}case/{slug}"

    def procurement(self, slug: str) -> str:
        """The procurement a case watches over shares the case's slug."""
        return f"{self._prefix}procurement/{slug}"

    def agency(self, slug: str) -> str:
        return f"{self._prefix}agency/{slug}"

    def activity(self, slug: str) -> str:
        return f"{self._prefix}activity/{slug}"

    def participation(self, activity_slug: str, position: int) -> str:
        return f"{self._prefix}participation/{activity_slug}-{position}"

    def document(self, slug: str) -> str:
        return f"{self._prefix}document/{slug}"

    def observation(self, slug: str) -> str:
        return f"{self._prefix}observation/{slug}"

    def risk(self, slug: str) -> str:
        return f"{self._prefix}risk/{slug}"

    def account(self, slug: str) -> str:
        return f"{self._prefix}account/{slug}"

    def note(self, slug: str) -> str:
        return f"{self._prefix}note/{slug}"

    def law(self, slug: str) -> str:
        return f"{self._prefix}law/{slug}"

    def source(self, section_or_document: str) -> str:
        """``guidebook`` (a document) or ``guidebook/table`` (a section)."""
        return f"{self._prefix}source/{section_or_document}"

    def dataset(self, slug: str) -> str:
        return f"{self._prefix}dataset/{slug}"

    def parse(self, iri: str) -> tuple[str, str] | None:
        """(kind, slug) for an IRI minted here, else None."""
        if not iri.startswith(self._prefix):
            return None
        kind, _, slug = iri[len(self._prefix):].partition("/")
        return (kind, slug) if kind in KINDS and slug else None

    # The catalogue (issue 4): pipelines/catalogue/catalog.py describes the dataset with these.

    def dataset_version(self, slug: str, version: str) -> str:
        """One release of a dataset (a DCAT version of ``dataset(slug)``): ``dataset/lianzheng/1.0.0``."""
        return f"{self._prefix}dataset/{slug}/{version}"

    def catalog(self, slug: str) -> str:
        return f"{self._prefix}catalog/{slug}"

    def distribution(self, slug: str, version: str, path: str) -> str:
        """A file of one release: ``distribution/lianzheng/1.0.0/data-cases-csv`` for ``data/cases.csv``."""
        name = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in path.lower()).strip("-")
        return f"{self._prefix}distribution/{slug}/{version}/{name}"

    def service(self, slug: str) -> str:
        """A data service the site runs: ``service/sparql``, ``service/api``, ``service/reconcile``."""
        return f"{self._prefix}service/{slug}"
