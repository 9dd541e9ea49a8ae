"""``python -m bench.attacks``: the command line."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from bench.serve_bench import ROOT

from .. import attacks as package
from .config import (
    ATTACKER,
    HEALTH_EVERY,
    HEALTH_P99_MS,
    LOOKUP_EVERY,
    LOOKUP_P99_MS,
    MAX_VICTIM_ERRORS,
    VICTIM,
    VICTIM_TIMEOUT,
)
from .run import release_target, report, run_attack
from .scenarios import SCENARIOS


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.attacks",
                                description=(package.__doc__ or "").split("\n\n")[0])
    p.add_argument("--release", type=Path, required=True, help="A built release folder")
    p.add_argument("--only", nargs="+", choices=list(SCENARIOS), metavar="NAME",
                   help=f"Run only these scenarios ({', '.join(SCENARIOS)})")
    p.add_argument("--seconds", type=float, default=10.0,
                   help="Seconds of each window, baseline and attack (default 10)")
    p.add_argument("--server-arg", action="append", default=[], dest="server_args", metavar="FLAGS",
                   help="More flags for `lianzheng serve`, split as a shell would (repeatable): "
                        "--server-arg '--max-body 100000'")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = p.parse_args(argv)
    args.server_flags = [f for value in args.server_args for f in shlex.split(value)]
    release = args.release.resolve()
    target, manifest = release_target(release)
    results = {
        "release": str(release), "cases": manifest["rows"]["cases"], "triples": manifest["triples"],
        "cpus": os.cpu_count(), "seconds": args.seconds,
        "when": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "limits": {"health_p99_ms": HEALTH_P99_MS, "lookup_p99_ms": LOOKUP_P99_MS,
                   "max_victim_errors": MAX_VICTIM_ERRORS},
        "victim": {"address": VICTIM, "health_every_s": HEALTH_EVERY,
                   "lookup_every_s": LOOKUP_EVERY, "timeout_s": VICTIM_TIMEOUT,
                   "connection": "fresh per request"},
        "attacker": ATTACKER, "server_flags": args.server_flags, "scenarios": {}}
    work = Path(tempfile.mkdtemp(prefix="lianzheng-attacks-"))
    try:
        for name in args.only or list(SCENARIOS):
            scenario = SCENARIOS[name]
            entry = results["scenarios"][name] = {"summary": scenario.summary, "variants": []}
            for attack in scenario.attacks:
                print(f"{name}: {attack.label} ...", flush=True)
                entry["variants"].append(run_attack(attack, target, release, work, args))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(results)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"attacks-{results['when'].replace(':', '')}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
