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
                                       description or, for browsers, the query editor
``/id/{kind}/{slug}[.ext]``            every instance IRI ``{base}/id/...``, negotiated or by
                                       suffix: ``.html .ttl .jsonld .json .nt .rdf``
``/vocab[/{scheme}[/{code}]]``         the vocabulary and code lists; ``/vocab/context.jsonld``
``/shapes``                            the SHACL shapes
``/downloads/``, ``/downloads/{path}`` every file of the release (ETag, 304, gzip, ranges)
``/-/health``, ``/-/version``          service pages
=====================================  =============================================================

Packages and modules, in the order a request meets them: :mod:`api.app` (factory, middleware),
:mod:`api.connections` (connection limits, under uvicorn), :mod:`api.rest` and :mod:`api.tables`
(REST from the tables in memory), :mod:`api.sparql` (the endpoint: protocol, query check,
budget, the worker a query runs in, results), :mod:`api.store` (the store's interface, the
embedded store, the worker pool), :mod:`api.linked_data` (IRIs),
:mod:`api.downloads`, :mod:`api.harvest` (catalogue, feeds, reconciliation), :mod:`api.service`,
and :mod:`api.portal`, the one HTML layer. :mod:`api.media` is the media types and Accept
parser, :mod:`api.errors` the one error body, :mod:`api.limits` the body limit,
:mod:`api.settings` and :mod:`api.cli` the settings and the ``lianzheng`` command.
"""
