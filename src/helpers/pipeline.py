"""One entry point for the per-sentence analysis the notebooks share, fast on every core.

``analyze`` splits documents into sentences, scores each with VADER and finds event mentions, so
every notebook gets the same sentences, the same scores and the same hits, at the same speed and
through the same cache. The work is the team's own functions (:func:`helpers.text.split_sentences`,
:func:`helpers.sentiment.score_sentences`, :func:`helpers.events.detect_events`) run over chunks of
documents; only the scheduling differs between engines, never the results.

How it runs
-----------
* **De-duplication.** Identical texts (syndicated wire copy, re-published articles) are analysed
  once and their rows copied to every document that carries them. Sentences and hits depend on the
  text alone, so this changes nothing but the time taken.
* **engine="local"** (default) runs chunks of :data:`CHUNK_DOCUMENTS` distinct texts on a
  ``concurrent.futures.ProcessPoolExecutor`` of ``workers`` processes (default: the CPUs this
  process may use). At most two chunks per worker are in flight, and each chunk's rows are
  appended to a file as soon as they arrive (:mod:`helpers.spill`), so memory is bounded by the
  chunks in flight, not by the corpus or the results: the returned frames' text columns are
  memory-mapped views of those files, which the operating system pages in as they are read, and
  only their numeric columns are copied onto the heap. ``workers=1``, or a corpus of one chunk,
  runs in this process with no pool. Worker processes come from a *forkserver* (spawn where there is
  none): plain ``fork`` from a Jupyter kernel, which runs threads, can deadlock a child on a lock
  held by another thread; the forkserver is a clean single-threaded process started once per
  session with this module preloaded, so later pools start in milliseconds.
* **engine="dask"** runs the same chunk function as tasks on a ``dask.distributed`` cluster:
  the current client (``distributed.get_client()``) or ``scheduler="tcp://host:8786"``. Results
  are identical to the local engine, row for row.
* **Order.** ``sentences`` follows the documents' order, then sentence order; ``events`` is sorted
  as :func:`helpers.events.detect_events` sorts it (``doc_id``, ``sent_idx``, taxonomy order). Both
  are the same whatever ``workers``, ``chunk_size`` or engine.
* **Cache.** With ``cache_dir`` the result is stored as Parquet under a key made of the content of
  the documents (``doc_id``, ``text``, ``date``), the taxonomy (file hash and event ids) and the
  versions of this package and of vaderSentiment (:func:`cache_key`). Re-running a notebook that
  only changes chart parameters reads the cache; changing a text, the taxonomy or a version
  computes afresh. Entries are written to a temporary folder and renamed into place, with a JSON
  sidecar of row counts and SHA-256 of each Parquet file; an entry that does not verify is
  deleted and rebuilt, never read.
* **Progress** (tqdm) is shown for corpora of at least :data:`PROGRESS_MIN_DOCUMENTS` documents,
  except in CI or a reproducible run (``CI`` or ``SOURCE_DATE_EPOCH`` set, as the report runner
  does), because a progress bar's timings would make report bytes differ between runs.
  ``HELPERS_PROGRESS=1`` / ``0`` or ``progress=True`` / ``False`` decide explicitly.

Running on a cluster
--------------------
Start a scheduler and workers (``dask scheduler`` on one machine, ``dask worker
tcp://SCHEDULER:8786 --nworkers 8 --nthreads 1`` on each of the others, all with this package
installed; on SLURM ``dask_jobqueue.SLURMCluster(cores=8, processes=8, memory="16GB")`` then
``cluster.scale(jobs=10)``), then call ``analyze(documents, engine="dask",
scheduler="tcp://SCHEDULER:8786")`` or, inside ``with Client(cluster):``, ``engine="dask"``.
:func:`analyze_files` reads Parquet / JSONL shards on the workers themselves, so the corpus never
passes through the notebook's process; the results come back to it, into memory-mapped files
under ``config.SCRATCH_DIR`` (or ``cache_dir/scratch``; set ``HELPERS_SCRATCH_DIR`` to put them
on another disk).
"""

from __future__ import annotations

import functools
import glob as globlib
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import __version__, config, sentiment, text
from . import events as events_mod
from .spill import BATCH_ROWS, MappedTable, TableSpill

__all__ = [
    "Analysis",
    "analyze",
    "analyze_files",
    "cache_key",
    "SENTENCE_COLUMNS",
    "EVENT_COLUMNS",
    "CHUNK_DOCUMENTS",
    "PROGRESS_MIN_DOCUMENTS",
    "CACHE_FORMAT",
]

SENTENCE_COLUMNS: tuple[str, ...] = (
    "doc_id",
    "sent_idx",
    "date",
    "text",
    "start",
    "end",
    "compound",
    "pos",
    "neu",
    "neg",
)
EVENT_COLUMNS: tuple[str, ...] = tuple(events_mod.EVENT_COLUMNS)

# About a second of work per chunk on one core: large enough that scheduling costs nothing,
# small enough that a few chunks in flight keep memory flat and the progress bar moving.
CHUNK_DOCUMENTS = 256
PROGRESS_MIN_DOCUMENTS = 20_000
# Bump when the stored tables change shape; old entries then miss instead of being misread.
CACHE_FORMAT = 1

