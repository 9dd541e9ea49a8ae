#!/usr/bin/env python3
"""Rewrite every `sh:in` code list in shapes/*.ttl from the concepts of vocab/codes.ttl.

The shapes check code values with sh:in lists (fast in pySHACL); vocab/codes.ttl is
the authority. After adding a code there, run this; tests/test_shapes.py fails until
the two agree.
"""

import re
import sys
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import SKOS

ROOT = Path(__file__).resolve().parents[1]
CODES = "https://w3id.org/lianzheng/vocab/"


def main() -> int:
    codes = Graph().parse(ROOT / "vocab" / "codes.ttl")
    by_scheme: dict[str, list[str]] = {}
    for concept, scheme in codes.subject_objects(SKOS.inScheme):
        by_scheme.setdefault(str(scheme)[len(CODES):], []).append(str(concept))
    pattern = re.compile(r"sh:in \(\n((?:        <[^>]+>\n)+)    \)")

    def replace(m: re.Match) -> str:
        first = re.search(r"<([^>]+)>", m.group(1)).group(1)
        scheme = first[len(CODES):].split("/")[0]
        items = "".join(f"        <{iri}>\n" for iri in sorted(by_scheme[scheme]))
        return f"sh:in (\n{items}    )"

    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        text = path.read_text(encoding="utf-8")
        new = pattern.sub(replace, text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
