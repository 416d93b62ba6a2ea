"""Safe, offline HTML for executed notebooks and the run's index page.

Corpus text is untrusted, and notebook outputs carry it. Three layers keep it inert:

1. :func:`sanitize_outputs` drops active output types (JavaScript, widgets, Mermaid, anything not
   on an allow-list) and cleans ``text/html`` outputs with nh3 (a maintained, allow-list
   sanitizer), keeping DataFrame tables and ``data:`` images.
2. :class:`OfflineHTMLExporter` renders with nbconvert's lab template minus everything that
   loads code from a CDN (require.js, MathJax, Mermaid, widget manager), and cleans rendered
   Markdown (cells and ``text/markdown`` outputs) with the same nh3 policy. nbconvert's own
   ``sanitize_html`` is not used: it turns table headers into literal text.
3. :func:`html_problems` parses the final page and lists anything active that remains (scripts,
   ``on*`` handlers, ``javascript:`` URLs, external resources); the runner refuses to publish a
   page with problems.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import nh3

__all__ = [
    "ALLOWED_OUTPUT_MIMETYPES",
    "clean_html",
    "sanitize_outputs",
    "export_html",
    "html_problems",
    "render_index",
]

# Output types a report may show. Everything else (application/javascript, widget views,
# text/vnd.mermaid, vendor JSON) is dropped: it is either active or rendered unescaped.
ALLOWED_OUTPUT_MIMETYPES = frozenset(
    {
        "text/plain",
        "text/html",
        "text/markdown",
        "text/latex",
        "image/png",
        "image/jpeg",
        "image/svg+xml",
    }
)
_BASE64_IMAGES = {"image/png", "image/jpeg"}

_TAGS = set(nh3.ALLOWED_TAGS) | {"tfoot"}
_TABLE_CELL = {"align", "colspan", "rowspan", "scope", "headers", "style"}
_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "table": {"border"},
    "th": _TABLE_CELL,
    "td": _TABLE_CELL,
    "tr": {"align", "style"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start"},
    # Markdown headings carry ids so the "¶" anchor links work.
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _normalised_url(value: str) -> str:
    # Browsers ignore whitespace and control characters inside a scheme ("java\tscript:").
    return _INVISIBLE.sub("", value).lower()


def _is_local_reference(value: str) -> bool:
    url = _normalised_url(value)
    return not _SCHEME.match(url) and not url.startswith(("//", "\\\\", "/\\", "\\/"))


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        # Images load nothing from the network: embedded data or a file next to the report.
        if _DATA_IMAGE.match(_normalised_url(value)) or _is_local_reference(value):
            return value
        return None
    if tag == "a" and attribute == "href":
        url = _normalised_url(value)
        scheme = _SCHEME.match(url)
        if scheme is None or scheme.group(1) in {"http", "https", "mailto"}:
            return value
        return None
    return value


def clean_html(fragment: str) -> str:
    """Clean an HTML fragment with the reports' nh3 policy.

    Keeps basic formatting, tables (``thead``, ``tbody``, ``tfoot``, ``th``, ``td``, ``caption``,
    ``colgroup``) and images whose ``src`` is a ``data:image`` URI or a relative file; removes
    ``script``/``style`` elements with their content, every ``on*`` attribute, ``style`` except
    text alignment in tables, and every link that is not http(s), mailto, relative or a fragment.
    """
    return nh3.clean(
        fragment,
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"http", "https", "mailto", "data"},
        filter_style_properties={"text-align", "vertical-align"},
        link_rel="noopener noreferrer",
    )


def _is_base64(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _join(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def sanitize_outputs(nb: Any) -> list[str]:
    """Make every code cell's outputs safe to render, in place.

    ``display_data`` and ``execute_result`` outputs keep only the allowed MIME types;
    ``text/html`` is cleaned with :func:`clean_html`; ``image/png``/``image/jpeg`` must be
    base64. An output left with nothing to show gets a ``text/plain`` note saying what was
    removed. Streams, errors and ``text/plain`` are escaped by the exporter and left as they are.

    Returns
    -------
    list of str
        One line per removed MIME type, e.g. ``"cell 4: application/javascript"``.
    """
    removed: list[str] = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") not in {"display_data", "execute_result"}:
                continue
            data = output.get("data", {})
            dropped = []
            for mimetype in sorted(data):
                value = data[mimetype]
                if mimetype not in ALLOWED_OUTPUT_MIMETYPES or (
                    mimetype in _BASE64_IMAGES and not _is_base64(value)
                ):
                    dropped.append(mimetype)
                    del data[mimetype]
                elif mimetype == "text/html":
                    data[mimetype] = clean_html(_join(value))
            if dropped:
                removed.extend(f"cell {index}: {m}" for m in dropped)
                if not data:
                    data["text/plain"] = (
                        f"[{', '.join(dropped)} output removed: reports show no active content]"
                    )
            metadata = output.get("metadata", {})
            for mimetype in list(metadata):
                if mimetype not in data and "/" in mimetype:
                    del metadata[mimetype]
    return removed


# nbconvert's lab template minus every block that loads code from a CDN. Active outputs are
# dropped before export; these overrides only keep a missed one from rendering.
_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block data_javascript scoped -%}{%- endblock data_javascript -%}
{%- block data_widget_view scoped -%}{%- endblock data_widget_view -%}
{%- block data_mermaid scoped -%}{%- endblock data_mermaid -%}
"""

