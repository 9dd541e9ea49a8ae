"""The publisher's signing key: an Ed25519 private key in a PEM file (PKCS #8), outside the
repository, readable by its owner only.

Its default place is ``$XDG_CONFIG_HOME/lianzheng/release-log-key.pem`` (``~/.config`` when
the variable is unset), or the ``signing_key`` setting. The first publish creates it if it is
missing, and says so; from then on the same key signs every tree head. The file is what
``openssl genpkey -algorithm ed25519`` writes, so either tool can make it, and ``openssl pkey
-in KEY -pubout`` gives the public key the log publishes as ``log/key.pem``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from ..errors import CannotRun, Problem
from .note import COSIGNATURE, ED25519, Signer

KEY_FILE = "release-log-key.pem"


def default_key_path(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    config = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(config) / "lianzheng" / KEY_FILE


def _cannot(path: Path, zh: str, en: str) -> CannotRun:
    return CannotRun(Problem("signing-key", zh, en, file=str(path), check="log",
                             fix_zh="以 signing_key 設定（LIANZHENG_SIGNING_KEY）指定發布者的 Ed25519 私鑰 PEM 檔。",
                             fix_en="Name the publisher's Ed25519 private key (PEM) with the signing_key "
                             "setting (LIANZHENG_SIGNING_KEY)."))


def generate(path: Path) -> None:
    """Write a new Ed25519 private key to ``path`` (mode 0600); never over an existing file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())


def load_signer(path: Path, name: str, *, create: bool = False, cosigner: bool = False) -> tuple[Signer, bool]:
    """The key at ``path`` as a signer named ``name``, and whether it was created now."""
    created = False
    if not path.exists():
        if not create:
            raise _cannot(path, f"找不到簽章私鑰 {path}。", f"There is no signing key at {path}.")
        generate(path)
        created = True
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise _cannot(path, f"無法讀取簽章私鑰 {path}：{exc}",
                      f"The signing key {path} cannot be read: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise _cannot(path, f"{path} 不是 Ed25519 私鑰。", f"{path} is not an Ed25519 private key.")
    return Signer(name, key, COSIGNATURE if cosigner else ED25519), created


def loosely_kept(path: Path) -> bool:
    """True if others than the owner may read the key file."""
    return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))


def public_pem(signer: Signer) -> bytes:
    """The signer's public key as SubjectPublicKeyInfo PEM (what ``openssl pkeyutl -pubin`` reads)."""
    return signer.key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)


def raw_from_pem(pem: bytes) -> bytes:
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)
