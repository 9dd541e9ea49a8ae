"""The service's settings, added to the build's (:mod:`pipelines.settings`) in the one table
the README lists: code defaults, then ``LIANZHENG_*`` environment variables, then flags."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields

from pipelines.settings import BUILD_SETTINGS, BuildSettings, Setting, SettingError, check_build, resolve

SERVE_SETTINGS: tuple[Setting, ...] = (
    Setting("host", "127.0.0.1", "Address the service binds to."),
    Setting("port", 8000, "Port the service listens on.", int),
    Setting("query_timeout", 30.0, "Seconds a SPARQL query may run before it is stopped (503).", float),
    Setting("max_results", 10000, "Most rows or triples a SPARQL query returns; more are cut off and flagged.", int),
    Setting("max_body", 1_000_000, "Largest request body in bytes (413 above it).", int),
    Setting("client_budget", 120.0, "Seconds of query time one client may use per budget window (429 past it).", float),
    Setting("budget_window", 60.0, "Length of the per-client budget window, in seconds.", float),
    Setting("query_workers", 3, "SPARQL worker processes (each holds the store; a stuck one is killed). 3 on 2 "
            "cores leave two for the rest while a slow query runs; 2 answer about a sixth more short lookups.", int),
    Setting("client_workers", 1, "Query workers one client's SPARQL queries and reconciliation batches may "
            "hold at once; its other queries wait in line for them.", int),
    Setting("client_queue", 32, "Queries of one client that may wait for its share of the query workers; "
            "more get 429.", int),
    Setting("max_answer_bytes", 16 * 1024 * 1024, "Largest SPARQL answer in bytes; a longer one is cut at a "
            "row or triple and flagged, as past max_results.", int),
    Setting("trusted_proxies", "", "Addresses or networks (comma-separated, CIDR allowed) of reverse proxies "
            "whose X-Forwarded-For names the client; empty: the peer address is the client."),
    Setting("max_connections", 4096, "Open connections the service keeps at most (then the one idle the "
            "longest is closed; lowered to fit the open-file limit).", int),
    Setting("client_connections", 64, "Open connections one client address may hold (more are refused at "
            "once; a trusted proxy is not counted).", int),
    Setting("header_timeout", 10.0, "Seconds a client has to send a request's line and headers, and a new "
            "connection to begin one; then the connection is closed.", float),
    Setting("body_timeout", 30.0, "Seconds a client has to send a request's body once its headers are in "
            "(408 after).", float),
    Setting("keepalive_timeout", 5.0, "Seconds an idle keep-alive connection stays open.", float),
    Setting("send_timeout", 60.0, "Seconds an answer may wait on a client that reads nothing of it before "
            "the connection is closed.", float),
    Setting("max_headers", 100, "Most header fields in a request (431 above).", int),
    Setting("max_header_bytes", 65536, "Largest request line plus header fields in bytes (414 or 431 above).",
            int),
    Setting("log_poll", 2.0, "Seconds between looks at the release log for a new entry (a new release or a "
            "rollback is then opened and switched to; SIGHUP looks at once).", float),
    Setting("release_idle", 600.0, "Seconds a past release (/releases/{version}/, ?release=) stays open "
            "after its last request; then its store and workers are closed until it is asked for again.", float),
    Setting("submit_rate", 30, "Requests one submission or review token may make a minute (429 with "
            "Retry-After past it).", int),
    Setting("releases_open", 4, "Most past releases open at once besides the current one (past it, the one "
            "used the least recently is closed).", int),
    Setting("open_share", 0.1, "Share of the interpreter a release being opened may take while requests "
            "arrive (1: as much as it wants; api/pacing.py).", float),
)

# The one table: what the README lists and the command line declares, in this order.
SETTINGS: tuple[Setting, ...] = BUILD_SETTINGS + SERVE_SETTINGS

# Bounds of a public endpoint: none of these may be zero (unbounded).
BOUNDS = ("query_timeout", "max_results", "max_answer_bytes", "client_workers", "client_queue",
          "max_connections", "client_connections", "header_timeout", "body_timeout", "keepalive_timeout",
          "send_timeout", "max_headers", "max_header_bytes", "log_poll", "release_idle", "submit_rate")


@dataclass(frozen=True)
class Settings(BuildSettings):
    """Everything the ``lianzheng`` command and the service read."""

    host: str
    port: int
    query_timeout: float
    max_results: int
    max_body: int
    client_budget: float
    budget_window: float
    query_workers: int
    client_workers: int
    client_queue: int
    max_answer_bytes: int
    trusted_proxies: str
    max_connections: int
    client_connections: int
    header_timeout: float
    body_timeout: float
    keepalive_timeout: float
    send_timeout: float
    max_headers: int
    max_header_bytes: int
    log_poll: float
    release_idle: float
    submit_rate: int
    releases_open: int
    open_share: float

    @property
    def url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


assert sorted(f.name for f in fields(Settings)) == sorted(s.name for s in SETTINGS)


def load(env: dict[str, str] | None = None, **flags) -> Settings:
    """Defaults, overridden by ``LIANZHENG_<NAME>`` in ``env``, overridden by ``flags`` not None."""
    settings = Settings(**resolve(SETTINGS, env, flags))  # type: ignore[arg-type]
    check_build(settings)
    if settings.port > 65535:
        raise SettingError(f"port {settings.port} is out of range")
    zero = [name for name in BOUNDS if getattr(settings, name) == 0]
    if zero:
        raise SettingError(f"{', '.join(zero)} must be above zero: an unbounded public endpoint is not "
                           "allowed")
    if not 0 < settings.open_share <= 1:
        raise SettingError("open_share must be above 0 and at most 1")
    if settings.releases_open < 1:
        raise SettingError("releases_open must be at least 1: past releases are opened to be served")
    proxies(settings.trusted_proxies)  # fails on a value that is not an address or a network
    return settings


def proxies(value: str) -> list:
    """The networks of ``trusted_proxies`` (an address is a network of one)."""
    out = []
    for item in (v.strip() for v in value.split(",")):
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise SettingError(f"trusted_proxies: '{item}' is not an IP address or network "
                               "(such as 127.0.0.1 or 10.0.0.0/8)") from None
    return out
