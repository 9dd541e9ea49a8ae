"""The ``lianzheng`` command: one thin verb per library function.

Exit codes (as pySHACL's): 0 conforms / succeeded, 1 does not conform, 2 could
not run (bad arguments, unreadable input, an unexpected failure).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import CannotRun, ProblemsFound, Report
from .settings import ROOT, SETTINGS, SettingError, load

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def _add_setting(parser: argparse.ArgumentParser, name: str) -> None:
    """Declare a setting's flag once, from the settings table (help and type)."""
    s = next(s for s in SETTINGS if s.name == name)
    default = str(s.default)
    if default.startswith(str(ROOT) + "/"):  # paths in the checkout: show them as the docs do
        default = default[len(str(ROOT)) + 1:]
    parser.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None,
                        help=f"{s.help} [env {('LIANZHENG_' + name.upper())}; default {default}]")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lianzheng",
        description="機關採購廉政平臺開放資料 — build, check and serve the Integrity Platform open data.",
    )
    sub = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    b = sub.add_parser("build", help="Build a checked, checksummed release from the source records.",
                       description="Build a release. Without --out: into RELEASES/{version} "
                       "(immutable) and move RELEASES/latest to it. A failed build writes nothing.")
    b.add_argument("--out", type=Path, help="Write the release into this folder (replaced atomically).")
    for name in ("source", "releases", "base", "workers", "ocid_prefix"):
        _add_setting(b, name)
    b.add_argument("--store", action=argparse.BooleanOptionalAction, default=None,
                   help="Also load the release into the query store's cache, so that `lianzheng serve` "
                   "opens it at once instead of loading it when it starts (default: yes when publishing "
                   "into RELEASES, no with --out).")
    b.add_argument("--quiet", action="store_true", help="Print only problems.")

    v = sub.add_parser("validate", help="Check source records or a built release and print the report.",
                       description="Check PATH: a source folder (records, tables and SHACL, as a build "
                       "would, writing nothing) or a release folder (checksums, Frictionless, SHACL). "
                       "Exit 0 conforms, 1 does not, 2 could not run.")
    v.add_argument("path", type=Path, help="A source folder (with dataset.yaml) or a release folder.")
    v.add_argument("--format", choices=("text", "json"), default="text", help="Report format.")
    _add_setting(v, "base")

    i = sub.add_parser("import", help="Convert a table from a legacy encoding (Big5/CP950) to UTF-8.",
                       description="Decode FILE strictly with the named encoding and write UTF-8 "
                       "without BOM. Refuses, writing nothing, if any byte does not decode.")
    i.add_argument("file", type=Path)
    i.add_argument("--encoding", required=True, help="The file's encoding: cp950, big5, utf-8-sig, utf-16 ...")
    i.add_argument("--out", type=Path, help="Where to write (default: FILE, replaced).")

    s = sub.add_parser("serve", help="Serve a release: REST, SPARQL, linked data, downloads, pages.",
                       description="Serve the newest release (building one first if there is none).")
    for name in ("release", "releases", "source", "base", "host", "port", "public_url",
                 "query_timeout", "max_results", "max_body", "client_budget", "budget_window",
                 "query_workers", "client_workers", "client_queue", "max_answer_bytes", "trusted_proxies",
                 "max_connections", "client_connections", "header_timeout", "body_timeout",
                 "keepalive_timeout", "send_timeout", "max_headers", "max_header_bytes"):
        _add_setting(s, name)

    u = sub.add_parser("push", help="Push the dataset's metadata to data.gov.tw (or a compatible API).",
                       description="Send a release's datagovtw.json body to the portal's dataset API: PUT "
                       "{api}/api/v1/rest/dataset/{id} (or POST with --create). The API key is read from "
                       "the environment variable LIANZHENG_DATAGOVTW_API_KEY only. --dry-run prints the "
                       "exact request (the key shown as ***) and sends nothing. Exit 0 accepted, 1 refused "
                       "or not ready to push, 2 could not run.")
    u.add_argument("path", type=Path, nargs="?", help="A release folder (default: the served release).")
    u.add_argument("--api", default=None, help="Base URL of the portal's API [env LIANZHENG_DATAGOVTW_API; "
                   "default https://data.gov.tw]")
    u.add_argument("--dataset-id", default=None, help="資料集識別碼 on the portal [env "
                   "LIANZHENG_DATAGOVTW_DATASET; default datagovtw.identifier in dataset.yaml]")
    u.add_argument("--create", action="store_true", help="Create the dataset (POST) instead of updating it (PUT).")
    u.add_argument("--dry-run", action="store_true", help="Print the exact request and send nothing.")
    for name in ("release", "releases", "public_url"):
        _add_setting(u, name)
    return p


def _print_report(report: Report, fmt: str = "text", stream=None) -> None:
    stream = stream or sys.stdout
    stream.write(report.to_json() if fmt == "json" else report.to_text())


