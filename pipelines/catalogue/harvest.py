"""Files for harvesters and cross-linking in every release (issue 4).

``write_release_files`` is called by the release build once every data file is in
the release folder and before the checksums are written. It writes, in this order
(each later file may describe the earlier ones):

==================  =============================================================  ==============
file                what                                                           module
==================  =============================================================  ==============
``reconcile.json``  names of every case and agency, for the reconciliation service  ``reconcile``
``ocds.json``       OCDS 1.1 release package, one planning-stage process per case   ``ocds``
``changes.atom``    Atom feed of releases and changed cases (RFC 4287)              ``feed``
``datagovtw.json``  the dataset in data.gov.tw's own metadata fields, and the body  ``datagovtw``
                    the ``push`` command sends to the portal's API
``void.ttl``        VoID description of the RDF dataset                             ``void``
``catalog.ttl``     DCAT-AP 3.0.1 catalogue (also ``.jsonld`` and ``.rdf``): every  ``catalog``
                    other release file as a distribution, with size and SHA-256
==================  =============================================================  ==============

What the writers share (routes, file names, the public-URL convention, :class:`Release`)
is in :mod:`pipelines.catalogue.context`.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..model import Dataset
from . import catalog, datagovtw, feed, ocds, reconcile, void
from .context import Release


def write_release_files(ds: Dataset, folder: Path, *, base: str, created: str,
                        previous: Path | None, ocid_prefix: str = "ocds-lianzheng",
                        log_key: str | None = None) -> list[str]:
    """Write the harvesting files into ``folder``; return their relative paths.

    ``previous`` is the previous release's folder (or None for the first release):
    the change feed compares with it and the catalogue links to it as the previous
    version. ``ocid_prefix`` is the ``ocid_prefix`` setting; ``log_key`` the verifier key that
    signs the release log (the catalogue publishes it), None for a release built outside a log.
    """
    rel = Release(ds, Path(folder), base, created, Path(previous) if previous else None, ocid_prefix,
                  log_key)
    written = [
        reconcile.write_index(rel),
        ocds.write_package(rel),
        feed.write_feed(rel),
        datagovtw.write_metadata(rel),
        void.write_void(rel),
    ]
    written += catalog.write_catalog(rel)
    return written


def check_release_files(folder: Path, *, base: str | None = None) -> list:
    """Problems with the harvesting files of a built release (as :class:`~pipelines.errors.Problem` rows).

    Checks what the portals check: the data.gov.tw quality badge (direct CSV
    downloads, declared encoding equal to the files', field descriptions equal to
    each CSV header) and that the catalogue describes every file with its real size
    and checksum.
    """
    folder = Path(folder)
    if base is None:
        manifest = folder / "release.json"
        base = json.loads(manifest.read_text(encoding="utf-8")).get("base") if manifest.exists() else None
    return datagovtw.quality_problems(folder) + catalog.inventory_problems(folder, base)
