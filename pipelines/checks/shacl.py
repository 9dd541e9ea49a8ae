"""SHACL on the graph, before publishing (Frictionless on the tables is :mod:`.frictionless`).

Results become :class:`~pipelines.errors.Problem` rows: a Violation is an ``error`` and
stops a release; Warnings and Infos are reported and do not.

SHACL (https://www.w3.org/TR/shacl/) runs in pySHACL with the project's shapes
(``shapes/``) over the data graph alone (code values are checked with ``sh:in``).
Every shape targets a class and looks no further than the nodes one hop away,
so the graph can be checked case by case: each chunk of cases, with the
dataset node and the shared records (agencies, sources, laws) they point at, is checked in a worker
process, two at a time on two cores. A result about a shared record is found
in every chunk and reported once.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from functools import cache

from .. import model as m
from ..errors import ERROR, INFO, WARNING, Problem
from ..rdf.graph import TripleParts
from ..rdf.ids import Minter
from ..terms import shapes_dir

SH = "http://www.w3.org/ns/shacl#"
_SEVERITY = {SH + "Violation": ERROR, SH + "Warning": WARNING, SH + "Info": INFO}
CHUNK_CASES = 400


@cache
def shapes_graph():
    from rdflib import Graph

    g = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        g.parse(path, format="turtle")
    return g


_STATE: dict = {}  # set before forking; read by the workers


def _chunk_triples(index: int) -> list[tuple]:
    parts, chunk = _STATE["parts"], _STATE["chunks"][index]
    out = list(parts.top) + list(parts.shared)  # the dataset node too: its shape looks one hop away
    for cid in chunk:
        out.extend(parts.cases[cid])
    return out


def run_shacl_chunk(index: int) -> list[tuple]:
    """SHACL results of one chunk as plain tuples (cheap to send back)."""
    from pyshacl import validate

    from . import gate
    from .shacl_store import data_graph

    speed_up: AbstractContextManager
    if gate.verified("pyshacl", gate.PYSHACL):
        from .shacl_batch import batched  # imports pySHACL's private modules: only where checked
        speed_up = batched()
    else:
        speed_up = nullcontext()
    g = data_graph(_chunk_triples(index))
    with speed_up:
        _, results, _ = validate(g, shacl_graph=shapes_graph(), inference="none",
                                 abort_on_first=False, allow_warnings=True, advanced=False,
                                 inplace=True)
    return _results(results)  # warnings and infos too: a conforming graph may have them


def _results(results) -> list[tuple]:
    from rdflib import Namespace

    sh = Namespace(SH)
    out = []
    # top-level results only: a failed nested shape also leaves sh:detail results
    for r in results.objects(None, sh.result):
        focus = str(results.value(r, sh.focusNode))
        path = results.value(r, sh.resultPath)
        severity = str(results.value(r, sh.resultSeverity))
        shape = str(results.value(r, sh.sourceShape))
        value = results.value(r, sh.value)
        msgs = {getattr(x, "language", None) or "": str(x) for x in results.objects(r, sh.resultMessage)}
        out.append((focus, str(path) if path is not None else "", severity, shape,
                    str(value) if value is not None else "", msgs.get("zh-hant") or msgs.get("zh-Hant")
                    or msgs.get("", ""), msgs.get("en") or msgs.get("", "")))
    return out


def prepare_shacl(parts: TripleParts, chunk_cases: int = CHUNK_CASES) -> int:
    """Set up the chunks for :func:`run_shacl_chunk` (before forking); return their number."""
    ids = list(parts.cases)
    _STATE.update(parts=parts, chunks=[ids[i:i + chunk_cases] for i in range(0, len(ids), chunk_cases)] or [[]])
    shapes_graph()  # parse once, before forking
    return len(_STATE["chunks"])


def finish_shacl() -> None:
    _STATE.clear()


def shacl_problems(ds: m.Dataset, base: str, parts: list[list[tuple]]) -> list[Problem]:
    """Problems from the chunks' results: each once, errors first."""
    ids = Minter(base)
    owner = {}
    for group in (ds.activities, ds.documents, ds.observations, ds.risks, ds.notes):
        for item in group:
            owner[item.id] = getattr(item, "case", "")
    seen, problems = set(), []
    for part in parts:
        for row in part:
            if row not in seen:
                seen.add(row)
                problems.append(_problem(row, ids, owner))
    problems.sort(key=lambda p: (p.severity != ERROR, p.file, p.record, p.field, p.type))
    return problems


def _problem(row: tuple, ids: Minter, owner: dict) -> Problem:
    focus, path, severity, shape, value, zh, en = row
    parsed = ids.parse(focus)
    kind, slug = parsed if parsed else ("", focus)
    if kind in ("case", "procurement"):
        file = f"datasets/source/cases/{slug}.yaml"
    elif kind == "agency":
        file = "datasets/source/agencies.yaml"
    elif kind == "law":
        file = "datasets/source/laws.yaml"
    elif kind == "source":
        file = "datasets/source/sources.yaml"
    elif kind == "dataset":
        file = "datasets/source/dataset.yaml"
    elif kind == "participation":
        act = slug.rsplit("-", 1)[0]
        file = f"datasets/source/cases/{owner.get(act, '')}.yaml" if owner.get(act) else "datasets/source"
    elif kind in ("activity", "document", "observation", "risk", "note"):
        case = owner.get(slug, "")
        file = f"datasets/source/cases/{case}.yaml" if case else "datasets/source/notes.yaml"
    else:
        file = ""
    field = path.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if path else ""
    # the shapes' messages name the record's file as ".../{id}.yaml": fill in the case
    case = file.rsplit("/", 1)[-1].removesuffix(".yaml") if file.endswith(".yaml") else slug
    zh, en = zh.replace("{id}", case), en.replace("{id}", case)
    shape_name = shape.rsplit("#", 1)[-1]
    extra = f"（值：{value}）" if value else ""
    return Problem(
        f"shacl:{shape_name}",
        (zh or en or "不符合 SHACL 形狀。") + extra,
        (en or zh or "Does not conform to a SHACL shape.") + (f" (value: {value})" if value else ""),
        file=file, record=slug, field=field, severity=_SEVERITY.get(severity, ERROR), check="shacl",
    )
