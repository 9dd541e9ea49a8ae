"""The documented reverse proxy (docs/nginx.conf), as it is, in front of a real server.

Debian's nginx (``scripts/setup`` installs ``nginx-light`` as root) runs on a free loopback
port with the file's own directives; only its listen address, upstream port and the paths
of its temporary files are put in for the test. Clients connect from two loopback addresses.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from .conftest import Server, free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CARTESIAN = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (scripts/setup "
                                 "installs Debian's nginx-light when run as root)")]


def nginx_conf(listen: int, upstream: int, prefix: Path) -> str:
    text = (ROOT / "docs" / "nginx.conf").read_text(encoding="utf-8")
    for old, new in (("listen 80;", f"listen 127.0.0.1:{listen};"),
                     ("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};"),
                     ("http {\n", "http {\n" + "".join(f"    {kind}_temp_path {prefix}/{kind};\n" for kind in
                                                      ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")))):
        assert old in text, f"docs/nginx.conf no longer has {old!r}"
        text = text.replace(old, new, 1)
    return text


@pytest.fixture(scope="module")
def proxied(real_release, api_root, tmp_path_factory):
    server = Server(real_release, api_root, trusted_proxies="127.0.0.1", client_budget=1, budget_window=3600,
                    query_timeout=1.5, query_workers=2)
    prefix = tmp_path_factory.mktemp("nginx")
    port = free_port()
    (prefix / "nginx.conf").write_text(nginx_conf(port, server.port, prefix), encoding="utf-8")
    proc = None
    try:
        server.wait_ready()
        proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g",
                                 f"daemon off; pid {prefix}/nginx.pid; error_log {prefix}/error.log;"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/-/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode(errors='replace')}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", server
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        server.stop()


def client_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def test_through_the_proxy_each_address_has_its_own_budget_and_cannot_pick_one(proxied):
    url, _ = proxied
    with client_from("127.0.0.2") as a, client_from("127.0.0.3") as b:
        assert a.get(url + "/sparql", params={"query": CARTESIAN}).status_code == 503  # spends a's budget
        assert a.get(url + "/sparql", params={"query": "ASK {}"}).status_code == 429
        forged = a.get(url + "/sparql", params={"query": "ASK {}"}, headers={"x-forwarded-for": "203.0.113.9"})
        assert forged.status_code == 429, "a client named its own budget key through the proxy"
        other = b.get(url + "/sparql", params={"query": "ASK {}"})
        assert other.status_code == 200 and other.json()["boolean"] is True


def test_the_proxy_bounds_each_address_s_request_rate_with_the_one_error_body(proxied):
    """limit_req: 50 a second with a burst of 200, per address, refused in the service's body."""
    url, _ = proxied
    with client_from("127.0.0.4") as c:
        statuses = [c.get(url + "/-/health") for _ in range(400)]
    refused = [r for r in statuses if r.status_code == 429]
    assert refused and refused[0].json() == {"ok": False, "error": "too many connections or requests from "
                                             "this address", "status": 429}
    assert refused[0].headers["retry-after"] == "1"
    with client_from("127.0.0.5") as other:
        assert other.get(url + "/-/health").status_code == 200
