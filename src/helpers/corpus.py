"""Load a corpus of articles, clean it, and account for every input record.

``load_corpus(path)`` reads a folder (recursively, in sorted path order, hidden files skipped) or
one file of ``.txt``, ``.csv``, ``.jsonl`` (or ``.ndjson``) or ``.parquet``. Every input record
(a ``.txt`` file, a table row, an unsupported or unreadable file) gets one row in the ledger with
status ``loaded``, ``flagged`` (kept with a reason, or an exact duplicate left out) or ``rejected``
(left out, with the line or row and why). Nothing is dropped silently.

Decisions a methods section may need to state:

- **Dates** are parsed exactly or refused with a reason; a refused date never drops its article:
  the article is kept undated (``date`` NaT, ``date_source`` "none") and flagged with the bad
  value. Accepted: ISO dates (``2022-02-26``, ``2022/02/26``), ISO datetimes (with a time zone
  they are converted to UTC and the zone dropped, so ``2022-02-26T23:30-05:00`` is 27 February),
  and unambiguous textual dates (``26 February 2022``, ``Feb 26, 2022``, ``Sat, 26 Feb 2022
  10:00:00 +0000``). Numeric day/month forms (``03/04/2022``) are refused as ambiguous unless
  ``dayfirst=`` or ``date_format=`` says how to read them. Dates after ``latest_date`` (default:
  tomorrow) are flagged and treated as undated. Dates are normalised to midnight.
- **Text files** may start with a `` date YYYY-MM-DD`` header (the article may continue on the
  same line). The title of a text file is its first line when that looks like a headline (see
  :func:`helpers.cleaning.headline`); the headline stays in the analysed text.
- **Tables**: without ``text_column`` a column named text/body/content/article is used when
  exactly one exists; date (date/published/publish_date/pub_date/...), title (title/headline)
  and id (doc_id/id/article_id) columns likewise, only when unambiguous. ``Corpus.columns``
  records which columns were used for each file. Well-formed CSV is parsed in bulk by pyarrow; a
  CSV with a short or long row or an unbalanced quote is re-read row by row so that only the bad
  rows are rejected, each named by line.
- **Encoding**: UTF-8 (BOM removed) or UTF-16 with a BOM; otherwise cp1252 (latin-1 when cp1252
  cannot decode) with a flag. Mojibake is repaired with ftfy and flagged. Files with NUL bytes or
  mostly control characters, and empty files, are rejected.
- **Duplicates**: records whose cleaned text equals an earlier record's (in ledger order) are
  flagged "duplicate of <doc_id>" and left out of ``documents``.
- **Sidecar** (``metadata_path``): a CSV with ``doc_id,date`` and optionally ``title``; its
  dates override header and column dates (``date_source`` "sidecar"), a non-empty title
  overrides the title. A row naming an unknown doc_id, or an unparseable date, is an error.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .cleaning import clean_text, headline, screen_texts

__all__ = [
    "Corpus",
    "CorpusError",
    "load_corpus",
    "parse_date",
    "select_dates",
    "cli_main",
    "DOCUMENT_COLUMNS",
    "LEDGER_COLUMNS",
    "AUDIT_COLUMNS",
    "SUPPORTED_SUFFIXES",
]

DOCUMENT_COLUMNS = (
    "doc_id",
    "source",
    "record",
    "date",
    "date_source",
    "title",
    "text",
    "raw_text",
    "n_chars",
)
LEDGER_COLUMNS = ("source", "record", "status", "reason", "doc_id", "date")
AUDIT_COLUMNS = ("doc_id", "rule", "count", "chars_removed")
SUPPORTED_SUFFIXES = (".txt", ".csv", ".jsonl", ".ndjson", ".parquet")

TEXT_CANDIDATES = ("text", "body", "content", "article", "article_text", "full_text")
DATE_CANDIDATES = (
    "date",
    "published",
    "publish_date",
    "pub_date",
    "pubdate",
    "published_at",
    "publication_date",
    "date_published",
)
TITLE_CANDIDATES = ("title", "headline")
ID_CANDIDATES = ("doc_id", "id", "article_id")


class CorpusError(ValueError):
    """A fatal problem loading a corpus; the message names the path and the reason.

    ``corpus`` holds what was loaded when the problem is "no analysable articles", so the ledger
    explaining every rejection is still available.
    """

    def __init__(self, message: str, corpus: Corpus | None = None) -> None:
        super().__init__(message)
        self.corpus = corpus


@dataclass
class Corpus:
    """A loaded corpus.

    Attributes
    ----------
    documents
        One row per analysable article: doc_id, source (file, relative to the corpus folder),
        record ("file" for a text file, "row N"/"line N" for a table), date (datetime64[ns] at
        midnight, NaT if undated), date_source ("header", "column", "sidecar" or "none"), title,
        text (cleaned, what is analysed), raw_text (as decoded from the input), n_chars (length
        of ``text`` in characters).
    ledger
        One row per input record: source, record, status ("loaded", "flagged", "rejected"),
        reason ("" when loaded; several reasons are joined with "; "), doc_id, date.
    audit
        One row per (doc_id, cleaning rule that fired) for the documents: count (see
        :mod:`helpers.cleaning` for what each rule counts) and chars_removed (characters).
    columns
        Per tabular source, the columns used: {"text": [...], "date": ..., "title": ..., "id": ...}.
    """

    documents: pd.DataFrame
    ledger: pd.DataFrame
    audit: pd.DataFrame
    columns: dict[str, dict[str, object]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Record and document counts (see :meth:`summary`)."""
        status = self.ledger["status"]
        dated = int(self.documents["date"].notna().sum())
        return {
            "records_read": len(self.ledger),
            "loaded": int((status == "loaded").sum()),
            "flagged": int((status == "flagged").sum()),
            "rejected": int((status == "rejected").sum()),
            "documents": len(self.documents),
            "dated": dated,
            "undated": len(self.documents) - dated,
            # Non-rejected records that are not documents are exactly the duplicates.
            "duplicates": int((status != "rejected").sum()) - len(self.documents),
        }

    def summary(self) -> pd.DataFrame:
        """Counts for a notebook: one row per measure, column ``count``.

        records_read = loaded + flagged + rejected (ledger rows); documents = dated + undated
        (articles analysed); duplicates are flagged records left out of the documents.
        """
        counts = self.counts()
        return pd.DataFrame(
            {"count": list(counts.values())}, index=pd.Index(list(counts), name="measure")
        )


