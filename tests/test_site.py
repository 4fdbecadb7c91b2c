"""The offline course site: python -m cnnlesson.site notebooks/ -o site/."""

from __future__ import annotations

import base64
import html
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from cnnlesson import site

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# a 1x1 GIF
GIF = base64.b64encode(b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04"
                       b"\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D"
                       b"\x01\x00;").decode()
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()

pytest.importorskip("jupyter_server_mathjax",
                    reason='jupyter-server-mathjax is missing: pip install -e ".[site]"')


class Page(HTMLParser):
    """The parts of an HTML page the tests look at."""

    def __init__(self, text: str):
        super().__init__()
        self.links, self.scripts, self.stylesheets, self.images = [], [], [], []
        self.script_text, self.style_text, self._in = [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "script":
            if a.get("src"):
                self.scripts.append(a["src"])
            self._in = "script"
        elif tag == "style":
            self._in = "style"
        elif tag == "link" and a.get("href"):
            self.stylesheets.append(a["href"])
        elif tag == "img":
            self.images.append(a.get("src") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in = None

    def handle_data(self, data):
        if self._in == "script":
            self.script_text.append(data)
        elif self._in == "style":
            self.style_text.append(data)


def _image_outputs(nb) -> dict:
    counts = {"all": 0, "image/gif": 0}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if any(t in data for t in IMAGE_TYPES):
                counts["all"] += 1
            if "image/gif" in data:
                counts["image/gif"] += 1
    return counts


def _notebook(cells, **metadata):
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.update(metadata)
    return nb


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    written = site.build_site(NOTEBOOKS, out, log=None)
    return out, written


# ---------------------------------------------------------------------------
# the real course
# ---------------------------------------------------------------------------

def test_index_lists_every_notebook_with_a_link(built):
    out, written = built
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert written[0] == out / "index.html"
    assert [p.name for p in written[1:]] == [p.stem + ".html" for p in paths]
    text = (out / "index.html").read_text(encoding="utf-8")
    page = Page(text)
    for path in paths:
        info = site.notebook_info(path)
        assert info.page in page.links, f"index.html has no link to {info.page}"
        assert info.title and info.title in text.replace("&#x27;", "'").replace("&amp;", "&")
        assert (out / info.page).is_file()
    assert text.count('class="cnn-map"') == 1
    assert text.count("<li id=") == len(paths)


def test_index_summaries_are_each_notebooks_own(built):
    out, _ = built
    text = (out / "index.html").read_text(encoding="utf-8")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        info = site.notebook_info(path)
        assert info.summary.strip(), f"{path.name}: no summary for the course map"
        # the summary is the notebook's own text: its first words appear on the index page
        first_words = re.sub(r"[*_`$\\]", "", info.summary).split()[:4]
        plain = re.sub(r"<[^>]+>", "", text)
        assert " ".join(first_words) in re.sub(r"\s+", " ", plain), path.name


def test_every_page_embeds_all_its_images_and_animations(built):
    out, _ = built
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        want = _image_outputs(nb)
        page = Page((out / (path.stem + ".html")).read_text(encoding="utf-8"))
        embedded = [s for s in page.images if s.startswith("data:image/")]
        gifs = [s for s in embedded if s.startswith("data:image/gif;base64,")]
        assert len(embedded) >= want["all"], f"{path.name}: {len(embedded)} of {want['all']}"
        assert len(gifs) >= want["image/gif"], f"{path.name}: GIF animations missing"
        assert all(len(s) > 100 for s in embedded), f"{path.name}: an empty image"
        assert not [s for s in page.images if not s.startswith("data:")], \
            f"{path.name}: images that are not embedded"


def test_pages_need_no_network(built):
    out, _ = built
    for html_file in sorted(out.glob("*.html")):
        page = Page(html_file.read_text(encoding="utf-8"))
        remote = [u for u in page.scripts + page.stylesheets
                  if re.match(r"^(https?:)?//", u)]
        assert not remote, f"{html_file.name} loads {remote}"
        scripts = "\n".join(page.script_text)
        assert not re.search(r"https?://", scripts), f"{html_file.name}: a script names a URL"
        styles = "\n".join(page.style_text)
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", styles), html_file.name
        assert "require.js" not in " ".join(page.scripts)


def test_mathjax_is_local_and_complete(built):
    out, _ = built
    for html_file in sorted(out.glob("*.html")):
        page = Page(html_file.read_text(encoding="utf-8"))
        mathjax = [s for s in page.scripts if "MathJax.js" in s]
        assert mathjax == [site._MATHJAX_SCRIPT], html_file.name
        assert (out / mathjax[0].split("?")[0]).is_file()
    mj = out / site.MATHJAX_DIR
    config = re.search(r"config=([^,&]+)", site._MATHJAX_SCRIPT).group(1)
    assert (mj / "config" / f"{config}.js").is_file()
    assert (mj / "extensions" / "Safe.js").is_file()
    assert (mj / "extensions" / "TeX" / "AMSmath.js").is_file()
    assert list((mj / "fonts" / "HTML-CSS" / "STIX-Web" / "woff").glob("*.woff"))
    assert (mj / "localization" / "en").is_dir()
    assert not (mj / "localization" / "de").exists()  # only English is copied


def test_pages_link_previous_next_and_index(built):
    out, written = built
    pages = [p.name for p in written[1:]]
    for i, name in enumerate(pages):
        links = Page((out / name).read_text(encoding="utf-8")).links
        assert "index.html" in links
        if i > 0:
            assert pages[i - 1] in links, f"{name} has no link back"
        if i < len(pages) - 1:
            assert pages[i + 1] in links, f"{name} has no link forward"
        for target in {u for u in links if u.endswith(".html")}:
            assert (out / target).is_file(), f"{name} links to missing {target}"
        to_notebooks = [u for u in links if Path(u.split("#")[0]).stem + ".html" in pages
                        and ".ipynb" in u]
        assert not to_notebooks, f"{name} links to notebooks instead of pages: {to_notebooks}"


def test_widgets_become_a_note_and_test_markers_go(built):
    out, _ = built
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        n_widgets = sum(WIDGET_VIEW in o.get("data", {})
                        for c in nb.cells for o in c.get("outputs", []))
        text = (out / (path.stem + ".html")).read_text(encoding="utf-8")
        assert text.count(site.WIDGET_NOTE) == n_widgets, path.name
        assert WIDGET_VIEW not in text
        assert "widget-state+json" not in text
        assert "# NBVAL_" not in text
        # only the lines that are for the tests go; the code itself stays
        if "pooling_explorer(" in json.dumps(nb.dict()):
            assert "pooling_explorer" in text


def test_command_line(tmp_path, capsys):
    src = tmp_path / "nbs"
    src.mkdir()
    nbformat.write(_notebook([nbformat.v4.new_markdown_cell("# 01 · One\n\nText.")]),
                   src / "01_one.ipynb")
    assert site.main([str(src), "-o", str(tmp_path / "out")]) == 0
    assert "1 notebook pages" in capsys.readouterr().out
    assert (tmp_path / "out" / "01_one.html").is_file()
    assert (tmp_path / "out" / "index.html").is_file()


# ---------------------------------------------------------------------------
# the parts, on small notebooks
# ---------------------------------------------------------------------------

def test_notebook_info_title_and_summary(tmp_path):
    text = ("# 07 · Extra: more\n\nThe first paragraph,\nover two lines.\n\n"
            "**What you will learn**\n- one thing;\n- another,\n  continued.\n\n"
            "**Time:** 5 minutes.")
    nb = _notebook([nbformat.v4.new_markdown_cell(text)])
    info = site.notebook_info(tmp_path / "07_extra.ipynb", nb)
    assert info.title == "07 · Extra: more"
    assert info.page == "07_extra.html"
    assert info.summary.startswith("The first paragraph,\nover two lines.")
    assert "- one thing;" in info.summary and "  continued." in info.summary
    assert "Time" not in info.summary
    assert "**What you will learn**\n\n- one thing;" in info.summary


def test_notebook_info_takes_the_first_heading_of_any_level(tmp_path):
    nb = _notebook([nbformat.v4.new_markdown_cell("Intro line.\n\n## Part two\n\nMore.")])
    info = site.notebook_info(tmp_path / "x.ipynb", nb)
    assert info.title == "Part two"
    assert info.summary == "More."


def test_notebook_info_without_heading_uses_file_name(tmp_path):
    nb = _notebook([nbformat.v4.new_code_cell("x = 1"),
                    nbformat.v4.new_markdown_cell("Just some text.")])
    info = site.notebook_info(tmp_path / "09_misc.ipynb", nb)
    assert info.title == "09_misc"
    assert info.summary == "Just some text."


def _widget_notebook():
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_ctl",
                                                                  "IPY_MODEL_out"]}},
        "ctl": {"model_name": "IntSliderModel", "state": {"value": 1}},
        "out": {"model_name": "OutputModel", "state": {"outputs": [
            {"output_type": "display_data", "metadata": {},
             "data": {"image/png": PNG, "text/plain": "<Figure>"}},
            {"output_type": "stream", "name": "stdout", "text": "hello"}]}},
    }
    code = nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT\n# Reason: a widget\napp = f()\napp")
    code.outputs = [nbformat.v4.new_output(
        "execute_result", data={WIDGET_VIEW: {"model_id": "box", "version_major": 2,
                                              "version_minor": 0},
                                "text/plain": "VBox(...)"}, execution_count=1)]
    return _notebook([nbformat.v4.new_markdown_cell("# W"), code],
                     widgets={"application/vnd.jupyter.widget-state+json":
                              {"state": state, "version_major": 2, "version_minor": 0}})