_EXPORTER_CLASS: Any = None


def _exporter_class() -> Any:
    # nbconvert takes seconds to import; parameter errors are reported before it is needed.
    global _EXPORTER_CLASS
    if _EXPORTER_CLASS is None:
        from nbconvert import HTMLExporter

        try:
            from jinja2 import pass_context
        except ImportError:  # jinja2 < 3
            from jinja2 import contextfilter as pass_context

        class OfflineHTMLExporter(HTMLExporter):
            """nbconvert's lab HTML with no CDN resources and cleaned Markdown."""

            @pass_context
            def markdown2html(self, context: Any, source: str) -> str:
                return clean_html(super().markdown2html(context, source))

        _EXPORTER_CLASS = OfflineHTMLExporter
    return _EXPORTER_CLASS


def export_html(nb: Any, name: str, *, show_code: bool = False) -> str:
    """Render an executed, sanitized notebook as one self-contained HTML page.

    Parameters
    ----------
    nb
        The notebook (already passed through :func:`sanitize_outputs`).
    name
        Page title (the notebook's file stem).
    show_code
        Show code cells and their ``In [n]`` prompts; by default only outputs and Markdown show.
    """
    import jinja2

    exporter = _exporter_class()(
        template_name="lab",
        template_file="offline.html.j2",
        extra_loaders=[jinja2.DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
        exclude_input=not show_code,
        exclude_input_prompt=not show_code,
        exclude_output_prompt=not show_code,
        sanitize_html=False,
        embed_images=False,
    )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    return body


_ACTIVE_TAGS = {
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "applet",
    "base",
    "form",
    "link",
    "meta",
}
_URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "background",
    "srcset",
}


