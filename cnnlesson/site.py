"""Build a static, offline HTML version of the course, for learners who only want to read.

Usage::

    python -m cnnlesson.site notebooks/ -o site/

writes ``site/index.html`` (the course map: every notebook's title and what it teaches, linked)
and one page per notebook (``site/01_filtering.html``, ...) with previous / next / index links.
Open ``site/index.html`` in a browser; no server and no network connection are needed:

* figures and animations (PNG, JPEG, SVG and GIF outputs) are embedded in the pages as data URIs;
* equations are typeset by a local copy of MathJax 2.7 in ``site/mathjax/``, taken from the
  ``jupyter-server-mathjax`` package (``pip install -e ".[site]"``);
* widgets cannot run in a static page: each one is replaced by a note saying so, followed by
  the picture it showed when the notebook was saved (from the notebook's widget state);
* no script, stylesheet or font is loaded from the web (nbconvert's CDN links for require.js,
  MathJax, Mermaid and the widget manager are left out).

The pages show the outputs stored in the notebooks. ``--execute`` runs each notebook first (in
its folder, widget state kept), for notebooks saved without outputs; that takes a few minutes.

By default the site shows the notebooks as they are (with a teacher's notebooks: the solutions
edition). ``--student`` shows the student edition instead (solutions stubbed, outputs that
reveal answers cleared, as ``python -m cnnlesson.classroom student`` writes it).

The site never deletes or overwrites what it did not create: it records the files it writes in
``.cnnlesson-site.json`` in the output folder and refuses (saying which file) when a page or the
``mathjax/`` folder it would write is already there and not in that record. A notebook named
``index.ipynb`` gets the page ``index-notebook.html``, since ``index.html`` is the course map.
Check records (``application/vnd.cnnlesson.check+json`` outputs, for the class report) are
left out of the pages.
"""

from __future__ import annotations

import argparse
import copy
import html
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from ._io import atomic_write_text
from ._site_files import (
    MANIFEST,
    MATHJAX_DIR,
    SiteError,
    _check_out_dir,
    _copy_mathjax,
    _write_manifest,
    mathjax_source,
)

__all__ = [
    "EDITIONS",
    "MANIFEST",
    "MATHJAX_DIR",
    "WIDGET_NOTE",
    "NotebookInfo",
    "SiteError",
    "build_site",
    "find_notebooks",
    "main",
    "mathjax_source",
    "notebook_info",
    "static_notebook",
]

#: The editions a site can show.
EDITIONS = ("solutions", "student")
_CHECK_RECORD = "application/vnd.cnnlesson.check+json"
#: What a page shows in place of a widget.
WIDGET_NOTE = "(interactive widget: open the notebook in Jupyter to use it)"

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
# MathJax 2.7 as trimmed by jupyter-server-mathjax: the combined TeX + HTML-CSS configuration and
# the STIX-Web fonts (woff files shipped in the package, so nothing is fetched from the web). The
# package has no SVG or CommonHTML output jax, so HTML-CSS with these local fonts is the choice.
_MATHJAX_SCRIPT = f"{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# what the course's notebooks show only for their automatic tests (nbval markers)
_NBVAL_LINE = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[^\n]*\n(?:[ \t]*#[ \t]*Reason:[^\n]*\n)?",
                         re.MULTILINE)
