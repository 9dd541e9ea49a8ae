"""The release's triple store: its interface (``interface``), the embedded pyoxigraph store
(``embedded``), and the pool of worker processes queries run in (``pool``, with its jobs and
lines in ``lines``, a worker process in ``process``, the wire in ``frames``, large answers in
``spool``)."""
