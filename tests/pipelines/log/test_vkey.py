"""Verifier keys in their text form (C2SP signed-note, https://c2sp.org/signed-note#verifier-keys)."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pipelines.log.note import Signer, Verifier


def test_a_vkey_whose_base64_holds_a_plus_sign_parses_back():
    """The key's base64 may hold '+' (a name may not): about half of all keys have one, so a split
    on every '+' refused keys at random."""
    seen = 0
    for _ in range(64):
        signer = Signer("w3id.org/lianzheng/log", Ed25519PrivateKey.generate())
        vkey = signer.verifier.vkey
        seen += "+" in vkey.split("+", 2)[2]
        parsed = Verifier.parse(vkey)
        assert (parsed.name, parsed.id, parsed.public) == (signer.verifier.name, signer.verifier.id,
                                                           signer.verifier.public)
    assert seen > 0
