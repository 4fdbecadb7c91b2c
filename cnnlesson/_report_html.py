"""The class report as one self-contained HTML page (no external script, style or font).

Students are rows, exercises are columns (grouped by notebook), each cell coloured and marked
by its status; a cell with a hint opens on click (``<details>``) and shows it on hover
(``title``). Clicking a column header sorts the rows by it (a few lines of inline script);
the footer counts each status per exercise, so the exercise the class is stuck on stands out.
"""

from __future__ import annotations

import html
from collections import Counter

__all__ = ["STATUS_STYLE", "report_html"]

#: status -> (mark, label, background colour, sort rank: lower sorts first = needs help)
STATUS_STYLE = {
    "fail": ("\u2717", "fail", "#ffcfc9", 0),
    "error": ("!", "error before/in the check", "#ffd9a8", 1),
    "timeout": ("\u221e", "timed out", "#e2d4ff", 2),
    "not_attempted": ("\u2013", "not attempted", "#e8e8e8", 3),
    "missing": ("\u2205", "not handed in", "#ffffff", 4),
    "malformed": ("?", "malformed notebook", "#bdbdbd", 5),
    "foreign": ("\u2260", "not from this course", "#bdbdbd", 6),
    "pass": ("\u2713", "pass", "#c6efce", 7),
}

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.5em;
  color: #1f2328; }
