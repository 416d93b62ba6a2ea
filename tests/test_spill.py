"""helpers.spill: batches appended to a file come back as the same table, mapped, file gone."""

from __future__ import annotations

import os
import time

import pyarrow as pa
import pytest

from helpers import spill

SCHEMA = pa.schema([("id", pa.int64()), ("text", pa.large_string())])


def _table(a: int, b: int) -> pa.Table:
    return pa.table(
        {"id": list(range(a, b)), "text": [f"sentence {i} é" for i in range(a, b)]}, schema=SCHEMA
    )


def test_written_batches_come_back_equal_and_the_file_is_unlinked(tmp_path):
    out = spill.TableSpill(SCHEMA, tmp_path)
    for a in range(0, 200_000, 70_000):
        out.write(_table(a, min(a + 70_000, 200_000)))
    out.write(_table(0, 0))  # empty tables are skipped, not written as empty batches
    assert out.path.exists() and out.rows == 200_000
    mapped = out.finish()
    assert not out.path.exists()  # unlinked once mapped: nothing to clean up later
    assert mapped.table.equals(_table(0, 200_000))
    before = pa.total_allocated_bytes()
    mapped.release()
    # Reading after release maps the pages in again; the data is unchanged and not copied.
    assert mapped.table.column("text")[123_456].as_py() == "sentence 123456 é"
    assert pa.total_allocated_bytes() == before


def test_mapped_columns_are_not_in_arrows_memory_pool(tmp_path):
    out = spill.TableSpill(SCHEMA, tmp_path)
    out.write(_table(0, 100_000))
    before = pa.total_allocated_bytes()
    mapped = out.finish()
    assert mapped.table.num_rows == 100_000
    assert pa.total_allocated_bytes() - before < 100_000  # the strings (> 1.5 MB) stayed mapped


def test_empty_spill_maps_to_an_empty_table(tmp_path):
    mapped = spill.TableSpill(SCHEMA, tmp_path).finish()
    assert mapped.table.num_rows == 0 and mapped.table.schema == SCHEMA


def test_abort_removes_the_file_and_wrong_schema_is_refused(tmp_path):
    out = spill.TableSpill(SCHEMA, tmp_path)
    with pytest.raises(ValueError, match="field names"):
        out.write(pa.table({"other": [1]}))
    out.abort()
    assert not list(tmp_path.iterdir())


def test_stale_files_of_dead_runs_are_removed(tmp_path):
    stale = tmp_path / ".spill-old.arrow"
    fresh = tmp_path / ".spill-new.arrow"
    for path in (stale, fresh):
        path.write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    spill.TableSpill(SCHEMA, tmp_path).abort()
    assert not stale.exists() and fresh.exists()  # a recent file may belong to a live run


def _resident_file_mb() -> float:
    """This process's resident file-backed pages (Linux), where mapped spill pages count."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("RssFile:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no RssFile line")  # pragma: no cover


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_a_pass_over_batches_keeps_about_one_batch_resident(tmp_path):
    import hashlib

    rows, width = 64_000, 1_000  # 64 MB of text, 16 batches of 4 MB
    out = spill.TableSpill(SCHEMA, tmp_path)
    for a in range(0, rows, 8_000):
        text = pa.array([f"{i:08d}" + "x" * (width - 8) for i in range(a, a + 8_000)])
        out.write(pa.table({"id": range(a, a + 8_000), "text": text}, schema=SCHEMA))
    mapped = out.finish()

    def read_all(batches) -> tuple[float, str]:
        """Hash every text byte; the largest growth of resident file pages seen meanwhile."""
        base, peak, digest = _resident_file_mb(), 0.0, hashlib.sha256()
        for batch in batches:
            digest.update(memoryview(batch.column("text").buffers()[2]))
            peak = max(peak, _resident_file_mb() - base)
        return peak, digest.hexdigest()

    # Without releases, one pass leaves the whole file resident; with them, about one batch.
    whole, expected = read_all(mapped.table.to_batches(max_chunksize=4_000))
    mapped.release()
    bounded, digest = read_all(mapped.batches(max_rows=4_000))
    assert digest == expected
    assert whole > 50, whole
    assert bounded < 12, bounded
