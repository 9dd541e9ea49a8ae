"""C2SP signed notes: the specification's own example, a cosignature round trip, and notes
that are not well formed."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from pipelines.log.note import (
    COSIGNATURE,
    Checkpoint,
    NoteError,
    Signer,
    Verifier,
    cosign,
    open_note,
    split,
)

# https://c2sp.org/signed-note, "Example"
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = ("This is an example message.\n\n— example.com/foo "
             "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n").encode()


def test_note_spec_example_verifies():
    v = Verifier.parse(SPEC_VKEY)
    assert v.vkey == SPEC_VKEY
    opened = open_note(SPEC_NOTE, [v])
    assert opened.text == b"This is an example message.\n"
    assert opened.verified == {"example.com/foo": 0} and opened.failed == [] and opened.unknown == []


def test_note_spec_example_with_another_text_fails():
    opened = open_note(SPEC_NOTE.replace(b"example message", b"exemplary message"), [Verifier.parse(SPEC_VKEY)])
    assert opened.verified == {} and opened.failed == ["example.com/foo"]


def test_note_unknown_keys_are_listed_not_trusted():
    other = Signer("example.com/foo", Ed25519PrivateKey.generate()).verifier  # same name, another key
    opened = open_note(SPEC_NOTE, [other])
    assert opened.verified == {} and opened.unknown == ["example.com/foo"]


def test_note_cosignature_round_trip():
    log = Signer("log.example/log", Ed25519PrivateKey.generate())
    witness = Signer("witness.example", Ed25519PrivateKey.generate(), COSIGNATURE)
    note = Checkpoint("log.example/log", 7, bytes(range(32))).sign(log)
    cosigned = cosign(note, witness, 1_700_000_000)
    opened = open_note(cosigned, [log.verifier, witness.verifier])
    assert opened.verified == {"log.example/log": 0, "witness.example": 1_700_000_000}
    assert Checkpoint.parse(opened.text) == Checkpoint("log.example/log", 7, bytes(range(32)))
    assert Verifier.parse(witness.verifier.vkey) == witness.verifier
    # the time is signed: changing it breaks the cosignature
    text, sigs = split(cosigned)
    assert witness.verifier.check(text, sigs[1].blob) == 1_700_000_000
    forged = (1_700_000_001).to_bytes(8, "big") + sigs[1].blob[8:]
    assert witness.verifier.check(text, forged) is None
    with pytest.raises(NoteError):
        cosign(note, log, 1)  # a plain key is no witness


def test_note_vkeys_with_plus_in_their_base64_parse():
    for _ in range(40):  # about half of all keys have a '+' in their base64
        v = Signer("k.example", Ed25519PrivateKey.generate()).verifier
        assert Verifier.parse(v.vkey) == v


@pytest.mark.parametrize("note", [
    b"no blank line\n\xe2\x80\x94 a AAAAAAAA\n",
    b"text\n\n",  # no signature line
    b"text\n\n\xe2\x80\x94 a AAAAAAAA",  # no final newline
    b"text\n\n- a AAAAAAAA\n",  # a hyphen, not an em dash
    b"text\n\n\xe2\x80\x94 a not*base64\n",
    b"text\n\n\xe2\x80\x94 a AAAA\n",  # shorter than a key ID and a signature
    b"te\x01xt\n\n\xe2\x80\x94 a AAAAAAAA\n",  # a control character
    b"\xff\xfe\n\n\xe2\x80\x94 a AAAAAAAA\n",  # not UTF-8
])
def test_note_malformed_is_rejected(note):
    with pytest.raises(NoteError):
        split(note)


@pytest.mark.parametrize("text", [
    b"origin\n01\n" + b"A" * 43 + b"=\n",  # a leading zero
    b"origin\n1\nAAAA\n",  # not 32 bytes
    b"origin\n1\n",  # no root
    b"origin\n-1\n" + b"A" * 43 + b"=\n",
])
def test_checkpoint_malformed_is_rejected(text):
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


@pytest.mark.parametrize("vkey", [
    "example.com/foo+530d903b+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",  # wrong id
    "example.com/foo+530d903a",
    "example.com/foo+530d903a+Ae==",
    "exa mple+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
])
def test_vkey_malformed_is_rejected(vkey):
    with pytest.raises(NoteError):
        Verifier.parse(vkey)