class _Auditor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            names = {k for k, _ in attrs}
            if names <= {"charset", "name", "content"} and ("http-equiv" not in names):
                self._check_attributes(tag, attrs)
                return
        if tag in _ACTIVE_TAGS:
            self.problems.append(f"<{tag}> element")
        self._in_style = tag == "style"
        self._check_attributes(tag, attrs)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            lowered = _normalised_url(data)
            if "@import" in lowered or re.search(r"url\((?!['\"]?(data:|#))", lowered):
                self.problems.append("<style> loads an external resource")

    def _check_attributes(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
                continue
            if name == "style" and value and "url(" in _normalised_url(value):
                self.problems.append(f"<{tag} style=...> loads a resource")
            if name not in _URL_ATTRIBUTES or value is None:
                continue
            url = _normalised_url(value)
            scheme = _SCHEME.match(url)
            if scheme and scheme.group(1) in {"javascript", "vbscript"}:
                self.problems.append(f"<{tag} {name}={value[:40]!r}> script URL")
            elif name == "href" and tag == "a":
                if scheme and scheme.group(1) not in {"http", "https", "mailto"}:
                    self.problems.append(f"<a href={value[:40]!r}> unsafe link")
            elif not (
                (tag == "img" and name == "src" and _DATA_IMAGE.match(url))
                or _is_local_reference(value)
            ):
                self.problems.append(f"<{tag} {name}={value[:40]!r}> external resource")


def html_problems(page: str) -> list[str]:
    """Anything active or online left in an HTML page; an empty list means safe and offline.

    Flags script-capable elements (``script``, ``iframe``, ``object``, ``embed``, ``base``,
    ``form``, ``link``, refreshing ``meta``), ``on*`` event attributes, ``javascript:`` and
    ``vbscript:`` URLs, links with other non-web schemes, and any ``src``-like attribute or CSS that
    would fetch from the network. Plain ``<a href="https://...">`` links are allowed.
    """
    auditor = _Auditor()
    auditor.feed(page)
    auditor.close()
    return auditor.problems


# --- index.html -----------------------------------------------------------------------------

_INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
code { font-size: 0.85rem; word-break: break-all; }
figure { margin: 1rem 0 2rem; } figure img { max-width: 100%; height: auto;
  border: 1px solid #eee; }
figcaption { font-size: 0.9rem; color: #333; }
.status-ok { color: #006d2c; font-weight: bold; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _href(relative_path: str) -> str:
    return _e(quote(relative_path, safe="/"))


def _value(value: Any) -> str:
    if value is None:
        return "<em>not set</em>"
    if isinstance(value, list):
        return ", ".join(f"<code>{_e(v)}</code>" for v in value)
    return f"<code>{_e(value)}</code>"


def _rows(pairs: Iterable[tuple[str, str]]) -> str:
    return "\n".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in pairs)


def render_index(
    manifest: Mapping[str, Any],
    *,
    figures: Sequence[Mapping[str, Any]],
    corpus_summary: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """The run's front page: status, parameters, corpus, reports, figures, versions.

    Every value is HTML-escaped and every link is a relative path, so the page is inert and opens
    offline from the report folder.

    Parameters
    ----------
    manifest
        The run's manifest (:func:`helpers.manifest.build_manifest`).
    figures
        One mapping per figure: ``name``, ``caption`` (plain text), ``files`` (relative paths of
        the PNG/SVG/PDF) and ``data`` (relative path of the CSV, or None).
    corpus_summary
        Optional rows (mappings of column to value) describing the corpus, shown as a table.
    """
    notebooks = manifest.get("notebooks", [])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>News-coverage reports</title>",
        f"<style>{_INDEX_CSS}</style>",
        "</head>",
        "<body>",
        "<h1>News-coverage reports</h1>",
        f'<p class="status-ok">Status: all {len(notebooks)} notebook(s) ran to completion.</p>',
        "<h2>Reports</h2>",
        "<table><thead><tr><th>Notebook</th><th>Report</th><th>Executed notebook</th>"
        "<th>Source</th></tr></thead><tbody>",
    ]
    for nb in notebooks:
        parts.append(
            f"<tr><td>{_e(nb['name'])}</td>"
            f'<td><a href="{_href(nb["html"])}">{_e(nb["html"])}</a></td>'
            f'<td><a href="{_href(nb["ipynb"])}">{_e(nb["ipynb"])}</a></td>'
            f"<td><code>{_e(nb['source'])}</code></td></tr>"
        )
    parts.append("</tbody></table>")

    given = manifest.get("parameters", {})
    effective = manifest.get("effective_parameters", {})
    parts.append("<h2>Parameters</h2>")
    parts.append(
        "<table><thead><tr><th>Parameter</th><th>Value</th><th>Given</th></tr></thead><tbody>"
    )
    for name in sorted(effective):
        mark = "yes" if name in given else ""
        parts.append(
            f"<tr><th>{_e(name)}</th><td>{_value(effective[name])}</td><td>{mark}</td></tr>"
        )
    parts.append("</tbody></table>")

    parts.append("<h2>Corpus</h2>")
    corpus = manifest.get("corpus")
    taxonomy = manifest.get("taxonomy")
    rows = []
    if corpus:
        rows += [
            ("Path", f"<code>{_e(corpus['path'])}</code>"),
            ("Files", _e(corpus["files"])),
            ("Bytes", _e(corpus["bytes"])),
            ("sha256", f"<code>{_e(corpus['sha256'])}</code>"),
        ]
    if taxonomy:
        rows += [
            ("Taxonomy", f"<code>{_e(taxonomy['path'])}</code>"),
            ("Taxonomy sha256", f"<code>{_e(taxonomy['sha256'])}</code>"),
        ]
    parts.append(f"<table><tbody>{_rows(rows)}</tbody></table>")
    if corpus_summary:
        columns = list(corpus_summary[0])
        parts.append("<p>Corpus summary written by the notebooks:</p>")
        parts.append(
            "<table><thead><tr>"
            + "".join(f"<th>{_e(c)}</th>" for c in columns)
            + "</tr></thead><tbody>"
        )
        for row in corpus_summary:
            parts.append(
                "<tr>" + "".join(f"<td>{_e(row.get(c, ''))}</td>" for c in columns) + "</tr>"
            )
        parts.append("</tbody></table>")

    parts.append("<h2>Figures</h2>")
    if not figures:
        parts.append("<p>No figures were saved.</p>")
    for figure in figures:
        files = list(figure.get("files", []))
        png = next((f for f in files if f.endswith(".png")), None)
        links = [f'<a href="{_href(f)}">{_e(f.rsplit(".", 1)[-1].upper())}</a>' for f in files]
        if figure.get("data"):
            links.append(f'<a href="{_href(figure["data"])}">data (CSV)</a>')
        parts.append("<figure>")
        if png:
            # Shown at its print width (96 CSS px per inch), so a single-column figure is not
            # blown up to the page width.
            width = int(round(float(figure.get("width_in") or 7.0) * 96))
            parts.append(
                f'<img src="{_href(png)}" width="{width}" '
                f'alt="{_e(figure.get("caption") or figure["name"])}">'
            )
        caption = figure.get("caption") or ""
        parts.append(
            f"<figcaption><strong>{_e(figure['name'])}</strong>"
            + (f": {_e(caption)}" if caption else "")
            + f"<br>{' · '.join(links)}</figcaption>"
        )
        parts.append("</figure>")

    data_files = manifest.get("data", [])
    if data_files:
        parts.append("<h2>Data</h2><ul>")
        parts += [f'<li><a href="{_href(d["path"])}">{_e(d["path"])}</a></li>' for d in data_files]
        parts.append("</ul>")

    parts.append("<h2>Provenance</h2>")
    git = manifest.get("git") or {}
    git_rows = [("Git commit", f"<code>{_e(git.get('commit', 'not a git checkout'))}</code>")]
    if git.get("dirty"):
        git_rows.append(("Working tree", "modified since that commit"))
    # Its own table: the one part of a committed report that cannot match a re-render (a file
    # cannot hold the hash of the commit that contains it); tests/test_reports_committed.py
    # leaves exactly this table out of the comparison.
    parts.append(f'<table class="git"><tbody>{_rows(git_rows)}</tbody></table>')
    rows = [("Python", _e(manifest.get("python", "")))]
    rows += [
        (name, _e(version or "not installed"))
        for name, version in manifest.get("versions", {}).items()
    ]
    parts.append(f"<table><tbody>{_rows(rows)}</tbody></table>")
    parts.append(f'<p>Full record: <a href="{_href("manifest.json")}">manifest.json</a>.</p>')
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)
