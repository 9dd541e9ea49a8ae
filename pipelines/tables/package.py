"""The tabular view of the domain model: CSV tables, a Frictionless Data Package, an XLSX copy.

Data Package v2 (https://datapackage.org/standard/data-package/). Every table is declared once
in :mod:`.schema`; the CSV, the ``datapackage.json`` and the XLSX copy are all written from
that declaration.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from .. import model as m
from ..checksums import sha256
from ..rdf.ids import Minter
from .schema import SEP, TABLE_BY_NAME, TABLES, Table

DP_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
DR_PROFILE = "https://datapackage.org/profiles/2.0/dataresource.json"
TS_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"


def _d(date: m.Date | None) -> str:
    return date.iso if date else ""


def _num(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _src(cited) -> str:
    return SEP.join(dict.fromkeys(c.source for c in cited))


def rows(ds: m.Dataset, ids: Minter) -> dict[str, list[tuple]]:
    """Every table's rows, sorted by primary key, as tuples of strings."""
    out: dict[str, list[tuple]] = {}
    out["cases"] = [
        (c.id, "" if c.table_number is None else str(c.table_number), c.name.zh, c.name.en, c.procurement.zh,
         c.procurement.en,
         SEP.join(c.agencies), c.authority, c.level, c.established.iso, c.established.original,
         _num(c.amount_twd), c.amount_text, c.status, "" if c.benchmark is None else str(c.benchmark),
         SEP.join(c.pcc_tender_ids), c.wikidata, ids.case(c.id), _src(c.all_cited),
         c.place.zh if c.place else "", c.place.en if c.place else "", SEP.join(c.divisions),
         c.division_basis)
        for c in ds.cases.values()
    ]
    out["agencies"] = [
        (a.id, a.name.zh, a.name.en, a.kind, a.parent, a.level, a.agency_code, a.wikidata, ids.agency(a.id))
        for a in ds.agencies.values()
    ]
    out["case_agencies"] = [
        (c.id, aid, str(i)) for c in ds.cases.values() for i, aid in enumerate(c.agencies, start=1)
    ]
    acts, parts = [], []
    for a in ds.activities:
        desc = a.description or m.Text("", "")
        acts.append((a.id, a.case, a.type, a.date.iso, a.date.precision, _d(a.end_date),
                     "" if a.ordinal is None else str(a.ordinal), a.title.zh, a.title.en, desc.zh,
                     desc.en, _src(a.cited), " | ".join(c.locator for c in a.cited if c.locator),
                     ids.activity(a.id)))
        for pos, p in enumerate(a.participants, start=1):
            d = p.description or m.Text("", "")
            person = p.person or m.Text("", "")
            title = p.person_title or m.Text("", "")
            parts.append((a.id, str(pos), p.role, p.agency, d.zh, d.en, person.zh, person.en,
                          title.zh, title.en))
    out["activities"], out["participants"] = acts, parts
    out["documents"] = [
        (d.id, d.case, d.category, d.title.zh, d.title.en, d.publisher, _d(d.date), d.url,
         _src(d.cited), ids.document(d.id))
        for d in ds.documents
    ]
    out["observations"] = [
        (o.id, o.case, o.indicator, _num(o.value), o.unit, o.value_text, o.phase, _d(o.date),
         o.description.zh, o.description.en, _src(o.cited), ids.observation(o.id))
        for o in ds.observations
    ]
    out["risks"] = [
        (r.id, r.case, r.category, r.description.zh, r.description.en,
         r.mitigation.zh if r.mitigation else "", r.mitigation.en if r.mitigation else "",
         _src(r.cited), ids.risk(r.id))
        for r in ds.risks
    ]
    out["accounts"] = [
        (a.id, a.case, a.title.zh, a.title.en, a.quote, a.summary.zh, a.summary.en,
         "true" if a.names_project else "false", a.attribution.zh, a.attribution.en, _d(a.stated_date),
         _src(a.cited), ids.account(a.id))
        for a in ds.accounts
    ]
    out["quality_notes"] = [
        (n.id, n.case, n.type, n.field, n.official_value, n.official_source.source, n.other_value,
         n.other_source.source if n.other_source else "", n.description.zh, n.description.en,
         n.resolution.zh if n.resolution else "", n.resolution.en if n.resolution else "",
         ids.note(n.id))
        for n in ds.notes
    ]
    out["laws"] = [(law.id, law.name.zh, law.name.en, law.url, ids.law(law.id), law.kind,
                    "true" if law.in_appendix else "false", SEP.join(law.cases), _src(law.cited),
                    SEP.join(law.alt_names))
                   for law in ds.laws.values()]
    out["sources"] = [
        (s.id, s.document, ds.sources[s.document].title.zh, s.title.zh, s.title.en, ids.source(s.id),
         ds.sources[s.document].kind)
        for s in ds.sections.values()
    ]
    for table in TABLES:
        idx = [table.header.index(k) for k in table.primary_key]
        ints = [table.fields[i].type == "integer" for i in idx]
        out[table.name].sort(key=lambda r: tuple(
            int(r[i]) if is_int else r[i] for i, is_int in zip(idx, ints, strict=True)))
    return out


