"""Signed notes and checkpoints, the forms public transparency logs sign their tree heads in.

- C2SP signed-note (https://c2sp.org/signed-note): a text ending in a newline, a blank line,
  then signature lines ``— <key name> base64(key ID || signature)``; the key ID is the first four
  bytes of ``SHA-256(name || 0x0A || type || public key)``. A verifier key ("vkey") is
  ``<name>+<hex key ID>+<base64(type || public key)>``. Type 0x01: Ed25519 over the note text.
- C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the text is the log's origin, the
  tree size and the base64 root hash, one per line.
- C2SP tlog-cosignature (https://c2sp.org/tlog-cosignature): a witness's type 0x04 signature
  is ``key ID || u64 time || Ed25519(cosignature/v1\\ntime <t>\\n || checkpoint text)``: a
  witness states that, at that time, this was the largest consistent tree it had seen.

The signatures are `cryptography`'s Ed25519 (OpenSSL's); nothing here is home-made
cryptography, only the byte layouts the specifications give.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519, COSIGNATURE = 0x01, 0x04
DASH = "\u2014 "  # em dash and a space: the start of a signature line
MAX_SIGNATURES = 64  # the specification asks verifiers to accept at least 16
COSIGNATURE_HEADER = "cosignature/v1\n"


class NoteError(ValueError):
    """A note, a checkpoint or a key that is not well formed."""


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, kind: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise NoteError(f"a key name must be non-empty, with no space and no '+': {name!r}")


@dataclass(frozen=True)
class Verifier:
    """A public key that checks one kind of signature (the log's, or a witness's cosignature)."""

    name: str
    kind: int
    public: bytes

    @property
    def id(self) -> bytes:
        return key_id(self.name, self.kind, self.public)

    @property
    def vkey(self) -> str:
        return f"{self.name}+{self.id.hex()}+{base64.b64encode(bytes([self.kind]) + self.public).decode()}"

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """A verifier key in its text form (``name+hex id+base64``)."""
        parts = vkey.strip().split("+", 2)  # the key's base64 may hold "+" too
        if len(parts) != 3:
            raise NoteError(f"a verifier key has three parts separated by '+': {vkey!r}")
        name, hex_id, b64 = parts
        _check_name(name)
        try:
            blob = base64.b64decode(b64, validate=True)
            wanted = bytes.fromhex(hex_id)
        except (binascii.Error, ValueError):
            raise NoteError(f"the verifier key's id or key is not hex and base64: {vkey!r}") from None
        if len(blob) != 33 or blob[0] not in (ED25519, COSIGNATURE):
            raise NoteError("only Ed25519 keys (type 0x01) and Ed25519 cosigner keys (type 0x04) are known")
        verifier = cls(name, blob[0], blob[1:])
        if verifier.id != wanted:
            raise NoteError(f"the verifier key's id {hex_id} does not match its name and key")
        return verifier

    def check(self, text: bytes, signature: bytes) -> int | None:
        """True (as the cosignature's time, or 0 for a plain signature) if ``signature`` (the
        bytes after the key ID) signs ``text``; None if it does not."""
        key = Ed25519PublicKey.from_public_bytes(self.public)
        try:
            if self.kind == ED25519:
                if len(signature) != 64:
                    return None
                key.verify(signature, text)
                return 0
            if len(signature) != 72:
                return None
            (when,) = struct.unpack(">Q", signature[:8])
            key.verify(signature[8:], cosigned_message(text, when))
            return when
        except InvalidSignature:
            return None


def cosigned_message(checkpoint_text: bytes, when: int) -> bytes:
    return f"{COSIGNATURE_HEADER}time {when}\n".encode() + checkpoint_text


@dataclass(frozen=True)
class Signer:
    """A private Ed25519 key and the name it signs as."""

    name: str
    key: Ed25519PrivateKey
    kind: int = ED25519

    def __post_init__(self):
        _check_name(self.name)

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.kind, _raw(self.key.public_key()))

    def line(self, text: bytes, when: int | None = None) -> str:
        """The signature line for ``text`` (a cosignature, with ``when``, for kind 0x04)."""
        v = self.verifier
        if self.kind == COSIGNATURE:
            if when is None or not 0 <= when < 2**63:
                raise NoteError("a cosignature needs its time, in seconds since 1970")
            blob = struct.pack(">Q", when) + self.key.sign(cosigned_message(text, when))
        else:
            blob = self.key.sign(text)
        return f"{DASH}{self.name} {base64.b64encode(v.id + blob).decode()}\n"


@dataclass(frozen=True)
class Signature:
    name: str
    id: bytes
    blob: bytes


def split(note: bytes) -> tuple[bytes, list[Signature]]:
    """The text and the signatures of a signed note (checked for form, not yet verified)."""
    try:
        whole = note.decode("utf-8")
    except UnicodeDecodeError:
        raise NoteError("a note must be UTF-8") from None
    if any(ord(c) < 0x20 and c != "\n" for c in whole):
        raise NoteError("a note holds no control characters but newlines")
    cut = whole.rfind("\n\n")
    if cut < 0 or not whole.endswith("\n"):
        raise NoteError("a signed note is a text, a blank line and signature lines, each ending in a newline")
    text, lines = whole[:cut + 1], whole[cut + 2:].splitlines()
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a note needs 1 to {MAX_SIGNATURES} signature lines")
    signatures = []
    for line in lines:
        if not line.startswith(DASH):
            raise NoteError(f"a signature line starts with an em dash and a space: {line[:60]!r}")
        name, _, b64 = line[len(DASH):].partition(" ")
        try:
            blob = base64.b64decode(b64, validate=True)
        except binascii.Error:
            raise NoteError(f"the signature of {name!r} is not base64") from None
        if not name or " " in b64 or len(blob) < 5:
            raise NoteError(f"a signature line is '— <name> <base64>': {line[:60]!r}")
        signatures.append(Signature(name, blob[:4], blob[4:]))
    return text.encode(), signatures


@dataclass(frozen=True)
class Opened:
    """What :func:`open_note` found: the text, and who signed it (with cosignature times)."""

    text: bytes
    verified: dict[str, int]  # key name -> 0 (a signature) or the cosignature's time
    failed: list[str]  # known keys whose signature did not verify
    unknown: list[str]  # signature lines of keys not given (ignored, as the specification says)


def open_note(note: bytes, verifiers: list[Verifier]) -> Opened:
    text, signatures = split(note)
    known = {(v.name, v.id): v for v in verifiers}
    verified: dict[str, int] = {}
    failed, unknown = [], []
    for sig in signatures:
        v = known.get((sig.name, sig.id))
        if v is None:
            unknown.append(sig.name)
            continue
        when = v.check(text, sig.blob)
        if when is None:
            failed.append(sig.name)
        else:
            verified[sig.name] = when
    return Opened(text, verified, failed, unknown)


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: origin, size and root hash (the text of a checkpoint note)."""

    origin: str
    size: int
    root: bytes

    def text(self) -> bytes:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n".encode()

    @classmethod
    def parse(cls, text: bytes) -> Checkpoint:
        lines = text.decode("utf-8").split("\n")
        if len(lines) < 4 or lines[-1] != "" or any(not line for line in lines[:-1]):
            raise NoteError("a checkpoint's text is at least three non-empty lines")
        origin, size, root = lines[0], lines[1], lines[2]
        if not size.isdigit() or (size.startswith("0") and size != "0"):
            raise NoteError(f"a checkpoint's tree size is a decimal number without leading zeros: {size!r}")
        try:
            digest = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise NoteError("a checkpoint's root hash is base64") from None
        if len(digest) != 32:
            raise NoteError("a checkpoint's root hash is 32 bytes (SHA-256)")
        return cls(origin, int(size), digest)

    def sign(self, signer: Signer) -> bytes:
        text = self.text()
        return text + b"\n" + signer.line(text).encode()


def cosign(note: bytes, witness: Signer, when: int) -> bytes:
    """``note`` with a witness's cosignature added (the witness must check consistency first)."""
    if witness.kind != COSIGNATURE:
        raise NoteError("a witness signs with a cosigner key (type 0x04)")
    text, _ = split(note)
    return note + witness.line(text, when).encode()
