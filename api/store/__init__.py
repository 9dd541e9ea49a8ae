"""The release's triple store: its interface (``interface``), the embedded pyoxigraph store
(``embedded``) with its terms as the writer's (``terms``), and the pool of worker processes
queries run in (``pool``, which job runs where; the processes themselves in ``workers``, one
of them in ``process``, jobs and their lines in ``lines``, the wire in ``frames``, large answers
in ``spool``)."""
