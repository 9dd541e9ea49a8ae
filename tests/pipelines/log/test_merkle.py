"""RFC 9162 §2.1 against the reference vectors of Certificate Transparency, and every proof of
every tree up to 40 leaves both ways: the right one verifies, any change to it does not."""

from __future__ import annotations

import pytest

from pipelines.log.merkle import (
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# the eight entries of the Certificate Transparency reference tests and the tree heads of their
# first 0..8 (RFC 6962 and RFC 9162 define the same hash for SHA-256)
ENTRIES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f")]
ROOTS = [bytes.fromhex(h) for h in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
A, B = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", \
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
C, D = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4", \
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
E, F = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", \
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
G = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
H2 = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
H1 = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
# (leaf index from 0, tree size, audit path); the reference tests count leaves from 1
INCLUSION = [(0, 8, [A, B, C]), (5, 8, [D, E, F]), (2, 3, [H2]), (1, 5, [H1, B, D])]
CONSISTENCY = [(1, 1, []), (1, 8, [A, B, C]), (6, 8, [G, E, F]), (2, 5, [B, D])]
LEAVES = [leaf_hash(e) for e in ENTRIES]


def test_tree_heads_are_the_reference_ones():
    assert [root(LEAVES[:n]) for n in range(9)] == ROOTS


@pytest.mark.parametrize("index,size,proof", INCLUSION)
def test_inclusion_proofs_are_the_reference_ones(index, size, proof):
    assert [p.hex() for p in inclusion_proof(LEAVES[:size], index)] == proof
    assert verify_inclusion(LEAVES[index], index, size, [bytes.fromhex(p) for p in proof], ROOTS[size])


@pytest.mark.parametrize("old,new,proof", CONSISTENCY)
def test_consistency_proofs_are_the_reference_ones(old, new, proof):
    assert [p.hex() for p in consistency_proof(LEAVES[:new], old)] == proof
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], [bytes.fromhex(p) for p in proof])


def _tampered(proof: list[bytes]):
    """Every way of spoiling a proof: each hash flipped, one dropped, one added."""
    for i in range(len(proof)):
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
        yield bad
        yield proof[:i] + proof[i + 1:]
    yield proof + [b"\x00" * 32]


def test_every_proof_of_every_tree_to_40_leaves_verifies_and_no_spoilt_one_does():
    leaves = [leaf_hash(i.to_bytes(2, "big")) for i in range(40)]
    checked = 0
    for n in range(1, 41):
        head = root(leaves[:n])
        for i in range(n):
            proof = inclusion_proof(leaves[:n], i)
            assert verify_inclusion(leaves[i], i, n, proof, head), (i, n)
            assert not verify_inclusion(leaves[i], (i + 1) % n, n, proof, head) or n == 1
            assert not any(verify_inclusion(leaves[i], i, n, bad, head) for bad in _tampered(proof)), (i, n)
            checked += 1
        for m in range(1, n + 1):
            proof = consistency_proof(leaves[:n], m)
            old = root(leaves[:m])
            assert verify_consistency(m, n, old, head, proof), (m, n)
            assert not any(verify_consistency(m, n, old, head, bad) for bad in _tampered(proof)), (m, n)
            if m < n:  # a rewritten old tree does not pass for the one that was logged
                other = root([leaf_hash(b"rewritten")] + leaves[1:m])
                assert not verify_consistency(m, n, other, head, proof), (m, n)
            checked += 1
    assert checked == sum(n + n for n in range(1, 41))
    # proofs stay logarithmic: at most ceil(log2(n)) hashes, or two more for consistency
    assert max(len(inclusion_proof(leaves, i)) for i in range(40)) == 6
    assert max(len(consistency_proof(leaves, m)) for m in range(1, 41)) <= 8


def test_out_of_range_sizes_are_refused():
    with pytest.raises(ValueError):
        inclusion_proof(LEAVES, 8)
    with pytest.raises(ValueError):
        consistency_proof(LEAVES, 0)
    assert not verify_inclusion(LEAVES[0], 3, 3, [], ROOTS[3])
    assert not verify_consistency(0, 3, ROOTS[0], ROOTS[3], [])
    assert not verify_consistency(3, 3, ROOTS[3], ROOTS[3], [LEAVES[0]])
