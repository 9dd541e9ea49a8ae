"""The build side's verbs of the ``lianzheng`` command (``build``, ``validate``, ``import``,
``push``): one thin verb per library function. The command itself, with the service's verb,
is :mod:`api.cli`, which adds these to its parser (:func:`add_verbs`) and runs them
(:func:`run`).

Exit codes (as pySHACL's): 0 conforms / succeeded, 1 does not conform, 2 could
not run (bad arguments, unreadable input, an unexpected failure).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import CannotRun, Problem, ProblemsFound, Report, os_problem
from .settings import ROOT, Setting
from .submissions import verbs as submission_verbs

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def add_setting(parser: argparse.ArgumentParser, table: tuple[Setting, ...], name: str) -> None:
    """Declare a setting's flag once, from the settings table (help and type)."""
    s = next(s for s in table if s.name == name)
    default = str(s.default)
    if default.startswith(str(ROOT) + "/"):  # paths in the checkout: show them as the docs do
        default = default[len(str(ROOT)) + 1:]
    parser.add_argument(s.flag, dest=name, default=None, help=f"{s.help} [env {s.env}; default {default}]")


def add_verbs(sub, table: tuple[Setting, ...]) -> dict[str, argparse.ArgumentParser]:
    """Add the build side's verbs to the command's subparsers; their flags come from ``table``."""
    def _add_setting(parser, name):
        add_setting(parser, table, name)

    b = sub.add_parser("build", help="Build a checked, checksummed release from the source records.",
                       description="Build a release. Without --out: into RELEASES/{version} "
                       "(immutable) and move RELEASES/latest to it. A failed build writes nothing.")
    b.add_argument("--out", type=Path, help="Write the release into this folder (replaced atomically).")
    for name in ("source", "releases", "base", "workers", "ocid_prefix", "signing_key"):
        _add_setting(b, name)
    b.add_argument("--reason", default="", help="Why this release is published: recorded in its release-log "
                   "entry (and shown in each changed case's history).")
    b.add_argument("--quiet", action="store_true", help="Print only problems.")

    r = sub.add_parser("rollback", help="Serve an earlier release again: a new entry in the release log.",
                       description="Add a rollback entry to RELEASES/log that puts VERSION, a release "
                       "published before, back in service (a running service switches to it by itself); "
                       "nothing is erased from the log. Exit 0 done, 1 refused, 2 could not run.")
    r.add_argument("version", help="The version to serve again.")
    r.add_argument("--reason", required=True, help="Why: recorded in the entry.")
    for name in ("releases", "base", "signing_key"):
        _add_setting(r, name)

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
    return {"build": b, "validate": v, "import": i, "push": u, "rollback": r, **add_log_verbs(sub, table),
            **submission_verbs.add(sub, _add_setting)}


# --- the release log's verbs: verify, witness -----------------------------------------------