def test_static_notebook_replaces_widgets_with_note_and_saved_picture():
    nb = _widget_notebook()
    before = json.dumps(nb.dict(), sort_keys=True)
    static = site.static_notebook(nb)
    assert json.dumps(nb.dict(), sort_keys=True) == before  # the input is not changed
    assert "widgets" not in static.metadata
    outs = static.cells[1].outputs
    assert len(outs) == 2
    assert site.WIDGET_NOTE in outs[0].data["text/html"]
    assert outs[1].data["image/png"] == PNG
    assert static.cells[1].source == "app = f()\napp"


def test_static_notebook_keeps_other_outputs_and_code():
    cell = nbformat.v4.new_code_cell("# NBVAL_SKIP\nprint(1)  # NBVAL_ in a comment stays")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    static = site.static_notebook(_notebook([cell]))
    assert static.cells[0].source == "print(1)  # NBVAL_ in a comment stays"
    assert static.cells[0].outputs == cell.outputs


def test_static_notebook_links_to_pages_of_the_site():
    text = ("Next: [03](03_pooling.ipynb), [sec](./03_pooling.ipynb#2.-Max), "
            '<a href="04_backprop.ipynb">04</a>, [other](99_other.ipynb), 03_pooling.ipynb')
    nb = _notebook([nbformat.v4.new_markdown_cell(text)])
    out = site.static_notebook(nb, {"03_pooling", "04_backprop"}).cells[0].source
    assert out == ("Next: [03](03_pooling.html), [sec](03_pooling.html#2.-Max), "
                   '<a href="04_backprop.html">04</a>, [other](99_other.ipynb), 03_pooling.ipynb')
    assert site.static_notebook(nb).cells[0].source == text


