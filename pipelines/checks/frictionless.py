"""Frictionless on the tables, before publishing: every error is an ``error`` row
(:class:`~pipelines.errors.Problem`) and stops a release."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from ..errors import Problem
from . import gate


@contextmanager
def shared_lookups() -> Iterator[None]:
    """Let Frictionless read each table a foreign key points at once per package, not once per key.

    Frictionless (5.x) builds the lookup for a table's foreign keys by reading
    every referenced table in full, for each table that refers to it: our cases
    table was read and type-checked six times over (sharing: 12.0 -> 10.4 s at 10k
    cases). Within
    this block the key sets are built once per (package, table, fields) and shared;
    the values found and the errors reported are the same (tests/pipelines/checks/test_checks_frictionless.py).
    Self-references and anything unusual go to Frictionless's own code, and so does all of it
    on a Frictionless version :mod:`.gate` does not list.
    """
    from frictionless.resources.table import TableResource
    from frictionless.table import Lookup

    original = getattr(TableResource, "_TableResource__open_lookup", None)
    if original is None or not gate.verified("frictionless", gate.FRICTIONLESS):  # its own code, unshared
        yield
        return
    cache: dict = {}

    def open_lookup(self):
        fks = self.schema.foreign_keys
        package = self.package
        if not package or any(not fk["reference"].get("resource") or fk["reference"]["resource"] == self.name
                              or not package.has_resource(fk["reference"]["resource"]) for fk in fks):
            return original(self)
        lookup = Lookup()
        for fk in fks:
            name, key = fk["reference"]["resource"], tuple(fk["reference"]["fields"])
            lookup.setdefault(name, {})
            if key in lookup[name]:
                continue
            found = cache.get((id(package), name, key))
            if found is None:
                found = set()
                source = package.get_resource(name).to_copy()
                if source.schema:
                    source.schema.foreign_keys = []
                if source:
                    with source:
                        for row in source.row_stream:
                            cells = tuple(row.get(field) for field in key)
                            if set(cells) != {None}:
                                found.add(cells)
                cache[(id(package), name, key)] = found
            lookup[name][key] = found
        self._TableResource__lookup = lookup

    TableResource._TableResource__open_lookup = open_lookup  # type: ignore[attr-defined]  # name-mangled private
    try:
        yield
    finally:
        TableResource._TableResource__open_lookup = original  # type: ignore[attr-defined]  # name-mangled private


def frictionless_check(package_dir: Path, *, shared: bool = True) -> list[Problem]:
    """Validate a written data package with Frictionless (every table, keys, hashes)."""
    from frictionless import Package, system

    with system.use_context(trusted=True), (shared_lookups() if shared else nullcontext()):
        report = Package(str(package_dir / "datapackage.json")).validate()
    problems = []
    for task in report.tasks:
        for err in task.errors:
            row = getattr(err, "row_number", None)
            fld = getattr(err, "field_name", "") or ""
            problems.append(Problem(
                f"frictionless:{err.type}",
                f"資料表 {task.name} 不符合其結構描述" + (f"（第 {row} 列）" if row else "") + f"：{err.type}",
                err.message,
                file=f"data/{task.name}.csv", record=f"row {row}" if row else "", field=fld,
                line=row, check="frictionless",
                fix_zh="此錯誤來自建置程式或來源紀錄，請回報或修正來源後重建。",
                fix_en="The build or the source records produced this; fix the record and rebuild, or report it.",
            ))
    for err in report.errors:
        problems.append(Problem(f"frictionless:{err.type}", f"資料包描述檔錯誤：{err.type}", err.message,
                                file="datapackage.json", check="frictionless"))
    return problems


def descriptor_check(descriptor: dict) -> list[Problem]:
    """Check a package descriptor's metadata against the Data Package profile (no data read)."""
    from frictionless import Package

    report = Package.validate_descriptor(descriptor)
    return [Problem(f"frictionless:{e.type}", f"資料包描述檔錯誤：{e.type}", e.message,
                    file="datapackage.json", check="frictionless") for e in report.errors]
