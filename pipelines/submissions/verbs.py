"""The submissions' verbs of the ``lianzheng`` command: ``tokens`` (create, list, revoke) and
``release`` (fold the accepted submissions into the records and publish). :mod:`pipelines.cli`
adds them to its parser and its handlers; exit codes are the command's (0 done, 1 refused,
2 could not run)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import database, tokens

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def database_path(settings) -> Path:
    return Path(settings.database) if settings.database else database.default_path(settings.releases)


def add(sub, add_setting) -> dict:
    """Declare ``tokens`` and ``release``; ``add_setting(parser, name)`` declares a setting's flag."""
    t = sub.add_parser(
        "tokens",
        help="Make, list and revoke agencies' submission and review tokens.",
        description="create: make a token for an agency (shown once; only its hash is kept). "
        "list: every token, without secrets. revoke: stop a token at once. Every use of a token "
        "is logged in the submissions database. Exit 0 done, 1 refused, 2 could not run.",
    )
    ts = t.add_subparsers(dest="tokens_verb", metavar="ACTION", required=True)
    c = ts.add_parser("create", help="Make a token and print it once.")
    c.add_argument(
        "--agency",
        required=True,
        help="The agency's id in agencies.yaml (its cases and those of "
        "the agencies under it are the ones it may submit for).",
    )
    c.add_argument(
        "--role",
        required=True,
        choices=tokens.ROLES,
        help="submitter: submits for its agency's cases; reviewer (the AAC): reviews and releases.",
    )
    c.add_argument("--days", type=int, default=tokens.DEFAULT_DAYS, help="Days until it expires (default 90).")
    c.add_argument("--label", default="", help="Who holds it, for the list (a unit's name; no secrets).")
    lst = ts.add_parser("list", help="List the tokens (ids, agencies, roles, expiry; never the secrets).")
    lst.add_argument("--format", choices=("text", "json"), default="text")
    r = ts.add_parser("revoke", help="Revoke a token by its id (or the token itself).")
    r.add_argument("token_id")
    for parser in (c, lst, r):
        for name in ("database", "releases", "source"):
            add_setting(parser, name)

    rel = sub.add_parser(
        "release",
        help="Fold accepted submissions into the records and publish a release.",
        description="Write every accepted submission into the source records (the same YAML "
        "files), raise the dataset's minor version, commit them where the records are in a "
        "git work tree, then build, sign and publish the release through the release log. "
        "A run cut short is finished by the next. Exit 0 released or nothing to release, "
        "1 refused (the report says why), 2 could not run.",
    )
    for name in ("source", "releases", "database", "base", "signing_key", "workers"):
        add_setting(rel, name)
    rel.add_argument("--no-git", action="store_true", help="Do not commit the records even in a git work tree.")
    rel.add_argument("--format", choices=("text", "json"), default="text")
    return {"tokens": t, "release": rel}


def cmd_tokens(args, settings) -> int:
    db = database.connect(database_path(settings))
    if args.tokens_verb == "create":
        from ..read.reader import read_dataset

        ds = read_dataset(settings.source)
        if args.agency not in ds.agencies:
            sys.stderr.write(
                f"[error] 名錄中沒有機關「{args.agency}」。修正方式：用 agencies.yaml 的識別碼。\n"
                f"    There is no agency '{args.agency}' in the registry. Fix: use an id of agencies.yaml.\n"
            )
            return EXIT_INVALID
        try:
            token, holder = tokens.create(db, args.agency, args.role, days=args.days, label=args.label)
        except ValueError as exc:
            sys.stderr.write(f"[error] {exc}\n")
            return EXIT_INVALID
        database.record_event(
            db, "token-create", "ok", token=holder.id, agency=holder.agency, role=holder.role, target="command line"
        )
        sys.stderr.write(
            f"權杖只顯示這一次，請妥善交付。This token is shown once: hand it over safely.\n"
            f"id {holder.id}, agency {holder.agency}, role {holder.role}, expires {holder.expires}\n"
        )
        print(token)
        return EXIT_OK
    if args.tokens_verb == "list":
        rows = tokens.listing(db)
        if args.format == "json":
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                state = f"revoked {r['revoked']}" if r["revoked"] else f"expires {r['expires']}"
                print(f"{r['id']}  {r['role']:<9}  {r['agency']}  {state}  {r['label']}")
        return EXIT_OK
    if tokens.revoke(db, args.token_id):
        database.record_event(
            db,
            "token-revoke",
            "ok",
            token=args.token_id.removeprefix(tokens.PREFIX).split("_")[0],
            target="command line",
        )
        print(f"revoked {args.token_id.removeprefix(tokens.PREFIX).split('_')[0]}")
        return EXIT_OK
    sys.stderr.write("[error] 沒有這個權杖，或已撤銷。 There is no such token, or it is revoked already.\n")
    return EXIT_INVALID


def cmd_release(args, settings) -> int:
    from ..log.publishing import signer_for
    from .fold import release

    path = database_path(settings)
    db = database.connect(path)

    def signer():
        key, note = signer_for(settings.signing_key, settings.base)
        if note:
            sys.stderr.write(note + "\n")
        return key

    publish_kw = {"workers": settings.workers or None}
    out = release(
        Path(settings.source),
        Path(settings.releases),
        path,
        db,
        signer=signer,
        base=settings.base,
        git=not args.no_git,
        publish_kw=publish_kw,
    )
    database.record_event(db, "release", "ok" if out.ok else "refused", target=out.version or "", role="command line")
    if args.format == "json":
        print(
            json.dumps(
                {
                    "ok": out.ok,
                    "version": out.version,
                    "folded": out.folded,
                    "returned": out.returned,
                    "released": out.released,
                    "commit": out.commit,
                    "message": out.message,
                    "report": json.loads(out.report.to_json()),
                },
                ensure_ascii=False,
            )
        )
    else:
        print(out.message)
        for sid in out.returned:
            print(f"returned #{sid}: it no longer applies (see its reason)")
        if out.commit:
            print(f"commit {out.commit}")
    for p in out.report.errors:
        sys.stderr.write(p.render() + "\n")
    return EXIT_OK if out.ok else EXIT_INVALID