def test_gif_outputs_render_as_images(tmp_path):
    cell = nbformat.v4.new_code_cell("show_gif()")
    cell.outputs = [nbformat.v4.new_output(
        "display_data", data={"image/gif": GIF, "text/plain": "<IPython.core.display.Image>"})]
    src = tmp_path / "nbs"
    src.mkdir()
    nbformat.write(_notebook([cell]), src / "a.ipynb")
    site.build_site(src, tmp_path / "out", log=None)
    page = Page((tmp_path / "out" / "a.html").read_text(encoding="utf-8"))
    assert f"data:image/gif;base64,{GIF}" in page.images


def test_widget_page_shows_note_and_picture(tmp_path):
    src = tmp_path / "nbs"
    src.mkdir()
    nbformat.write(_widget_notebook(), src / "w.ipynb")
    site.build_site(src, tmp_path / "out", log=None)
    text = (tmp_path / "out" / "w.html").read_text(encoding="utf-8")
    assert site.WIDGET_NOTE in text
    assert f"data:image/png;base64,{PNG}" in text
    assert "NBVAL" not in text and "VBox(...)" not in text


def test_execute_runs_notebooks_first(tmp_path):
    cell = nbformat.v4.new_code_cell("print(6 * 7)")
    src = tmp_path / "nbs"
    src.mkdir()
    nbformat.write(_notebook([cell], kernelspec={"name": "python3", "display_name": "Python 3",
                                                 "language": "python"}), src / "x.ipynb")
    lines = []
    site.build_site(src, tmp_path / "out", execute=True, timeout=120, log=lines.append)
    text = (tmp_path / "out" / "x.html").read_text(encoding="utf-8")
    assert "42" in re.sub(r"<[^>]+>", "", text)
    assert any("running x.ipynb" in line for line in lines)
    assert nbformat.read(src / "x.ipynb", as_version=4).cells[0].outputs == []  # not saved


