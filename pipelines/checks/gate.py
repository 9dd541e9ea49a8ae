"""The gate of the speed-ups that replace a library's private code (:mod:`.shacl_batch` for
pySHACL, :func:`.frictionless.shared_lookups` for Frictionless): each runs only on the
versions its equivalence tests were run against, and anywhere else the library's own code
runs, slower but the same. A new version is added to a list only with those tests green
(``tests/pipelines/checks/test_shacl_batch.py``, ``tests/pipelines/checks/test_checks_frictionless.py``)."""

from __future__ import annotations

import importlib.metadata
import logging

log = logging.getLogger("lianzheng.checks")

PYSHACL = ("0.40.1",)
FRICTIONLESS = ("5.21.0",)

_told: set[str] = set()


def verified(package: str, versions: tuple[str, ...]) -> bool:
    """Whether the installed ``package`` is one of ``versions``; says once when it is not."""
    try:
        installed = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return False
    if installed in versions:
        return True
    if package not in _told:
        _told.add(package)
        log.warning("%s %s is not a version the build's speed-up for it was checked with (%s): "
                    "its own code runs, which is slower", package, installed, ", ".join(versions))
    return False
