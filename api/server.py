"""``lianzheng serve``: pick a release, build one if there is none, and serve it with uvicorn.

The release is ``settings.release`` if set, else the newest in ``settings.releases``
(its ``latest`` link), else one built now from ``settings.source``. Binds
``settings.host:settings.port`` (127.0.0.1:8000 by default). Returns an exit code:
0 after a clean stop, 1 if no release could be built, 2 if it could not run.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from pipelines.release import MANIFEST, latest_release, publish

EXIT_OK, EXIT_INVALID, EXIT_ERROR = 0, 1, 2


def pick_release(settings, out=sys.stderr) -> Path | None:
    if settings.release:
        path = Path(settings.release)
        if not (path / MANIFEST).exists():
            out.write(f"找不到發行版 {path}（缺少 {MANIFEST}）。 {path} is not a release (no {MANIFEST}).\n")
            return None
        return path.resolve()
    found = latest_release(Path(settings.releases))
    if found is not None:
        return found
    out.write(f"尚無發行版，先建置一個…… No release in {settings.releases} yet: building one from "
              f"{settings.source} ...\n")
    result = publish(Path(settings.source), Path(settings.releases), base=settings.base)
    if not result.ok:
        out.write(result.report.to_text())
        out.write("建置失敗。 The build failed; nothing to serve.\n")
        return None
    return latest_release(Path(settings.releases)) or (result.out and Path(result.out).resolve())


def serve(settings) -> int:
    import uvicorn

    from .app import create_app
    from .connections import protocol

    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    release = pick_release(settings)
    if release is None:
        return EXIT_INVALID
    app = create_app(settings, release)
    version = json.loads((release / MANIFEST).read_text(encoding="utf-8")).get("version", "")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = (settings.public_url or f"http://{host}:{settings.port}").rstrip("/")
    print(f"lianzheng: serving release {version} ({release})\n"
          f"  open   {url}/\n  API    {url}/docs\n  SPARQL {url}/sparql\n  files  {url}/downloads/",
          flush=True)
    http, guard = protocol(settings)
    app.state.connections = guard
    # the peer address is the client, unless it is a proxy the operator named (trusted_proxies)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info", http=http,
                            server_header=False, timeout_graceful_shutdown=5, access_log=False,
                            timeout_keep_alive=settings.keepalive_timeout,
                            proxy_headers=bool(settings.trusted_proxies.strip()),
                            forwarded_allow_ips=settings.trusted_proxies or None)
    server = uvicorn.Server(config)
    server.run()
    return EXIT_OK if getattr(server, "started", True) else EXIT_ERROR