# ---------------------------------------------------------------------------
# clear errors
# ---------------------------------------------------------------------------

def test_missing_folder(tmp_path):
    with pytest.raises(site.SiteError, match=r"notebooks must be an existing folder; got .*"
                                             r"does not exist\. Hint: run from the repository"):
        site.build_site(tmp_path / "nope", tmp_path / "out")
    afile = tmp_path / "f.ipynb"
    afile.write_text("{}")
    with pytest.raises(site.SiteError, match="which is a file"):
        site.build_site(afile, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_folder_without_notebooks(tmp_path):
    (tmp_path / "readme.md").write_text("hi")
    with pytest.raises(site.SiteError, match=r"a folder holding \.ipynb files; got .* with "
                                             r"none\. Hint: point it at the course's"):
        site.build_site(tmp_path, tmp_path / "out")


def test_unreadable_notebook(tmp_path):
    (tmp_path / "01_ok.ipynb").write_text(json.dumps(_notebook([]).dict()))
    (tmp_path / "02_broken.ipynb").write_text("{ not json")
    with pytest.raises(site.SiteError, match=r"02_broken\.ipynb must be a readable notebook; "
                                             r"got .*Hint: open it in Jupyter and save it"):
        site.build_site(tmp_path, tmp_path / "out")


def test_execute_reports_the_failing_notebook(tmp_path):
    src = tmp_path / "nbs"
    src.mkdir()
    nbformat.write(_notebook([nbformat.v4.new_code_cell("1 / 0")],
                             kernelspec={"name": "python3", "display_name": "Python 3",
                                         "language": "python"}), src / "bad.ipynb")
    with pytest.raises(site.SiteError, match=r"(?s)bad\.ipynb must run without errors.*"
                                             r"ZeroDivisionError.*Hint: fix the notebook"):
        site.build_site(src, tmp_path / "out", execute=True, timeout=120, log=None)


def test_missing_mathjax_package(tmp_path, monkeypatch, capsys):
    src = tmp_path / "nbs"
    src.mkdir()
    nbformat.write(_notebook([nbformat.v4.new_markdown_cell("# A")]), src / "a.ipynb")
    monkeypatch.setitem(sys.modules, "jupyter_server_mathjax", None)  # import fails
    with pytest.raises(site.SiteError, match=r'jupyter-server-mathjax .* not installed\. '
                                             r'Hint: pip install -e "\.\[site\]"'):
        site.build_site(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written
    assert site.main([str(src), "-o", str(tmp_path / "out")]) == 2
    assert "error: the site needs the package jupyter-server-mathjax" in capsys.readouterr().err


# ---------------------------------------------------------------------------
# never delete or overwrite what the site did not create; escaping; editions (issue 10)
# ---------------------------------------------------------------------------

def _one_notebook(folder, name="01_one.ipynb", cells=None):
    folder.mkdir(exist_ok=True)
    nbformat.write(_notebook(cells or [nbformat.v4.new_markdown_cell("# 01 · One\n\nText.")]),
                   folder / name)
    return folder


def test_an_existing_mathjax_folder_it_did_not_create_is_kept(tmp_path, capsys):
    src = _one_notebook(tmp_path / "nbs")
    out = tmp_path / "out"
    (out / site.MATHJAX_DIR).mkdir(parents=True)
    (out / site.MATHJAX_DIR / "my_notes.txt").write_text("mine")
    assert site.main([str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "did not create" in err and "'mathjax'" in err and "Traceback" not in err
    assert (out / site.MATHJAX_DIR / "my_notes.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == [site.MATHJAX_DIR]


def test_a_page_it_did_not_create_is_not_overwritten(tmp_path):
    src = _one_notebook(tmp_path / "nbs")
    out = tmp_path / "out"
    out.mkdir()
    (out / "01_one.html").write_text("my own page")
    with pytest.raises(site.SiteError, match="'01_one.html'"):
        site.build_site(src, out, log=None)
    assert (out / "01_one.html").read_text() == "my own page"
    assert not (out / "index.html").exists()


def test_rebuilding_its_own_site_replaces_only_its_files(tmp_path):
    src = _one_notebook(tmp_path / "nbs")
    out = tmp_path / "out"
    site.build_site(src, out, log=None)
    (out / "notes.txt").write_text("kept")
    (out / site.MATHJAX_DIR / "stale.js").write_text("from the last build")
    site.build_site(src, out, log=None)
    assert (out / "notes.txt").read_text() == "kept"
    assert not (out / site.MATHJAX_DIR / "stale.js").exists()
    assert (out / site.MATHJAX_DIR / "MathJax.js").is_file()
    manifest = json.loads((out / site.MANIFEST).read_text())
    assert sorted(manifest["created"]) == ["01_one.html", "index.html", site.MATHJAX_DIR]
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def test_a_notebook_named_index_does_not_replace_the_course_map(tmp_path):
    src = _one_notebook(tmp_path / "nbs", "index.ipynb",
                        [nbformat.v4.new_markdown_cell("# The index notebook")])
    _one_notebook(src)
    written = site.build_site(src, tmp_path / "out", log=None)
    assert [p.name for p in written] == ["index.html", "01_one.html", "index-notebook.html"]
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert 'class="cnn-map"' in index and "index-notebook.html" in Page(index).links
    assert "The index notebook" in (tmp_path / "out" / "index-notebook.html").read_text()


def test_output_that_is_a_file_is_a_clear_error(tmp_path, capsys):
    src = _one_notebook(tmp_path / "nbs")
    (tmp_path / "afile").write_text("x")
    assert site.main([str(src), "-o", str(tmp_path / "afile")]) == 2
    err = capsys.readouterr().err
    assert "out must be a folder" in err and "which is a file" in err and "Traceback" not in err
    assert (tmp_path / "afile").read_text() == "x"


def test_file_names_are_escaped_in_links(tmp_path):
    name = 'a"b<c>&d\'e #1.ipynb'
    src = _one_notebook(tmp_path / "nbs", name, [nbformat.v4.new_markdown_cell("# Odd <name>")])
    _one_notebook(src)
    site.build_site(src, tmp_path / "out", log=None)
    stem = name[:-len(".ipynb")]
    assert (tmp_path / "out" / f"{stem}.html").is_file()
    for page in ("index.html", "01_one.html"):
        text = (tmp_path / "out" / page).read_text(encoding="utf-8")
        links = Page(text).links
        from urllib.parse import unquote
        assert f"{stem}.html" in [unquote(u) for u in links], page
        assert 'a"b' not in text and "<c>" not in text


def test_check_records_do_not_show_on_pages(tmp_path):
    cell = nbformat.v4.new_code_cell("checks.something(x)")
    record = {"schema": 1, "notebook": "01_one", "id": "1.1", "kind": "exercise",
              "title": "Exercise 1.1: RECORDTITLE", "status": "pass", "hint": ""}
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="PASS Exercise 1.1\n"),
                    nbformat.v4.new_output("display_data",
                                           data={"application/vnd.cnnlesson.check+json": record})]
    src = _one_notebook(tmp_path / "nbs", cells=[nbformat.v4.new_markdown_cell("# One"), cell])
    site.build_site(src, tmp_path / "out", log=None)
    text = (tmp_path / "out" / "01_one.html").read_text(encoding="utf-8")
    assert "PASS Exercise 1.1" in text
    assert "RECORDTITLE" not in text and "cnnlesson.check" not in text
    assert site.static_notebook(nbformat.read(src / "01_one.ipynb", as_version=4)
                                ).cells[1].outputs[1:] == []


def test_student_edition_site_has_no_solutions(tmp_path, capsys):
    cell = nbformat.v4.new_code_cell("# Exercise 1.1: x\n### BEGIN SOLUTION\nanswer = 7654321\n"
                                     "### END SOLUTION\nchecks.x(answer)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="PASS 7654321\n")]
    src = _one_notebook(tmp_path / "nbs", cells=[nbformat.v4.new_markdown_cell("# One"), cell])
    assert site.main([str(src), "-o", str(tmp_path / "s"), "--student"]) == 0
    assert "student edition" in capsys.readouterr().out
    text = (tmp_path / "s" / "01_one.html").read_text(encoding="utf-8")
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    assert "7654321" not in text and "answer = ...  # your answer here" in plain
    assert "student edition" in (tmp_path / "s" / "index.html").read_text(encoding="utf-8")
    assert site.main([str(src), "-o", str(tmp_path / "t")]) == 0
    assert "solutions edition" in capsys.readouterr().out
    assert "7654321" in (tmp_path / "t" / "01_one.html").read_text(encoding="utf-8")


def test_student_edition_with_a_bad_marker_is_a_clear_error(tmp_path, capsys):
    cell = nbformat.v4.new_code_cell("### begin solution\nanswer = 4242\n### END SOLUTION")
    src = _one_notebook(tmp_path / "nbs", cells=[cell])
    assert site.main([str(src), "-o", str(tmp_path / "s"), "--student"]) == 2
    err = capsys.readouterr().err
    assert "01_one.ipynb, cell 1 (index 0), line 1" in err and "Traceback" not in err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("argv", [["--bogus"], ["NOPE", "-o", "OUT"], ["FILE", "-o", "OUT"],
                                  ["SRC", "-o", "FILE"], ["SRC", "--timeout", "x"],
                                  ["SRC", "--timeout", "0"], ["SRC", "-o"]])
def test_cli_misuse_is_a_clear_message_and_exit_code_2(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    _one_notebook(tmp_path / "SRC")
    (tmp_path / "FILE").write_text("x")
    try:
        code = site.main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and "error" in err and "Traceback" not in err
    assert not (tmp_path / "OUT").exists() and (tmp_path / "FILE").read_text() == "x"
