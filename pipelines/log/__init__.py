"""The release log (issue 15): an append-only Merkle tree of releases, RFC 9162's form."""
