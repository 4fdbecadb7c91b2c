"""The class report (report.html) in a real headless Chromium: the table, sorting and hints.

Needs Debian's ``chromium`` and the Python package ``playwright``, like tests/test_browser.py;
skipped, saying what is missing, without them. Deselect with ``pytest -m "not browser"``.
The report is made with ``--no-run`` from notebooks holding saved check records, so the test
takes seconds.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import nbformat
import pytest

from cnnlesson import report

pytestmark = pytest.mark.browser

CHROMIUM = Path(os.environ.get("CNNLESSON_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed ({CHROMIUM} is missing): apt-get install -y "
                    "chromium, or set CNNLESSON_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip('the Python package playwright is not installed: pip install -e ".[test]"')
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            # the report must need nothing from the network
            context.route("**/*", lambda route: route.continue_()
                          if route.request.url.startswith(("file:", "data:", "about:"))
                          else route.abort())
            yield context.new_page()
        finally:
            browser.close()


def _record(ident, status, hint=""):
    return {"schema": 1, "notebook": "09_tiny", "id": ident, "kind": "exercise",
            "title": f"Exercise {ident}: task {ident}", "status": status, "hint": hint}


def _notebook(*records):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x")])
    nb.cells[0].outputs = [nbformat.v4.new_output(
        "display_data", data={report.RECORD_MIME: r}) for r in records]
    return nb


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser_report")
    course = base / "course"
    course.mkdir()
    nbformat.write(_notebook(_record("9.1", "pass"), _record("9.2", "pass")),
                   course / "09_tiny.ipynb")
    sub = base / "sub"
    students = {
        "zed": (("9.1", "pass", ""), ("9.2", "pass", "")),
        "amy": (("9.1", "fail", "add <the> bias & try again"), ("9.2", "not_attempted", "")),
        "max": (("9.1", "pass", ""), ("9.2", "error", "ValueError: bad")),
    }
    for name, records in students.items():
        (sub / name).mkdir(parents=True)
        nbformat.write(_notebook(*(_record(*r) for r in records)),
                       sub / name / "09_tiny.ipynb")
    (sub / "kim").mkdir()
    (sub / "kim" / "09_tiny.ipynb").write_text("{ corrupt")
    report.make_report(sub, base / "report", course=course, run=False, jobs=1,
                       stream=io.StringIO(), progress_stream=io.StringIO())
    return base / "report" / "report.html"


def _column(page, index):
    return page.eval_on_selector_all(
        "#report tbody tr", f"rows => rows.map(r => r.cells[{index}].textContent.trim())")


def test_table_shows_every_student_and_status(page, report_file):
    page.goto(report_file.as_uri())
    assert _column(page, 0) == ["amy", "kim", "max", "zed"]
    statuses = page.eval_on_selector_all(
        "#report tbody tr", "rows => rows.map(r => Array.from(r.querySelectorAll('td.cell'))"
                            ".map(c => c.dataset.status))")
    assert statuses == [["fail", "not_attempted"], ["malformed", "malformed"],
                        ["pass", "error"], ["pass", "pass"]]
    assert _column(page, 1) == ["0/2", "0/2", "1/2", "2/2"]
    colours = page.eval_on_selector_all(
        "td.cell", "cells => cells.map(c => getComputedStyle(c).backgroundColor)")
    assert len(set(colours)) == 5  # pass, fail, not attempted, error, malformed
    footer = page.inner_text("#report tfoot")
    assert "\u2713 2" in footer and "\u2717 1" in footer


def test_clicking_headers_sorts_rows(page, report_file):
    page.goto(report_file.as_uri())
    page.click("#report thead th:has-text('passed')")
    assert _column(page, 0) == ["amy", "kim", "max", "zed"]
    page.click("#report thead th:has-text('passed')")
    assert _column(page, 0)[:2] == ["zed", "max"]
    page.click("#report thead th:has-text('9.1')")  # failing students first
    assert _column(page, 0)[0] == "amy"
    page.click("#report thead th:has-text('student')")
    assert _column(page, 0) == ["amy", "kim", "max", "zed"]
    page.click("#report thead th:has-text('student')")
    assert _column(page, 0) == ["zed", "max", "kim", "amy"]


def test_hint_shows_on_hover_and_on_click(page, report_file):
    page.goto(report_file.as_uri())
    cell = page.locator("td.s-fail").first
    assert "add <the> bias & try again" in cell.get_attribute("title")
    assert not cell.locator("details").evaluate("d => d.open")
    cell.locator("summary").click()
    assert cell.locator("details").evaluate("d => d.open")
    assert "add <the> bias & try again" in cell.inner_text()
