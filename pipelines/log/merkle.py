"""Merkle tree hashes and proofs, as Certificate Transparency v2 defines them.

RFC 9162 (https://www.rfc-editor.org/rfc/rfc9162), section 2.1, with SHA-256:

- §2.1.1 the tree hash MTH of a list of entries: ``SHA-256()`` for none,
  ``SHA-256(0x00 || d)`` for one (a leaf), ``SHA-256(0x01 || MTH(left) || MTH(right))``
  for more, the left part holding the largest power of two smaller than the whole;
- §2.1.3 an inclusion proof (the audit path of one entry) and its verification;
- §2.1.4 a consistency proof between two tree sizes and its verification, which shows that
  the larger tree extends the smaller one: nothing logged was changed or removed.

Proofs are built from the leaf hashes (never the entries themselves), so a log of a few
thousand releases keeps only those. Verification follows the RFC's iterative algorithms
(§2.1.3.2, §2.1.4.2) rather than recomputing trees, and rejects a proof of the wrong length.
Tested against the reference vectors of the Certificate Transparency implementations.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_SIZE = 32


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): the size of the left subtree."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over ``leaves`` (leaf hashes), RFC 9162 §2.1.1."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf ``index`` in the tree of ``leaves``."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf {index} is not in a tree of {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return inclusion_proof(leaves[:k], index) + [root(leaves[k:])]
    return inclusion_proof(leaves[k:], index - k) + [root(leaves[:k])]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: that the tree of ``leaves`` extends its first ``old_size``."""
    n = len(leaves)
    if not 0 < old_size <= n:
        raise ValueError(f"no consistency proof from size {old_size} to size {n}")
    return _subproof(leaves, old_size, True)


def _subproof(leaves: Sequence[bytes], m: int, whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(leaves[:k], m, whole) + [root(leaves[k:])]
    return _subproof(leaves[k:], m - k, False) + [root(leaves[:k])]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show leaf hash ``leaf`` at ``index`` of the tree ``expected_root``?"""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False  # a proof longer than the path
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show the tree ``new_root`` extends the tree ``old_root``?"""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