Engine = Literal["local", "dask"]

_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype
_SENT_SCHEMA = pa.schema(
    [
        ("doc_id", pa.large_string()),
        ("sent_idx", pa.int64()),
        ("date", pa.timestamp("ns")),
        ("text", pa.large_string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("compound", pa.float64()),
        ("pos", pa.float64()),
        ("neu", pa.float64()),
        ("neg", pa.float64()),
    ]
)
_EVENT_SCHEMA = pa.schema(
    [
        ("doc_id", pa.large_string()),
        ("sent_idx", pa.int64()),
        ("event", pa.large_string()),
        ("match", pa.large_string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("n_matches", pa.int64()),
    ]
)

# The hits before their final sort carry the event's taxonomy position.
_RANKED_SCHEMA = _EVENT_SCHEMA.append(pa.field("rank", pa.int64()))
# Rows of distinct texts as the chunk function returns them (text_idx in place of doc_id).
_TEXT_SENT_SCHEMA = pa.schema(
    [
        ("text_idx", pa.int64()),
        ("sent_idx", pa.int64()),
        ("text", pa.large_string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        *[(c, pa.float64()) for c in ("compound", "pos", "neu", "neg")],
    ]
)
_TEXT_HIT_SCHEMA = pa.schema(
    [
        ("text_idx", pa.int64()),
        ("sent_idx", pa.int64()),
        ("rank", pa.int64()),
        ("event", pa.large_string()),
        ("match", pa.large_string()),
        ("start", pa.int64()),
        ("end", pa.int64()),
        ("n_matches", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Analysis:
    """Per-sentence results for a set of documents.

    Attributes
    ----------
    sentences
        One row per sentence, documents in input order, sentences in text order: ``doc_id``
        (str), ``sent_idx`` (int64, 0-based within the document), ``date`` (datetime64[ns], the
        document's, NaT if undated), ``text`` (str), ``start``, ``end`` (int64 character offsets
        in the document's cleaned text), ``compound``, ``pos``, ``neu``, ``neg`` (float64, VADER,
        equal to ``vaderSentiment``'s ``polarity_scores``).
    events
        One row per (sentence, event) hit, as returned by :func:`helpers.events.detect_events`:
        ``doc_id``, ``sent_idx``, ``event``, ``match``, ``start``, ``end`` (offsets in the
        sentence text), ``n_matches``; sorted by ``doc_id``, ``sent_idx``, taxonomy order.
    key
        The cache key of this result (hex SHA-256, see :func:`cache_key`), "" if not computed.
    """

    sentences: pd.DataFrame
    events: pd.DataFrame
    key: str = ""


# ----------------------------------------------------------------------------------------------
# The work on one chunk (runs in worker processes, on Dask workers, or here)


def _analyze_texts(
    texts: list[str], offset: int, taxonomy: events_mod.Taxonomy
) -> tuple[pa.Table, pa.Table, np.ndarray]:
    """Sentences and event hits of distinct texts, keyed by ``offset + position in texts``.

    Returns (sentences, hits, n_sentences): Arrow tables with a ``text_idx`` column in place of
    ``doc_id`` (and no ``date``; hits carry the event's taxonomy ``rank``), and the number of
    sentences of each text.
    """
    frame = pd.DataFrame(
        {
            "doc_id": np.arange(offset, offset + len(texts), dtype=np.int64),
            "text": pd.Series(texts, dtype="str"),
        }
    )
    sents = text.split_sentences(frame)
    scores = sentiment.score_sentences(sents["text"])
    hits = events_mod.detect_events(sents[["doc_id", "sent_idx", "text"]], taxonomy)
    text_idx = sents["doc_id"].to_numpy(dtype=np.int64)
    n_sentences = np.bincount(text_idx - offset, minlength=len(texts)).astype(np.int64)
    sent_table = pa.table(
        {
            "text_idx": text_idx,
            "sent_idx": sents["sent_idx"].to_numpy(dtype=np.int64),
            "text": pa.array(sents["text"].tolist(), type=pa.large_string()),
            "start": sents["start"].to_numpy(dtype=np.int64),
            "end": sents["end"].to_numpy(dtype=np.int64),
            **{c: scores[c].to_numpy(dtype=np.float64) for c in sentiment.SCORE_COLUMNS},
        }
    )
    # detect_events sorts on str(doc_id); the integer keys need numeric order.
    rank_of = {event_id: i for i, event_id in enumerate(taxonomy.ids)}
    hit_idx = hits["doc_id"].astype("int64").to_numpy()
    hit_sent = hits["sent_idx"].to_numpy(dtype=np.int64)
    rank = np.array([rank_of[e] for e in hits["event"].tolist()], dtype=np.int64)
    order = np.lexsort((rank, hit_sent, hit_idx))
    hit_table = pa.table(
        {
            "text_idx": hit_idx[order],
            "sent_idx": hit_sent[order],
            "rank": rank[order],
            "event": pa.array(hits["event"].to_numpy(dtype=object)[order], type=pa.large_string()),
            "match": pa.array(hits["match"].to_numpy(dtype=object)[order], type=pa.large_string()),
            "start": hits["start"].to_numpy(dtype=np.int64)[order],
            "end": hits["end"].to_numpy(dtype=np.int64)[order],
            "n_matches": hits["n_matches"].to_numpy(dtype=np.int64)[order],
        }
    )
    return sent_table, hit_table, n_sentences


def _expand(
    sent: pa.Table,
    hits: pa.Table,
    n_sent_text: np.ndarray,
    n_hits_text: np.ndarray,
    codes: np.ndarray,
    doc_ids: pa.Array,
    dates: np.ndarray,
) -> tuple[pa.Table, pa.Table]:
    """Rows per document from rows per distinct text.

    ``sent`` and ``hits`` hold the rows of consecutive texts (text t has ``n_sent_text[t]``
    sentence rows and ``n_hits_text[t]`` hit rows); ``codes[d]`` is the text of document d, whose
    id and date are ``doc_ids[d]`` and ``dates[d]``.
    """
    identity = len(codes) == len(n_sent_text) and bool((codes == np.arange(len(codes))).all())
    if not identity:
        sent = sent.take(_row_index(n_sent_text, codes))
        hits = hits.take(_row_index(n_hits_text, codes))
    doc_index = np.arange(len(codes), dtype=np.int64)
    n_sent_doc = n_sent_text[codes]
    sentences = pa.table(
        {
            "doc_id": doc_ids.take(pa.array(np.repeat(doc_index, n_sent_doc))),
            "sent_idx": sent["sent_idx"],
            "date": pa.array(np.repeat(dates, n_sent_doc), type=pa.timestamp("ns")),
            "text": sent["text"],
            "start": sent["start"],
            "end": sent["end"],
            **{c: sent[c] for c in sentiment.SCORE_COLUMNS},
        },
        schema=_SENT_SCHEMA,
    )
    hit_table = pa.table(
        {
            "doc_id": doc_ids.take(pa.array(np.repeat(doc_index, n_hits_text[codes]))),
            "sent_idx": hits["sent_idx"],
            "event": hits["event"],
            "match": hits["match"],
            "start": hits["start"],
            "end": hits["end"],
            "n_matches": hits["n_matches"],
            "rank": hits["rank"],
        },
        schema=_RANKED_SCHEMA,
    )
    return sentences, hit_table


def _row_index(counts: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Row numbers, in document order, of the rows of each document's text."""
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    n = counts[codes]
    total = int(n.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    block_start = np.repeat(starts[codes] - (np.cumsum(n) - n), n)
    return block_start + np.arange(total, dtype=np.int64)


class _Assembly:
    """Per-document result rows, written to spill files as the chunks of distinct texts arrive.

    When every text is distinct (the usual case) chunk k's texts are documents k*chunk onwards,
    so its rows are final at once. Otherwise the rows per text are spilled first and expanded to
    documents at the end, a slice of documents at a time, so duplicated texts are never held in
    memory more than once either.
    """

    _DOCS_PER_SLICE = 8192

    def __init__(self, scratch: Path, docs: _Docs, codes: np.ndarray, n_texts: int) -> None:
        self.scratch, self.docs, self.codes = scratch, docs, codes
        self.identity = len(codes) == n_texts  # codes number texts by first occurrence
        self.sentences = TableSpill(_SENT_SCHEMA, scratch)
        self.hits = TableSpill(_RANKED_SCHEMA, scratch)
        self._offset = 0
        self._n_sent: list[np.ndarray] = []
        self._n_hits: list[np.ndarray] = []
        if not self.identity:
            self._text_sent = TableSpill(_TEXT_SENT_SCHEMA, scratch)
            self._text_hits = TableSpill(_TEXT_HIT_SCHEMA, scratch)

    def add(self, part: tuple[pa.Table, pa.Table, np.ndarray]) -> None:
        sent, hits, n_sent = part
        a, m = self._offset, len(n_sent)
        n_hits = np.bincount(hits["text_idx"].to_numpy() - a, minlength=m).astype(np.int64)
        if self.identity:
            rows = _expand(
                sent, hits, n_sent, n_hits, np.arange(m),
                self.docs.doc_ids.slice(a, m), self.docs.dates[a : a + m],
            )  # fmt: skip
            self.sentences.write(rows[0])
            self.hits.write(rows[1])
        else:
            self._text_sent.write(sent)
            self._text_hits.write(hits)
            self._n_sent.append(n_sent)
            self._n_hits.append(n_hits)
        self._offset += m

    def finish(self) -> tuple[MappedTable, MappedTable]:
        if not self.identity:
            sent, hits = self._text_sent.finish(), self._text_hits.finish()
            n_sent = np.concatenate([np.zeros(0, np.int64), *self._n_sent])
            n_hits = np.concatenate([np.zeros(0, np.int64), *self._n_hits])
            for a in range(0, len(self.codes), self._DOCS_PER_SLICE):
                b = min(a + self._DOCS_PER_SLICE, len(self.codes))
                rows = _expand(
                    sent.table, hits.table, n_sent, n_hits, self.codes[a:b],
                    self.docs.doc_ids.slice(a, b - a), self.docs.dates[a:b],
                )  # fmt: skip
                self.sentences.write(rows[0])
                self.hits.write(rows[1])
                sent.release()
                hits.release()
            del sent, hits  # unmapped once the last reference goes
        return self.sentences.finish(), self.hits.finish()

    def abort(self) -> None:
        for spill in (self.sentences, self.hits):
            spill.abort()
        if not self.identity:
            self._text_sent.abort()
            self._text_hits.abort()


def _sort_hits(ranked: MappedTable, presorted: bool, scratch: Path) -> MappedTable:
    """The hits in :func:`helpers.events.detect_events` order, without the ``rank`` column.

    detect_events orders by doc_id (as str), sent_idx, taxonomy order, stably. Rows arrive in
    document order, sorted within each document, so only unsorted or repeated ids need a sort;
    Arrow's sort is stable and compares UTF-8 bytes, i.e. code points, as Python does.
    """
    out = TableSpill(_EVENT_SCHEMA, scratch)
    table = ranked.table
    if presorted or not table.num_rows:
        for batch in ranked.batches():
            out.write(pa.Table.from_batches([batch]).select(list(EVENT_COLUMNS)))
    else:
        order = pc.sort_indices(
            table,
            sort_keys=[("doc_id", "ascending"), ("sent_idx", "ascending"), ("rank", "ascending")],
        )
        for a in range(0, len(order), BATCH_ROWS):
            out.write(table.take(order.slice(a, BATCH_ROWS)).select(list(EVENT_COLUMNS)))
            ranked.release()
    return out.finish()


def _to_pandas(mapped: MappedTable) -> pd.DataFrame:
    """The contract's dtypes: str for text, int64, float64, datetime64[ns].

    Text columns stay views of the mapped file (pandas' str dtype is Arrow-backed, and Arrow
    strings are never written in place). Numbers are copied into ordinary, writable arrays: a
    notebook may assign into them, which a read-only mapping would refuse.
    """
    columns: dict[str, Any] = {}
    for name, column in zip(mapped.table.column_names, mapped.table.columns, strict=True):
        if pa.types.is_large_string(column.type):
            columns[name] = _STR.__from_arrow__(column)
        else:
            values = column.to_numpy()
            columns[name] = values if values.flags.writeable else values.copy()
            mapped.release()  # the copy is on the heap; the file's pages need not stay too
    return pd.DataFrame(columns, copy=False)


def _analysis(sentences: MappedTable, hits: MappedTable, key: str) -> Analysis:
    return Analysis(_to_pandas(sentences), _to_pandas(hits), key)


def _scratch(cache_dir: str | Path | None) -> Path:
    """Where spill files go: next to the cache when there is one, else config.SCRATCH_DIR."""
    return Path(cache_dir) / "scratch" if cache_dir is not None else config.SCRATCH_DIR


# ----------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class _Docs:
    doc_ids: pa.Array  # large_string
    texts: pd.Series  # str dtype, missing filled with ""
    dates: np.ndarray  # datetime64[ns]


def _prepare(documents: pd.DataFrame) -> _Docs:
    missing = {"doc_id", "text"} - set(documents.columns)
    if missing:
        raise ValueError(f"analyze: documents lack column(s) {sorted(missing)}")
    raw = documents["text"]
    if raw.dtype != _STR:
        for position, value in enumerate(raw.tolist()):
            if not (isinstance(value, str) or value is None or pd.isna(value)):
                raise TypeError(
                    f"analyze: text of row {position} is {type(value).__name__}, not str"
                )
        raw = raw.astype(_STR)
    texts = raw.fillna("").reset_index(drop=True)
    ids = documents["doc_id"]
    if ids.dtype != _STR:
        ids = ids.astype(str).astype(_STR)
    if "date" in documents.columns:
        dates = pd.to_datetime(documents["date"]).to_numpy(dtype="datetime64[ns]")
    else:
        dates = np.full(len(documents), np.datetime64("NaT", "ns"))
    doc_ids = pa.array(ids.reset_index(drop=True), type=pa.large_string())
    if isinstance(doc_ids, pa.ChunkedArray):
        doc_ids = doc_ids.combine_chunks()
    return _Docs(doc_ids=doc_ids, texts=texts, dates=dates)


def _texts_at(texts: pd.Series, positions: np.ndarray) -> list[str]:
    """``texts`` at increasing ``positions``, as Python strings.

    Only the slice the positions span is touched: a take on the whole Arrow-backed column
    concatenates all its chunks first, which made every chunk cost time proportional to the
    corpus (2 s of 20 s at 20,000 articles). Without duplicates the slice is the chunk itself.
    """
    if not len(positions):
        return []
    lo, hi = int(positions[0]), int(positions[-1]) + 1
    window = texts.iloc[lo:hi]
    if hi - lo == len(positions):
        return window.tolist()
    return pa.array(window).take(pa.array(positions - lo)).to_pylist()


def _as_taxonomy(taxonomy: Any) -> events_mod.Taxonomy:
    if isinstance(taxonomy, events_mod.Taxonomy):
        return taxonomy
    return events_mod.load_taxonomy(taxonomy)


# ----------------------------------------------------------------------------------------------
# Cache


def _hash_strings(values: pa.Array | pa.ChunkedArray) -> bytes:
    """SHA-256 of a string column that does not depend on how Arrow chunked it."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    lengths, data, nulls = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()
    for chunk in chunks:
        chunk = chunk.cast(pa.large_string())
        if len(chunk) == 0:
            continue
        offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)
        offsets = offsets[chunk.offset : chunk.offset + len(chunk) + 1]
        lengths.update(np.diff(offsets).tobytes())
        data.update(memoryview(chunk.buffers()[2])[offsets[0] : offsets[-1]])
        nulls.update(chunk.is_null().to_numpy(zero_copy_only=False).tobytes())
    return lengths.digest() + data.digest() + nulls.digest()


def cache_key(documents: pd.DataFrame, taxonomy: Any = None) -> str:
    """The cache key of ``analyze(documents, taxonomy=taxonomy)``: hex SHA-256.

    It covers the documents' ``doc_id``, ``text`` and ``date`` (content, order included), the
    taxonomy (SHA-256 of its file and the ids of the event types used, so a subset differs), the
    versions of this package and of vaderSentiment, and :data:`CACHE_FORMAT`.
    """
    docs = _prepare(documents)
    return _key(docs, _as_taxonomy(taxonomy), _text_digests(docs.texts))


def _text_digests(texts: pd.Series) -> np.ndarray:
    """BLAKE2b-128 of each text's UTF-8 bytes (fixed-width bytes, one per document).

    One pass over the corpus serves both de-duplication and the cache key, in slices, so no
    second copy of the corpus is ever made.
    """
    out = np.empty(len(texts), dtype="S16")
    for a in range(0, len(texts), 8192):
        out[a : a + 8192] = [
            hashlib.blake2b(t.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            for t in texts.iloc[a : a + 8192].tolist()
        ]
    return out


def _dedupe(digests: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, first): document d has distinct text codes[d], first seen at document first[c]."""
    codes, _ = pd.factorize(pd.Series(digests.tolist(), dtype=object), sort=False)
    codes = codes.astype(np.int64)
    first = np.unique(codes, return_index=True)[1].astype(np.int64)
    return codes, first


@functools.cache
def _code_digest() -> str:
    """SHA-256 of the code and data that produce the cached columns.

    The package version alone would let a source checkout under development read results
    computed by yesterday's code; hashing the modules and their data files makes any change to
    splitting, detection or scoring a cache miss.
    """
    h = hashlib.sha256()
    for name in ("text.py", "events.py", "sentiment.py", "pipeline.py"):
        h.update((config.PACKAGE_DIR / name).read_bytes())
    for path in sorted(config.DATA_DIR.glob("*.txt")):
        h.update(path.read_bytes())
    return h.hexdigest()


def _key(docs: _Docs, taxonomy: events_mod.Taxonomy, digests: np.ndarray) -> str:
    h = hashlib.sha256()
    meta = {
        "format": CACHE_FORMAT,
        "helpers": __version__,
        "code": _code_digest(),
        "vaderSentiment": sentiment.vader_version(),
        "taxonomy_sha256": taxonomy.sha256,
        "taxonomy_ids": list(taxonomy.ids),
        "n_documents": len(docs.texts),
    }
    h.update(json.dumps(meta, sort_keys=True).encode())
    h.update(_hash_strings(docs.doc_ids))
    h.update(digests.tobytes())
    h.update(docs.dates.view(np.int64).tobytes())
    return h.hexdigest()


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


_CACHE_FILES = {"sentences": _SENT_SCHEMA, "events": _EVENT_SCHEMA}


def _cache_read(cache_dir: Path, key: str) -> tuple[MappedTable, MappedTable] | None:
    entry = cache_dir / f"analysis-{key}"
    if not entry.exists():
        return None
    spills: list[TableSpill] = []
    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
        if meta.get("key") != key or meta.get("format") != CACHE_FORMAT:
            raise ValueError("sidecar names another key or format")
        tables = []
        for name, schema in _CACHE_FILES.items():
            path = entry / f"{name}.parquet"
            if _file_sha256(path) != meta["files"][name]["sha256"]:
                raise ValueError(f"{path.name} does not match its recorded SHA-256")
            # Row group by row group into a mapped file: a large entry never sits on the heap.
            spill = TableSpill(schema, _scratch(cache_dir))
            spills.append(spill)
            for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
                spill.write(pa.Table.from_batches([batch]))
            if spill.rows != meta["files"][name]["rows"]:
                raise ValueError(f"{path.name} has {spill.rows} rows, not the recorded count")
            tables.append(spill.finish())
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        for spill in spills:
            spill.abort()
        print(
            f"helpers.pipeline: cache entry {entry.name} is damaged ({exc}); rebuilding it",
            file=sys.stderr,
        )
        shutil.rmtree(entry, ignore_errors=True)
        return None
    return tables[0], tables[1]


def _cache_write(cache_dir: Path, key: str, sentences: MappedTable, hits: MappedTable) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    entry = cache_dir / f"analysis-{key}"
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key[:16]}-", dir=cache_dir))
    try:
        files = {}
        for name, mapped in (("sentences", sentences), ("events", hits)):
            path = tmp / f"{name}.parquet"
            with pq.ParquetWriter(path, mapped.table.schema, compression="zstd") as writer:
                for batch in mapped.batches(BATCH_ROWS * 4):
                    writer.write_batch(batch)
            files[name] = {"rows": mapped.table.num_rows, "sha256": _file_sha256(path)}
        meta = {
            "key": key,
            "format": CACHE_FORMAT,
            "helpers": __version__,
            "vaderSentiment": sentiment.vader_version(),
            "files": files,
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True), "utf-8")
        shutil.rmtree(entry, ignore_errors=True)  # a damaged entry left by a killed run
        os.replace(tmp, entry)  # atomic: readers see the whole entry or none of it
    except OSError:
        # Another run wrote the same entry first, or the disk is full: the result stands anyway.
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# Scheduling


def _default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers, taskset)
    except AttributeError:
        return os.cpu_count() or 1


def _show_progress(progress: bool | None, n_documents: int) -> bool:
    if progress is not None:
        return bool(progress)
    forced = os.environ.get("HELPERS_PROGRESS", "").strip()
    if forced:
        return forced not in ("0", "false", "False", "no")
    if os.environ.get("CI") or os.environ.get("SOURCE_DATE_EPOCH"):
        return False
    return n_documents >= PROGRESS_MIN_DOCUMENTS


def _progress_bar(show: bool, total: int, desc: str):
    # tqdm.auto warns at import when ipywidgets is missing (it is not a dependency): use the
    # plain text bar then, and always when the bar is off, so reports never carry the warning.
    try:
        if not show:
            raise ImportError
        import ipywidgets  # noqa: F401
        from tqdm.auto import tqdm
    except ImportError:
        from tqdm.std import tqdm

    return tqdm(total=total, unit="doc", desc=desc, disable=not show, smoothing=0.1)


_WORKER_TAXONOMY: events_mod.Taxonomy | None = None


def _init_worker(taxonomy: events_mod.Taxonomy) -> None:
    global _WORKER_TAXONOMY
    _WORKER_TAXONOMY = taxonomy


def _worker_chunk(texts: list[str], offset: int) -> tuple[pa.Table, pa.Table, np.ndarray]:
    assert _WORKER_TAXONOMY is not None, "worker started without _init_worker"
    return _analyze_texts(texts, offset, _WORKER_TAXONOMY)


def _mp_context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Imported once in the server, inherited by every worker it forks.
        context.set_forkserver_preload(["helpers.pipeline"])
        return context
    return multiprocessing.get_context("spawn")


Task = tuple[Callable[..., Any], tuple[Any, ...], int]  # function, args, documents it covers


def _run_local(tasks: Iterable[Task], workers: int, taxonomy, bar) -> Iterator[Any]:
    """Results of ``tasks`` in order, ``2 * workers`` at most in flight."""
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_mp_context(),
        initializer=_init_worker,
        initargs=(taxonomy,),
    ) as pool:
        window: deque = deque()
        for func, args, n in tasks:
            window.append((pool.submit(func, *args), n))
            if len(window) >= 2 * workers:
                future, done = window.popleft()
                yield future.result()
                bar.update(done)
        while window:
            future, done = window.popleft()
            yield future.result()
            bar.update(done)


def _dispatch(
    tasks: Iterable[Task],
    n_tasks: int,
    inline: Callable[..., Any],
    taxonomy,
    bar,
    engine: str,
    n_workers: int,
    scheduler: str | None,
) -> Iterator[Any]:
    """The results of ``tasks`` on the chosen engine, in task order, as they complete.

    One worker, or a single task, runs in this process with ``inline(*args, taxonomy)`` (no pool
    to start); otherwise the local process pool or the Dask client runs each task's function.
    """
    if engine == "dask":
        client, own = _dask_client(scheduler)
        try:
            yield from _run_dask(tasks, client, taxonomy, bar)
        finally:
            if own:
                client.close()
    elif n_workers == 1 or n_tasks == 1:
        for _, args, n in tasks:
            yield inline(*args, taxonomy)
            bar.update(n)
    else:
        try:
            yield from _run_local(tasks, min(n_workers, n_tasks), taxonomy, bar)
        except BrokenProcessPool as exc:
            raise RuntimeError(
                "analyze: a worker process died. If this runs from a script, put the call under "
                "`if __name__ == '__main__':` (workers start from a forkserver and import the "
                "script's main module); if memory ran out, pass a smaller chunk_size or fewer "
                "workers; workers=1 runs without worker processes."
            ) from exc


def _dask_client(scheduler: str | None):
    try:
        from distributed import Client, get_client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "engine='dask' needs dask.distributed: pip install 'helpers[dask]'"
        ) from exc
    if scheduler is not None:
        return Client(scheduler), True
    try:
        return get_client(), False
    except ValueError as exc:
        raise ValueError(
            "engine='dask' found no Dask client: create one first (from distributed import "
            "Client; client = Client(...)) or pass scheduler='tcp://host:8786'"
        ) from exc


def _run_dask(tasks: Iterable[Task], client, taxonomy, bar) -> Iterator[Any]:
    [tax_future] = client.scatter([taxonomy], broadcast=True)
    limit = 2 * max(1, sum(client.nthreads().values()))
    window: deque = deque()
    for func, args, n in tasks:
        window.append((client.submit(func, *args, tax_future, pure=False), n))
        if len(window) >= limit:
            future, done = window.popleft()
            yield future.result()
            future.release()
            bar.update(done)
    while window:
        future, done = window.popleft()
        yield future.result()
        future.release()
        bar.update(done)


def _check_engine(engine: str, workers: int | None) -> int:
    if engine not in ("local", "dask"):
        raise ValueError(f"engine must be 'local' or 'dask', not {engine!r}")
    if workers is None:
        return _default_workers()
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer or None, not {workers!r}")
    return workers


# ----------------------------------------------------------------------------------------------
# Public API


def analyze(
    documents: pd.DataFrame,
    *,
    taxonomy: Any = None,
    workers: int | None = None,
    engine: Engine = "local",
    cache_dir: str | Path | None = None,
    progress: bool | None = None,
    scheduler: str | None = None,
    chunk_size: int = CHUNK_DOCUMENTS,
) -> Analysis:
    """Sentences, tone and event hits for ``documents``, on every core.

    Parameters
    ----------
    documents
        ``Corpus.documents`` or any frame with ``doc_id`` and ``text`` (missing text counts as
        empty) and optionally ``date`` (datetime64; absent means undated).
    taxonomy
        A :class:`helpers.events.Taxonomy`, a path to one, or None for the shipped default.
    workers
        Processes for ``engine="local"``; None = the CPUs this process may use; 1 = in this
        process, no pool. Ignored by ``engine="dask"`` (the cluster decides).
    engine
        ``"local"`` or ``"dask"`` (see the module docstring). Results are identical.
    cache_dir
        Folder for cached results (created if needed); None = no cache. Notebooks may pass
        ``config.REPO_ROOT / ".cache"``.
    progress
        Show a tqdm progress bar; None decides from the corpus size and environment (module
        docstring).
    scheduler
        With ``engine="dask"``: a scheduler address such as ``"tcp://10.0.0.5:8786"``; None uses
        the current client.
    chunk_size
        Distinct texts per task. Changes speed and memory only, never results.

    Returns
    -------
    Analysis
        ``sentences`` (one row per sentence) and ``events`` (one row per sentence and event
        type hit); see :class:`Analysis` for the columns.
    """
    n_workers = _check_engine(engine, workers)
    if not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, not {chunk_size!r}")
    tax = _as_taxonomy(taxonomy)
    docs = _prepare(documents)

    digests = _text_digests(docs.texts)
    key = _key(docs, tax, digests) if cache_dir is not None else ""
    if cache_dir is not None:
        cached = _cache_read(Path(cache_dir), key)
        if cached is not None:
            return _analysis(*cached, key)

    codes, first = _dedupe(digests)
    del digests
    # A document counts for the progress bar with the chunk holding its text's first occurrence.
    docs_per_text = np.bincount(codes, minlength=len(first)).astype(np.int64)
    bounds = list(range(0, len(first), chunk_size)) or [0]
    tasks = (
        (
            _worker_chunk if engine == "local" else _analyze_texts,
            (_texts_at(docs.texts, first[a : a + chunk_size]), a),
            int(docs_per_text[a : a + chunk_size].sum()),
        )
        for a in bounds
    )

    scratch = _scratch(cache_dir)
    assembly = _Assembly(scratch, docs, codes, len(first))
    try:
        show = _show_progress(progress, len(docs.texts))
        with _progress_bar(show, len(docs.texts), "analyze") as bar:
            for part in _dispatch(
                tasks, len(bounds), _analyze_texts, tax, bar, engine, n_workers, scheduler
            ):
                assembly.add(part)
        sentences, ranked = assembly.finish()
    except BaseException:
        assembly.abort()
        raise
    ids = pd.Series(docs.doc_ids, dtype=_STR)
    hits = _sort_hits(ranked, bool(ids.is_monotonic_increasing and ids.is_unique), scratch)
    del ranked
    if cache_dir is not None:
        _cache_write(Path(cache_dir), key, sentences, hits)
    return _analysis(sentences, hits, key)


# ----------------------------------------------------------------------------------------------
# Shards read in place


def _shard_paths(paths_or_glob: str | Path | Sequence[str | Path]) -> list[Path]:
    items = [paths_or_glob] if isinstance(paths_or_glob, str | Path) else list(paths_or_glob)
    found: list[Path] = []
    for item in items:
        matches = sorted(globlib.glob(str(item), recursive=True))
        if not matches:
            raise FileNotFoundError(f"analyze_files: no file matches {str(item)!r}")
        found.extend(Path(m) for m in matches)
    return found


def _parse_dates(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values)
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return stamps.dt.normalize().to_numpy(dtype="datetime64[ns]")
    from .corpus import parse_date  # the corpus loader's exact, ambiguity-refusing date rules

    strings = values.astype("str").fillna("")
    parsed = {v: parse_date(v)[0] for v in strings.unique().tolist()}
    return np.array(
        [
            np.datetime64("NaT", "ns") if parsed[v] is None else parsed[v].to_datetime64()
            for v in strings.tolist()
        ],
        dtype="datetime64[ns]",
    )


def _read_shard(path: Path, text_column: str, date_column: str | None, id_column: str | None):
    columns = [c for c in (text_column, date_column, id_column) if c]
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path, columns=columns)
    elif path.suffix in (".jsonl", ".ndjson"):
        frame = pd.read_json(path, lines=True, dtype=False)
    else:
        raise ValueError(f"analyze_files: {path} is not .parquet, .jsonl or .ndjson")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"analyze_files: {path} has no column(s) {missing}")
    ids = (
        frame[id_column].astype(str)
        if id_column
        else pd.Series([f"{path.name}:{i}" for i in range(len(frame))])
    )
    return pd.DataFrame(
        {
            "doc_id": ids.astype(_STR).to_numpy(),
            "text": frame[text_column].to_numpy(),
            "date": _parse_dates(frame[date_column]) if date_column else pd.NaT,
        }
    )


def _analyze_shard(
    path: str,
    text_column: str,
    date_column: str | None,
    id_column: str | None,
    taxonomy: events_mod.Taxonomy,
) -> tuple[pa.Table, pa.Table]:
    """One file read and analysed where it runs; rows keyed by doc_id."""
    docs = _prepare(_read_shard(Path(path), text_column, date_column, id_column))
    codes, uniques = pd.factorize(docs.texts, sort=False)
    sent, hits, n_sent = _analyze_texts(uniques.tolist() if len(uniques) else [], 0, taxonomy)
    n_hits = np.bincount(hits["text_idx"].to_numpy(), minlength=len(n_sent)).astype(np.int64)
    return _expand(sent, hits, n_sent, n_hits, codes.astype(np.int64), docs.doc_ids, docs.dates)


def _worker_shard(*args: Any) -> tuple[pa.Table, pa.Table]:
    assert _WORKER_TAXONOMY is not None, "worker started without _init_worker"
    return _analyze_shard(*args, _WORKER_TAXONOMY)


def analyze_files(
    paths_or_glob: str | Path | Sequence[str | Path],
    *,
    text_column: str = "text",
    date_column: str | None = None,
    id_column: str | None = None,
    taxonomy: Any = None,
    engine: Engine = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> Analysis:
    """The analysis of Parquet / JSONL shards, each read by the process that analyses it.

    For corpora too large for one machine's memory: one task per file, so a notebook never holds
    the texts, only the results. The text is analysed as stored: none of
    :func:`helpers.corpus.load_corpus`'s cleaning, ledger or de-duplication across files is
    applied (identical texts within one file are still analysed once). No cache: a key would
    need every byte of every shard to be read first.

    Parameters
    ----------
    paths_or_glob
        A glob (``"shards/*.parquet"``, ``**`` allowed), a path, or a list of them; files are
        taken in sorted order. On a cluster the paths must be readable by every worker (shared
        file system).
    text_column, date_column, id_column
        Column names. Dates are parsed with :func:`helpers.corpus.parse_date` (strings) or
        normalised to midnight (timestamp columns, converted to UTC naive); unparseable ones are
        NaT. Without ``id_column`` a document's id is ``"<file name>:<row>"`` (0-based).
    taxonomy, engine, workers, scheduler, progress
        As for :func:`analyze`.

    Returns
    -------
    Analysis
        As :func:`analyze` would return for the concatenated files, in file then row order.
    """
    n_workers = _check_engine(engine, workers)
    tax = _as_taxonomy(taxonomy)
    paths = _shard_paths(paths_or_glob)
    func = _worker_shard if engine == "local" else _analyze_shard
    tasks = [(func, (str(p), text_column, date_column, id_column), 1) for p in paths]
    scratch = config.SCRATCH_DIR
    sentences, ranked = TableSpill(_SENT_SCHEMA, scratch), TableSpill(_RANKED_SCHEMA, scratch)
    try:
        with _progress_bar(_show_progress(progress, 0), len(tasks), "analyze_files") as bar:
            for shard_sentences, shard_hits in _dispatch(
                tasks, len(tasks), _analyze_shard, tax, bar, engine, n_workers, scheduler
            ):
                sentences.write(shard_sentences)
                ranked.write(shard_hits)
        mapped_sentences, mapped_ranked = sentences.finish(), ranked.finish()
    except BaseException:
        sentences.abort()
        ranked.abort()
        raise
    hits = _sort_hits(mapped_ranked, presorted=False, scratch=scratch)
    return _analysis(mapped_sentences, hits, "")
