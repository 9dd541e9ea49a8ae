"""The triple store behind the linked-data pages and the SPARQL endpoint.

The default store is embedded: pyoxigraph, measured on this machine at 14 to 132
times rdflib's speed on the same SPARQL. A release's N-Triples are bulk-loaded once
into an on-disk store in a cache folder named by a digest of the release's
``SHA256SUMS`` (and of the store layout and pyoxigraph version), so a restart
opens it at once and every process -- this one for resource descriptions, the
SPARQL workers for queries -- opens the same files read-only and shares the
operating system's page cache.

What the store holds:

* the default graph: the release's data, its vocabulary and its code lists
  (so that a query can join a case's status to its label without naming graphs);
* the named graph ``https://w3id.org/lianzheng/vocab``: the vocabulary and code lists;
* the named graph ``https://w3id.org/lianzheng/shapes``: the SHACL shapes.

The data is not loaded a second time as a named graph: measured on the 1.1M-triple
release that doubles the load time (8 s to 22 s) and the cache size, and named-graph
quads query about 1.5 times slower than the default graph. After loading, the store is
compacted once (``optimize``: 2.2 s for 1.1M triples; lookups 2.7 times faster).

Values, not lexical forms: the store keeps an ``xsd:decimal`` as its value, so
``"6.0"`` reads back as ``"6"``; and language tags in lower case (``zh-hant``),
which :mod:`api.store.terms` puts back as ``zh-Hant``.

:class:`OxigraphStore` is the embedded implementation of :class:`api.store.interface.ReleaseStore`.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.checksums import SUMS
from pipelines.processes import die_with_parent
from pipelines.rdf.terms import bcp47
from pipelines.release import MANIFEST, RDF_FILES

LAYOUT = 2  # bump when what goes into the store changes (2: compacted after loading)
VOCAB_GRAPH = "https://w3id.org/lianzheng/vocab"
SHAPES_GRAPH = "https://w3id.org/lianzheng/shapes"
CHUNK_LINES = 100_000  # N-Triples lines per bulk load: keeps the loader under ~200 MB
KEEP_CACHES = 3  # store folders kept besides the ones in use


class StoreError(RuntimeError):
    pass


def pyoxigraph_version() -> str:
    import pyoxigraph

    return pyoxigraph.__version__


def cache_key(release: Path) -> str:
    """The digest naming a release's store: its checksums, the layout, the engine version."""
    sums = (Path(release) / SUMS).read_bytes()
    h = hashlib.sha256(sums)
    h.update(f"\nlayout {LAYOUT}\npyoxigraph {pyoxigraph_version()}\n".encode())
    return h.hexdigest()


def _vocab_files(release: Path) -> list[Path]:
    return [p for p in (release / "vocab" / "lianzheng.ttl", release / "vocab" / "codes.ttl") if p.exists()]


def build_store(release: Path, target: Path) -> dict:
    """Load ``release`` into a new store at ``target`` (which must not exist); return its stats."""
    import itertools

    import pyoxigraph as ox

    t0 = time.perf_counter()
    store = ox.Store(str(target))
    nt = release / RDF_FILES["ntriples"]
    with open(nt, "rb") as fh:
        while True:
            lines = list(itertools.islice(fh, CHUNK_LINES))
            if not lines:
                break
            # lenient: the release's writer already checked every IRI
            store.bulk_load(input=b"".join(lines), format=ox.RdfFormat.N_TRIPLES, lenient=True)
    vocab = ox.NamedNode(VOCAB_GRAPH)
    for path in _vocab_files(release):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=vocab)
    shapes = release / "shapes" / "lianzheng.ttl"
    if shapes.exists():
        store.bulk_load(path=str(shapes), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(SHAPES_GRAPH))
    store.flush()
    # One compaction: the chunks' overlapping files otherwise make every lookup read several.
    # Measured on 1.1M triples: 2.2 s once, and a one-case lookup query 770 us -> 288 us.
    store.optimize()
    graphs = {}
    for g in (VOCAB_GRAPH, SHAPES_GRAPH):
        graphs[g] = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(g)))
    default = len(store) - sum(graphs.values())  # len() counts in Rust; iterating is 15x slower
    manifest = json.loads((release / MANIFEST).read_text(encoding="utf-8"))
    del store
    return {"triples": default, "graphs": graphs, "release": manifest.get("version", ""),
            "seconds": round(time.perf_counter() - t0, 2), "layout": LAYOUT,
            "pyoxigraph": pyoxigraph_version()}


