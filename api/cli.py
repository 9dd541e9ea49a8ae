"""The ``lianzheng`` command: the build side's verbs (:mod:`pipelines.cli`) and ``serve``.

It lives on the serve side so that the build package never imports the service: the verbs
that only build and check come from :mod:`pipelines.cli`; this module adds ``serve``, and
``build --store``, which loads the new release into the service's store cache.

Exit codes (as pySHACL's): 0 conforms / succeeded, 1 does not conform, 2 could not run.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from pipelines import cli as build_cli
from pipelines.settings import SettingError

from .settings import SETTINGS, load

SERVE_FLAGS = ("release", "releases", "source", "base", "host", "port", "public_url",
               "query_timeout", "max_results", "max_body", "client_budget", "budget_window",
               "query_workers", "client_workers", "client_queue", "max_answer_bytes", "trusted_proxies",
               "max_connections", "client_connections", "header_timeout", "body_timeout",
               "keepalive_timeout", "send_timeout", "max_headers", "max_header_bytes", "signing_key", "database",
               "log_poll", "release_idle", "releases_open", "open_share", "submit_rate")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lianzheng",
        description="機關採購廉政平臺開放資料 — build, check and serve the Integrity Platform open data.",
    )
    sub = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    verbs = build_cli.add_verbs(sub, SETTINGS)
    verbs["build"].add_argument(
        "--store", action=argparse.BooleanOptionalAction, default=None,
        help="Also load the release into the query store's cache, so that `lianzheng serve` opens it at "
        "once instead of loading it when it starts (default: yes when publishing into RELEASES, no with --out).")
    s = sub.add_parser("serve", help="Serve a release: REST, SPARQL, linked data, downloads, pages.",
                       description="Serve the newest release (building one first if there is none).")
    for name in SERVE_FLAGS:
        build_cli.add_setting(s, SETTINGS, name)
    return p


def prepare_store(release: Path, settings, *, quiet: bool) -> None:
    """Load a built release into the service's store cache (what `serve` would do when it starts).

    The release is complete and published whatever happens here: a failure is
    reported and the service loads the store itself when it starts.
    """
    from .store.embedded import StoreError, cache_root
    from .store.embedded import prepare_store as prepare

    t = time.perf_counter()
    try:
        path = prepare(release, cache_root(settings)).wait(timeout=1800)
    except (StoreError, OSError) as exc:
        sys.stderr.write(f"查詢資料庫未能預先載入，服務啟動時會再載入：{exc}\n"
                         f"The query store could not be prepared; the service will load it when it starts: {exc}\n")
        return
    if not quiet:
        print(f"query store ready: {path} ({time.perf_counter() - t:.1f} s)")


def cmd_build(args, settings) -> int:
    store = args.store if args.store is not None else not args.out
    after = (lambda folder: prepare_store(folder, settings, quiet=args.quiet)) if store else None
    return build_cli.cmd_build(args, settings, after=after)


def cmd_serve(args, settings) -> int:
    from .server import serve

    return serve(settings)


HANDLERS = {**build_cli.HANDLERS, "build": cmd_build, "serve": cmd_serve}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    flags = {s.name: getattr(args, s.name) for s in SETTINGS if hasattr(args, s.name)}
    try:
        settings = load(dict(os.environ), **flags)
    except SettingError as exc:
        sys.stderr.write(f"設定錯誤 / invalid setting: {exc}\n")
        return build_cli.EXIT_ERROR
    handler = HANDLERS[args.verb]
    return build_cli.run(lambda: handler(args, settings))


if __name__ == "__main__":
    sys.exit(main())