# --- dates ----------------------------------------------------------------------------------

_MONTHS = {
    name: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
)
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_NUMERIC_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_TIME = r"(?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?)?"
_ZONE = r"(?:\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}))?"
_WEEKDAY = r"(?:([A-Za-z]{3,9})\.?,?\s+)?"
_DAY_MONTH = re.compile(
    rf"{_WEEKDAY}(\d{{1,2}})(?:st|nd|rd|th)?\s+([A-Za-z]{{3,9}})\.?,?\s+(\d{{4}}){_TIME}{_ZONE}",
    re.IGNORECASE,
)
_MONTH_DAY = re.compile(
    rf"{_WEEKDAY}([A-Za-z]{{3,9}})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){_TIME}{_ZONE}",
    re.IGNORECASE,
)


def _zone_offset(zone: str | None) -> dt.timedelta:
    if not zone or zone.upper() in {"Z", "UTC", "GMT"}:
        return dt.timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return sign * dt.timedelta(hours=hours, minutes=minutes)


def _build(
    year: int,
    month: int,
    day: int,
    hour: str | None = None,
    minute: str | None = None,
    second: str | None = None,
    zone: str | None = None,
    ampm: str | None = None,
) -> dt.date:
    """A calendar date, converted to UTC when a zone is given; raises ValueError if impossible."""
    value = dt.datetime(year, month, day)
    if zone:
        h = int(hour or 0)
        if ampm:
            if not 1 <= h <= 12:
                raise ValueError(f"hour {h} with {ampm}")
            h = h % 12 + (12 if ampm.lower().startswith("p") else 0)
        clock = dt.time(h, int(minute or 0), int(second or 0))
        value = dt.datetime.combine(value.date(), clock) - _zone_offset(zone)
    return value.date()


def _textual(match: re.Match[str], day: str, month_name: str, year: str) -> dt.date:
    weekday, hour, minute, second, ampm, zone = (
        match.group(1),
        match.group(5),
        match.group(6),
        match.group(7),
        match.group(8),
        match.group(9),
    )
    month = _MONTHS.get(month_name.lower())
    if month is None:
        raise ValueError(f"unknown month {month_name!r}")
    calendar_day = dt.date(int(year), month, int(day))
    if weekday:
        expected = _WEEKDAYS.get(weekday.lower())
        if expected is None:
            raise ValueError(f"unknown weekday {weekday!r}")
        if expected != calendar_day.weekday():
            raise ValueError(f"{weekday} does not match {calendar_day.isoformat()}")
    return _build(int(year), month, int(day), hour, minute, second, zone, ampm)


@lru_cache(maxsize=100_000)
def parse_date(
    value: str, *, dayfirst: bool | None = None, date_format: str | None = None
) -> tuple[pd.Timestamp | None, str]:
    """Parse one date exactly.

    Parameters
    ----------
    value
        The date as written (header token, table cell or sidecar cell).
    dayfirst
        How to read numeric day/month dates such as ``03/04/2022``: True = 3 April, False =
        4 March, None (default) = refuse them as ambiguous.
    date_format
        A :meth:`datetime.datetime.strptime` format; when given, only this format is accepted
        (a ``%z`` offset is converted to UTC).

    Returns
    -------
    (timestamp, problem)
        ``timestamp`` is a naive midnight :class:`pandas.Timestamp` or None; ``problem`` is ""
        when the value parsed or was empty, else a reason naming the value.
    """
    text = value.strip()
    if not text:
        return None, ""
    try:
        day = _parse_exact(text, dayfirst, date_format)
    except _Ambiguous:
        return None, (
            f"ambiguous date {text!r} (day/month order unknown; pass dayfirst= or date_format=)"
        )
    except _Unrecognised:
        return None, f"unrecognised date {text!r}"
    except (ValueError, OverflowError) as exc:
        return None, f"invalid date {text!r} ({exc})"
    stamp = pd.Timestamp(day)
    if not pd.Timestamp("1678-01-01") <= stamp <= pd.Timestamp("2261-12-31"):
        return None, f"invalid date {text!r} (outside the supported range 1678-2261)"
    return stamp, ""


class _Ambiguous(ValueError):
    pass


class _Unrecognised(ValueError):
    pass