def add_log_verbs(sub, table: tuple[Setting, ...]) -> dict[str, argparse.ArgumentParser]:
    """``verify`` (anyone checks releases against the signed log) and ``witness`` (an
    independent party cosigns checkpoints; the publisher adds their lines to the log)."""
    y = sub.add_parser("verify", help="Check releases against the signed release log (anyone can).",
                       description="Check PATH against the release log: a release folder (the log defaults "
                       "to PATH/../log), a folder of releases (the log and every release it names that is "
                       "present) or a log folder. Checks the checkpoint's signature, witnesses' cosignatures, "
                       "the entries (count, index, previous hash, Merkle root), every stored checkpoint and "
                       "proof, each release's SHA256SUMS, its entry's sums, its inclusion proof and its RDF "
                       "files' RDFC-1.0 digests, and --since. Names the first entry where a check fails. "
                       "Exit 0 all pass, 1 a check failed, 2 could not run.")
    y.add_argument("path", type=Path, help="A release folder, a folder of releases, or a log folder.")
    y.add_argument("--log", type=Path, help="The log folder (default: log/ beside the release).")
    keys = y.add_mutually_exclusive_group()
    keys.add_argument("--key", help="The publisher's verifier key (vkey), pinned: as the catalogue publishes it. "
                      "Without it the log's own key file is used, with a warning.")
    keys.add_argument("--key-file", type=Path, help="A file holding the publisher's vkey or public key PEM.")
    y.add_argument("--witness", action="append", default=[], metavar="VKEY",
                   help="A witness's cosigner key (type 0x04) whose cosignature to check; repeatable.")
    y.add_argument("--quorum", type=int, help="How many of the witnesses must have cosigned (default: all given).")
    y.add_argument("--since", type=Path, metavar="CHECKPOINT_FILE",
                   help="An older checkpoint you kept: the log must extend it (a consistency proof).")
    y.add_argument("--since-size", type=int, help="An older tree size you kept (with --since-root).")
    y.add_argument("--since-root", metavar="BASE64", help="That tree's root hash, base64 (with --since-size).")
    y.add_argument("--rdf", type=Path, action="append", default=[], metavar="FILE",
                   help="A re-serialised copy of the release's RDF (.nt, .ttl, .jsonld, .nq): its RDFC-1.0 "
                   "digest must be the entry's; repeatable.")
    y.add_argument("--quick", action="store_true", help="Skip the RDF digests of the releases' own RDF files "
                   "(seconds per file at a million triples).")
    y.add_argument("--format", choices=("text", "json"), default="text", help="Report format.")

    w = sub.add_parser("witness", help="Be a witness: cosign checkpoints that extend the last one seen.",
                       description="keygen: make a witness key. cosign: cosign a checkpoint after checking "
                       "the publisher's signature and that it extends the last one this witness cosigned "
                       "(refusing a split view). add (the publisher): merge witnesses' cosignature lines "
                       "into the log. Exit 0 done, 1 refused, 2 could not run.")
    ws = w.add_subparsers(dest="witness_verb", metavar="ACTION", required=True)
    k = ws.add_parser("keygen", help="Make a witness key and print its cosigner vkey (type 0x04).")
    k.add_argument("--out", type=Path, required=True, help="Where to write the private key (PEM, mode 0600).")
    k.add_argument("--name", required=True, help="The witness's name, e.g. witness.example.org.")
    c = ws.add_parser("cosign", help="Cosign CHECKPOINT_FILE; print it with the cosignature.")
    c.add_argument("checkpoint", type=Path, metavar="CHECKPOINT_FILE")
    c.add_argument("--key", type=Path, required=True, help="The witness's private key (from keygen).")
    c.add_argument("--name", required=True, help="The witness's name (as at keygen).")
    c.add_argument("--log-key", required=True, metavar="VKEY", help="The publisher's verifier key.")
    c.add_argument("--log", type=Path, help="The log folder, for the consistency proof from the last checkpoint seen.")
    c.add_argument("--state", type=Path, help="Where the witness keeps the last checkpoint of each log "
                   "(default: KEY's folder, {key name}-state/).")
    c.add_argument("--out", type=Path, help="Write the cosigned checkpoint here too.")
    a = ws.add_parser("add", help="(Publisher) add witnesses' cosignatures to the log's checkpoint.")
    a.add_argument("file", type=Path, help="A checkpoint with cosignature lines, as `witness cosign` prints it.")
    a.add_argument("--witness", action="append", required=True, metavar="VKEY",
                   help="The cosigner key of a witness whose line to add; repeatable.")
    add_setting(a, table, "releases")
    return {"verify": y, "witness": w}


def cmd_verify(args, settings) -> int:
    from .log.verify import verify

    outcome = verify(args.path, log=args.log, key=args.key, key_file=args.key_file, witnesses=args.witness,
                     quorum=args.quorum, since=args.since, since_size=args.since_size, since_root=args.since_root,
                     rdf=args.rdf, quick=args.quick, progress=lambda m: sys.stderr.write(m + "\n"))
    sys.stdout.write(outcome.to_json() if args.format == "json" else outcome.to_text())
    return EXIT_OK if outcome.ok else EXIT_INVALID


