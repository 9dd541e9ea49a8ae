"""Fixtures for the service's tests: one app over the real release, started once per session."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import XSD

from pipelines.settings import load


@pytest.fixture(scope="session")
def api_root(tmp_path_factory) -> Path:
    """A folder standing in for ``datasets/``: releases and the store cache go here."""
    return tmp_path_factory.mktemp("service")


def settings_for(root: Path, **flags):
    return load({}, releases=str(root / "releases"), **flags)


@pytest.fixture(scope="session")
def api_settings(api_root):
    return settings_for(api_root)


def client_for(settings, release):
    from fastapi.testclient import TestClient

    from api.app import create_app

    return TestClient(create_app(settings, release))


@pytest.fixture(scope="session")
def client(real_release, api_settings):
    """A TestClient of the app serving the project's own release, workers running."""
    with client_for(api_settings, real_release) as c:
        yield c


def by_value(graph: Graph) -> Graph:
    """The graph with numeric literals in one lexical form: the store keeps values, not spellings."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal:
            o = Literal(format(Decimal(str(o)).normalize(), "f"), datatype=XSD.decimal)
        out.add((s, p, o))
    return out
