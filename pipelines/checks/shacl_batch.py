"""Let pySHACL check a property shape against all its focus nodes in one call.

pySHACL (0.40) validates each ``sh:property`` of a node shape once per value node,
and each call rebuilds the shape's constraint components (reading its parameters,
parsing an ``sh:in`` list ...). That per-call cost, not the constraints, dominated
our checks: about 50 ms a case, which is 9 minutes for 10,000 cases. Passing the
value nodes of all focus nodes to one call gives the same validation results
(each result still names its own focus node) at a fraction of the cost.

Likewise ``sh:or``: pySHACL validates every member shape against every value
node and builds a full validation result for each member that fails, only to
drop it. The simple members our shapes use (a datatype; a count or a value on
one property) are tested directly; any other ``sh:or`` runs pySHACL's own code.

And value nodes: for a plain predicate path over the build's one-graph store
(``shacl_store``), the objects are read from the store's subject index rather
than through three layers of rdflib and pySHACL generators.

``batched()`` applies this for the duration of a ``with`` block, in the process
that validates, on the pySHACL versions :mod:`.gate` lists (elsewhere pySHACL's own
code runs); ``tests/pipelines/checks/test_shacl_batch.py`` checks that results with and without
it are the same, result for result, on the shapes' whole test table and on the
real dataset. The release is also checked with unpatched pySHACL in the tests.
"""

from __future__ import annotations

from contextlib import contextmanager

from pyshacl import shape as _shape
from pyshacl.constraints.core import logical_constraints as _lc
from pyshacl.constraints.core import shape_based_constraints as _sbc
from pyshacl.constraints.core import value_constraints as _vc
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from . import gate


def _evaluate_property_shape_batched(self, executor, prop_shape, target_graph, focus_value_nodes,
                                     potentially_recursive, _evaluation_path):
    found = self.shape.get_other_shape(prop_shape)
    if not found or not found.is_property_shape or (
            potentially_recursive and found in potentially_recursive):
        # the unusual paths (errors, recursion warnings) stay pySHACL's own
        return _ORIGINAL(self, executor, prop_shape, target_graph, focus_value_nodes,
                         potentially_recursive, _evaluation_path)
    nodes = list(dict.fromkeys(v for values in focus_value_nodes.values() for v in values))
    if not nodes:
        return False, []
    conforms, reports = found.validate(executor, target_graph, focus=nodes,
                                       _evaluation_path=_evaluation_path[:])
    return (not conforms), reports


_ORIGINAL = _sbc.PropertyConstraintComponent._evaluate_property_shape
_ORIGINAL_OR = _lc.OrConstraintComponent._evaluate_or_constraint
_SIMPLE = {RDF.type, SH.datatype, SH.path, SH.minCount, SH.maxCount, SH.hasValue}


def _branch_test(sg, node):
    """A direct test for the simple sh:or members our shapes use, or None.

    ``[ sh:datatype D ]`` and ``[ sh:path P ; sh:minCount n | sh:maxCount n | sh:hasValue v ]``
    with P an IRI: the checks SHACL Core defines for them, done without building the
    validation results pySHACL would make (and then drop) for every failing member.
    """
    props = {}
    for p, o in sg.predicate_objects(node):
        if p not in _SIMPLE or p in props:
            return None
        props[p] = o
    props.pop(RDF.type, None)
    if set(props) == {SH.datatype}:
        dt = props[SH.datatype]
        if dt in (RDFS.Literal, RDFS.Datatype, XSD.string, RDF.langString):
            return None  # pySHACL special-cases these; leave them to it
        actual = _vc.DatatypeConstraintComponent._assert_actual_datatype  # pySHACL's own check

        def datatype_test(g, v):
            return isinstance(v, Literal) and v.datatype == dt and v.ill_typed is not True \
                and actual(None, v, dt)  # type: ignore[arg-type]  # a static check: self is unused
        return datatype_test
    path = props.pop(SH.path, None)
    if not isinstance(path, URIRef) or len(props) != 1:
        return None
    (key, value), = props.items()
    if key == SH.hasValue:
        return lambda g, v: (v, path, value) in g
    n = int(value)
    if key == SH.minCount:
        return lambda g, v: sum(1 for _ in g.objects(v, path)) >= n
    return lambda g, v: sum(1 for _ in g.objects(v, path)) <= n


def _evaluate_or_batched(self, executor, or_c, target_graph, focus_value_nodes, _evaluation_path):
    sg = self.shape.sg
    members = list(sg.graph.items(or_c))
    tests = [_branch_test(sg.graph, m) for m in members]
    if not members or any(t is None for t in tests) or any(sg.is_filtered_out_shape(m) for m in members):
        return _ORIGINAL_OR(self, executor, or_c, target_graph, focus_value_nodes, _evaluation_path)
    reports, non_conformant = [], False
    for f, value_nodes in focus_value_nodes.items():
        for v in value_nodes:
            if not any(test(target_graph, v) for test in tests):
                non_conformant = True
                reports.append(self.make_v_result(target_graph, f, value_node=v))
    return non_conformant, reports


_ORIGINAL_PATH = _shape.value_nodes_from_path


def _spo_index(target_graph):
    """The subject index of a :class:`~pipelines.checks.shacl_store.OneGraphStore` behind pySHACL's graph."""
    from .shacl_store import OneGraphStore

    if getattr(target_graph, "locked_context", None) is not None:
        return None
    store = getattr(getattr(target_graph, "impl", target_graph), "store", None)
    return store._spo if isinstance(store, OneGraphStore) else None


def _value_nodes_from_path(sg, focus, path_val, target_graph, inverse=False, recursion=0):
    """Objects of a plain predicate path read from the store's index; any other path, pySHACL's."""
    if not inverse and type(path_val) is URIRef:
        spo = _spo_index(target_graph)
        if spo is not None:
            po = spo.get(focus)
            return set(po.get(path_val, ())) if po else set()
    return _ORIGINAL_PATH(sg, focus, path_val, target_graph, inverse=inverse, recursion=recursion)


@contextmanager
def batched():
    if not gate.verified("pyshacl", gate.PYSHACL):
        yield  # another pySHACL: its own code
        return
    cls, or_cls = _sbc.PropertyConstraintComponent, _lc.OrConstraintComponent
    # pySHACL's methods patched for the batch, and put back (the module's docstring says why)
    cls._evaluate_property_shape = _evaluate_property_shape_batched  # type: ignore[method-assign]
    or_cls._evaluate_or_constraint = _evaluate_or_batched  # type: ignore[method-assign]
    _shape.value_nodes_from_path = _value_nodes_from_path
    try:
        yield
    finally:
        cls._evaluate_property_shape = _ORIGINAL  # type: ignore[method-assign]
        or_cls._evaluate_or_constraint = _ORIGINAL_OR  # type: ignore[method-assign]
        _shape.value_nodes_from_path = _ORIGINAL_PATH
