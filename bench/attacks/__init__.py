"""Attacks on ``lianzheng serve``, each measured from a victim's side against a baseline.

    python -m bench.attacks --release /tmp/probe/real32 [--only NAME ...] [--seconds N]
                            [--server-arg "--flag value" ...]

For every variant of every scenario below, the probe starts ``lianzheng serve`` afresh on a
free loopback port (``--query-workers 3``, every other setting at its default unless the
scenario or ``--server-arg`` says otherwise; ``LIANZHENG_*`` and ``FORWARDED_ALLOW_IPS`` are
left out of its environment), then measures a victim for ``--seconds`` twice: with no attack
(the baseline), then while the attack runs. A fresh server per variant, because the budgets an
attack spends, the answers it gets cached and the memory it leaves behind would change the next
variant's figures; a baseline in the same run, because this machine's 2 cores are shared.

Who is who. The server listens on 127.0.0.1. The attacker connects from 127.0.0.2, the victim
from 127.0.0.1 (all of 127.0.0.0/8 is loopback on Linux): the service keys its budget of query
time by the peer address, so to it they are two clients (``forwarded-for`` checks that it tells
them apart). The attacker runs in processes of its own, at nice 10 and with its open-file limit
raised to the hard limit, so that its CPU, its sockets and its failures are not the victim's;
the server keeps the open-file limit the probe was started with.

The victim, in each window, on a fixed schedule whatever the answers take (at most 20 of each
in flight, so a stalled server sees no burst), each request on a fresh connection
(``Connection: close``, so a server that stops accepting shows), 10 s time-out:

* health: ``GET /-/health`` every 20 ms;
* lookup: ``GET /sparql`` of ``SELECT ?p ?o WHERE { <case> ?p ?o }`` every 50 ms, a different
  case each time and a comment of its own, so that no cache answers.

Latency percentiles are over every victim request, failed ones included (a time-out counts as
10 s). An error is any answer but 200, a time-out or a connection that fails. The limits are
the constants :data:`HEALTH_P99_MS`, :data:`LOOKUP_P99_MS` and :data:`MAX_VICTIM_ERRORS`.

Also, per window: the server's RSS summed over its process tree (from ``/proc``, as
``bench/serve_bench.py`` reads it) at the start and at its peak, the open file descriptors of
its main process (``/proc/PID/fd``) at the start and at peak, new processes in its tree
(workers started in place of dead ones); per attack: what the attacker saw (status codes;
errors, where "unfinished at the end" is a request still unanswered or unread when the attack
ended; facts of its own), the health's ``workers_killed`` before and after, and how long after
the attack ``/-/health`` answered again with every worker alive. An attack is stopped early if the
server's RSS passes :data:`RSS_CAP` (the machine is shared); the findings say so.

How to read the tables. A baseline FAIL means the machine was too slow at that moment and the
attack beside it says little. PASS under attack: other clients did not notice it. FAIL under
attack with a PASS baseline: the attack hurt other clients; the reasons name the limit missed.

Scenarios (``--only`` takes these names):

reconcile      ``POST /reconcile``: one property-only query with 300 agency values that name
               no agency (every case tests all 300), a 100-query batch of 20 such values each
               (the most the service now takes), and a 100-query batch of long text queries.
sparql-flood   12 slow SPARQL queries at once (a count over a product of three 3,000-triple
               tables, small in memory), each sent again as soon as it returns.
slowloris      5,000 connections (and 20,000, in two processes, if the fd limits and the port
               range allow) that send a request's head one byte every 3 s and never finish it.
header-flood   4 connections streaming header lines as fast as the server takes them; single
               requests with 100,000 headers and with one 1 MB header.
query-check    4 connections POSTing ~90 KB queries that the query check (api/sparql/guard.py)
               takes seconds over and still lets through.
big-answers    4 connections asking for a ~40 MB answer from a 1 KB query and reading it at
               1 KB/s; the same query on the HTML page ``/query``.
crash-loop     nested braces that crash a SPARQL worker (pyoxigraph's parser, at a depth of
               about 2,500), sent again and again.
forwarded-for  whether a client picks its own budget key with ``X-Forwarded-For``: it spends
               one key's budget (a small one, set for this scenario), asks with the same key and
               with a new one, then floods slow queries each under a new key. From 127.0.0.2,
               and from 127.0.0.1 (the address uvicorn trusts by default; the victim is then
               127.0.0.3).

Prints a table per scenario and writes everything to ``bench/results/attacks-<time>.json``.

The probe's parts: :mod:`.config` (limits and sizes), :mod:`.wire` (HTTP over plain sockets),
:mod:`.victim`, :mod:`.server` (the server under attack, sampled), :mod:`.attacker` (attacker
processes and what an attack is), :mod:`.payloads` and :mod:`.floods` (what the attacks send),
:mod:`.scenarios`, :mod:`.run` (an attack beside its baseline, and the report).
"""
