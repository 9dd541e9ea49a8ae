"""The prefixes the writers use: the vocabularies', then one per kind of instance IRI of a base;
and the JSON-LD context the release publishes, with those instance prefixes added."""

from __future__ import annotations

import json

from ..terms import PREFIXES, load_codes, vocab_dir
from .ids import KINDS, Minter


def prefixes_for(base: str) -> dict[str, str]:
    """Turtle/JSON-LD prefixes: the vocabularies', then one per kind of instance IRI."""
    ids = Minter(base)
    out = dict(PREFIXES)
    for scheme in sorted(load_codes()):
        out.setdefault(scheme, f"https://w3id.org/lianzheng/vocab/{scheme}/")
    for kind in KINDS:
        out[kind] = f"{ids.base}/id/{kind}/"
    return out


def jsonld_context(base: str) -> dict:
    """The published context (vocab/context.jsonld) plus the instance prefixes of this base."""
    published = json.loads((vocab_dir() / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    ctx = dict(published)
    for k, v in prefixes_for(base).items():
        ctx.setdefault(k, v)
    return ctx