def cmd_witness(args, settings) -> int:
    import time

    from .log import witness
    from .log.keys import load_signer
    from .log.note import NoteError, Verifier

    def refused(exc: witness.Refused) -> int:
        sys.stderr.write(exc.problem.render() + "\n")
        return EXIT_INVALID

    def parse(vkey: str) -> Verifier:
        try:
            return Verifier.parse(vkey)
        except NoteError as exc:
            raise CannotRun(Problem("bad-key", f"金鑰無法讀取：{exc}", f"The key cannot be read: {exc}",
                                    check="witness")) from None

    if args.witness_verb == "keygen":
        print(witness.keygen(args.out, args.name))
        return EXIT_OK
    if args.witness_verb == "cosign":
        if not args.checkpoint.is_file():
            raise CannotRun(Problem("no-checkpoint", f"找不到 {args.checkpoint}。", f"There is no {args.checkpoint}.",
                                    file=str(args.checkpoint), check="witness"))
        signer, _ = load_signer(args.key, args.name, cosigner=True)
        try:
            signed = witness.cosign_checkpoint(args.checkpoint.read_bytes(), signer, parse(args.log_key),
                                               args.state or witness.default_state(args.key), log=args.log,
                                               when=int(time.time()))
        except witness.Refused as exc:
            return refused(exc)
        if args.out:
            args.out.write_bytes(signed)
        sys.stdout.write(signed.decode())
        return EXIT_OK
    if not args.file.is_file():
        raise CannotRun(Problem("no-checkpoint", f"找不到 {args.file}。", f"There is no {args.file}.",
                                file=str(args.file), check="witness"))
    try:
        added = witness.add_cosignatures(Path(settings.releases), args.file.read_bytes(),
                                         [parse(v) for v in args.witness])
    except witness.Refused as exc:
        return refused(exc)
    print(f"cosignatures added: {', '.join(added) or 'none (already there)'}")
    return EXIT_OK


def _print_report(report: Report, fmt: str = "text", stream=None) -> None:
    stream = stream or sys.stdout
    stream.write(report.to_json() if fmt == "json" else report.to_text())


def cmd_build(args, settings, after: Callable[[Path], None] | None = None) -> int:
    """Build a release; ``after`` is called with its folder once it is complete."""
    from .publish import publish
    from .release import build

    kw = dict(base=settings.base, source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH"),
              workers=settings.workers or None, ocid_prefix=settings.ocid_prefix)
    if args.out:
        result = build(Path(settings.source), args.out, **kw)
    else:
        from .log.publishing import signer_for

        signer, note = signer_for(settings.signing_key, settings.base)
        if note:
            sys.stderr.write(note + "\n")
        result = publish(Path(settings.source), Path(settings.releases), signer=signer, reason=args.reason, **kw)
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
    if after is not None:
        assert result.out is not None  # a build that passed has its folder
        after(Path(result.out))
    return EXIT_OK


def cmd_validate(args, settings) -> int:
    import tempfile

    from .read.reader import Reader
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


def cmd_rollback(args, settings) -> int:
    from .log.publishing import record_rollback, signer_for
    from .publish import point_latest_at_log

    signer, note = signer_for(settings.signing_key, settings.base, create=False)
    index = record_rollback(Path(settings.releases), args.version, signer, reason=args.reason)
    point_latest_at_log(Path(settings.releases))
    print(f"release log entry {index}: serving {args.version} again")
    return EXIT_OK


HANDLERS = {"build": cmd_build, "rollback": cmd_rollback, "validate": cmd_validate, "import": cmd_import,
            "push": cmd_push, "verify": cmd_verify, "witness": cmd_witness,
            "tokens": submission_verbs.cmd_tokens, "release": submission_verbs.cmd_release}


def run(handler: Callable[[], int]) -> int:
    """Run a verb and turn what it raises into an exit code and a message (the one place)."""
    try:
        return handler()
    except KeyboardInterrupt:
        return EXIT_ERROR
    except CannotRun as exc:
        sys.stderr.write(exc.problem.render() + "\n")
        return EXIT_ERROR
    except ProblemsFound as exc:
        for p in exc.problems:
            sys.stderr.write(p.render() + "\n")
        return EXIT_INVALID
    except OSError as exc:  # a full disk, a read-only folder, a file size limit: the file and the fix
        sys.stderr.write(os_problem(exc).render() + "\n")
        if os.environ.get("LIANZHENG_DEBUG"):
            raise
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - the one place that turns a crash into exit 2
        sys.stderr.write(f"執行失敗 / could not run: {type(exc).__name__}: {exc}\n")
        if os.environ.get("LIANZHENG_DEBUG"):
            raise
        return EXIT_ERROR