def csv_bytes(table: Table, table_rows: list[tuple]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.header)
    w.writerows(table_rows)
    return buf.getvalue().encode("utf-8")


def write_csvs(table_rows_by_name: dict[str, list[tuple]], out: Path) -> dict[str, tuple[int, str, int]]:
    """Write every table; return {table: (bytes, sha256, rows)}."""
    (out / "data").mkdir(parents=True, exist_ok=True)
    stats = {}
    for name, table_rows in table_rows_by_name.items():
        table = TABLE_BY_NAME[name]
        data = csv_bytes(table, table_rows)
        (out / table.path).write_bytes(data)
        stats[name] = (len(data), sha256(data), len(table_rows))
    return stats


def datapackage(meta: dict, stats: dict[str, tuple[int, str, int]], codes: dict[str, set[str]],
                *, created: str, extra_resources: Sequence[dict] = (),
                purpose: m.StatedPurpose | None = None) -> dict:
    """The ``datapackage.json`` descriptor (Data Package v2).

    ``purpose`` (the dataset's stated purpose, cited) is written as the custom property
    ``purpose``: ``{"zh", "en", "sources": [{"source", "locator"}]}``; Data Package v2 allows
    properties of a publisher's own beside the standard ones.
    """
    title = meta.get("title", {})
    desc = meta.get("description", {})
    publisher = m.publisher_name(meta)
    provenance = meta.get("provenance")
    lic = meta.get("licence", {}) if isinstance(meta.get("licence"), dict) else {}
    resources = []
    for table in TABLES:
        size, digest, count = stats[table.name]
        schema: dict = {
            "$schema": TS_PROFILE,
            "fields": [f.descriptor(codes) for f in table.fields],
            "missingValues": [""],
            "primaryKey": list(table.primary_key),
        }
        if table.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": list(fields), "reference": (
                    {"fields": list(ref_fields)} if ref == table.name else
                    {"resource": ref, "fields": list(ref_fields)})}
                for fields, ref, ref_fields in table.foreign_keys
            ]
        resources.append({
            "$schema": DR_PROFILE,
            "name": table.name,
            "type": "table",
            "path": table.path,
            "scheme": "file",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "title": f"{table.zh} {table.en}",
            "description": f"{table.zh}。{table.en}. {count} rows.",
            "bytes": size,
            "hash": f"sha256:{digest}",
            "dialect": {"$schema": "https://datapackage.org/profiles/2.0/tabledialect.json",
                        "header": True, "delimiter": ",", "lineTerminator": "\n",
                        "quoteChar": '"', "doubleQuote": True},
            "schema": schema,
        })
    resources.extend(extra_resources)
    stated = {"purpose": {
        "zh": purpose.text.zh, "en": purpose.text.en,
        "sources": [{"source": c.source, "locator": c.locator} for c in purpose.cited],
    }} if purpose else {}
    return {
        "$schema": DP_PROFILE,
        "name": meta.get("id", "lianzheng"),
        "id": meta.get("iri", ""),
        "title": f"{title.get('zh', '')} {title.get('en', '')}".strip(),
        "description": f"{desc.get('zh', '')}\n\n{desc.get('en', '')}".strip(),
        **stated,
        "version": str(meta.get("version", "")),
        "created": created,
        "homepage": meta.get("homepage", ""),
        "keywords": list(meta.get("keywords", {}).get("zh", [])) + list(
            meta.get("keywords", {}).get("en", [])) if isinstance(meta.get("keywords"), dict) else [],
        "licenses": [{
            "name": lic.get("id", "OGDL-Taiwan-1.0"),
            "path": lic.get("url", "https://data.gov.tw/license"),
            "title": lic.get("title", "政府資料開放授權條款－第1版"),
        }],
        "sources": [
            {"title": s["title"], "path": s.get("path", "")} if s.get("path") else {"title": s["title"]}
            for s in meta.get("package_sources", [])
        ],
        "contributors": [
            {"title": f"{publisher.zh} {publisher.en}".strip(), "roles": ["publisher"]}
        ] if publisher is not m.UNSET_PUBLISHER else [],
        **({"provenance": f"{provenance.get('zh', '')}\n\n{provenance.get('en', '')}".strip()}
           if isinstance(provenance, dict) else {}),
        "resources": resources,
    }


def write_xlsx(ds_rows: dict[str, list[tuple]], path: Path, *, created: _dt.datetime,
               title: str) -> None:
    """The same tables as an XLSX workbook, one sheet each, typed cells, byte-stable."""
    from .xlsx import Sheet, write_workbook

    sheets = [Sheet(table.name[:31], table.header, [f.type for f in table.fields], ds_rows[table.name])
              for table in TABLES]
    write_workbook(path, sheets, title=title, author="lianzheng", created=created)
