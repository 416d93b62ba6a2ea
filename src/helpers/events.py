"""Event types from an editable YAML taxonomy, detected per sentence with evidence spans.

The taxonomy (``src/helpers/data/taxonomy.yml`` by default; its header documents the format) lists
event types, each with word patterns. A pattern is matched on normalised tokens (lowercase Snowball
stems from :func:`helpers.text.normalize`, a few irregular verb forms mapped to their base), so
"shelled" and "shelling" both match ``shell``. Pattern syntax:

* ``missile strike``      words in this order, adjacent;
* ``(missile|rocket) strike``  alternatives for one word;
* ``strike ~3 missile``   up to 3 other words may sit between the two (order still matters);
* ``$people ~3 killed``   ``$people`` stands for the taxonomy's ``words: people:`` list;
* words joined by hyphens match the same words with or without the hyphen ("air-strike").

An event type's ``exclude`` patterns use the same syntax; if one matches anywhere in a sentence,
that event type is not reported for that sentence ("strike a deal", "labour strike").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, reduce
from itertools import accumulate
from operator import or_
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from . import config
from .text import normalize, tokenize_spans

__all__ = [
    "TaxonomyError",
    "EventType",
    "Taxonomy",
    "load_taxonomy",
    "detect_events",
    "find_events",
    "top_events",
    "article_matrix",
    "evidence",
    "EVENT_COLUMNS",
    "IRREGULAR_FORMS",
]

EVENT_COLUMNS = ["doc_id", "sent_idx", "event", "match", "start", "end", "n_matches"]

# The stemmer leaves irregular past forms alone ("struck" stays "struck"); mapping them to their
# base lets a pattern written as "strike" match "struck". Only forms with no common other meaning
# are listed ("left", "found", "lead" would bring in unrelated senses).
IRREGULAR_FORMS: dict[str, str] = {
    "struck": "strike",
    "stricken": "strike",
    "fled": "flee",
    "fought": "fight",
    "shot": "shoot",
    "took": "take",
    "taken": "take",
    "retook": "retake",
    "retaken": "retake",
    "overran": "overrun",
    "blew": "blow",
    "blown": "blow",
    "fell": "fall",
    "fallen": "fall",
    "caught": "catch",
    "held": "hold",
    "sent": "send",
    "drove": "drive",
    "driven": "drive",
    "broke": "break",
    "broken": "break",
    "flew": "fly",
    "flown": "fly",
    "withdrew": "withdraw",
    "withdrawn": "withdraw",
    "hid": "hide",
    "hidden": "hide",
    "froze": "freeze",
    "frozen": "freeze",
    "ran": "run",
    "began": "begin",
    "begun": "begin",
    "came": "come",
    "went": "go",
    "gone": "go",
    "got": "get",
    "gotten": "get",
    "gave": "give",
    "given": "give",
    "beaten": "beat",
    "slain": "slay",
    "slew": "slay",
    "burnt": "burn",
    "rebuilt": "rebuild",
    "built": "build",
    "bled": "bleed",
    "sought": "seek",
    "brought": "bring",
    "spoke": "speak",
    "spoken": "speak",
    "met": "meet",
    "lost": "lose",
}

_TOP_KEYS = {"version", "words", "events"}
_REQUIRED_KEYS = ("id", "label", "patterns")
_EVENT_KEYS = {
    "id",
    "label",
    "description",
    "acled_event_type",
    "acled_sub_event_type",
    "cameo",
    "patterns",
    "exclude",
}
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_GAP_RE = re.compile(r"^~(\d+)$")
_ALT_RE = re.compile(r"^\((.+)\)$")
_LIST_RE = re.compile(r"^\$([a-z][a-z0-9_]*)$")
# Word pieces inside a token: hyphens, dots and slashes separate words ("air-strike", "U.S.-made").
_PIECE_RE = re.compile(r"[^\W_]+")
_MAX_GAP = 10
# Texts containing these can be tokenised into pieces the whole-text scan does not see, so the
# prefilter lets them through (NLTK splits contractions: "cannot" -> "can not", "don't").
_CONTRACTION_RE = re.compile(r"['’`]|cannot|gimme|gonna|gotta|lemme|wanna", re.IGNORECASE)
# Words too common to decide whether a sentence is worth tokenising (see _anchor).
_COMMON_WORDS = (
    "a an the at in on of to from by with for and or as is are was were be been has have had "
    "no not up off over into under without after out one two three four five six seven eight "
    "nine ten it its their his her this that these those some any all more most"
).split()


class TaxonomyError(ValueError):
    """A taxonomy file was refused. The message names the file, the event and the problem."""


@dataclass(frozen=True)
class EventType:
    """One event type of a taxonomy, as written in the YAML file."""

    id: str
    label: str
    description: str
    acled_event_type: str | None
    acled_sub_event_type: tuple[str, ...]
    cameo: tuple[str, ...]
    patterns: tuple[str, ...]
    exclude: tuple[str, ...]


# A compiled pattern: a tuple of (gap, stems) steps. ``gap`` is how many other tokens may precede
# the step's token (0 = adjacent; ignored for the first step); ``stems`` the accepted stems.
_Step = tuple[int, frozenset[str]]
_Compiled = tuple[_Step, ...]


# A pattern ready for matching: (mask, event index, compiled). The mask has one bit per distinct
# step (see _build); a match needs one token of every step, so a pattern whose bits are not all
# in a sentence's mask (the bits of the sentence's stems, Taxonomy._stem_bits) cannot match.
_Plan = tuple[int, int, _Compiled]


@dataclass(frozen=True)
class Taxonomy:
    """A validated event taxonomy, compiled for matching.

    Attributes
    ----------
    events : tuple of EventType
        In file order; this order is the order of rows in :func:`detect_events` output.
    path : Path
        The file it was read from.
    sha256 : str
        Hex SHA-256 of the file's bytes (a subset keeps its source file's hash), for manifests.
    """

    events: tuple[EventType, ...]
    path: Path
    sha256: str
    words: dict[str, tuple[str, ...]] = field(repr=False)
    # Every pattern needs one of these stems (its least common step): sentences without any are
    # skipped before tokenisation.
    _anchors: frozenset[str] = field(repr=False, compare=False)
    # first-step stem -> the patterns that can start with it; exclude patterns per event.
    _by_first: dict[str, tuple[_Plan, ...]] = field(repr=False, compare=False)
    _firsts: frozenset[str] = field(repr=False, compare=False)  # the keys of _by_first
    _exclude: tuple[tuple[_Plan, ...], ...] = field(repr=False, compare=False)
    # stem -> the bits of every step accepting it (see _Plan); its keys as a set.
    _stem_bits: dict[str, int] = field(repr=False, compare=False)
    _vocab: frozenset[str] = field(repr=False, compare=False)

    @property
    def ids(self) -> tuple[str, ...]:
        """Event ids in taxonomy order."""
        return tuple(e.id for e in self.events)

    @property
    def labels(self) -> dict[str, str]:
        """Mapping event id -> human-readable label, in taxonomy order."""
        return {e.id: e.label for e in self.events}

    def subset(self, ids: Iterable[str]) -> Taxonomy:
        """A taxonomy with only the event types ``ids`` (kept in taxonomy order).

        Raises
        ------
        TaxonomyError
            If an id is not in this taxonomy; the message names it and lists the valid ids.
        """
        wanted = list(dict.fromkeys(ids))
        unknown = [i for i in wanted if i not in self.ids]
        if unknown:
            raise TaxonomyError(
                f"{self.path}: unknown event id(s) {', '.join(map(repr, unknown))}; "
                f"valid ids: {', '.join(self.ids)}"
            )
        keep = tuple(e for e in self.events if e.id in set(wanted))
        return _build(keep, self.words, self.path, self.sha256)

    def to_frame(self) -> pd.DataFrame:
        """One row per event type: id, label, description, ACLED/CAMEO mapping, pattern counts."""
        return pd.DataFrame(
            {
                "id": [e.id for e in self.events],
                "label": [e.label for e in self.events],
                "description": [e.description for e in self.events],
                "acled_event_type": [e.acled_event_type or "" for e in self.events],
                "acled_sub_event_type": ["; ".join(e.acled_sub_event_type) for e in self.events],
                "cameo": ["; ".join(e.cameo) for e in self.events],
                "n_patterns": [len(e.patterns) for e in self.events],
                "n_exclude": [len(e.exclude) for e in self.events],
            }
        )


# --- normalisation ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _irregular_stems() -> dict[str, str]:
    return {normalize(k): normalize(v) for k, v in IRREGULAR_FORMS.items()}


def _stem(piece: str) -> str:
    """The stem a pattern word or text piece is matched on (cached: use ``_STEMS[piece]``)."""
    if piece.isdigit() and piece.isascii():
        # Numbers are the commonest never-seen-before pieces; Snowball leaves digits unchanged.
        return piece
    # The uncached stemmer: _STEMS is this function's cache, a second one inside normalize would
    # hold every new piece twice in each worker.
    s = normalize.__wrapped__(piece)
    return _irregular_stems().get(s, s)


class _StemCache(dict[str, str]):
    """piece -> :func:`_stem`, looked up in C by ``map(_STEMS.__getitem__, pieces)``.

    dict's own ``__getitem__`` calls ``__missing__`` only for a piece not seen yet, so the common
    case never runs Python code (``lru_cache`` does per-call bookkeeping). Cleared when full: the
    values never change, only how often they are recomputed.
    """

    # ~280 bytes per entry (key, value, slot): 100,000 entries hold a news corpus's working
    # vocabulary in ~28 MB per worker process. Refilling after a clear costs ~9 us per piece.
    max_size = 100_000

    def __missing__(self, piece: str) -> str:
        if len(self) >= self.max_size:
            self.clear()
        stem = self[piece] = _stem(piece)
        return stem


_STEMS = _StemCache()

# The tokenizer splits a run of letters and digits in only two ways: "n't" ("do" + "n't") and at
# a character Python's re counts as a word character but the tokenizer's regex engine does not
# (numeric symbols such as "²"). Text free of both, within Latin script and General Punctuation
# (curly quotes, dashes), has exactly the whole-text runs as its pieces. The n't test is written
# without re.IGNORECASE: under it n, t, ' and ’ match no characters other than n/N, t/T, ' and ’
# (checked over all of Unicode by the tests), and a plain character class scans faster.
_NT_RE = re.compile("[nN]['’][tT]")
# Word pieces as one re.split: separators at even positions, pieces (_PIECE_RE runs) at odd ones,
# so the pieces' offsets are the running sums of the parts' lengths. On ASCII text [^\W_] is
# exactly [A-Za-z0-9], which the regex engine tests faster.
_PARTS_RE = re.compile(r"([^\W_]+)")
_ASCII_PARTS_RE = re.compile(r"([A-Za-z0-9]+)")


@lru_cache(maxsize=1)
def _outside_chars_re() -> re.Pattern[str]:
    """A character outside the set whose runs the tokenizer never splits (see _NT_RE)."""
    allowed = "".join(
        ch
        for ch in map(chr, [*range(0x250), *range(0x2000, 0x2070)])
        if not (ch.isnumeric() and not ch.isdecimal())
    )
    return re.compile(f"[^{re.escape(allowed)}]")


def _fast_parts(text: str) -> list[str] | None:
    """``text`` split around its word pieces, or None when ``text`` needs the tokenizer.

    Returns the ``re.split`` list ``[separator, piece, separator, ..., piece, separator]``:
    the pieces of :func:`_tokens` are its odd items.
    """
    if text.isascii():
        # Every ASCII character is in the allowed set (the numeric non-decimal ones such as "²"
        # are not ASCII), and n't needs an ASCII apostrophe here.
        if "'" in text and _NT_RE.search(text):
            return None
        return _ASCII_PARTS_RE.split(text)
    if _outside_chars_re().search(text) or _NT_RE.search(text):
        return None
    return _PARTS_RE.split(text)


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) for every word piece of ``text``, offsets into ``text``."""
    parts = _fast_parts(text)
    if parts is not None:
        ends = list(accumulate(map(len, parts)))
        return [(_STEMS[parts[k]], ends[k - 1], ends[k]) for k in range(1, len(parts), 2)]
    out = []
    for token, start, end in tokenize_spans(text):
        if token.isalnum():
            out.append((_STEMS[token], start, end))
            continue
        for m in _PIECE_RE.finditer(token):
            out.append((_STEMS[m.group()], start + m.start(), start + m.end()))
    return out


# --- loading and validation ------------------------------------------------------------------


def _one_word_stems(words: Iterable[str], pattern: str) -> frozenset[str]:
    stems = set()
    for word in words:
        pieces = [s for s, _, _ in _tokens(word)]
        if len(pieces) != 1:
            raise ValueError(
                f"pattern {pattern!r}: alternative {word!r} must be one word "
                "(write a separate pattern for multi-word or hyphenated forms)"
            )
        stems.add(pieces[0])
    return frozenset(stems)


def _compile_pattern(pattern: str, words: dict[str, tuple[str, ...]]) -> _Compiled:
    """Parse one pattern; raises ValueError with a researcher-readable reason."""
    steps: list[_Step] = []
    gap: int | None = None
    for part in pattern.split():
        m = _GAP_RE.match(part)
        if m:
            if not steps:
                raise ValueError(f"pattern {pattern!r} starts with a gap {part!r}")
            if gap is not None:
                raise ValueError(f"pattern {pattern!r} has two gaps in a row")
            gap = int(m.group(1))
            if not 1 <= gap <= _MAX_GAP:
                raise ValueError(f"pattern {pattern!r}: gap {part!r} must be ~1 to ~{_MAX_GAP}")
            continue
        if part.startswith("~"):
            raise ValueError(f"pattern {pattern!r}: {part!r} is not a gap (write e.g. ~3)")
        alt = _ALT_RE.match(part)
        named = _LIST_RE.match(part)
        if alt:
            steps_here = [_one_word_stems(alt.group(1).split("|"), pattern)]
        elif named:
            if named.group(1) not in words:
                known = ", ".join(f"${w}" for w in words) or "none defined"
                raise ValueError(f"pattern {pattern!r}: unknown word list {part!r} ({known})")
            steps_here = [_one_word_stems(words[named.group(1)], pattern)]
        elif "(" in part or ")" in part or "|" in part or "$" in part:
            raise ValueError(
                f"pattern {pattern!r}: {part!r} is malformed; alternatives are written "
                "(word|word) with no spaces and word lists $name"
            )
        else:
            steps_here = [frozenset([s]) for s, _, _ in _tokens(part)]
        for i, stems in enumerate(steps_here):
            steps.append(((gap or 0) if i == 0 else 0, stems))
        if steps_here:
            gap = None
    if not steps:
        raise ValueError(f"pattern {pattern!r} normalises to no words")
    if gap is not None:
        raise ValueError(f"pattern {pattern!r} ends with a gap")
    return tuple(steps)


def _strings(value: Any, what: str) -> tuple[str, ...]:
    """A YAML string, list of strings or null as a tuple of strings."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(v for v in value if v.strip())
    raise ValueError(f"{what} must be a string, a list of strings or null, not {value!r}")


def _parse_event(raw: Any, n: int) -> EventType:
    if not isinstance(raw, dict):
        raise ValueError(f"event #{n} must be a mapping of keys (id, label, patterns, ...)")
    unknown = sorted(set(map(str, raw)) - _EVENT_KEYS)
    if unknown:
        raise ValueError(
            f"unknown key(s) {', '.join(map(repr, unknown))} "
            f"(allowed: {', '.join(sorted(_EVENT_KEYS))})"
        )
    missing = [k for k in _REQUIRED_KEYS if raw.get(k) in (None, "", [])]
    if "patterns" in missing:
        raise ValueError("'patterns' is missing or empty; give at least one pattern")
    if missing:
        raise ValueError(f"missing required key(s) {', '.join(map(repr, missing))}")
    if not isinstance(raw["id"], str) or not _ID_RE.match(raw["id"]):
        raise ValueError(
            f"id {raw['id']!r} must be lowercase letters, digits and underscores, starting "
            "with a letter"
        )
    if not isinstance(raw["label"], str):
        raise ValueError(f"label must be a string, not {raw['label']!r}")
    if not isinstance(raw.get("description", ""), str | None):
        raise ValueError(f"description must be a string, not {raw['description']!r}")
    acled = raw.get("acled_event_type")
    if acled is not None and not isinstance(acled, str):
        raise ValueError(f"acled_event_type must be a string or null, not {acled!r}")
    cameo = raw.get("cameo")
    codes = cameo if isinstance(cameo, list) else [cameo]
    if any(isinstance(c, int | float) and not isinstance(c, bool) for c in codes):
        raise ValueError(
            f'cameo code {cameo!r} must be quoted (e.g. "046"): YAML reads unquoted codes with '
            "a leading zero as octal numbers"
        )
    patterns = _strings(raw["patterns"], "patterns")
    if not patterns:
        raise ValueError("'patterns' is missing or empty; give at least one pattern")
    return EventType(
        id=raw["id"],
        label=raw["label"],
        description=(raw.get("description") or "").strip(),
        acled_event_type=acled,
        acled_sub_event_type=_strings(raw.get("acled_sub_event_type"), "acled_sub_event_type"),
        cameo=_strings(cameo, "cameo"),
        patterns=patterns,
        exclude=_strings(raw.get("exclude"), "exclude"),
    )


def _build(
    events: tuple[EventType, ...], words: dict[str, tuple[str, ...]], path: Path, sha256: str
) -> Taxonomy:
    bit_of: dict[frozenset[str], int] = {}

    def plan(event: int, compiled: _Compiled) -> _Plan:
        mask = 0
        for _, stems in compiled:
            mask |= 1 << bit_of.setdefault(stems, len(bit_of))
        return mask, event, compiled

    by_first: dict[str, list[_Plan]] = {}
    exclude = []
    anchors: set[str] = set()
    for i, event in enumerate(events):
        for pattern in event.patterns:
            compiled = _compile_pattern(pattern, words)
            for stem in sorted(compiled[0][1]):
                by_first.setdefault(stem, []).append(plan(i, compiled))
            anchors |= _anchor(compiled)
        exclude.append(tuple(plan(i, _compile_pattern(p, words)) for p in event.exclude))
    stem_bits: dict[str, int] = {}
    for stems, bit in bit_of.items():
        for stem in stems:
            stem_bits[stem] = stem_bits.get(stem, 0) | 1 << bit
    return Taxonomy(
        events,
        path,
        sha256,
        words,
        frozenset(anchors),
        {stem: tuple(plans) for stem, plans in by_first.items()},
        frozenset(by_first),
        tuple(exclude),
        stem_bits,
        frozenset(stem_bits),
    )


def _anchor(compiled: _Compiled) -> frozenset[str]:
    """The stems of the pattern's least common step (fewest common words, then fewest stems)."""
    common = {_stem(w) for w in _COMMON_WORDS}
    return min((stems for _, stems in compiled), key=lambda st: (len(st & common), len(st)))


def _parse_words(raw: Any, path: Path) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TaxonomyError(f"{path}: 'words:' must map list names to lists of words")
    words = {}
    for name, items in raw.items():
        if not isinstance(name, str) or not _ID_RE.match(name):
            raise TaxonomyError(
                f"{path}: word list name {name!r} must be lowercase letters, digits and "
                "underscores, starting with a letter"
            )
        try:
            values = _strings(items, f"word list {name!r}")
            if not values:
                raise ValueError(f"word list {name!r} is empty")
            _one_word_stems(values, f"${name}")
        except ValueError as exc:
            raise TaxonomyError(f"{path}: words: {exc}") from None
        words[name] = values
    return words


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read, validate and compile an event taxonomy YAML file.

    Parameters
    ----------
    path : str or Path, optional
        The YAML file; None reads the default shipped with the package
        (:data:`helpers.config.DEFAULT_TAXONOMY`). Copy that file to start your own.

    Returns
    -------
    Taxonomy

    Raises
    ------
    TaxonomyError
        If the file is missing, is not valid YAML (the message gives the line), or an event has
        an unknown key, a missing label or id, a duplicate id, empty patterns or a pattern that
        normalises to no words. The message names the file and the event id.
    """
    path = Path(config.DEFAULT_TAXONOMY if path is None else path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TaxonomyError(f"{path}: cannot read taxonomy file ({exc.strerror})") from exc
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TaxonomyError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and cmark:
            problem += f" ({context} started at line {cmark.line + 1})"
        raise TaxonomyError(f"{path}: invalid YAML{where}: {problem}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
        raise TaxonomyError(f"{path}: expected a mapping with an 'events:' list at the top level")
    unknown = sorted(set(map(str, raw)) - _TOP_KEYS)
    if unknown:
        raise TaxonomyError(
            f"{path}: unknown top-level key(s) {', '.join(map(repr, unknown))} "
            f"(allowed: {', '.join(sorted(_TOP_KEYS))})"
        )
    if not raw["events"]:
        raise TaxonomyError(f"{path}: the 'events:' list is empty")
    words = _parse_words(raw.get("words"), path)
    events: list[EventType] = []
    first_seen: dict[str, int] = {}
    for n, item in enumerate(raw["events"], start=1):
        name = item.get("id") if isinstance(item, dict) else None
        who = f"event {name!r}" if isinstance(name, str) and name else f"event #{n}"
        try:
            event = _parse_event(item, n)
            for pattern in (*event.patterns, *event.exclude):
                _compile_pattern(pattern, words)
        except ValueError as exc:
            raise TaxonomyError(f"{path}: {who}: {exc}") from None
        if event.id in first_seen:
            raise TaxonomyError(
                f"{path}: {who}: duplicate id (already used by event #{first_seen[event.id]})"
            )
        first_seen[event.id] = n
        events.append(event)
    return _build(tuple(events), words, path.resolve(), hashlib.sha256(data).hexdigest())


def _as_taxonomy(taxonomy: Taxonomy | str | Path | None) -> Taxonomy:
    return taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy)


# --- matching --------------------------------------------------------------------------------


def _match_at(stems: Sequence[str], i: int, compiled: _Compiled) -> int | None:
    """End token index (exclusive) of the shortest match of ``compiled`` starting at ``i``."""
    if len(compiled) == 1:
        return i + 1
    return _extend(stems, compiled, 1, i + 1)


def _extend(stems: Sequence[str], compiled: _Compiled, k: int, pos: int) -> int | None:
    if k == len(compiled):
        return pos
    gap, accepted = compiled[k]
    for j in range(pos, min(pos + gap + 1, len(stems))):
        if stems[j] in accepted:
            found = _extend(stems, compiled, k + 1, j + 1)
            if found is not None:
                return found
    return None


def _matches_anywhere(stems: list[str], plans: tuple[_Plan, ...], mask: int) -> bool:
    for need, _, compiled in plans:
        if need & mask != need:
            continue
        first = compiled[0][1]
        for i, s in enumerate(stems):
            if s in first and _match_at(stems, i, compiled) is not None:
                return True
    return False


def _could_match(text: str, taxonomy: Taxonomy) -> bool:
    """False only when no token of ``text`` can start a pattern (skips the tokenizer)."""
    if _CONTRACTION_RE.search(text):
        return True
    anchors = taxonomy._anchors
    return any(_STEMS[w] in anchors for w in _PIECE_RE.findall(text))


def _sentence_hits(text: str, taxonomy: Taxonomy) -> list[tuple[int, int, int, int]]:
    """(event index, start char, end char, n_matches) per event found in ``text``, event order."""
    toks = _tokens(text)
    return [
        (event_i, toks[a][1], toks[b - 1][2], n)
        for event_i, a, b, n in _stem_hits([t[0] for t in toks], taxonomy)
    ]


def _stem_hits(stems: list[str], taxonomy: Taxonomy) -> list[tuple[int, int, int, int]]:
    """(event index, first token, end token (exclusive), n_matches) per event, event order.

    Every pattern is tried at every token it can start at, as :func:`_match_at` would, except
    patterns that cannot match anywhere because no stem of one of their steps is in the sentence.
    """
    stem_bits = taxonomy._stem_bits
    mask = reduce(or_, map(stem_bits.__getitem__, taxonomy._vocab.intersection(stems)), 0)
    index = taxonomy._by_first
    n = len(stems)
    spans: dict[int, list[tuple[int, int]]] = {}
    for i, stem in enumerate(stems):
        entries = index.get(stem)
        if entries is None:
            continue
        for need, event_i, compiled in entries:
            if need & mask != need:
                continue
            if len(compiled) == 1:
                end = i + 1
            elif len(compiled) == 2:
                # _extend for a last step: the first accepted token within the gap ends the match.
                gap, accepted = compiled[1]
                for j in range(i + 1, min(i + 2 + gap, n)):
                    if stems[j] in accepted:
                        end = j + 1
                        break
                else:
                    continue
            else:
                end = _extend(stems, compiled, 1, i + 1)
                if end is None:
                    continue
            if event_i in spans:
                spans[event_i].append((i, end))
            else:
                spans[event_i] = [(i, end)]
    hits = []
    for event_i in sorted(spans):
        excluded = taxonomy._exclude[event_i]
        if excluded and _matches_anywhere(stems, excluded, mask):
            continue
        found = spans[event_i]
        if len(found) == 1:
            hits.append((event_i, *found[0], 1))
            continue
        # Like regex finditer: leftmost match first, longest at a tie, then no overlaps.
        chosen: list[tuple[int, int]] = []
        for a, b in sorted(set(found), key=lambda ab: (ab[0], -ab[1])):
            if not chosen or a >= chosen[-1][1]:
                chosen.append((a, b))
        hits.append((event_i, *chosen[0], len(chosen)))
    return hits


def find_events(text: str, taxonomy: Taxonomy | str | Path | None = None) -> list[dict]:
    """Event hits in one piece of text (convenience for exploring a taxonomy).

    Returns
    -------
    list of dict
        One per event type found, in taxonomy order, with keys event, match, start, end
        (character offsets into ``text``) and n_matches, as in :func:`detect_events`.
    """
    tax = _as_taxonomy(taxonomy)
    return [
        {
            "event": tax.events[e].id,
            "match": text[a:b],
            "start": a,
            "end": b,
            "n_matches": n,
        }
        for e, a, b, n in _sentence_hits(text, tax)
    ]


def detect_events(
    sentences: pd.DataFrame, taxonomy: Taxonomy | str | Path | None = None
) -> pd.DataFrame:
    """Find taxonomy event types in sentences.

    Parameters
    ----------
    sentences : DataFrame
        With columns doc_id, sent_idx, text (as returned by :func:`helpers.text.split_sentences`);
        other columns are ignored.
    taxonomy : Taxonomy, path or None
        A loaded taxonomy, a YAML path, or None for the shipped default.

    Returns
    -------
    DataFrame
        One row per (sentence, event type) found, sorted by doc_id, sent_idx and taxonomy order.
        Columns: doc_id (str), sent_idx (int), event (str, an event id), match (str: the sentence
        text of the first, i.e. leftmost-longest, match, including any words a gap skipped),
        start, end (int: character offsets of ``match`` in the sentence text, end exclusive),
        n_matches (int: non-overlapping matches of that event type in the sentence, >= 1).
        A sentence where one of the event's ``exclude`` patterns matches gets no row for it.
    """
    missing = [c for c in ("doc_id", "sent_idx", "text") if c not in sentences.columns]
    if missing:
        raise ValueError(
            f"detect_events needs columns doc_id, sent_idx, text; missing: {', '.join(missing)}"
        )
    tax = _as_taxonomy(taxonomy)
    anchors = tax._anchors
    stem_of = _STEMS.__getitem__
    rows: list[tuple[str, int, int, str, int, int, int]] = []
    for doc_id, sent_idx, text in zip(
        sentences["doc_id"].tolist(),
        sentences["sent_idx"].tolist(),
        sentences["text"].tolist(),
        strict=True,
    ):
        if not isinstance(text, str) or not text:
            continue
        # Most sentences take the one-scan path; its stems double as the exact anchor check.
        parts = _fast_parts(text)
        if parts is None:
            if not _could_match(text, tax):
                continue
            toks = _tokens(text)
            stems = [t[0] for t in toks]
            spans = [(t[1], t[2]) for t in toks]
        else:
            stems = list(map(stem_of, parts[1::2]))
            if anchors.isdisjoint(stems):
                continue
            spans = None
        hits = _stem_hits(stems, tax)
        if not hits:
            continue
        if spans is None:
            # Piece k is parts[2k + 1]: it starts at ends[2k] and ends at ends[2k + 1].
            ends = list(accumulate(map(len, parts)))
            for event_i, first, stop, n in hits:
                a, b = ends[2 * first], ends[2 * stop - 1]
                rows.append((str(doc_id), int(sent_idx), event_i, text[a:b], a, b, n))
            continue
        for event_i, first, stop, n in hits:
            a, b = spans[first][0], spans[stop - 1][1]
            rows.append((str(doc_id), int(sent_idx), event_i, text[a:b], a, b, n))
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    ids = tax.ids
    return pd.DataFrame(
        {
            "doc_id": pd.Series([r[0] for r in rows], dtype="str"),
            "sent_idx": pd.Series([r[1] for r in rows], dtype="int64"),
            "event": pd.Series([ids[r[2]] for r in rows], dtype="str"),
            "match": pd.Series([r[3] for r in rows], dtype="str"),
            "start": pd.Series([r[4] for r in rows], dtype="int64"),
            "end": pd.Series([r[5] for r in rows], dtype="int64"),
            "n_matches": pd.Series([r[6] for r in rows], dtype="int64"),
        },
        columns=EVENT_COLUMNS,
    )


# ---------------------------------------------------------------------------------------------
# Summaries of the hits that the notebooks show next to the time series.


def top_events(hits: pd.DataFrame, taxonomy: Taxonomy, n: int) -> list[str]:
    """The ``n`` event ids mentioned in the most articles (ties: more sentences, taxonomy order).

    Events with no hit are left out unless nothing was found at all, in which case the first
    ``n`` taxonomy events are returned so a chart can show the zeros honestly.
    """
    if hits.empty:
        return list(taxonomy.ids[:n])
    order = {event: i for i, event in enumerate(taxonomy.ids)}
    stats = hits.groupby("event").agg(
        articles=("doc_id", "nunique"), sentences=("sent_idx", "size")
    )
    ranked = sorted(
        (e for e in stats.index if e in order),
        key=lambda e: (-stats.at[e, "articles"], -stats.at[e, "sentences"], order[e]),
    )
    return ranked[:n]


def article_matrix(hits: pd.DataFrame, documents: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """Sentences mentioning each event, per article.

    Returns
    -------
    DataFrame
        Index ``doc_id`` (every document, ordered by date with undated articles last, then by
        doc_id), one int column per taxonomy event id in taxonomy order: the number of the
        article's sentences that mention the event (0 when none).
    """
    order = documents.assign(_undated=documents["date"].isna()).sort_values(
        ["_undated", "date", "doc_id"], kind="stable"
    )["doc_id"]
    counts = (
        hits[hits["event"].isin(taxonomy.ids)]
        .groupby(["doc_id", "event"])
        .size()
        .unstack("event")
        .reindex(index=order.astype(str), columns=list(taxonomy.ids))
        .fillna(0)
        .astype("int64")
    )
    counts.index.name = "doc_id"
    counts.columns.name = None
    return counts


def evidence(
    sentences: pd.DataFrame, hits: pd.DataFrame, documents: pd.DataFrame, *, width: int = 70
) -> pd.DataFrame:
    """Keyword-in-context rows: each hit with the words around it.

    Parameters
    ----------
    sentences
        ``doc_id``, ``sent_idx``, ``text`` (the frame the hits were found in).
    hits
        :func:`detect_events` rows.
    documents
        ``doc_id``, ``date`` and optionally ``title``.
    width
        Characters of context kept on each side of the match (cut at a word, marked with "…").

    Returns
    -------
    DataFrame
        One row per hit, in hit order: ``date``, ``doc_id``, ``sent_idx``, ``event``, ``left``,
        ``match``, ``right``. Text is plain text; display it escaped (pandas does by default).
    """
    if hits.empty:
        return pd.DataFrame(
            columns=["date", "doc_id", "sent_idx", "event", "left", "match", "right"]
        )
    text = sentences.set_index(["doc_id", "sent_idx"])["text"]
    keys = pd.MultiIndex.from_arrays([hits["doc_id"], hits["sent_idx"]])
    sentence_text = text.reindex(keys).to_numpy()
    lefts, rights = [], []
    for sent, a, b in zip(sentence_text, hits["start"], hits["end"], strict=True):
        left, right = sent[max(0, a - width) : a], sent[b : b + width]
        if a > width:
            left = "…" + left[left.find(" ") + 1 :] if " " in left else "…" + left
        if b + width < len(sent):
            right = right[: right.rfind(" ")] + "…" if " " in right else right + "…"
        lefts.append(left)
        rights.append(right)
    dates = documents.set_index("doc_id")["date"]
    return pd.DataFrame(
        {
            "date": hits["doc_id"].map(dates).to_numpy(),
            "doc_id": hits["doc_id"].to_numpy(),
            "sent_idx": hits["sent_idx"].to_numpy(),
            "event": hits["event"].to_numpy(),
            "left": lefts,
            "match": hits["match"].to_numpy(),
            "right": rights,
        }
    )
