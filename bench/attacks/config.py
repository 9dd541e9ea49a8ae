"""The probe's limits and the sizes of its attacks."""

from __future__ import annotations

import socket

# The limits, with or without an attack. A health check and a lookup are the cheapest things the
# service does: 50 ms and 250 ms at the 99th percentile leave room for a busy 2-core machine,
# and a victim request must never fail.
HEALTH_P99_MS = 50.0
LOOKUP_P99_MS = 250.0
MAX_VICTIM_ERRORS = 0

VICTIM, ATTACKER = "127.0.0.1", "127.0.0.2"
HEALTH_EVERY = 0.020  # seconds between the victim's health checks
LOOKUP_EVERY = 0.050  # seconds between the victim's lookups
VICTIM_TIMEOUT = 10.0
VICTIM_IN_FLIGHT = 20  # victim requests of one kind waiting at once, at most
QUERY_WORKERS = 3
SAMPLE_EVERY = 0.2  # seconds between samples of the server's memory and descriptors
RSS_CAP = 4 << 30  # bytes of server RSS past which an attack is stopped
ATTACK_LEAD = 1.5  # seconds the attacker processes get to start before the window opens
ATTACK_GRACE = 20.0  # seconds the attacker processes get to report after the window
RECOVERY_TIMEOUT = 30.0
ATTACKER_NICE = 10
FD_MARGIN = 64  # descriptors an attacker process needs besides its connections
CONNECT_AT_ONCE = 256  # connections an attacker opens at once
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)  # Linux, <netinet/in.h>

# Slow and small: a count over a three-way product of 3,000 triples each, 2.7e10 rows, in the
# memory of three 3,000-row tables. (The product of all triples, tests/api/test_e2e.py's
# CARTESIAN, is as slow on a small release, but on a million triples it fills a worker's memory
# within a second: a crash loop, not a slow query.)
SLOW_QUERY = ("SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c } LIMIT 3000 } "
              "{ SELECT ?d WHERE { ?d ?e ?f } LIMIT 3000 } "
              "{ SELECT ?g WHERE { ?g ?h ?i } LIMIT 3000 } }")
RECONCILE_VALUES = 300  # agency values in the property-only query
RECONCILE_ALLOWED_VALUES = 20  # values per property the service takes (pipelines/catalogue/reconcile.MAX_VALUES)
RECONCILE_BATCH = 100  # text queries in the batch (the manifest's batchSize)
RECONCILE_TEXT_CHARS = 530  # characters of each text query: a ~76 KB batch (UTF-8 JSON)
GUARD_QUERY_CHARS = 90_000
CRASH_DEPTH = 5_000  # nested groups: pyoxigraph's parser overflows its stack at about 2,500
BIG_ANSWER_PAD = 1_000  # characters in the query's literal; an answer row holds it 4 times
BIG_ANSWER_ROWS = 10_000  # the service's max_results: more are cut anyway
SLOW_READ = 1024  # bytes a second a slow reader takes
SLOW_RCVBUF = 4096  # its socket's receive buffer: the kernel keeps little of the answer for it
SLOW_BYTE_EVERY = 3.0  # seconds between the bytes of a slowloris connection