def _parse_exact(text: str, dayfirst: bool | None, date_format: str | None) -> dt.date:
    if date_format:
        try:
            parsed = dt.datetime.strptime(text, date_format)
        except ValueError as exc:
            raise ValueError(f"does not match format {date_format!r}: {exc}") from None
        if parsed.tzinfo is not None:
            parsed = parsed.astimezone(dt.UTC)
        return parsed.date()
    if m := _ISO.fullmatch(text):
        y, mo, d, hh, mi, ss, zone = m.groups()
        return _build(int(y), int(mo), int(d), hh, mi, ss, zone)
    if m := _YMD_SLASH.fullmatch(text):
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _NUMERIC_DMY.fullmatch(text):
        first, second, year = (int(g) for g in m.groups())
        if dayfirst is None:
            raise _Ambiguous(text)
        day, month = (first, second) if dayfirst else (second, first)
        return dt.date(year, month, day)
    if m := _DAY_MONTH.fullmatch(text):
        return _textual(m, m.group(2), m.group(3), m.group(4))
    if m := _MONTH_DAY.fullmatch(text):
        return _textual(m, m.group(3), m.group(2), m.group(4))
    raise _Unrecognised(text)


def _parse_date_values(
    values: pd.Series, dayfirst: bool | None, date_format: str | None
) -> tuple[pd.Series, pd.Series]:
    """Dates (datetime64[ns], NaT when missing or refused) and problems ("" when fine).

    Each distinct value is parsed once, so a million rows with a few thousand dates cost a few
    thousand parses.
    """
    index = values.index
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        stamps = values
        if getattr(values.dt, "tz", None) is not None:
            stamps = values.dt.tz_convert("UTC").dt.tz_localize(None)
        stamps = stamps.dt.normalize().astype("datetime64[ns]")
        return stamps, pd.Series("", index=index, dtype="str")
    as_text = values.map(_cell_text, na_action="ignore").fillna("")
    codes, uniques = pd.factorize(as_text)
    parsed = [parse_date(v, dayfirst=dayfirst, date_format=date_format) for v in uniques]
    stamp_lookup = pd.Series([p[0] for p in parsed], dtype="datetime64[ns]")
    problem_lookup = pd.Series([p[1] for p in parsed], dtype="str")
    dates = pd.Series(stamp_lookup.to_numpy()[codes], index=index, dtype="datetime64[ns]")
    problems = pd.Series(problem_lookup.to_numpy()[codes], index=index, dtype="str")
    return dates, problems


