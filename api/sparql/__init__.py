"""The SPARQL endpoint: the protocol and service description (``protocol``), the query check
(``guard``), the worker that runs a query (``worker``) and writes its results (``results``),
each client's budget of query time (``budget``), and the pool's refusals as HTTP (``jobs``)."""
