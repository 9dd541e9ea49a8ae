"""The release's triple store: its interface (``interface``), the embedded pyoxigraph store
(``embedded``), and the pool of worker processes queries run in (``pool``, ``frames``, ``spool``)."""