_NOTEBOOK_LINK = re.compile(r"""(?P<pre>\]\(\s*<?|href=["'])(?:\./)?(?P<stem>[\w.-]+)\.ipynb"""
                            r"""(?=[#)"'>\s])""")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_LEARN = re.compile(r"^\**What you will learn[^\n]*$", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class NotebookInfo:
    """What the course map shows for one notebook.

    Attributes
    ----------
    path : pathlib.Path
        The notebook file.
    page : str
        File name of its HTML page, e.g. ``"01_filtering.html"``.
    title : str
        Its first markdown heading, e.g. ``"01 · Filtering: ..."`` (the file name if it has none).
    summary : str
        Markdown: the first paragraph after the title and the "What you will learn" list, if any.
    """

    path: Path
    page: str
    title: str
    summary: str


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def find_notebooks(folder) -> list[Path]:
    """The course's notebooks in ``folder``, in course order (by file name).

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder holding ``*.ipynb`` files.

    Returns
    -------
    list of pathlib.Path

    Raises
    ------
    SiteError
        If the folder does not exist or holds no notebook.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SiteError(f"notebooks must be an existing folder; got {str(folder)!r}, which "
                        f"{'is a file' if folder.exists() else 'does not exist'}. Hint: run "
                        "from the repository root: python -m cnnlesson.site notebooks/ -o site/")
    found = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    if not found:
        raise SiteError(f"notebooks must be a folder holding .ipynb files; got {str(folder)!r} "
                        "with none. Hint: point it at the course's notebooks/ folder")
    return found


def notebook_info(path, nb=None) -> NotebookInfo:
    """Title and summary of one notebook, from its first markdown cell.

    Parameters
    ----------
    path : str or pathlib.Path
        The notebook file.
    nb : nbformat.NotebookNode, optional
        The notebook, if already read.

    Returns
    -------
    NotebookInfo
    """
    import nbformat

    path = Path(path)
    if nb is None:
        nb = nbformat.read(path, as_version=4)
    text = next((_source(c) for c in nb.cells if c.cell_type == "markdown"), "")
    match = _HEADING.search(text)
    title = match.group(1).strip() if match else path.stem
    body = text[match.end():] if match else text
    paragraphs = [p.strip() for p in re.split(r"\n[ \t]*\n", body) if p.strip()]
    first = next((p for p in paragraphs if not _LEARN.match(p) and not p.startswith("#")), "")
    parts = [first] if first else []
    learn = _LEARN.search(body)
    if learn:
        # the heading line and the list right after it (up to the next blank line after the list)
        rest = body[learn.start():]
        lines, seen_item = [], False
        for line in rest.splitlines():
            item = re.match(r"^\s*([-*+]|\d+\.)\s", line) is not None
            if not line.strip():
                if seen_item:
                    break
                continue
            if lines and not item and not line.startswith((" ", "\t")) and seen_item:
                break
            seen_item = seen_item or item
            lines.append(line)
        # a blank line before the list, so that markdown starts a list after a bold line
        learn_md = lines[0] + "\n\n" + "\n".join(lines[1:]) if len(lines) > 1 else lines[0]
        parts.append(learn_md)
    return NotebookInfo(path=path, page=_page_name(path.stem), title=title,
                        summary="\n\n".join(parts))


def _page_name(stem: str) -> str:
    # index.html is the course map; mathjax is the MathJax folder's name
    if stem.lower() in ("index", MATHJAX_DIR):
        return stem + "-notebook.html"
    return stem + ".html"


def _href(page: str) -> str:
    """A page's file name as an attribute value: percent-encoded, then HTML-escaped."""
    return html.escape(urllib.parse.quote(page), quote=True)


# ---------------------------------------------------------------------------
# notebook -> static notebook
# ---------------------------------------------------------------------------

def _widget_outputs(state: dict, model_id: str) -> list:
    """Outputs held by the Output widgets inside widget ``model_id``, in display order."""
    found, seen = [], set()

    def walk(mid):
        if mid in seen or mid not in state:
            return
        seen.add(mid)
        model = state[mid]
        inner = model.get("state", {})
        if model.get("model_name") == "OutputModel":
            found.extend(inner.get("outputs", []))
        for child in inner.get("children", []):
            if isinstance(child, str) and child.startswith("IPY_MODEL_"):
                walk(child[len("IPY_MODEL_"):])

    walk(model_id)
    return found


def static_notebook(nb, pages=()):
    """A copy of ``nb`` ready for a static page.

    Each widget output becomes the note :data:`WIDGET_NOTE` followed by the images the widget
    showed when the notebook was saved (from the notebook's widget state); the widget state is
    dropped, so the page loads no widget manager; the ``# NBVAL_...`` marker lines (and their
    ``# Reason:`` line) used by the automatic tests are removed from code cells; markdown links
    to the other notebooks of the site (``03_pooling.ipynb``) point to their pages
    (``03_pooling.html``); check records (``application/vnd.cnnlesson.check+json``) are dropped.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A version 4 notebook (not modified).
    pages : collection of str
        Stems of the notebooks that have a page on the site, e.g. ``{"03_pooling"}``.

    Returns
    -------
    nbformat.NotebookNode
    """
    import nbformat

    nb = copy.deepcopy(nb)
    widgets = nb.metadata.pop("widgets", {}) or {}
    state = widgets.get(_WIDGET_STATE, {}).get("state", {})
    note = nbformat.v4.new_output(
        "display_data", data={"text/html": f'<p class="cnn-widget-note"><em>'
                              f"{html.escape(WIDGET_NOTE)}</em></p>"})
    pages = set(pages)

    def relink(match):
        stem = match.group("stem")
        return match.group("pre") + (_page_name(stem) if stem in pages else stem + ".ipynb")

    for cell in nb.cells:
        if cell.cell_type == "markdown" and pages:
            cell.source = _NOTEBOOK_LINK.sub(relink, _source(cell))
        if cell.cell_type != "code":
            continue
        cell.source = _NBVAL_LINE.sub("", _source(cell))
        outputs = []
        for out in cell.get("outputs", []):
            if _CHECK_RECORD in out.get("data", {}):
                # the check's record is for the class report; its visible line is a stream
                out = copy.deepcopy(out)
                del out["data"][_CHECK_RECORD]
                if not out["data"]:
                    continue
            view = out.get("data", {}).get(_WIDGET_VIEW)
            if view is None:
                outputs.append(out)
                continue
            outputs.append(copy.deepcopy(note))
            for inner in _widget_outputs(state, view.get("model_id", "")):
                if any(t in inner.get("data", {}) for t in _IMAGE_TYPES):
                    outputs.append(nbformat.from_dict(
                        {"output_type": "display_data", "metadata": inner.get("metadata", {}),
                         "data": inner["data"]}))
        cell.outputs = outputs
    return nb


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------

_MATHJAX_HEAD = """
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  tex2jax: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']],
            displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
            processEscapes: true, processEnvironments: true},
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  "HTML-CSS": {availableFonts: [], imageFont: null, preferredFont: null, webFont: "STIX-Web",
               linebreaks: {automatic: true}},
  displayAlign: "center",
  messageStyle: "none"
});
</script>
<script src="{url}"></script>
"""

_NAV_CSS = """
nav.cnn-nav { display: flex; justify-content: space-between; gap: 1em; flex-wrap: wrap;
  max-width: 1100px; margin: 0.5em auto; padding: 0.6em 1em; border: 1px solid #d0d7de;
  border-radius: 6px; background: #f6f8fa; font-family: sans-serif; font-size: 15px; }
nav.cnn-nav a { text-decoration: none; color: #0550ae; }
nav.cnn-nav a:hover { text-decoration: underline; }
nav.cnn-nav .cnn-nav-empty { color: #8c959f; }
.cnn-widget-note { color: #57606a; }
"""

_PAGE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}{{ resources.cnn_mathjax_head }}{%- endblock -%}
{% block extra_css %}<style type="text/css">{{ resources.cnn_nav_css }}</style>{% endblock %}
{%- block body_header -%}{{ super() }}
{{ resources.cnn_nav }}
{%- endblock body_header -%}
{% block body_footer %}{{ resources.cnn_nav }}
{{ super() }}{% endblock body_footer %}
{% block data_priority scoped %}
{%- set shown = output.data | filter_data_type -%}
{%- if shown and shown[0] == 'image/gif' -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/gif;base64,{{ output.data['image/gif'] | replace('\\n', '') | escape_html }}">
</div>
{%- else -%}
{{ super() }}
{%- endif -%}
{% endblock data_priority %}
"""


def _nav(infos: list[NotebookInfo], index: int) -> str:
    def link(i, arrow_first, fallback):
        if 0 <= i < len(infos):
            label = html.escape(infos[i].title)
            text = f"&larr; {label}" if arrow_first else f"{label} &rarr;"
            return f'<a class="cnn-nav-{fallback}" href="{_href(infos[i].page)}">{text}</a>'
        return f'<span class="cnn-nav-empty">{"&larr;" if arrow_first else "&rarr;"}</span>'

    return ('<nav class="cnn-nav">' + link(index - 1, True, "prev")
            + '<a class="cnn-nav-index" href="index.html">Course map</a>'
            + link(index + 1, False, "next") + "</nav>")


def _exporter():
    import jinja2
    from nbconvert import HTMLExporter
    from nbconvert.utils.base import NbConvertBase
    from traitlets.config import Config

    priority = list(NbConvertBase().display_data_priority)
    if "image/gif" not in priority:
        # nbconvert's default list has no GIF: it would fall back to the text/plain repr
        priority.insert(priority.index("text/plain") if "text/plain" in priority
                        else len(priority), "image/gif")
    config = Config({"NbConvertBase": {"display_data_priority": priority}})
    exporter = HTMLExporter(config=config, template_name="lab",
                            extra_loaders=[jinja2.DictLoader({"cnnsite.html.j2": _PAGE_TEMPLATE})])
    exporter.template_file = "cnnsite.html.j2"
    exporter.mathjax_url = _MATHJAX_SCRIPT
    exporter.embed_images = True
    return exporter


def _read(path: Path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception as err:  # not JSON, not a notebook, an unknown format version, ...
        raise SiteError(f"{path.name} must be a readable notebook; got {type(err).__name__}: "
                        f"{str(err)[:200]}. Hint: open it in Jupyter and save it again, or "
                        "move it out of the folder") from err


def _execute(nb, path: Path, timeout: int):
    from nbconvert.preprocessors import CellExecutionError, ExecutePreprocessor

    ep = ExecutePreprocessor(timeout=timeout, store_widget_state=True)
    try:
        ep.preprocess(nb, {"metadata": {"path": str(path.parent)}})
    except CellExecutionError as err:
        raise SiteError(f"{path.name} must run without errors to be shown with --execute; got "
                        f"an error in a cell:\n{str(err)[-1500:]}\nHint: fix the notebook, or "
                        "build without --execute to show its saved outputs") from err
    return nb


_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<style type="text/css">
body {{ font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; line-height: 1.5;
  max-width: 900px; margin: 2em auto; padding: 0 1em; color: #1f2328; }}
h1 {{ font-size: 1.9em; margin-bottom: 0.2em; }}
.cnn-lead {{ color: #57606a; margin-top: 0; }}
ol.cnn-map {{ list-style: none; padding: 0; }}
ol.cnn-map > li {{ border: 1px solid #d0d7de; border-radius: 6px; padding: 0.4em 1.2em;
  margin: 1em 0; }}
ol.cnn-map h2 {{ font-size: 1.25em; margin: 0.5em 0 0.3em; }}
ol.cnn-map h2 a {{ color: #0550ae; text-decoration: none; }}
ol.cnn-map h2 a:hover {{ text-decoration: underline; }}
code {{ background: #f6f8fa; padding: 0.1em 0.3em; border-radius: 4px; }}
</style>
{mathjax}
</head>
<body>
<h1>{title}</h1>
<p class="cnn-lead">A read-only copy of the course ({edition} edition). To run the code, change
it and use the interactive widgets, open the notebooks in JupyterLab (see the README).</p>
<ol class="cnn-map">
{items}
</ol>
</body>
</html>
"""


def _index_html(infos: list[NotebookInfo], title: str, edition: str = "solutions") -> str:
    from nbconvert.filters import markdown2html

    items = []
    for info in infos:
        items.append(f'<li id="{html.escape(info.path.stem)}">'
                     f'<h2><a href="{_href(info.page)}">{html.escape(info.title)}</a></h2>\n'
                     f'{markdown2html(info.summary)}\n</li>')
    return _INDEX.format(title=html.escape(title), items="\n".join(items), edition=edition,
                         mathjax=_MATHJAX_HEAD.replace("{url}", _MATHJAX_SCRIPT))


def _student_edition(nb, path: Path):
    import nbformat

    from .classroom import StudentEditionError, student_notebook

    try:
        return nbformat.from_dict(student_notebook(nb.dict() if hasattr(nb, "dict") else nb,
                                                   path.name))
    except StudentEditionError as err:
        raise SiteError(f"the student edition of {path.name} cannot be made:\n{err}\nHint: fix "
                        "the solution markers, or build without --student") from err


def build_site(notebooks="notebooks", out="site", *, execute=False, timeout=600,
               title="cnnlesson: how a convolutional network learns to see",
               edition="solutions", log=print) -> list[Path]:
    """Write the static course site: an index page, one page per notebook, local MathJax.

    Parameters
    ----------
    notebooks : str or pathlib.Path
        Folder holding the course's ``*.ipynb`` files.
    out : str or pathlib.Path
        Output folder (created). Only files the site created before (listed in its
        ``.cnnlesson-site.json``) are replaced; any other file in the way is an error.
    execute : bool
        Run every notebook (in its folder) before converting it, instead of showing the outputs
        saved in it.
    timeout : int
        With ``execute``, seconds allowed for each cell.
    title : str
        Title of the index page.
    edition : {"solutions", "student"}
        Show the notebooks as they are, or their student edition (solutions stubbed).
    log : callable or None
        Called with one line of progress per page.

    Returns
    -------
    list of pathlib.Path
        The pages written, ``index.html`` first.

    Raises
    ------
    SiteError
        If the folder is missing or holds no notebook, jupyter-server-mathjax is missing, the
        output is a file or holds files the site did not create, or (student edition) a
        notebook's solution markers are wrong.
    """
    if edition not in EDITIONS:
        raise SiteError(f"edition must be one of {EDITIONS}; got {edition!r}")
    paths = find_notebooks(notebooks)
    mathjax_source()  # fail before writing anything
    out_dir = Path(out)
    books = [_read(p) for p in paths]
    if edition == "student":
        books = [_student_edition(nb, p) for p, nb in zip(paths, books, strict=True)]
    infos = [notebook_info(p, nb) for p, nb in zip(paths, books, strict=True)]
    names = ["index.html", MATHJAX_DIR] + [info.page for info in infos]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise SiteError(f"every notebook must have its own page; got two for {twice}. Hint: "
                        "rename one of the notebooks")
    own = _check_out_dir(out_dir, names)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_manifest(out_dir, own | set(names))  # claim the names before creating them
    _copy_mathjax(out_dir)

    exporter = _exporter()
    head = _MATHJAX_HEAD.replace("{url}", _MATHJAX_SCRIPT)
    index = out_dir / "index.html"
    atomic_write_text(index, _index_html(infos, title, edition))
    written = [index]
    pages = {i.path.stem for i in infos}
    for i, (info, nb) in enumerate(zip(infos, books, strict=True)):
        if execute:
            if log:
                log(f"running {info.path.name} ...")
            nb = _execute(nb, info.path, timeout)
        resources = {"metadata": {"name": info.title, "path": str(info.path.parent)},
                     "cnn_nav": _nav(infos, i), "cnn_nav_css": _NAV_CSS,
                     "cnn_mathjax_head": head}
        body, _ = exporter.from_notebook_node(static_notebook(nb, pages), resources=resources)
        page = out_dir / info.page
        atomic_write_text(page, body)
        written.append(page)
        if log:
            log(f"wrote {page}")
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m cnnlesson.site notebooks/ -o site/ [--student]``.

    Returns
    -------
    int
        0 on success, 2 when the site cannot be built (the message says why).
    """
    parser = argparse.ArgumentParser(prog="python -m cnnlesson.site",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="?", default="notebooks",
                        help="folder holding the notebooks (default: notebooks)")
    parser.add_argument("-o", "--out", default="site", help="output folder (default: site)")
    parser.add_argument("--execute", action="store_true",
                        help="run every notebook first instead of using its saved outputs")
    parser.add_argument("--timeout", type=int, default=600,
                        help="with --execute, seconds allowed per cell (default: 600)")
    parser.add_argument("--student", action="store_true",
                        help="show the student edition (solutions stubbed) instead of the "
                             "notebooks as they are")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error(f"--timeout must be a positive number of seconds; got {args.timeout}")
    edition = "student" if args.student else "solutions"
    try:
        written = build_site(args.notebooks, args.out, execute=args.execute,
                             timeout=args.timeout, edition=edition)
    except SiteError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"error: cannot write the site: {err}", file=sys.stderr)
        return 2
    print(f"site ({edition} edition): {len(written) - 1} notebook pages and index.html in "
          f"{args.out}/; open {Path(args.out) / 'index.html'} in a browser")
    if edition == "solutions":
        print("note: these pages show the notebooks as they are (with the solutions, for a "
              "teacher's notebooks); add --student to publish the student edition")
    return 0


if __name__ == "__main__":
    sys.exit(main())