h1 { font-size: 1.5em; margin: 0 0 0.2em; }
.meta { color: #57606a; margin: 0.2em 0 1em; max-width: 70em; }
table { border-collapse: collapse; font-size: 14px; }
th, td { border: 1px solid #d0d7de; padding: 3px 6px; text-align: center; vertical-align: top; }
thead th { background: #f6f8fa; position: sticky; top: 0; }
thead th.sortable { cursor: pointer; }
thead th.sortable:hover { background: #eaeef2; }
th .short { font-weight: normal; font-size: 11px; color: #57606a; display: inline-block;
  max-width: 9em; }
th.student, td.student { text-align: left; white-space: nowrap; }
td.cell { min-width: 2.2em; }
td.cell details summary { list-style: none; cursor: pointer; }
td.cell details summary::-webkit-details-marker { display: none; }
td.cell details[open] { text-align: left; max-width: 22em; font-size: 12px; }
td.cell details[open] summary { text-align: center; font-size: 14px; }
tfoot td { font-size: 12px; text-align: left; white-space: nowrap; background: #fafbfc; }
tfoot td.stuck { outline: 2px solid #cf222e; }
.bar { display: flex; height: 8px; width: 6em; margin-top: 2px; border: 1px solid #d0d7de; }
.legend span.key { display: inline-block; padding: 1px 6px; margin: 0 4px 4px 0;
  border: 1px solid #d0d7de; }
.notes { color: #57606a; font-size: 13px; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
"""

_JS = """
document.querySelectorAll('th.sortable').forEach(function (th) {
  th.addEventListener('click', function () {
    var table = th.closest('table'), body = table.tBodies[0], col = th.cellIndex;
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('th[aria-sort]').forEach(function (h) {
      h.removeAttribute('aria-sort');
    });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.key, y = b.cells[col].dataset.key;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
      if (c === 0) { c = a.cells[0].dataset.key.localeCompare(b.cells[0].dataset.key); }
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _cell(row) -> str:
    mark, label, colour, rank = STATUS_STYLE.get(row.status, ("?", row.status, "#fff", 9))
    tip = label + (f": {row.hint}" if row.hint else "") + (f" ({row.detail})" if row.detail
                                                           else "")
    inner = _e(mark)
    if row.hint or row.detail:
        inner = (f"<details><summary>{_e(mark)}</summary>{_e(row.hint)}"
                 f"{'<br>' if row.hint and row.detail else ''}<em>{_e(row.detail)}</em>"
                 "</details>")
    return (f'<td class="cell s-{_e(row.status)}" style="background:{colour}" '
            f'data-status="{_e(row.status)}" data-key="{rank}" title="{_e(tip)}">{inner}</td>')


def report_html(rows, columns, meta) -> str:
    """The report page.

    Parameters
    ----------
    rows : list of cnnlesson.report.Row
        Every student x exercise.
    columns : list of (str, str)
        (notebook, exercise id) in display order.
    meta : dict
        ``mode``, ``seconds``, ``students``, ``notebooks``, ``notes``, ``submissions``.

    Returns
    -------
    str
        A complete HTML document.
    """
    cells: dict = {}
    titles: dict = {}
    for r in rows:
        cells[(r.student, r.notebook, r.exercise)] = r
        if r.title:
            titles.setdefault((r.notebook, r.exercise), r.title)
    students = sorted({r.student for r in rows}, key=lambda s: (s.lower(), s))

    groups = []
    for nb, _ in columns:
        if groups and groups[-1][0] == nb:
            groups[-1][1] += 1
        else:
            groups.append([nb, 1])
    head1 = ('<tr><th rowspan="2" class="student sortable" data-col="student">student</th>'
             '<th rowspan="2" class="sortable" title="exercises passed">passed</th>'
             + "".join(f'<th colspan="{n}">{_e(nb)}</th>' for nb, n in groups) + "</tr>")
    def header(col):
        title = titles.get(col, "")
        short = title.split(":", 1)[1].strip() if ":" in title else ""
        return (f'<th class="sortable" title="{_e(title or col[1])}">'
                f'{_e(col[1] or "(notebook)")}'
                + (f'<br><span class="short">{_e(short)}</span>' if short else "") + "</th>")

    head2 = "<tr>" + "".join(header(c) for c in columns) + "</tr>"

    body = []
    for student in students:
        mine = [cells.get((student,) + c) for c in columns]
        passed = sum(1 for r in mine if r is not None and r.status == "pass")
        tds = "".join(_cell(r) if r is not None else '<td class="cell" data-key="9"></td>'
                      for r in mine)
        body.append(f'<tr><td class="student" data-key="{_e(student.lower())}">{_e(student)}'
                    f'</td><td data-key="{passed}">{passed}/{len(columns)}</td>{tds}</tr>')

    counts = {c: Counter() for c in columns}
    for r in rows:
        counts[(r.notebook, r.exercise)][r.status] += 1
    stuck = max(columns, key=lambda c: sum(counts[c].values()) - counts[c]["pass"],
                default=None)
    foot = ['<tr><td class="student">class</td><td></td>']
    for c in columns:
        total = sum(counts[c].values()) or 1
        lines = "<br>".join(f"{_e(STATUS_STYLE[s][0])} {counts[c][s]}" for s in STATUS_STYLE
                            if counts[c][s])
        bar = "".join(f'<span style="background:{STATUS_STYLE[s][2]};width:'
                      f'{100 * counts[c][s] / total:.1f}%"></span>' for s in STATUS_STYLE
                      if counts[c][s])
        cls = ' class="stuck"' if c == stuck and counts[c]["pass"] < sum(counts[c].values()) \
            else ""
        foot.append(f'<td{cls} data-pass="{counts[c]["pass"]}">{lines}'
                    f'<div class="bar">{bar}</div></td>')
    foot.append("</tr>")

    legend = " ".join(f'<span class="key" style="background:{colour}">{_e(mark)} {_e(label)}'
                      f"</span>" for mark, label, colour, _ in STATUS_STYLE.values())
    notes = "".join(f"<li>{_e(n)}</li>" for n in meta.get("notes", []))
    stuck_text = ""
    if stuck is not None and counts[stuck]["pass"] < sum(counts[stuck].values()):
        n_bad = sum(counts[stuck].values()) - counts[stuck]["pass"]
        stuck_text = (f" Most stuck: <strong>{_e(titles.get(stuck, ' '.join(stuck)))}</strong> "
                      f"({n_bad} of {sum(counts[stuck].values())} not passed, outlined below).")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Class report: {_e(meta.get('submissions', ''))}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Class report</h1>
<p class="meta">{meta.get('students', 0)} students, {meta.get('notebooks', 0)} notebooks from
<code>{_e(meta.get('submissions', ''))}</code>; {_e(meta.get('mode', ''))}; took
{meta.get('seconds', 0):.0f} s.{stuck_text} Click a column header to sort, a marked cell to read
its hint.</p>
<p class="legend">{legend}</p>
<table id="report">
<thead>{head1}{head2}</thead>
<tbody>
{chr(10).join(body)}
</tbody>
<tfoot>{''.join(foot)}</tfoot>
</table>
{f'<ul class="notes">{notes}</ul>' if notes else ''}
<script>{_JS}</script>
</body>
</html>
"""
