"""A small, read-mostly rdflib store for one data graph, built for SHACL checks.

rdflib's ``Memory`` store keeps, for every triple, which graphs it belongs to,
and turns the asking graph into a string key on every lookup. pySHACL needs a
context-aware store but checks one graph, so for the release's checks that
bookkeeping is pure cost: about half of the time pySHACL spent on a chunk of
cases went into adding the triples and answering ``objects()`` through it.

:class:`OneGraphStore` holds the three indexes and nothing else; every triple is
in its one graph. :func:`data_graph` fills it from the build's light triples in
one pass. ``tests/pipelines/checks/test_shacl_batch.py`` checks that pySHACL gives the same
results, result for result, on this store and on rdflib's own.
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.store import Store
from rdflib.term import Node

from ..rdf.terms import rdflib_terms


class OneGraphStore(Store):
    """Triples of one graph in spo/pos/osp indexes; contexts are that graph."""

    context_aware = True
    graph_aware = True
    formula_aware = False
    transaction_aware = False

    def __init__(self, configuration=None, identifier=None) -> None:
        super().__init__(configuration)
        self.identifier = identifier
        self._spo: dict[Node, dict[Node, dict[Node, int]]] = {}  # s -> p -> o (dicts as ordered sets)
        self._pos: dict[Node, dict[Node, dict[Node, int]]] = {}  # p -> o -> s
        self._osp: dict[Node, dict[Node, dict[Node, int]]] = {}  # o -> s -> p
        self._count = 0
        self._graph: Graph | None = None
        self._namespace: dict = {}
        self._prefix: dict = {}

    def _note_graph(self, context):
        if self._graph is None and context is not None:
            self._graph = context

    def add(self, triple, context, quoted=False):
        if quoted:
            raise NotImplementedError("OneGraphStore holds no formulae")
        self._note_graph(context)
        self.load([triple])

    def load(self, triples) -> None:
        """Add rdflib-term triples in bulk (duplicates are fine)."""
        spo, pos, osp = self._spo, self._pos, self._osp
        added = 0
        for s, p, o in triples:
            po = spo.get(s)
            if po is None:
                po = spo[s] = {}
            objs = po.get(p)
            if objs is None:
                objs = po[p] = {}
            if o in objs:
                continue
            objs[o] = 1
            added += 1
            os_ = pos.get(p)
            if os_ is None:
                os_ = pos[p] = {}
            subs = os_.get(o)
            if subs is None:
                subs = os_[o] = {}
            subs[s] = 1
            sp = osp.get(o)
            if sp is None:
                sp = osp[o] = {}
            preds = sp.get(s)
            if preds is None:
                preds = sp[s] = {}
            preds[p] = 1
        self._count += added

    def remove(self, triple_pattern, context=None):
        for (s, p, o), _ in list(self.triples(triple_pattern)):
            del self._spo[s][p][o]
            del self._pos[p][o][s]
            del self._osp[o][s][p]
            self._count -= 1

    def _contexts(self):
        return iter(() if self._graph is None else (self._graph,))

    def triples(self, triple_pattern, context=None):
        s, p, o = triple_pattern
        ctx = self._contexts
        if s is not None:
            po = self._spo.get(s)
            if not po:
                return
            if p is not None:
                objs = po.get(p)
                if not objs:
                    return
                if o is not None:
                    if o in objs:
                        yield (s, p, o), ctx()
                    return
                for o2 in list(objs):
                    yield (s, p, o2), ctx()
                return
            for p2, objs in list(po.items()):
                if o is not None:
                    if o in objs:
                        yield (s, p2, o), ctx()
                    continue
                for o2 in list(objs):
                    yield (s, p2, o2), ctx()
            return
        if p is not None:
            os_ = self._pos.get(p)
            if not os_:
                return
            if o is not None:
                for s2 in list(os_.get(o, ())):
                    yield (s2, p, o), ctx()
                return
            for o2, subs in list(os_.items()):
                for s2 in list(subs):
                    yield (s2, p, o2), ctx()
            return
        if o is not None:
            for s2, preds in list(self._osp.get(o, {}).items()):
                for p2 in list(preds):
                    yield (s2, p2, o), ctx()
            return
        for s2, po in list(self._spo.items()):
            for p2, objs in list(po.items()):
                for o2 in list(objs):
                    yield (s2, p2, o2), ctx()

    def __len__(self, context=None):
        return self._count

    def contexts(self, triple=None):
        if triple is not None and triple != (None, None, None) and not any(True for _ in self.triples(triple)):
            return iter(())
        return self._contexts()

    def add_graph(self, graph):
        self._note_graph(graph)

    def remove_graph(self, graph):
        self.remove((None, None, None))

    def bind(self, prefix, namespace, override=True):
        bound_ns = self._namespace.get(prefix)
        bound_prefix = self._prefix.get(namespace) or (self._prefix.get(bound_ns) if bound_ns else None)
        if override:
            if bound_prefix is not None:
                self._namespace.pop(bound_prefix, None)
            if bound_ns is not None:
                self._prefix.pop(bound_ns, None)
            self._prefix[namespace] = prefix
            self._namespace[prefix] = namespace
        else:
            ns = bound_ns if bound_ns is not None else namespace
            pf = bound_prefix if bound_prefix is not None else prefix
            self._prefix[ns] = pf
            self._namespace[pf] = ns

    def namespace(self, prefix):
        return self._namespace.get(prefix)

    def prefix(self, namespace):
        return self._prefix.get(namespace)

    def namespaces(self):
        yield from list(self._namespace.items())


def data_graph(triples) -> Graph:
    """An rdflib Graph on a :class:`OneGraphStore`, holding the light triples given."""
    store = OneGraphStore()
    g = Graph(store=store)
    store.add_graph(g)
    store.load(rdflib_terms(triples))
    return g
