"""Result tables kept in memory-mapped files, so a large analysis does not live on the heap.

The sentence table of a corpus holds every sentence's text again, so an analysis that kept its
results in ordinary memory would need about twice the corpus. :class:`TableSpill` appends Arrow
record batches to an uncompressed Arrow IPC file as they are computed, then maps the file back
read-only: the columns are views of the file, the operating system pages them in when they are
read and can drop them again under memory pressure, and nothing is copied onto the heap.

The file is unlinked as soon as it is mapped (POSIX keeps the data until the last mapping goes
away), so no file is left behind whatever happens to the process; where a mapped file cannot be
unlinked (Windows), it is removed by the next spill that finds it older than an hour.

During a pass that reads a whole mapped table once (writing the Parquet cache, re-ordering rows,
copying numbers out), :meth:`MappedTable.release` tells the kernel the pages read so far are no
longer needed, so they stop counting towards this process's resident memory (they stay in the page
cache, and reading them again simply maps them in again). :meth:`MappedTable.batches` does it
after every batch, so such a pass holds about one batch, not the file.
"""

from __future__ import annotations

import mmap
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

__all__ = ["TableSpill", "MappedTable", "BATCH_ROWS"]

# Rows per record batch written: large enough that per-batch costs vanish, small enough that a
# batch in flight is a few MB.
BATCH_ROWS = 65_536
_STALE_SECONDS = 3600


@dataclass
class MappedTable:
    """An Arrow table whose buffers are a read-only mapping of a spill file."""

    table: pa.Table
    _map: mmap.mmap | None

    def batches(self, max_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatch]:
        """The table in record batches, for one pass over it.

        The pages of each batch are released once the next one is asked for, so a pass over a
        table larger than memory keeps about one batch resident instead of the whole file.
        """
        for batch in self.table.to_batches(max_chunksize=max_rows):
            yield batch
            self.release()

    def release(self) -> None:
        """Drop the pages read so far from this process's resident memory (data stays valid)."""
        if self._map is not None and hasattr(mmap, "MADV_DONTNEED"):
            self._map.madvise(mmap.MADV_DONTNEED)


class TableSpill:
    """Append-only Arrow IPC file in ``directory``, mapped back by :meth:`finish`.

    Parameters
    ----------
    schema
        Every table written must have this schema.
    directory
        Where the file is written (created if needed). It should be on a disk: on a RAM-backed
        file system (tmpfs) the file costs memory like the heap would.
    """

    def __init__(self, schema: pa.Schema, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        _remove_stale(directory)
        fd, name = tempfile.mkstemp(prefix=".spill-", suffix=".arrow", dir=directory)
        os.close(fd)
        self.path = Path(name)
        self.schema = schema
        self.rows = 0
        self._sink = pa.OSFile(name, "wb")
        self._writer = pa.ipc.new_file(self._sink, schema)

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.cast(self.schema), max_chunksize=BATCH_ROWS)
            self.rows += table.num_rows

    def finish(self) -> MappedTable:
        """Close the file, map it and unlink it; the table reads straight from the mapping."""
        self._writer.close()
        self._sink.close()
        with self.path.open("rb") as handle:
            mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            self.path.unlink()
        except OSError:  # pragma: no cover - Windows keeps mapped files; _remove_stale does it
            pass
        table = pa.ipc.open_file(pa.BufferReader(pa.py_buffer(mapping))).read_all()
        return MappedTable(table, mapping)

    def abort(self) -> None:
        try:
            self._writer.close()
        finally:
            self._sink.close()
            self.path.unlink(missing_ok=True)


def _remove_stale(directory: Path) -> None:
    cutoff = time.time() - _STALE_SECONDS
    for path in directory.glob(".spill-*.arrow"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass
