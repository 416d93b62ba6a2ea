"""Cleaning rules: what of an article's text is analysed, and an account of what was removed.

Every rule is conservative: it removes page furniture a reader would not count as the article
(teaser lists, share and comment prompts, bylines, read-time stamps, photo credits, embedded-tweet
residue, repeated lines) and never rewrites a sentence. Each rule reports, per document, how many
times it fired and how many characters it removed, so a rule that removes more than expected is
visible in ``Corpus.audit``. For line rules ``chars_removed`` counts each removed line with its
line break; blank lines left behind are tidied without being counted.

Rules, in the order they run (rule names as they appear in the audit table):

``line_endings``
    CRLF and lone CR become LF. count: CRs replaced.
``mojibake``
    UTF-8 read as cp1252/latin-1 ("â€™" for "’") repaired with ftfy's encoding fixer only
    (quotes, ligatures and widths are left as written). count: 1 when the text changed.
``html_tags`` / ``html_entities``
    Only for text that contains HTML markup: tags are stripped (block tags become line breaks,
    script/style contents are dropped); entities such as ``&amp;`` are decoded. count: tags removed
    / entities decoded.
``whitespace``
    Non-breaking and other Unicode spaces become plain spaces, zero-width characters and trailing
    spaces go, runs of blank lines become one blank line. count: characters changed or removed.
``teaser_list``
    A "Recommended Stories" (or "Related Stories", "More Stories", "Read More", "You May Also
    Like", "Most Read") heading alone on a line whose next non-blank line is a bullet (•, -, *, ·)
    starts a teaser list of other stories: the heading and everything after it are removed.
    count: lines removed.
``share_prompts``
    Whole lines such as "Share this:", "Share this article", "Leave a Reply", "Leave a comment",
    "Your email address will not be published...", "Required fields are marked *", "Subscribe",
    "Like this:", "Click to share on ...". A sentence that merely contains these words stays.
``byline``
    A read-time stamp alone on a line ("· 5 min read") together with a name alone on the line
    directly before it ("Nabih Bulos"); a line that is a name followed by a reporter's job title
    ("Kieren Williams News Reporter."); a line "By First Last". count: lines removed.
``photo_caption``
    A line ending in a credit in parentheses with a slash, "(Andrew Marienko / Associated Press)",
    or a line starting "Photo:" / "Photograph:" / "Image:"; and the caption line directly before a
    credited line when it repeats the credited line's caption. count: lines removed.
``tweet_residue``
    Inside a line: "pic.twitter.com/..." and "https://t.co/..." links and the embed signature
    "— ANI (@ANI) February 26, 2022". The tweet's own words are kept: they are a quotation the
    article chose to show, and where they end cannot be told apart from the article in general.
``repeated_lines``
    A non-blank line identical (after whitespace normalisation) to the previous non-blank line,
    or identical to any earlier line when it is a paragraph of 80 characters or more (a headline
    printed twice, a paragraph scraped twice). The first copy is kept.
``syndication``
    A line "This story originally appeared in <outlet>." (or "...was originally published in").
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import ftfy

__all__ = ["Cleaned", "clean_text", "screen_texts", "headline", "RULES"]

RULES: tuple[str, ...] = (
    "line_endings",
    "mojibake",
    "html_tags",
    "html_entities",
    "whitespace",
    "teaser_list",
    "share_prompts",
    "byline",
    "photo_caption",
    "tweet_residue",
    "repeated_lines",
    "syndication",
)


@dataclass
class Cleaned:
    """The result of :func:`clean_text`.

    ``counts`` maps a rule name to ``(count, chars_removed)`` for rules that fired; ``flags``
    holds the ledger-worthy changes (``"mojibake repaired"``) that alter characters rather than
    remove furniture.
    """

    text: str
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)

    def _record(self, rule: str, count: int, before: int, after: int) -> None:
        if count:
            old_count, old_removed = self.counts.get(rule, (0, 0))
            self.counts[rule] = (old_count + count, old_removed + before - after)


# --- character-level rules ------------------------------------------------------------------

_HTML_TAG = re.compile(
    r"</?(?:p|br|div|span|a|li|ul|ol|h[1-6]|strong|em|b|i|u|blockquote|figure|figcaption|img|"
    r"script|style|html|body|head|article|section|header|footer|nav|table|tr|td|th|iframe|"
    r"meta|link|time|small|sup|sub|picture|source)\b[^<>]*>",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]{1,30}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_BLOCK_TAGS = frozenset(
    "p br div li ul ol h1 h2 h3 h4 h5 h6 blockquote figure figcaption article section header "
    "footer tr table".split()
)
_SKIP_TAGS = frozenset({"script", "style", "head", "noscript", "template"})

# Unicode spaces a tokenizer may not treat as spaces (NBSP, thin, narrow NBSP, ideographic, ...).
_SPACES = dict.fromkeys(map(ord, "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"), " ")
_SPACES.update(dict.fromkeys(map(ord, "\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"), " "))
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_WHITESPACE_TABLE = {**_SPACES, **_ZERO_WIDTH}
_ODD_WHITESPACE = re.compile("[\u00a0\u1680\u2000-\u200d\u202f\u205f\u2060\u3000\ufeff\t]")
_TRAILING_SPACE = re.compile(r"[ ]+$", re.MULTILINE)
_BLANK_RUN = re.compile(r"\n{3,}")


class _TextExtractor(HTMLParser):
    """Text content of an HTML fragment, with line breaks where blocks end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags = 0
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags += 1
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n" if tag == "br" else "\n\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.tags += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.tags += 1
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _strip_html(text: str) -> tuple[str, int]:
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts), parser.tags


