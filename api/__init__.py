"""lianzheng service: serves a built release (REST, SPARQL, linked data, downloads, pages).

``lianzheng serve`` (:func:`api.server.serve`) picks a release and runs
:func:`api.app.create_app` with uvicorn on 127.0.0.1:8000 by default.

=====================================  =============================================================
URL                                    what
=====================================  =============================================================
``/api/cases``                         cases: ``agency``, ``authority``, ``level``, ``status``,
                                       ``year``, ``amount_min``/``amount_max``, ``q``, ``sort``,
                                       ``page``/``per_page``; ``Link`` headers (rest.py)
``/api/cases/{id}``                    a case with its activities, participants, documents,
                                       observations, risks, quality notes and sources
``/api/agencies[/{id}]``               agencies; one with its cases
``/docs``, ``/openapi.json``           the OpenAPI document
``/sparql``                            SPARQL 1.1 Protocol; without a query the service
                                       description or, for browsers, a form (sparql.py)
``/id/{kind}/{slug}[.ext]``            every instance IRI ``{base}/id/...``, negotiated or by
                                       suffix: ``.html .ttl .jsonld .json .nt .rdf``
``/vocab[/{scheme}[/{code}]]``         the vocabulary and code lists; ``/vocab/context.jsonld``
``/shapes``                            the SHACL shapes
``/downloads/``, ``/downloads/{path}`` every file of the release (ETag, 304, gzip, ranges)
``/-/health``, ``/-/version``          service pages
=====================================  =============================================================

Modules, in the order a request meets them: :mod:`api.app` (factory, middleware),
:mod:`api.rest` and :mod:`api.tables` (REST from the tables in memory),
:mod:`api.sparql` with :mod:`api.query_guard`, :mod:`api.budget`, :mod:`api.workers`,
:mod:`api.results` (the endpoint), :mod:`api.linked_data` with :mod:`api.rdf_out` and
:mod:`api.html` (IRIs), :mod:`api.downloads`, :mod:`api.service`; :mod:`api.store` is
the store behind them, :mod:`api.media` the media types and Accept parser,
:mod:`api.errors` the one error body, :mod:`api.limits` the body limit.
"""