def cmd_build(args, settings) -> int:
    from .release import build, publish

    kw = dict(base=settings.base, source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH"),
              workers=settings.workers or None, ocid_prefix=settings.ocid_prefix)
    if args.out:
        result = build(Path(settings.source), args.out, **kw)
    else:
        result = publish(Path(settings.source), Path(settings.releases), **kw)
    if not result.ok:
        _print_report(result.report, stream=sys.stderr)
        sys.stderr.write("建置失敗，未寫入任何檔案。 Build failed; nothing was written.\n")
        return EXIT_INVALID
    if not args.quiet:
        if result.report.problems:
            _print_report(result.report)
        state = "unchanged, already built" if result.unchanged else "written"
        print(f"release {state}: {result.out}")
        for key, value in result.report.stats.items():
            print(f"  {key}: {value}")
        if result.timings:
            print("  seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items()))
    if args.store if args.store is not None else not args.out:
        _prepare_store(Path(result.out), settings, quiet=args.quiet)
    return EXIT_OK


def _prepare_store(release: Path, settings, *, quiet: bool) -> None:
    """Load a built release into the service's store cache (what `serve` would do when it starts).

    The release is complete and published whatever happens here: a failure is
    reported and the service loads the store itself when it starts.
    """
    import time

    try:
        from api.store import StoreError, cache_root, prepare_store
    except ImportError:  # pragma: no cover - the service ships with the package
        return
    t = time.perf_counter()
    try:
        path = prepare_store(release, cache_root(settings)).wait(timeout=1800)
    except (StoreError, OSError) as exc:
        sys.stderr.write(f"查詢資料庫未能預先載入，服務啟動時會再載入：{exc}\n"
                         f"The query store could not be prepared; the service will load it when it starts: {exc}\n")
        return
    if not quiet:
        print(f"query store ready: {path} ({time.perf_counter() - t:.1f} s)")


def cmd_validate(args, settings) -> int:
    import tempfile

    from .records import Reader
    from .release import MANIFEST, build_into, check_release, created_time

    path: Path = args.path
    if not path.exists():
        sys.stderr.write(f"找不到 {path}。 {path} does not exist.\n")
        return EXIT_ERROR
    if (path / MANIFEST).exists() or (path / "datapackage.json").exists():
        report = check_release(path, workers=settings.workers or None)
    else:
        report = Report(checks=["records"])
        reader = Reader(path)
        try:
            ds = reader.read()
        except ProblemsFound:
            report.extend(reader.problems)
            _print_report(report, args.format)
            return EXIT_INVALID
        report.extend(reader.problems)
        with tempfile.TemporaryDirectory(prefix="lianzheng-validate-") as tmp:
            build_into(ds, Path(tmp), base=settings.base, report=report, timings={},
                       created=created_time(ds.meta, None), workers=settings.workers or None)
    _print_report(report, args.format)
    return EXIT_OK if report.conforms else EXIT_INVALID


def cmd_import(args, settings) -> int:
    from .textfiles import convert_to_utf8

    if not args.file.is_file():
        sys.stderr.write(f"找不到檔案 {args.file}。 No such file: {args.file}\n")
        return EXIT_ERROR
    out = args.out or args.file
    chars, problems = convert_to_utf8(args.file, out, args.encoding)
    if problems:
        for p in problems:
            sys.stderr.write(p.render() + "\n")
        return EXIT_INVALID
    print(f"wrote {out} as UTF-8 ({chars} characters)")
    return EXIT_OK


def cmd_serve(args, settings) -> int:
    try:
        from api.server import serve
    except ImportError as exc:  # pragma: no cover - the service ships with the package
        sys.stderr.write(f"the service is not available: {exc}\n")
        return EXIT_ERROR
    return serve(settings)


def cmd_push(args, settings) -> int:
    from .catalogue.datagovtw import API_ENV, DATASET_ENV, DEFAULT_API, KEY_ENV, PushFailed, push_request, send

    folder = args.path or Path(settings.release or Path(settings.releases) / "latest")
    if not (folder / "datagovtw.json").is_file():
        sys.stderr.write(f"{folder} 不是含 datagovtw.json 的發行版。 {folder} is not a release with datagovtw.json.\n")
        return EXIT_ERROR
    key = os.environ.get(KEY_ENV, "")
    if not key and not args.dry_run:
        sys.stderr.write(f"請以環境變數 {KEY_ENV} 提供機關的 API 金鑰。 Set the agency's API key in {KEY_ENV}.\n")
        return EXIT_ERROR
    request, problems = push_request(
        folder, api=args.api or os.environ.get(API_ENV) or DEFAULT_API, public_url=settings.public_url,
        key=key or "(not set)", dataset_id=args.dataset_id or os.environ.get(DATASET_ENV, ""), create=args.create)
    if args.dry_run:
        print(request.render())
    for p in problems:
        sys.stderr.write(p.render() + "\n")
    if problems:
        sys.stderr.write("未推送。 Nothing was pushed.\n" if not args.dry_run else "")
        return EXIT_INVALID
    if args.dry_run:
        return EXIT_OK
    try:
        accepted, status, answer = send(request)
    except PushFailed as exc:
        sys.stderr.write(f"無法連線至 {request.url}：{exc} / could not reach {request.url}: {exc}\n")
        return EXIT_ERROR
    if not accepted:
        sys.stderr.write(f"平臺拒絕（HTTP {status}）/ the portal refused (HTTP {status}): {answer[:2000]}\n")
        return EXIT_INVALID
    print(f"pushed: {request.method} {request.url} -> HTTP {status}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    flags = {s.name: getattr(args, s.name) for s in SETTINGS if hasattr(args, s.name)}
    try:
        settings = load(dict(os.environ), **flags)
    except SettingError as exc:
        sys.stderr.write(f"設定錯誤 / invalid setting: {exc}\n")
        return EXIT_ERROR
    handler = {"build": cmd_build, "validate": cmd_validate, "import": cmd_import,
               "serve": cmd_serve, "push": cmd_push}[args.verb]
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return EXIT_ERROR
    except CannotRun as exc:
        sys.stderr.write(exc.problem.render() + "\n")
        return EXIT_ERROR
    except ProblemsFound as exc:
        for p in exc.problems:
            sys.stderr.write(p.render() + "\n")
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - the one place that turns a crash into exit 2
        sys.stderr.write(f"執行失敗 / could not run: {type(exc).__name__}: {exc}\n")
        if os.environ.get("LIANZHENG_DEBUG"):
            raise
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
