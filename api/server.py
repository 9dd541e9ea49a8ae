"""``lianzheng serve``: pick a release, build one if there is none, and serve it with uvicorn.

The release is ``settings.release`` if set (served whatever the log says), else the one the
release log of ``settings.releases`` puts in service (its current entry), else the newest
there (its ``latest`` link), else one built now from ``settings.source`` and published
into the log, signed with ``settings.signing_key``. uvicorn runs the switchboard
(:mod:`api.switchboard`): every release of the log served, new ones switched to live. Binds
``settings.host:settings.port`` (127.0.0.1:8000 by default). Returns an exit code:
0 after a clean stop, 1 if no release could be built, 2 if it could not run.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from pipelines.log.store import ReleaseLog
from pipelines.publish import latest_release, publish
from pipelines.release import MANIFEST

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def pick_release(settings, out=sys.stderr) -> Path | None:
    if settings.release:
        path = Path(settings.release)
        if not (path / MANIFEST).exists():
            out.write(f"找不到發行版 {path}（缺少 {MANIFEST}）。 {path} is not a release (no {MANIFEST}).\n")
            return None
        return path.resolve()
    releases = Path(settings.releases)
    current = ReleaseLog.open(releases).current
    if current is not None and (releases / current.version / MANIFEST).exists():
        return (releases / current.version).resolve()
    if current is not None:
        out.write(f"發行紀錄指定的版本 {current.version} 不在 {releases}。 The release log puts {current.version} "
                  f"in service, but {releases / current.version} is not a release: serving the newest there.\n")
    found = latest_release(releases)
    if found is not None:
        return found
    from pipelines.log.publishing import signer_for

    out.write(f"尚無發行版，先建置一個…… No release in {settings.releases} yet: building one from "
              f"{settings.source} ...\n")
    signer, note = signer_for(settings.signing_key, settings.base)
    if note:
        out.write(note + "\n")
    result = publish(Path(settings.source), releases, base=settings.base, signer=signer,
                     reason="The first release, published by lianzheng serve.")
    if not result.ok:
        out.write(result.report.to_text())
        out.write("建置失敗。 The build failed; nothing to serve.\n")
        return None
    return latest_release(Path(settings.releases)) or (result.out and Path(result.out).resolve())


def serve(settings) -> int:
    import uvicorn

    from .connections import protocol
    from .shelf import Shelf
    from .switchboard import Switchboard

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    release = pick_release(settings)
    if release is None:
        return EXIT_INVALID
    shelf = Shelf(release.parent if settings.release else Path(settings.releases))
    app = Switchboard(settings, shelf, release, fixed=bool(settings.release))
    version = json.loads((release / MANIFEST).read_text(encoding="utf-8")).get("version", "")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = (settings.public_url or f"http://{host}:{settings.port}").rstrip("/")
    print(f"lianzheng: serving release {version} ({release})\n"
          f"  open   {url}/\n  API    {url}/docs\n  SPARQL {url}/sparql\n  files  {url}/downloads/",
          flush=True)
    http, guard = protocol(settings)
    app.state.connections = guard  # handed to each release's app, for /-/health
    # the peer address is the client, unless it is a proxy the operator named (trusted_proxies)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info", http=http,
                            server_header=False, timeout_graceful_shutdown=5, access_log=False,
                            timeout_keep_alive=settings.keepalive_timeout,
                            proxy_headers=bool(settings.trusted_proxies.strip()),
                            forwarded_allow_ips=settings.trusted_proxies or None)
    server = uvicorn.Server(config)
    server.run()
    return EXIT_OK if getattr(server, "started", True) else EXIT_ERROR