def select_dates(
    documents: pd.DataFrame,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> pd.DataFrame:
    """The documents dated within ``[start, end]`` (both inclusive, calendar days).

    With neither bound every document is returned, undated ones included; with a bound,
    undated documents are left out (they cannot be placed inside the window).
    """
    if start is None and end is None:
        return documents
    keep = documents["date"].notna()
    if start is not None:
        keep &= documents["date"] >= pd.Timestamp(start)
    if end is not None:
        keep &= documents["date"] <= pd.Timestamp(end)
    return documents.loc[keep].reset_index(drop=True)


# --- decoding -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _decode(data: bytes) -> tuple[str | None, list[str], str]:
    """(text, flags, rejection reason) for a file's bytes."""
    flags: list[str] = []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            return None, [], f"undecodable UTF-16 file ({exc.reason} at byte {exc.start})"
        flags.append("decoded as UTF-16")
    elif b"\x00" in data:
        return None, [], "binary file (contains NUL bytes)"
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            where = f"invalid UTF-8 at byte {exc.start}"
            try:
                text = data.decode("cp1252")
                flags.append(f"not UTF-8 ({where}); decoded as cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
                flags.append(f"not UTF-8 ({where}); decoded as latin-1")
    if not text.strip():
        return None, [], "empty file" if not text else "empty file (whitespace only)"
    # Text has next to no control characters; decoded binary has about one byte in eight.
    controls = len(_CONTROL.findall(text[:65536]))
    if controls >= 8 and controls > 0.05 * min(len(text), 65536):
        return None, [], "binary or undecodable file (control characters)"
    return text, flags, ""


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --- readers: each returns a frame of raw records --------------------------------------------
# Raw record columns: order, source, record, doc_id, raw, title, date_value, date_origin,
# reason, rejected, kind.

_HEADER = re.compile(r"\A[ \t]*date:?[ \t]+(\d\S*)[ \t]*(?:\r\n|\r|\n)?")


@dataclass(frozen=True)
class _Options:
    text_column: tuple[str, ...] | None
    date_column: str | None
    title_column: str | None
    id_column: str | None
    dayfirst: bool | None
    date_format: str | None


def _single(source: str, row: dict) -> pd.DataFrame:
    base = {
        "source": source,
        "record": "file",
        "doc_id": "",
        "raw": None,
        "body": None,
        "title": "",
        "date_value": None,
        "date_origin": "none",
        "reason": "",
        "rejected": False,
        "kind": "txt",
    }
    base.update(row)
    return pd.DataFrame([base])


def _reject_file(source: str, reason: str, doc_id: str = "") -> pd.DataFrame:
    return _single(source, {"reason": reason, "rejected": True, "doc_id": doc_id})


def _read_txt(path: Path, source: str, doc_id: str) -> pd.DataFrame:
    text, flags, problem = _decode(path.read_bytes())
    if text is None:
        return _reject_file(source, problem, doc_id)
    date_value, origin = None, "none"
    body = text
    if m := _HEADER.match(text):
        date_value, origin = m.group(1), "header"
        body = text[m.end() :]
        if not body.strip():
            return _reject_file(
                source, f"no article text after the date header {m.group(1)}", doc_id
            )
    return _single(
        source,
        {
            "doc_id": doc_id,
            "raw": text,
            "body": body,
            "date_value": date_value,
            "date_origin": origin,
            "reason": "; ".join(flags),
        },
    )


def _pick(
    source: str,
    columns: list[str],
    wanted: str | None,
    candidates: tuple[str, ...],
    what: str,
    argument: str,
) -> str | None:
    if wanted is not None:
        if wanted not in columns:
            raise CorpusError(
                f"{source}: no {what} column {wanted!r}; columns are: {', '.join(columns)}"
            )
        return wanted
    lowered = {c.lower().strip(): c for c in columns}
    found = [lowered[c] for c in candidates if c in lowered]
    if len(found) > 1:
        raise CorpusError(
            f"{source}: several possible {what} columns ({', '.join(found)}); "
            f"pass {argument}= to choose one"
        )
    return found[0] if found else None


def _table_records(
    frame: pd.DataFrame,
    records: list[str],
    source: str,
    stem: str,
    file_flags: list[str],
    opts: _Options,
    columns_used: dict[str, dict[str, object]],
) -> pd.DataFrame:
    """Raw records from a parsed table (all rows well-formed)."""
    columns = [str(c) for c in frame.columns]
    frame = frame.set_axis(columns, axis=1)
    if opts.text_column:
        text_cols = [
            _pick(source, columns, c, TEXT_CANDIDATES, "text", "text_column")
            for c in opts.text_column
        ]
    else:
        found = _pick(source, columns, None, TEXT_CANDIDATES, "text", "text_column")
        if found is None:
            raise CorpusError(
                f"{source}: no text column (looked for {', '.join(TEXT_CANDIDATES)}); "
                f"pass text_column= naming one of: {', '.join(columns)}"
            )
        text_cols = [found]
    date_col = _pick(source, columns, opts.date_column, DATE_CANDIDATES, "date", "date_column")
    title_col = _pick(source, columns, opts.title_column, TITLE_CANDIDATES, "title", "title_column")
    id_col = _pick(source, columns, opts.id_column, ID_CANDIDATES, "id", "id_column")
    columns_used[source] = {"text": text_cols, "date": date_col, "title": title_col, "id": id_col}

    n = len(frame)
    texts = [_text_values(frame[c]) for c in text_cols]
    if len(texts) == 1:
        raw = texts[0].astype("str")
    else:
        raw = pd.Series(
            ["\n\n".join(p for p in parts if p.strip()) for parts in zip(*texts, strict=True)],
            index=frame.index,
            dtype="str",
        )
    empty = raw.str.strip() == ""
    positional = pd.Series([f"{stem}:{r.split(' ', 1)[1]}" for r in records], index=frame.index)
    reason = pd.Series(file_flags and "; ".join(file_flags) or "", index=frame.index, dtype="str")
    if id_col is not None:
        ids = _text_values(frame[id_col]).str.strip()
        no_id = ids == ""
        doc_id = ids.where(~no_id, positional)
        reason = _add_reason(reason, no_id, f"no id in column {id_col!r}; used the row position")
    else:
        doc_id = positional
    joined = " + ".join(repr(c) for c in text_cols)
    reason = reason.where(~empty, f"empty text in column {joined}")
    title = (
        _text_values(frame[title_col]).str.strip()
        if title_col
        else pd.Series("", index=frame.index)
    )
    date_value = frame[date_col] if date_col else pd.Series([None] * n, index=frame.index)
    return pd.DataFrame(
        {
            "source": source,
            "record": records,
            "doc_id": doc_id.astype("str").to_numpy(),
            "raw": raw.where(~empty, None).to_numpy(),
            "body": raw.to_numpy(),
            "title": title.astype("str").to_numpy(),
            "date_value": date_value.to_numpy(),
            "date_origin": "column" if date_col else "none",
            "reason": reason.to_numpy(),
            "rejected": empty.to_numpy(),
            "kind": "table",
        }
    )


def _text_values(column: pd.Series) -> pd.Series:
    """A column as text, "" for missing values (string columns are not converted cell by cell)."""
    if pd.api.types.is_string_dtype(column.dtype) and column.dtype != object:
        return column.fillna("")
    return column.map(_cell_text, na_action="ignore").fillna("").astype("str")


def _add_reason(reasons: pd.Series, mask: pd.Series, text: str | pd.Series) -> pd.Series:
    joined = reasons.where(reasons == "", reasons + "; ") + text
    return joined.where(mask, reasons)


def _rejected_rows(source: str, rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": source,
            "record": [r for r, _ in rows],
            "doc_id": "",
            "raw": None,
            "body": None,
            "title": "",
            "date_value": None,
            "date_origin": "none",
            "reason": [why for _, why in rows],
            "rejected": True,
            "kind": "table",
        }
    )


def _row_number(record: str) -> int:
    return int(record.split(" ", 1)[1])


def _combine_table(good: pd.DataFrame | None, bad: list[tuple[str, str]]) -> pd.DataFrame:
    parts = [p for p in (good, _rejected_rows("", bad) if bad else None) if p is not None]
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    order = frame["record"].map(_row_number)
    return frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def _csv_bulk(data: bytes, header: list[str]) -> pd.DataFrame | None:
    """Parse a well-formed CSV with pyarrow; None when any row is malformed."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # An odd number of quote characters means an unterminated quote, which a lenient parser
    # would silently merge with the following rows.
    if data.count(b'"') % 2:
        return None
    invalid: list[object] = []

    def on_invalid(row: object) -> str:
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError):
        return None
    if invalid or table.column_names != header:
        return None
    return table.to_pandas()


def _lines_with_ends(text: str) -> list[str]:
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _csv_careful(
    lines: list[str], start: int, width: int
) -> tuple[list[list[str]], list[str], list[tuple[str, str]]]:
    """Row-by-row parse from line index ``start``: (good rows, their records, rejected rows).

    A record the csv module refuses (a quote that never closes, text after a closing quote) is
    rejected by its first physical line, and parsing resumes on the next line, so one bad row
    costs that row only.
    """
    from itertools import islice

    rows: list[list[str]] = []
    records: list[str] = []
    rejected: list[tuple[str, str]] = []
    row_no = 0
    i = start
    while i < len(lines):
        reader = csv.reader(islice(lines, i, None), strict=True)
        consumed = 0
        try:
            for fields in reader:
                first_line = i + consumed + 1
                consumed = reader.line_num
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    continue
                row_no += 1
                if len(fields) != width:
                    kind = "short row" if len(fields) < width else "extra field(s)"
                    rejected.append(
                        (
                            f"row {row_no}",
                            f"line {first_line}: {kind}: {len(fields)} fields, expected {width}",
                        )
                    )
                else:
                    rows.append(fields)
                    records.append(f"row {row_no}")
            break
        except csv.Error as exc:
            first_line = i + consumed + 1
            row_no += 1
            problem = str(exc)
            if "unexpected end of data" in problem or "EOF" in problem:
                problem = "unterminated quote"
            rejected.append(
                (f"row {row_no}", f"line {first_line}: malformed CSV quoting ({problem})")
            )
            i = first_line  # resume on the line after the bad record's first line
    return rows, records, rejected


def _parses_as(lines: list[str], header: list[str]) -> bool:
    try:
        return [h.strip() for h in next(csv.reader(lines, strict=True))] == header
    except (csv.Error, StopIteration):
        return False


def _read_csv(
    path: Path, source: str, stem: str, opts: _Options, used: dict[str, dict[str, object]]
) -> pd.DataFrame:
    data = path.read_bytes()
    text, flags, problem = _decode(data)
    if text is None:
        return _reject_file(source, problem)
    reader = csv.reader(io.StringIO(text[: 1 << 20], newline=""), strict=True)
    try:
        header = next(reader)
    except (csv.Error, StopIteration) as exc:
        return _reject_file(source, f"unreadable CSV header ({exc})")
    header = [h.strip() for h in header]
    if len(set(header)) != len(header):
        dups = sorted({h for h in header if header.count(h) > 1})
        raise CorpusError(f"{source}: duplicate column names in the header: {', '.join(dups)}")
    body = None
    if not flags and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        body = _csv_bulk(data[3:] if data.startswith(b"\xef\xbb\xbf") else data, header)
    if body is not None:
        records = [f"row {i}" for i in range(1, len(body) + 1)]
        rejected: list[tuple[str, str]] = []
    else:
        lines = _lines_with_ends(text.replace("\r\n", "\n").replace("\r", "\n"))
        header_lines = next(i for i in range(1, len(lines) + 1) if _parses_as(lines[:i], header))
        rows, records, rejected = _csv_careful(lines, header_lines, len(header))
        body = pd.DataFrame(rows, columns=header, dtype="str")
    if not records and not rejected:
        return _reject_file(source, "no rows after the header")
    good = _table_records(body, records, source, stem, flags, opts, used) if records else None
    frame = _combine_table(good, rejected)
    frame["source"] = source
    return frame


def _jsonl_bulk(data: bytes) -> pd.DataFrame | None:
    import pyarrow as pa
    import pyarrow.json as pajson

    # Line numbers are row numbers only without blank lines; otherwise use the careful path.
    if re.search(rb"(?:\A|\n)[ \t\r]*(?:\n|\Z)", data.rstrip(b"\r\n") or b"\n"):
        return None
    try:
        table = pajson.read_json(io.BytesIO(data))
    except pa.ArrowException:  # invalid, mistyped or unsupported: parse row by row instead
        return None
    n_lines = data.rstrip(b"\r\n").count(b"\n") + 1
    if table.num_rows != n_lines:
        return None
    return table.to_pandas()


def _read_jsonl(
    path: Path, source: str, stem: str, opts: _Options, used: dict[str, dict[str, object]]
) -> pd.DataFrame:
    data = path.read_bytes()
    text, flags, problem = _decode(data)
    if text is None:
        return _reject_file(source, problem)
    body = None
    if not flags and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        body = _jsonl_bulk(data)
    rejected: list[tuple[str, str]] = []
    if body is not None:
        records = [f"line {i}" for i in range(1, len(body) + 1)]
    else:
        objects, records = [], []
        for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                rejected.append(
                    (
                        f"line {number}",
                        f"line {number}: invalid JSON: {exc.msg} (column {exc.colno})",
                    )
                )
                continue
            if not isinstance(value, dict):
                kind = type(value).__name__
                rejected.append((f"line {number}", f"line {number}: not a JSON object ({kind})"))
                continue
            objects.append(value)
            records.append(f"line {number}")
        body = pd.DataFrame(objects, dtype=object) if objects else None
    if not records and not rejected:
        return _reject_file(source, "no JSON lines")
    good = _table_records(body, records, source, stem, flags, opts, used) if records else None
    frame = _combine_table(good, rejected)
    frame["source"] = source
    return frame


def _read_parquet(
    path: Path, source: str, stem: str, opts: _Options, used: dict[str, dict[str, object]]
) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        return _reject_file(source, f"unreadable Parquet file ({exc})")
    if table.num_rows == 0:
        return _reject_file(source, "no rows")
    body = table.to_pandas(date_as_object=False)
    records = [f"row {i}" for i in range(1, len(body) + 1)]
    return _table_records(body, records, source, stem, [], opts, used)


# --- assembling -----------------------------------------------------------------------------


def _input_files(root: Path) -> list[tuple[Path, str, str]]:
    """(path, source, stem) in sorted order; hidden files and folders are skipped."""
    if root.is_file():
        return [(root, root.name, root.stem)]
    files = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        files.append((path, rel.as_posix(), rel.with_suffix("").as_posix()))
    return sorted(files, key=lambda item: item[1])


def _read_sidecar(metadata_path: Path, opts: _Options) -> pd.DataFrame:
    if not metadata_path.is_file():
        raise CorpusError(f"{metadata_path}: metadata file not found")
    text, _flags, problem = _decode(metadata_path.read_bytes())
    if text is None:
        raise CorpusError(f"{metadata_path}: {problem}")
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise CorpusError(f"{metadata_path}: unreadable CSV ({exc})") from None
    table.columns = [str(c).strip() for c in table.columns]
    missing = {"doc_id", "date"} - set(table.columns)
    if missing:
        raise CorpusError(
            f"{metadata_path}: needs columns doc_id and date (title optional); "
            f"columns are: {', '.join(table.columns)}"
        )
    if "title" not in table.columns:
        table["title"] = ""
    table["doc_id"] = table["doc_id"].str.strip()
    dates, problems = [], []
    for i, value in enumerate(table["date"], start=1):
        stamp, problem = parse_date(value, dayfirst=opts.dayfirst, date_format=opts.date_format)
        if problem:
            raise CorpusError(f"{metadata_path}: row {i} (line {i + 1}): {problem}")
        dates.append(stamp)
        problems.append(problem)
    table["date"] = pd.Series(dates, index=table.index, dtype="datetime64[ns]")
    dup = table["doc_id"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().argmax()) + 1
        raise CorpusError(
            f"{metadata_path}: row {i} (line {i + 1}): doc_id {table['doc_id'].iloc[i - 1]!r} "
            "appears more than once"
        )
    return table


def _empty_corpus() -> Corpus:
    documents = pd.DataFrame({c: pd.Series(dtype="str") for c in DOCUMENT_COLUMNS})
    documents["date"] = pd.Series(dtype="datetime64[ns]")
    documents["n_chars"] = pd.Series(dtype="int64")
    ledger = pd.DataFrame({c: pd.Series(dtype="str") for c in LEDGER_COLUMNS})
    ledger["date"] = pd.Series(dtype="datetime64[ns]")
    audit = pd.DataFrame(
        {
            "doc_id": pd.Series(dtype="str"),
            "rule": pd.Series(dtype="str"),
            "count": pd.Series(dtype="int64"),
            "chars_removed": pd.Series(dtype="int64"),
        }
    )
    return Corpus(documents, ledger, audit, {})


def load_corpus(
    path: str | Path,
    *,
    text_column: str | Sequence[str] | None = None,
    date_column: str | None = None,
    title_column: str | None = None,
    id_column: str | None = None,
    metadata_path: str | Path | None = None,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    latest_date: dt.date | str | None = None,
    allow_empty: bool = False,
) -> Corpus:
    """Load, clean and account for a corpus of articles.

    Parameters
    ----------
    path
        A folder (read recursively in sorted path order; hidden files and folders skipped) or a
        single ``.txt``, ``.csv``, ``.jsonl``/``.ndjson`` or ``.parquet`` file.
    text_column
        Table column(s) holding the article text; several are joined with a blank line. None:
        the one column named text/body/content/article (an error when none or several exist).
    date_column, title_column, id_column
        Table columns for the publication date, headline and document id. None: a column with a
        conventional name when exactly one exists, else no date / no title / row-position ids
        (``<file stem>:<row>``).
    metadata_path
        Sidecar CSV with columns doc_id, date and optional title; overrides dates and titles.
    dayfirst, date_format
        How to read numeric day/month dates (see :func:`parse_date`); by default they are
        refused as ambiguous.
    latest_date
        Dates after this day are flagged and treated as undated. Default: tomorrow.
    allow_empty
        Return a corpus with no documents instead of raising when nothing could be analysed.

    Returns
    -------
    Corpus
        ``documents`` (one row per analysable article), ``ledger`` (one row per input record),
        ``audit`` (one row per document and cleaning rule that fired), ``columns``.

    Raises
    ------
    CorpusError
        The path or metadata file is missing, a named column does not exist (the message lists
        the columns), a sidecar row is wrong, or no article could be analysed (unless
        ``allow_empty``; ``error.corpus`` then still holds the ledger).
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise CorpusError(f"{root}: no such file or folder")
    if isinstance(text_column, str):
        text_column = (text_column,)
    opts = _Options(
        tuple(text_column) if text_column else None,
        date_column,
        title_column,
        id_column,
        dayfirst,
        date_format,
    )
    latest = (
        pd.Timestamp(latest_date)
        if latest_date is not None
        else pd.Timestamp(dt.date.today() + dt.timedelta(days=1))
    )

    used: dict[str, dict[str, object]] = {}
    frames = []
    for file_path, source, stem in _input_files(root):
        suffix = file_path.suffix.lower()
        if file_path.stem.upper() == "README":
            # A corpus folder's own documentation is not an article, whatever its extension.
            frames.append(_reject_file(source, "corpus documentation (README), not an article"))
        elif suffix == ".txt":
            frames.append(_read_txt(file_path, source, stem))
        elif suffix == ".csv":
            frames.append(_read_csv(file_path, source, stem, opts, used))
        elif suffix in (".jsonl", ".ndjson"):
            frames.append(_read_jsonl(file_path, source, stem, opts, used))
        elif suffix == ".parquet":
            frames.append(_read_parquet(file_path, source, stem, opts, used))
        else:
            shown = suffix or "no extension"
            frames.append(_reject_file(source, f"unsupported file type ({shown})"))
    if not frames:
        if allow_empty:
            return _empty_corpus()
        raise CorpusError(f"{root}: no input files (hidden files are skipped)")

    raw = pd.concat(frames, ignore_index=True)
    corpus = _assemble(raw, opts, latest, metadata_path, used)
    if corpus.documents.empty and not allow_empty:
        reasons = corpus.ledger["reason"].value_counts().head(3)
        detail = "; ".join(f"{n} x {why}" for why, n in reasons.items())
        raise CorpusError(f"{root}: no analysable articles ({detail})", corpus)
    return corpus


def _assemble(
    raw: pd.DataFrame,
    opts: _Options,
    latest: pd.Timestamp,
    metadata_path: str | Path | None,
    used: dict[str, dict[str, object]],
) -> Corpus:
    n = len(raw)
    rejected = raw["rejected"].to_numpy(dtype=bool).copy()
    reason = raw["reason"].fillna("").astype("str").to_list()
    title = raw["title"].fillna("").astype("str").to_list()
    kind = raw["kind"].to_list()
    body = raw["body"].to_list()
    doc_ids = raw["doc_id"].astype("str").to_list()

    # Clean every record that has text.
    texts = [""] * n
    audit_rows: list[tuple[int, str, int, int]] = []
    todo = np.flatnonzero(~rejected).tolist()
    screens = dict(zip(todo, screen_texts([body[i] for i in todo]), strict=True))
    for i in todo:
        cleaned = clean_text(body[i], screens[i])
        if not cleaned.text:
            rejected[i] = True
            reason[i] = _join(reason[i], "no text left after cleaning (only page furniture)")
            continue
        texts[i] = cleaned.text
        for flag in cleaned.flags:
            reason[i] = _join(reason[i], flag)
        for rule, (count, removed) in cleaned.counts.items():
            audit_rows.append((i, rule, count, removed))
        if kind[i] == "txt" and not title[i]:
            title[i] = headline(cleaned.text)

    # A doc_id must name one record; later records reusing it are rejected.
    first_owner: dict[str, int] = {}
    for i in range(n):
        if rejected[i] or not doc_ids[i]:
            continue
        owner = first_owner.setdefault(doc_ids[i], i)
        if owner != i:
            rejected[i] = True
            where = f"{raw['source'].iat[owner]} {raw['record'].iat[owner]}"
            reason[i] = _join(reason[i], f"doc_id {doc_ids[i]!r} already used by {where}")

    dates, date_problem = _parse_date_values(raw["date_value"], opts.dayfirst, opts.date_format)
    date_source = raw["date_origin"].where(dates.notna(), "none").astype("str")
    date_columns = {source: f"in column {cols['date']!r}" for source, cols in used.items()}
    origin_word = raw["source"].map(date_columns).where(raw["date_origin"] == "column", "in header")
    date_problem = (date_problem + " " + origin_word.fillna("")).where(date_problem != "", "")

    if metadata_path is not None:
        sidecar = _read_sidecar(Path(metadata_path).expanduser(), opts)
        known = pd.Index(doc_ids)
        unknown = ~sidecar["doc_id"].isin(known[known != ""])
        if unknown.any():
            i = int(unknown.to_numpy().argmax()) + 1
            raise CorpusError(
                f"{metadata_path}: row {i} (line {i + 1}): unknown doc_id "
                f"{sidecar['doc_id'].iloc[i - 1]!r} (not a record of the corpus)"
            )
        position = {d: i for i, d in enumerate(doc_ids) if d and not rejected[i]}
        for _, row in sidecar.iterrows():
            i = position.get(row["doc_id"])
            if i is None:
                continue
            if pd.notna(row["date"]):
                dates.iat[i] = row["date"]
                date_source.iat[i] = "sidecar"
                if date_problem.iat[i]:
                    date_problem.iat[i] += "; dated by the sidecar"
            if row["title"].strip():
                title[i] = row["title"].strip()

    future = (dates > latest).to_numpy()
    missing = dates.isna().to_numpy()
    problems = date_problem.to_list()
    after = latest.date().isoformat()
    for i in np.flatnonzero(~rejected & (future | missing)):
        if future[i]:
            day = dates.iat[i].date().isoformat()
            note = f"date {day} is after {after} (in the future); treated as undated"
        else:
            note = problems[i] or "no date"
        reason[i] = _join(reason[i], note)
    dates = dates.mask(future)
    date_source = date_source.where(~future, "none")

    # Exact duplicates of the cleaned text: the first in ledger order is kept.
    text_series = pd.Series(texts, dtype="str")
    candidates = np.flatnonzero(~rejected)
    ids = np.asarray(doc_ids, dtype=object)[candidates]
    firsts = (
        pd.DataFrame({"text": text_series.to_numpy()[candidates], "doc_id": ids})
        .groupby("text", sort=False)["doc_id"]
        .transform("first")
        .to_numpy()
    )
    duplicate = np.zeros(n, dtype=bool)
    for i, first in zip(candidates[firsts != ids], firsts[firsts != ids], strict=True):
        duplicate[i] = True
        reason[i] = _join(reason[i], f"duplicate of {first}")

    reason_series = pd.Series(reason, dtype="str")
    rejected_series = pd.Series(rejected)
    status = pd.Series("loaded", index=range(n), dtype="str")
    status = status.mask(reason_series != "", "flagged").mask(rejected_series, "rejected")
    ledger = pd.DataFrame(
        {
            "source": raw["source"].astype("str"),
            "record": raw["record"].astype("str"),
            "status": status,
            "reason": reason_series,
            "doc_id": pd.Series(doc_ids, dtype="str"),
            "date": dates.where(~rejected_series).astype("datetime64[ns]"),
        }
    )

    keep = ~rejected & ~duplicate
    documents = pd.DataFrame(
        {
            "doc_id": ledger["doc_id"],
            "source": ledger["source"],
            "record": ledger["record"],
            "date": ledger["date"],
            "date_source": date_source,
            "title": pd.Series(title, dtype="str"),
            "text": text_series,
            "raw_text": raw["raw"].astype("str"),
            "n_chars": text_series.str.len().astype("int64"),
        }
    )[keep].reset_index(drop=True)

    kept = set(np.flatnonzero(keep).tolist())
    audit = pd.DataFrame(
        {
            "doc_id": pd.Series([doc_ids[i] for i, *_ in audit_rows if i in kept], dtype="str"),
            "rule": pd.Series([r for i, r, *_ in audit_rows if i in kept], dtype="str"),
            "count": pd.Series([c for i, _, c, _ in audit_rows if i in kept], dtype="int64"),
            "chars_removed": pd.Series(
                [x for i, _, _, x in audit_rows if i in kept], dtype="int64"
            ),
        }
    )
    return Corpus(documents, ledger.reset_index(drop=True), audit, used)


def _join(existing: str, new: str) -> str:
    return f"{existing}; {new}" if existing else new


# --- command line ---------------------------------------------------------------------------


def _ledger_rows(ledger: pd.DataFrame) -> list[dict[str, object]]:
    rows = []
    for row in ledger.itertuples(index=False):
        rows.append(
            {
                "source": row.source,
                "record": row.record,
                "status": row.status,
                "reason": row.reason,
                "doc_id": row.doc_id,
                "date": None if pd.isna(row.date) else row.date.date().isoformat(),
            }
        )
    return rows


def _format_table(rows: list[dict[str, object]]) -> str:
    headers = ["source", "record", "status", "date", "doc_id", "reason"]
    cells = [
        [" ".join(str(r[h] if r[h] is not None else "").split()) for h in headers] for r in rows
    ]
    widths = [max([len(h)] + [len(c[k]) for c in cells]) for k, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for c in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
    return "\n".join(lines)


def cli_main(argv: list[str]) -> int:
    """``python -m helpers corpus PATH ...``: print the ledger of a corpus.

    Returns 0 when at least one article was loaded, 1 when none was, 2 on usage errors
    (unknown option, missing path or metadata file, a column that does not exist).
    """
    parser = argparse.ArgumentParser(
        prog="python -m helpers corpus",
        description="Load a corpus and print its ledger: every input record with its status "
        "(loaded, flagged, rejected) and reason. A summary line goes to stderr.",
    )
    parser.add_argument("path", help="folder or file (.txt, .csv, .jsonl, .parquet)")
    parser.add_argument(
        "--text-column", nargs="+", action="extend", metavar="C", help="text column(s)"
    )
    parser.add_argument("--date-column", metavar="C")
    parser.add_argument("--title-column", metavar="C")
    parser.add_argument("--id-column", metavar="C")
    parser.add_argument("--metadata", metavar="PATH", help="sidecar CSV doc_id,date[,title]")
    order = parser.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", action="store_true", help="read 03/04/2022 as 3 April")
    order.add_argument("--monthfirst", action="store_true", help="read 03/04/2022 as 4 March")
    parser.add_argument("--date-format", metavar="FMT", help="strptime format for all dates")
    parser.add_argument("--json", action="store_true", help="print the ledger as a JSON list")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 after --help
        return int(exc.code or 0)

    if not Path(args.path).expanduser().exists():
        print(f"error: {args.path}: no such file or folder", file=sys.stderr)
        return 2
    if args.metadata and not Path(args.metadata).expanduser().is_file():
        print(f"error: {args.metadata}: metadata file not found", file=sys.stderr)
        return 2
    try:
        corpus = load_corpus(
            args.path,
            text_column=args.text_column,
            date_column=args.date_column,
            title_column=args.title_column,
            id_column=args.id_column,
            metadata_path=args.metadata,
            dayfirst=True if args.dayfirst else False if args.monthfirst else None,
            date_format=args.date_format,
            allow_empty=True,
        )
    except CorpusError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = _ledger_rows(corpus.ledger)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        print(_format_table(rows))
    counts = corpus.counts()
    print(
        ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items()),
        file=sys.stderr,
    )
    return 0 if counts["documents"] else 1
