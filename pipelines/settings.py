"""Settings: code defaults, then ``LIANZHENG_*`` environment variables, then flags.

This module holds the machinery and the build's own settings (:data:`BUILD_SETTINGS`);
the service adds its own to the one table the README lists (``api.settings.SETTINGS``).
``load(env, **flags)`` gives one frozen object that is passed explicitly; nothing reads the
environment at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .rdf.ids import DEFAULT_BASE

ENV_PREFIX = "LIANZHENG_"
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str
    kind: type = str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


BUILD_SETTINGS: tuple[Setting, ...] = (
    Setting("source", str(ROOT / "datasets" / "source"), "Folder of source records to build from."),
    Setting("releases", str(ROOT / "datasets" / "releases"),
            "Folder of built releases; `latest` in it points at the newest."),
    Setting("release", "", "Release folder to serve (default: the newest in `releases`, built first if none)."),
    Setting("base", DEFAULT_BASE, "Base IRI of instance data: IRIs are {base}/id/{kind}/{slug}."),
    Setting("public_url", "", "URL the service is reached at, for links (default http://{host}:{port})."),
    Setting("workers", 0, "Processes for SHACL checks while building (0: one per core, at most 2).", int),
    Setting("ocid_prefix", "ocds-lianzheng",
            "OCDS ocid prefix of the OCDS export (ocids are {prefix}-{case}); the default is a "
            "placeholder: a real prefix (ocds-xxxxxx) must be registered with the Open Contracting Partnership."),
    Setting("database", "", "The submissions database (SQLite; default submissions.sqlite3 beside the "
            "`releases` folder): agencies' submissions, reviews, tokens and their use."),
    Setting("signing_key", "", "The publisher's Ed25519 private key (PEM) that signs the release log "
            "(default $XDG_CONFIG_HOME/lianzheng/release-log-key.pem, made by the first publish); never "
            "inside the repository."),
)


@dataclass(frozen=True)
class BuildSettings:
    """What building, checking and pushing a release read."""

    source: str
    releases: str
    release: str
    base: str
    public_url: str
    workers: int
    ocid_prefix: str
    database: str
    signing_key: str


class SettingError(ValueError):
    pass


def _coerce(setting: Setting, value, origin: str):
    if setting.kind is str:
        return str(value)
    try:
        result = setting.kind(value)
    except (TypeError, ValueError):
        raise SettingError(f"{origin}: '{value}' is not a valid {setting.kind.__name__} for "
                           f"'{setting.name}' ({setting.help})") from None
    if isinstance(result, (int, float)) and result < 0:
        raise SettingError(f"{origin}: '{setting.name}' must not be negative")
    return result


def resolve(table: Iterable[Setting], env: dict[str, str] | None, flags: dict) -> dict[str, object]:
    """Each setting of ``table``: its default, overridden by ``LIANZHENG_<NAME>`` in ``env``,
    overridden by ``flags`` not None; an unknown flag is an error."""
    env = env or {}
    table = tuple(table)
    values: dict[str, object] = {}
    for s in table:
        value = s.default
        if env.get(s.env, "") != "":
            value = _coerce(s, env[s.env], f"environment variable {s.env}")
        if flags.get(s.name) is not None:
            value = _coerce(s, flags[s.name], f"option {s.flag}")
        values[s.name] = value
    unknown = set(flags) - {s.name for s in table}
    if unknown:
        raise SettingError(f"unknown settings: {', '.join(sorted(unknown))}")
    return values


def check_build(settings: BuildSettings) -> None:
    """Refuse build settings that cannot work."""
    if not settings.base.startswith(("http://", "https://")):
        raise SettingError(f"base must be an http(s) IRI, not '{settings.base}'")
    if not re.match(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$", settings.ocid_prefix):
        raise SettingError(f"ocid_prefix '{settings.ocid_prefix}' must be letters, digits and inner "
                           "hyphens, like ocds-213czf")


def load(env: dict[str, str] | None = None, **flags) -> BuildSettings:
    """The build settings: defaults, then ``env``, then ``flags``."""
    settings = BuildSettings(**resolve(BUILD_SETTINGS, env, flags))  # type: ignore[arg-type]
    check_build(settings)
    return settings