@dataclass
class StoreBuild:
    """A store being built in a child process (so its memory goes when it ends)."""

    path: Path
    proc: subprocess.Popen | None
    tmp: Path | None

    def wait(self, timeout: float | None = None) -> Path:
        if self.proc is not None:
            assert self.tmp is not None  # a load runs into its temporary folder
            try:
                out, err = self.proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()
                raise StoreError("loading the release into the store took too long") from None
            if self.proc.returncode != 0:
                shutil.rmtree(self.tmp, ignore_errors=True)
                raise StoreError(f"could not load the release into the store: {err.decode(errors='replace')[-2000:]}")
            try:
                self.tmp.rename(self.path)
            except OSError:
                # another process built it at the same time: use theirs
                shutil.rmtree(self.tmp, ignore_errors=True)
                if not (self.path / "store.json").exists():
                    raise
            self.proc = None
        return self.path


def cache_root(settings) -> Path:
    """Where stores are cached: ``cache/`` beside the releases folder (``datasets/cache``)."""
    return Path(settings.releases).resolve().parent / "cache"


def prepare_store(release: Path, cache_root: Path) -> StoreBuild:
    """The cached store of ``release``, starting a build in a child process if there is none."""
    release = Path(release).resolve()
    cache_root = Path(cache_root)
    cache_root.mkdir(parents=True, exist_ok=True)
    path = cache_root / cache_key(release)
    if (path / "store.json").exists():
        os.utime(path)  # mark it used, for pruning
        return StoreBuild(path, None, None)
    tmp = cache_root / f".{path.name}.building-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    # the child is told its parent, to die with it (pipelines.processes.die_with_parent)
    proc = subprocess.Popen([sys.executable, "-m", "api.store.embedded", str(release), str(tmp),
                             str(os.getpid())], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=str(Path(__file__).resolve().parents[1]))
    _prune(cache_root, keep=path.name)
    return StoreBuild(path, proc, tmp)


def _in_use_file(store: Path) -> Path:
    return store.parent / f".{store.name}.in-use"


def hold(store: Path):
    """A shared lock on ``store`` for as long as the returned file is open: a service may hold
    several releases' stores at once (:mod:`api.switchboard`), and no prune, in this process or
    another (a publish's ``build --store``), removes a store that one holds."""
    fh = open(_in_use_file(store), "ab")  # noqa: SIM115 - open as long as the store is
    fcntl.flock(fh, fcntl.LOCK_SH)
    return fh


def _prune(cache_root: Path, keep: str) -> None:
    """Remove all but the newest :data:`KEEP_CACHES` stores not in use (and stale half-built ones)."""
    done = [p for p in cache_root.iterdir() if p.is_dir() and not p.name.startswith((".", "answers-"))
            and p.name != keep]
    done.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in done[KEEP_CACHES:]:
        with open(_in_use_file(old), "ab") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a service has it open
            shutil.rmtree(old, ignore_errors=True)
            _in_use_file(old).unlink(missing_ok=True)
    for half in cache_root.glob(".*.building-*"):
        pid = half.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(half, ignore_errors=True)


