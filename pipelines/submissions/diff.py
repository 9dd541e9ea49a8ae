"""A case before and after a submission, as the reviewer reads it: table by table, the rows of
the data package that are added, removed or changed, and in a changed row the fields.

The tables are the ones people download (:mod:`pipelines.tables.package`), so the diff shows
exactly what the release will change; a row belongs to the case when its ``case_id`` is the
case's (or, for the case itself, when it is the case's row)."""

from __future__ import annotations

from .. import model as m
from ..rdf.ids import Minter
from ..tables import package as tabular
from ..tables.schema import TABLES


def _case_rows(ds: m.Dataset, case: str, base: str) -> dict[str, dict[tuple, dict]]:
    out: dict[str, dict[tuple, dict]] = {}
    all_rows = tabular.rows(ds, Minter(base))
    for table in TABLES:
        names = [f.name for f in table.fields]
        if "case_id" not in names:
            continue
        at = names.index("case_id")
        key = [names.index(k) for k in table.primary_key]
        out[table.name] = {
            tuple(r[i] for i in key): dict(zip(names, r, strict=True))
            for r in all_rows.get(table.name, [])
            if r[at] == case
        }
    return out


def case_diff(before: m.Dataset, after: m.Dataset, case: str, base: str) -> dict:
    """``{"tables": [{"table", "added": [row], "removed": [row], "changed": [{"key", "fields":
    [{"field", "before", "after"}]}]}]}``, only the tables that change."""
    old, new = _case_rows(before, case, base), _case_rows(after, case, base)
    tables = []
    for name in new:
        a, b = old.get(name, {}), new[name]
        added = [b[k] for k in sorted(set(b) - set(a))]
        removed = [a[k] for k in sorted(set(a) - set(b))]
        changed = []
        for k in sorted(set(a) & set(b)):
            fields = [{"field": f, "before": a[k][f], "after": b[k][f]} for f in b[k] if a[k].get(f) != b[k][f]]
            if fields:
                changed.append({"key": list(k), "fields": fields})
        if added or removed or changed:
            tables.append({"table": name, "added": added, "removed": removed, "changed": changed})
    return {"tables": tables}