def _normalise_whitespace(text: str, odd_space: bool = True) -> str:
    # Each step is guarded by a cheap test: most articles need none of them.
    if odd_space and _ODD_WHITESPACE.search(text):
        text = text.translate(_WHITESPACE_TABLE)
    if " \n" in text:
        text = _TRAILING_SPACE.sub("", text)
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip(" \n")


# UTF-8 read as cp1252/latin-1 turns every non-ASCII character into a lead character (Â..ô)
# followed by a continuation character (U+0080..U+00BF or a cp1252 punctuation mark). Only text
# with such a pair is handed to ftfy, whose own detector is far slower.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)

# --- line-level rules -----------------------------------------------------------------------

_BULLET = re.compile(r"^\s*[•·\-*–▪►]\s*\S")
_TEASER_HEADING = re.compile(
    r"^\s*(?:recommended(?: stories| articles| reading| for you)?|related(?: stories| articles"
    r"| news| content)?|more stories|more from [\w .'’-]{1,40}|read more|you may also like"
    r"|most read|trending(?: now)?|top stories)\s*:?\s*$",
    re.IGNORECASE,
)
_SHARE_PROMPT = re.compile(
    r"^\s*(?:share this(?: article| story| post)?\s*:?|share on (?:facebook|twitter|x|whatsapp|"
    r"linkedin|reddit|email)|click to share on [^\n]{1,40}|like this\s*:?|leave a (?:reply|comment)"
    r"(?: cancel reply)?|your email address will not be published\.?[^\n]{0,80}|required fields "
    r"are marked \*|subscribe(?: now| for free| to [\w ]{1,40})?\s*[.!]?|sign up for [\w ]{1,40}"
    r"newsletter[^\n]{0,40}|comments?\s*\(\d+\)|post navigation)\s*$",
    re.IGNORECASE,
)
_NAME = r"[A-Z][a-zA-Z'’\-]+(?: (?:[A-Z]\.|[A-Z][a-zA-Z'’\-]+|de|van|von|bin|al|el)){1,3}"
_READ_TIME = re.compile(r"^\s*[·•|\-–—]?\s*\d{1,3}\s*min(?:ute)?s?\.? read\s*$", re.IGNORECASE)
_NAME_LINE = re.compile(rf"^\s*(?:By )?{_NAME}\s*$")
_JOB = (
    r"(?:(?:Senior|Chief|Political|Foreign|Defence|Defense|Breaking|Digital|Staff|Trainee|Junior|"
    r"Deputy|International|Security|Business|Sports?|Health|Crime|Environment|World|US|UK|"
    r"Europe|Home Affairs|Royal|Showbiz|Weekend|Online|Investigations?)\s+){0,3}"
    r"(?:News\s+)?(?:Reporter|Correspondent|Writer|Editor|Journalist|Producer)"
)
_NAME_JOB_LINE = re.compile(rf"^\s*(?:By\s+)?{_NAME},?\s+{_JOB}\.?\s*$")
_BY_LINE = re.compile(rf"^\s*By\s+{_NAME}(?:\s+(?:and|&)\s+{_NAME})?\s*$")
_CREDIT = re.compile(
    r"\s*\(\s*(?=[^()\n]*[A-Za-z])[^()/\n]{2,80}?\s+/\s+[^()/\n]{2,80}?\s*\)\s*$",
)
_PHOTO_LINE = re.compile(
    r"^\s*(?:photo|photograph|image|picture)(?: credit)?\s*:\s*[^\n]{2,120}$", re.IGNORECASE
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_TWEET_RESIDUE = re.compile(
    r"[ \t]*(?:pic\.twitter\.com/\w+|https?://t\.co/\w+)"
    rf"|[ \t]*[—–-]{{1,2}}[ \t]*[^\n()—–]{{1,60}}\(@\w{{1,15}}\)"
    rf"[ \t]+{_MONTH}[ \t]+\d{{1,2}},[ \t]*\d{{4}}"
)
_SYNDICATION = re.compile(
    r"^\s*(?:This|The) (?:story|article) (?:originally |first )?"
    r"(?:appeared|was (?:originally |first )?published) (?:in|on|by) [^\n]{2,80}\.?\s*$"
)
_WORD = re.compile(r"\w")

# Cheap screens: a rule's line regexes only run on documents whose lowercased text contains one
# of its trigger words (substring tests are far cheaper than a regex scan of every article).
_TRIGGER_TEASER = (
    "recommended", "related", "more stories", "more from", "read more", "may also like",
    "most read", "trending", "top stories",
)  # fmt: skip
_TRIGGER_SHARE = (
    "share", "like this", "leave a", "email address", "required fields", "subscribe", "sign up",
    "comment", "post navigation",
)  # fmt: skip
_TRIGGER_BYLINE = (
    "min read", "mins read", "minute read", "minutes read", "min. read", "reporter",
    "correspondent", "writer", "editor", "journalist", "producer", "\nby ",
)  # fmt: skip
_TRIGGER_CAPTION = (" / ", "photo", "image", "picture")
_TRIGGER_TWEET = ("pic.twitter.com", "t.co/", "(@")
_TRIGGER_SYNDICATION = ("originally", "first appeared", "first published", "appeared in")


_WORD_SCREENS = {
    "teaser_list": _TRIGGER_TEASER,
    "share_prompts": _TRIGGER_SHARE,
    "byline": _TRIGGER_BYLINE,
    "photo_caption": _TRIGGER_CAPTION,
    "tweet_residue": _TRIGGER_TWEET,
    "syndication": _TRIGGER_SYNDICATION,
}
ALL_SCREENS = frozenset({*_WORD_SCREENS, "mojibake", "markup", "odd_space"})


def _any_in(words: tuple[str, ...], low: str) -> bool:
    return any(word in low for word in words)


def _screen_one(text: str) -> frozenset[str]:
    low = text.lower()
    found = {rule for rule, words in _WORD_SCREENS.items() if _any_in(words, low)}
    if not text.isascii():
        if _MOJIBAKE_HINT.search(text):
            found.add("mojibake")
        if _ODD_WHITESPACE.search(text):
            found.add("odd_space")
    if "\t" in text:
        found.add("odd_space")
    if "<" in text or "&" in text:
        found.add("markup")
    return frozenset(found)


def screen_texts(texts: list[str]) -> list[frozenset[str]]:
    """Which rules could fire on each text, decided for all texts at once.

    The screens are substring and character-class tests run by pyarrow (RE2) over the whole
    column, so a corpus of a million articles is screened in C; :func:`clean_text` then runs only
    the line rules whose screen matched. A screen may match when its rule then removes nothing;
    it never misses a text the rule would change.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not texts:
        return []
    array = pa.array(texts, type=pa.large_string())
    patterns = {
        rule: "|".join(re.escape(word) for word in words) for rule, words in _WORD_SCREENS.items()
    }
    patterns["mojibake"] = _MOJIBAKE_HINT.pattern
    patterns["odd_space"] = _ODD_WHITESPACE.pattern
    patterns["markup"] = "[<&]"
    names = sorted(patterns)
    mask = np.zeros(len(texts), dtype=np.int64)
    for bit, name in enumerate(names):
        hits = pc.match_substring_regex(array, patterns[name], ignore_case=True)
        mask |= hits.to_numpy(zero_copy_only=False).astype(np.int64) << bit
    cache: dict[int, frozenset[str]] = {}
    out = []
    for value in mask.tolist():
        found = cache.get(value)
        if found is None:
            found = frozenset(n for bit, n in enumerate(names) if value >> bit & 1)
            cache[value] = found
        out.append(found)
    return out


def _drop_lines(lines: list[str], drop: set[int]) -> list[str]:
    return [line for i, line in enumerate(lines) if i not in drop]


def _teaser_list(lines: list[str]) -> tuple[list[str], int]:
    for i, line in enumerate(lines):
        if _TEASER_HEADING.match(line):
            following = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
            if _BULLET.match(following):
                removed = sum(1 for ln in lines[i:] if ln.strip())
                return lines[:i], removed
    return lines, 0


def _line_rule(lines: list[str], pattern: re.Pattern[str]) -> tuple[list[str], int]:
    drop = {i for i, line in enumerate(lines) if line.strip() and pattern.match(line)}
    return (_drop_lines(lines, drop), len(drop)) if drop else (lines, 0)


def _previous_nonblank(lines: list[str], i: int) -> int | None:
    for j in range(i - 1, -1, -1):
        if lines[j].strip():
            return j
    return None


def _bylines(lines: list[str]) -> tuple[list[str], int]:
    drop: set[int] = set()
    for i, line in enumerate(lines):
        if _READ_TIME.match(line):
            drop.add(i)
            j = _previous_nonblank(lines, i)
            if j is not None and _NAME_LINE.match(lines[j]):
                drop.add(j)
        elif _NAME_JOB_LINE.match(line) or _BY_LINE.match(line):
            drop.add(i)
    return (_drop_lines(lines, drop), len(drop)) if drop else (lines, 0)


def _captions(lines: list[str]) -> tuple[list[str], int]:
    drop: set[int] = set()
    for i, line in enumerate(lines):
        if len(line) > 400:
            continue
        credit = _CREDIT.search(line)
        if credit and credit.start() > 0:
            drop.add(i)
            caption = line[: credit.start()].strip()
            j = _previous_nonblank(lines, i)
            if j is not None and lines[j].strip() == caption:
                drop.add(j)
        elif _PHOTO_LINE.match(line):
            drop.add(i)
    return (_drop_lines(lines, drop), len(drop)) if drop else (lines, 0)


def _repeated_lines(lines: list[str]) -> tuple[list[str], int]:
    # Whitespace is already normalised, so stripping is enough to compare lines.
    keys = [line.strip() for line in lines]
    nonblank = [k for k in keys if k]
    if len(set(nonblank)) == len(nonblank):
        return lines, 0
    seen: set[str] = set()
    previous = None
    drop: set[int] = set()
    for i, key in enumerate(keys):
        if not key:
            continue
        if _WORD.search(key) and (key == previous or (len(key) >= 80 and key in seen)):
            drop.add(i)
            continue
        seen.add(key)
        previous = key
    return (_drop_lines(lines, drop), len(drop)) if drop else (lines, 0)


def _line_chars(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def clean_text(raw: str, screens: frozenset[str] | None = None) -> Cleaned:
    """Clean one article's text.

    Parameters
    ----------
    raw
        The article as decoded from its file or cell (any line endings).
    screens
        The rules that may fire, from :func:`screen_texts` (computed here when None).

    Returns
    -------
    Cleaned
        ``text`` is what is analysed; ``counts`` maps each rule that fired to
        ``(count, chars_removed)`` (see the module docstring for what ``count`` counts per rule);
        ``flags`` lists changes worth a ledger flag.
    """
    out = Cleaned(raw)
    text = raw
    if screens is None:
        screens = _screen_one(raw)

    if "\r" in text:
        before = len(text)
        n = text.count("\r")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        out._record("line_endings", n, before, len(text))

    if "mojibake" in screens:
        fixed = ftfy.fix_encoding(text)
        if fixed != text:
            out._record("mojibake", 1, len(text), len(fixed))
            out.flags.append("mojibake repaired")
            text = fixed
            screens = _screen_one(text)

    if "markup" not in screens:
        pass
    elif "<" in text and _HTML_TAG.search(text):
        before = len(text)
        text, n_tags = _strip_html(text)
        out._record("html_tags", max(n_tags, 1), before, len(text))
        screens = _screen_one(text)
    elif "&" in text and _ENTITY.search(text):
        before = len(text)
        n = len(_ENTITY.findall(text))
        text = html.unescape(text)
        out._record("html_entities", n, before, len(text))
        screens = _screen_one(text)

    # The file's final newline and blank lines at either end are not content: no audit entry.
    text = text.strip("\n")
    before = len(text)
    normalised = _normalise_whitespace(text, "odd_space" in screens)
    if normalised != text:
        odd = len(_ODD_WHITESPACE.findall(text)) if "odd_space" in screens else 0
        changed = odd + (before - len(normalised))
        out._record("whitespace", max(changed, 1), before, len(normalised))
        text = normalised

    lines = text.split("\n")
    size = _line_chars(lines)
    line_rules = (
        ("teaser_list", _teaser_list),
        ("share_prompts", lambda ls: _line_rule(ls, _SHARE_PROMPT)),
        ("byline", _bylines),
        ("photo_caption", _captions),
    )
    for rule, apply in line_rules:
        if rule in screens:
            lines, n = apply(lines)
            new_size = _line_chars(lines)
            out._record(rule, n, size, new_size)
            size = new_size

    if "tweet_residue" in screens:
        n_total = 0
        new_lines = []
        for line in lines:
            line, n = _TWEET_RESIDUE.subn("", line)
            n_total += n
            new_lines.append(line)
        lines = new_lines
        new_size = _line_chars(lines)
        out._record("tweet_residue", n_total, size, new_size)
        size = new_size

    lines, n = _repeated_lines(lines)
    new_size = _line_chars(lines)
    out._record("repeated_lines", n, size, new_size)
    size = new_size

    if "syndication" in screens:
        lines, n = _line_rule(lines, _SYNDICATION)
        out._record("syndication", n, size, _line_chars(lines))

    # Removing lines leaves blank runs and trailing spaces; tidying them is not a rule of its own.
    out.text = _normalise_whitespace("\n".join(lines))
    return out


_HEADLINE_END = re.compile(r"[.,;:]\s*$")


def headline(text: str, *, max_chars: int = 150) -> str:
    """The headline of a plain-text article, or ``""``.

    The first line is taken as the headline when it has at most ``max_chars`` characters, at
    least two words, and does not end in ``.``, ``,``, ``;`` or ``:`` (a headline may end in
    ``?`` or ``!``; a first paragraph ends in a full stop).
    """
    first = text.lstrip("\n").split("\n", 1)[0].strip()
    if not first or len(first) > max_chars or len(first.split()) < 2:
        return ""
    if _HEADLINE_END.search(first):
        return ""
    return first