def _main(argv: list[str]) -> int:
    """The store-building child: ``RELEASE TARGET PARENT_PID``; it dies with its parent."""
    if len(argv) > 2:
        die_with_parent(int(argv[2]))
    release, target = Path(argv[0]), Path(argv[1])
    stats = build_store(release, target)
    (target / "store.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    return 0


# ------------------------------------------------------------------ the store

LABELS = ("http://www.w3.org/2004/02/skos/core#prefLabel", "http://www.w3.org/2000/01/rdf-schema#label",
          "http://purl.org/dc/terms/title", "https://schema.org/name")


class OxigraphStore:
    """The embedded store: read-only here, queries in a pool of worker processes, each running
    the module ``worker`` (``python -m``)."""

    def __init__(self, path: Path, *, worker: str, workers: int, worker_config: dict, share: int | None = None,
                 line_limit: int | None = None, budget=None):
        import pyoxigraph as ox

        from .pool import LINE_LIMIT, WorkerPool
        from .spool import Spool

        self.path = Path(path)
        stats = json.loads((self.path / "store.json").read_text(encoding="utf-8"))
        self.triples: int = stats["triples"]
        self.graphs: dict[str, int] = stats["graphs"]
        self._ox = ox
        self._held = hold(self.path)
        self._store = ox.Store.read_only(str(self.path))
        self.spool = Spool(self.path.parent)  # large answers, beside the cached stores
        self.pool = WorkerPool(self.path, worker=worker, size=workers,
                               config=dict(worker_config, spool=str(self.spool.folder)),
                               share=share, line_limit=line_limit or LINE_LIMIT, budget=budget)

    # -- descriptions, read here: bounded pattern lookups, no query language

    def _graph_node(self, graph: str | None):
        return self._ox.DefaultGraph() if graph is None else self._ox.NamedNode(graph)

    def describe(self, iri: str, *, graph: str | None = None, follow: frozenset[str] = frozenset(),
                 limit: int = 10_000) -> list:
        """Triples about ``iri``: its own, those of its blank nodes, and one hop along ``follow``.

        A Concise Bounded Description (https://www.w3.org/submissions/CBD/) plus the
        parts a case owns (activities, documents ...), at most ``limit`` triples.
        """
        ox = self._ox
        g = self._graph_node(graph)
        out: list = []  # pyoxigraph's quads
        try:
            todo = [(ox.NamedNode(iri), 0)]
        except ValueError:  # not an IRI: nothing is known about it
            return []
        done = set()
        while todo and len(out) < limit:
            node, hop = todo.pop()
            if node in done:
                continue
            done.add(node)
            for q in self._store.quads_for_pattern(node, None, None, g):
                out.append(q)
                o = q.object
                if isinstance(o, ox.BlankNode):
                    todo.append((o, hop))
                elif hop == 0 and isinstance(o, ox.NamedNode) and q.predicate.value in follow:
                    todo.append((o, 1))
                elif hop == 1 and isinstance(o, ox.NamedNode) and q.predicate.value in follow:
                    todo.append((o, 2))
                if len(out) >= limit:
                    break
        return out

    def graph(self, iri: str, limit: int = 100_000) -> list:
        out = []
        for q in self._store.quads_for_pattern(None, None, None, self._ox.NamedNode(iri)):
            out.append(q)
            if len(out) >= limit:
                break
        return out

    def subjects(self, predicate: str, obj: str, graph: str | None = None, limit: int = 10_000) -> list[str]:
        ox = self._ox
        out = []
        try:
            pattern = (ox.NamedNode(predicate), ox.NamedNode(obj))
        except ValueError:
            return []
        for q in self._store.quads_for_pattern(None, *pattern,
                                               self._graph_node(graph)):
            if isinstance(q.subject, ox.NamedNode):
                out.append(q.subject.value)
            if len(out) >= limit:
                break
        return out

    def labels(self, iris: list[str]) -> dict[str, dict[str, str]]:
        """Labels of ``iris`` by language (``zh-Hant``, ``en``, ``""``), first label property found."""
        ox = self._ox
        out: dict[str, dict[str, str]] = {}
        for iri in dict.fromkeys(iris):
            try:
                node = ox.NamedNode(iri)
            except ValueError:
                continue
            for prop in LABELS:
                found: dict[str, str] = {}
                for q in self._store.quads_for_pattern(node, ox.NamedNode(prop), None, ox.DefaultGraph()):
                    if isinstance(q.object, ox.Literal):
                        found.setdefault(bcp47(q.object.language or ""), q.object.value)
                if found:
                    out[iri] = found
                    break
        return out

    def literals(self, predicate: str, limit: int = 1_000_000) -> list[tuple[str, str, str]]:
        """(subject IRI, text, BCP 47 language tag or "") of every literal value of ``predicate`` in
        the default graph: one scan of the predicate's index, for what is read once at start."""
        ox = self._ox
        out = []
        for q in self._store.quads_for_pattern(None, ox.NamedNode(predicate), None, ox.DefaultGraph()):
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal):
                out.append((q.subject.value, q.object.value, bcp47(q.object.language or "")))
                if len(out) >= limit:
                    break
        return out

    # -- SPARQL, in worker processes

    async def start(self) -> None:
        await self.pool.start()

    async def close(self) -> None:
        await self.pool.close()
        self.spool.close()
        self._held.close()

    async def run(self, job: dict, timeout: float, client: str = ""):
        return await self.pool.run(job, timeout, client)

    def health(self) -> dict:
        return {"store": "oxigraph", "triples": self.triples, **self.pool.health()}


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
