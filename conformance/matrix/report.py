"""The matrix report: a static HTML site and a Markdown summary, made only
from what a run of conformance/matrix/run.py left in its results directory
(run.json and one JSON-lines file per implementation, as pyproc-conform
--json-lines writes them), the cases, the expected files each implementation
was judged against, and the clauses of spec/*.md. Nothing in it is written by
hand: every figure is the run's.

    python3 conformance/matrix/report.py RESULTS_DIR REPORT_DIR

(run.py calls it after the run.) REPORT_DIR gets index.html (the summary and
the table case x implementation, grouped by area, section and clause),
cases/NNNN.html (the case, and for every implementation its outcome, the
expected and the actual observations side by side and what differs) and
summary.md. Standard library only.
"""

import collections
import html
import json
import os
import re
import sys

OUTCOMES = ("PASS", "FAIL", "XFAIL", "XPASS", "UNSUPPORTED", "HUNG", "CRASH",
            "LEAK", "ERROR")
CLAUSE_HEADING = re.compile(r"###\s+([A-Z][A-Z0-9]*-[0-9]{3,})\s*(?:—|-)?\s*(.*)")
SECTION_HEADING = re.compile(r"##\s+(.*)")
TITLE_HEADING = re.compile(r"#\s+(.*)")
UNGROUPED = ("(no clause of spec/)", "", "")

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 2px 6px; vertical-align: top; }
thead th { position: sticky; top: 0; background: #f4f4f4; }
tr.area th { background: #333; color: #fff; text-align: left; font-size: 1.1em; }
tr.section th { background: #ddd; text-align: left; }
tr.clause td { background: #f7f7f7; font-style: italic; }
td.o-PASS { background: #c8efc8; } td.o-XFAIL { background: #e3f2c2; }
td.o-FAIL, td.o-XPASS { background: #f6b8b8; }
td.o-CRASH, td.o-HUNG, td.o-LEAK, td.o-ERROR { background: #f0a0d8; }
td.o-UNSUPPORTED { background: #e4e4e4; } td.o-none { background: #fff; color: #999; }
td.outcome a { color: inherit; text-decoration: none; display: block; }
tr.diff td { background: #fde0e0; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0; }
.case-title { max-width: 38em; }
.muted { color: #777; }
"""


def esc(text):
    return html.escape(str(text), quote=True)


def inline(text):
    """Escaped text of a spec heading, its `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", esc(text))


def canonical(value):
    """JSON text that tells 1 from 1.0 and from true, as the harness does."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def short(value, limit=300):
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


# ------------------------------------------------------------------ inputs
def read_clauses(spec_dir):
    """{clause id: (area, section, clause title, order)} from the headings
    of every spec/*.md that has clauses; order sorts them as the spec does."""
    clauses = {}
    for file_index, name in enumerate(sorted(os.listdir(spec_dir))):
        if not name.endswith(".md"):
            continue
        area = section = ""
        with open(os.path.join(spec_dir, name), encoding="utf-8") as f:
            for line_no, line in enumerate(f):
                line = line.rstrip("\n")
                m = CLAUSE_HEADING.match(line)
                if m:
                    clauses[m.group(1)] = (area, section, m.group(2).strip(),
                                           (file_index, line_no))
                    continue
                m = SECTION_HEADING.match(line)
                if m:
                    section = m.group(1).strip()
                    continue
                m = TITLE_HEADING.match(line)
                if m and not area:
                    area = m.group(1).replace(" — clauses", "").strip()
    return clauses


def read_json_lines(path):
    results = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                doc = json.loads(line)
                results[doc["id"]] = doc
    return results


def read_cases(cases_dir):
    """{id: (the case, the text of its file)}."""
    cases = {}
    for name in sorted(os.listdir(cases_dir)):
        if name.endswith(".json"):
            with open(os.path.join(cases_dir, name), encoding="utf-8") as f:
                text = f.read()
            cases[name[:-5]] = (json.loads(text), text)
    return cases


def read_expected(expected_dir, case_id):
    path = os.path.join(expected_dir, case_id + ".json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ------------------------------------------------------------------ analysis
def difference_kind(d):
    """What kind of difference one entry of "differences" is."""
    if d.get("step") is None:
        return "a stream on one side only"
    expected, actual = d.get("expected"), d.get("actual")
    if expected is None:
        return "an observation CPython does not make"
    if actual is None:
        return "a missing observation"
    if "raised" in expected and "raised" in actual:
        if expected["raised"]["type"] == actual["raised"]["type"]:
            return "another exception message"
        return "another exception type"
    if "raised" in expected:
        return "a value where CPython raises"
    if "raised" in actual:
        return "an exception where CPython gives a value"
    return "another value"


def case_kinds(result):
    return sorted({difference_kind(d) for d in result.get("differences", [])})


def steps_of(case, path):
    """The steps list of the process at ``path`` ("main", "p", "p/q")."""
    steps = case.get("steps", [])
    if path == "main":
        return steps
    for name in path.split("/"):
        found = None
        for step in steps:
            if isinstance(step, dict) and step.get("proc") == name \
                    and step.get("op") in ("new", "fork"):
                found = step.get("target") or step.get("run") or step.get("child") or []
        if found is None:
            return []
        steps = found
    return steps


def observation_rows(case, expected, actual):
    """(path, index, step, expected obs, actual obs, differs) for every
    observation of either side; None where a side has none."""
    rows = []
    expected = expected or {}
    paths = sorted(set(expected) | set(actual or {}), key=lambda p: (p != "main", p))
    for path in paths:
        e_stream = expected.get(path)
        a_stream = (actual or {}).get(path) if actual is not None else None
        steps = steps_of(case, path)
        if actual is not None and (e_stream is None) != (a_stream is None):
            rows.append((path, None, None,
                         "stream present" if e_stream is not None else "no stream",
                         "stream present" if a_stream is not None else "no stream", True))
        length = max(len(e_stream or []), len(a_stream or []))
        for i in range(length):
            e = e_stream[i] if e_stream and i < len(e_stream) else None
            a = a_stream[i] if a_stream and i < len(a_stream) else None
            step = steps[i] if i < len(steps) else None
            differs = actual is not None and canonical(e) != canonical(a)
            rows.append((path, i, step, e, a, differs))
    return rows


class Run:
    """Everything one report shows."""

    def __init__(self, results_dir, root):
        with open(os.path.join(results_dir, "run.json"), encoding="utf-8") as f:
            self.meta = json.load(f)
        self.root = root
        texts = read_cases(os.path.join(root, "conformance", "cases"))
        # The run's cases as the runner selected them (run.py "selection":
        # ranges and globs of --only resolved), else as --only listed them.
        chosen = self.meta.get("selection") or self.meta.get("only")
        if chosen:
            texts = {k: v for k, v in texts.items() if k in chosen}
        self.cases = {k: v[0] for k, v in texts.items()}
        self.case_texts = {k: v[1] for k, v in texts.items()}
        self.clauses = read_clauses(os.path.join(root, "spec"))
        self.impls = self.meta["implementations"]
        self.ran = [i for i in self.impls if i["status"] == "ran"]
        self.results = {}
        for impl in self.ran:
            self.results[impl["id"]] = read_json_lines(
                os.path.join(results_dir, impl["results"]))

    def result(self, impl_id, case_id):
        return self.results.get(impl_id, {}).get(case_id)

    def counts(self, impl_id):
        counts = collections.Counter(r["outcome"] for r in self.results[impl_id].values())
        return [counts.get(o, 0) for o in OUTCOMES]

    def kinds(self, impl_id):
        """{kind: [case ids]} over the cases of one implementation."""
        kinds = collections.defaultdict(list)
        for case_id, r in sorted(self.results[impl_id].items()):
            if r["outcome"] in ("FAIL", "XFAIL"):
                for kind in case_kinds(r):
                    kinds[kind].append(case_id)
            elif r["outcome"] not in ("PASS", "UNSUPPORTED"):
                kinds[r["outcome"]].append(case_id)
        return dict(sorted(kinds.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def group_of(self, case):
        for cid in case.get("clauses", []):
            if cid in self.clauses:
                area, section, title, order = self.clauses[cid]
                return order, area, section, cid, title
        return (sys.maxsize, 0), UNGROUPED[0], UNGROUPED[1], "", UNGROUPED[2]

    def grouped(self):
        """[(area, section, clause id, clause title, [case ids])] in spec order."""
        groups = collections.OrderedDict()
        keyed = sorted(self.cases, key=lambda c: (self.group_of(self.cases[c])[0], c))
        for case_id in keyed:
            _, area, section, cid, title = self.group_of(self.cases[case_id])
            groups.setdefault((area, section, cid, title), []).append(case_id)
        return [k + (v,) for k, v in groups.items()]


# ------------------------------------------------------------------ output
def anchor(impl_id):
    return "impl-" + re.sub(r"[^A-Za-z0-9_-]", "-", impl_id)


def page(title, body):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>%s</title><style>%s</style></head><body>\n%s\n</body></html>\n"
            % (esc(title), STYLE, body))


def provenance(meta):
    return ("<p class=\"muted\" id=\"provenance\">Generated by <code>conformance/matrix/run.py</code> "
            "on %s, commit <code>%s</code>, %s; %d case(s); every figure is this run's.</p>"
            % (esc(meta["finished"]), esc(meta["commit"]), esc(meta["machine"]),
               meta["case_count"]))


def wall(seconds):
    return "%.0f s" % seconds if seconds is not None else ""


def identity_text(impl):
    ident = impl.get("identity")
    return canonical(ident) if ident else ""


def summary_table(run):
    head = "".join("<th>%s</th>" % o for o in OUTCOMES)
    rows = []
    for impl in run.impls:
        if impl["status"] == "ran":
            cells = "".join("<td>%d</td>" % n for n in run.counts(impl["id"]))
            note = esc(impl.get("note", ""))
        else:
            cells = "<td colspan=\"%d\" class=\"muted\">%s</td>" % (
                len(OUTCOMES), esc(impl["status"]))
            note = esc(impl.get("reason", ""))
        rows.append("<tr id=\"summary-%s\"><th>%s</th><td><code>%s</code></td>%s<td>%s</td>"
                    "<td><code>%s</code></td><td>%s</td></tr>"
                    % (esc(impl["id"]), esc(impl["label"]), esc(identity_text(impl)),
                       cells, wall(impl.get("wall_seconds")),
                       esc(" ".join(impl["command"])), note))
    return ("<table id=\"summary\"><thead><tr><th>implementation</th><th>identity "
            "(as its driver says)</th>%s<th>wall time</th><th>driver command</th>"
            "<th>notes</th></tr></thead><tbody>\n%s\n</tbody></table>"
            % (head, "\n".join(rows)))


def kinds_section(run):
    parts = []
    for impl in run.ran:
        kinds = run.kinds(impl["id"])
        if not kinds:
            parts.append("<li><b>%s</b>: none</li>" % esc(impl["label"]))
            continue
        items = "; ".join(
            "%s: %d (%s)" % (esc(kind), len(ids), ", ".join(
                "<a href=\"cases/%s.html#%s\">%s</a>" % (c, anchor(impl["id"]), c)
                for c in ids[:5]) + (", …" if len(ids) > 5 else ""))
            for kind, ids in kinds.items())
        parts.append("<li><b>%s</b>: %s</li>" % (esc(impl["label"]), items))
    return "<ul id=\"kinds\">%s</ul>" % "\n".join(parts)


def matrix_table(run):
    head = "".join("<th title=\"%s\">%s</th>" % (esc(i["label"]), esc(i["id"]))
                   for i in run.ran)
    width = 3 + len(run.ran)
    rows, last_area, last_section = [], None, None
    for area, section, cid, title, case_ids in run.grouped():
        if area != last_area:
            rows.append("<tr class=\"area\"><th colspan=\"%d\">%s</th></tr>" % (width, inline(area)))
            last_area, last_section = area, None
        if section != last_section and section:
            rows.append("<tr class=\"section\"><th colspan=\"%d\">%s</th></tr>"
                        % (width, inline(section)))
            last_section = section
        if cid:
            rows.append("<tr class=\"clause\"><td colspan=\"%d\">%s — %s</td></tr>"
                        % (width, esc(cid), inline(title)))
        for case_id in case_ids:
            case = run.cases[case_id]
            cells = []
            for impl in run.ran:
                r = run.result(impl["id"], case_id)
                outcome = r["outcome"] if r else "none"
                cells.append("<td class=\"outcome o-%s\"><a href=\"cases/%s.html#%s\">%s</a></td>"
                             % (outcome, case_id, anchor(impl["id"]),
                                outcome if r else "—"))
            rows.append("<tr class=\"case\" id=\"case-%s\"><td><a href=\"cases/%s.html\">%s</a></td>"
                        "<td class=\"case-title\">%s</td><td>%s</td>%s</tr>"
                        % (case_id, case_id, case_id, esc(case.get("title", "")),
                           esc(" ".join(case.get("clauses", []))), "".join(cells)))
    return ("<table id=\"matrix\"><thead><tr><th>case</th><th>title</th><th>clauses</th>%s"
            "</tr></thead><tbody>\n%s\n</tbody></table>" % (head, "\n".join(rows)))


def index_html(run):
    body = ("<h1>pyproc conformance matrix</h1>\n%s\n<h2>Implementations</h2>\n%s\n"
            "<h2>Kinds of difference</h2>\n<p>Cases per kind (a case may show several); "
            "FAIL and XFAIL by what differs, the other outcomes by name.</p>\n%s\n"
            "<h2>Case × implementation</h2>\n<p>Grouped by area, section and the first "
            "clause a case cites; every cell links to the case's page.</p>\n%s"
            % (provenance(run.meta), summary_table(run), kinds_section(run), matrix_table(run)))
    return page("pyproc conformance matrix", body)


def observations_table(rows):
    out = ["<table class=\"observations\"><thead><tr><th>process</th><th>step</th>"
           "<th>op</th><th>expected</th><th>actual</th></tr></thead><tbody>"]
    for path, index, step, e, a, differs in rows:
        op = short(step, 160) if step is not None else ""
        out.append("<tr%s><td>%s</td><td>%s</td><td><pre>%s</pre></td><td><pre>%s</pre></td>"
                   "<td><pre>%s</pre></td></tr>"
                   % (" class=\"diff\"" if differs else "", esc(path),
                      "" if index is None else index, esc(op),
                      esc(short(e) if e is not None else "—"),
                      esc(short(a) if a is not None else "—")))
    out.append("</tbody></table>")
    return "\n".join(out)


def impl_section(run, impl, case_id, case):
    r = run.result(impl["id"], case_id)
    head = "<section id=\"%s\"><h2>%s: <span class=\"o-%s\">%s</span></h2>" % (
        anchor(impl["id"]), esc(impl["label"]), r["outcome"] if r else "none",
        r["outcome"] if r else "not run")
    if r is None:
        return head + "<p>This case was not run for this implementation.</p></section>"
    parts = [head, "<p class=\"muted\">driver: <code>%s</code>; identity: <code>%s</code>; "
             "%.2f s; expected files: <code>%s</code></p>"
             % (esc(" ".join(impl["command"])), esc(canonical(r.get("implementation"))),
                r.get("seconds", 0), esc(impl["expected_dir"]))]
    if r.get("detail"):
        parts.append("<h3>What the runner said</h3><pre class=\"detail\">%s</pre>"
                     % esc(r["detail"]))
    expected = read_expected(os.path.join(run.root, impl["expected_dir"]), case_id)
    actual = r.get("actual")
    if expected is not None and r["outcome"] not in ("UNSUPPORTED",):
        parts.append("<p class=\"muted\">expected generated by <code>%s</code></p>"
                     % esc(canonical(expected.get("generated_by"))))
        rows = observation_rows(case, expected.get("streams"), actual)
        differing = sum(1 for row in rows if row[5])
        if actual is None:
            parts.append("<p>No observations: the driver gave none to compare.</p>")
        else:
            parts.append("<p>%d observation(s) differ; they are highlighted.</p>" % differing)
        parts.append(observations_table(rows))
    parts.append("</section>")
    return "\n".join(parts)


def case_html(run, case_id):
    case = run.cases[case_id]
    clause_items = []
    for cid in case.get("clauses", []):
        area, section, title, _ = run.clauses.get(cid, UNGROUPED + (None,))
        clause_items.append("<li><b>%s</b> — %s <span class=\"muted\">(%s; %s)</span></li>"
                            % (esc(cid), inline(title), inline(area), inline(section)))
    outcomes = "".join(
        "<li><a href=\"#%s\">%s</a>: %s</li>" % (
            anchor(i["id"]), esc(i["label"]),
            (run.result(i["id"], case_id) or {}).get("outcome", "not run"))
        for i in run.ran)
    body = ("<p><a href=\"../index.html#case-%s\">← the matrix</a></p>\n<h1>%s — %s</h1>\n"
            "%s\n<ul class=\"clauses\">%s</ul>\n<ul class=\"outcomes\">%s</ul>\n"
            "<h2>The case</h2><pre id=\"case\">%s</pre>\n%s"
            % (case_id, esc(case_id), esc(case.get("title", "")), provenance(run.meta),
               "".join(clause_items), outcomes, esc(run.case_texts[case_id]),
               "\n".join(impl_section(run, i, case_id, case) for i in run.ran)))
    return page("%s — %s" % (case_id, case.get("title", "")), body)


def summary_markdown(run):
    lines = ["# pyproc conformance matrix", "",
             "Generated by `conformance/matrix/run.py` on %s, commit `%s`, %s; %d case(s). "
             "Every figure is this run's." % (run.meta["finished"], run.meta["commit"],
                                              run.meta["machine"], run.meta["case_count"]), "",
             "| implementation | " + " | ".join(OUTCOMES) + " | wall time |",
             "| --- | " + " | ".join("---:" for _ in OUTCOMES) + " | ---: |"]
    for impl in run.impls:
        if impl["status"] == "ran":
            lines.append("| %s | %s | %s |" % (impl["label"], " | ".join(
                str(n) for n in run.counts(impl["id"])), wall(impl.get("wall_seconds"))))
        else:
            lines.append("| %s | %s: %s |%s |" % (impl["label"], impl["status"],
                                                   impl.get("reason", "").replace("|", "\\|"),
                                                   " |" * (len(OUTCOMES) - 1)))
    lines += ["", "Kinds of difference (cases per kind):", ""]
    for impl in run.ran:
        kinds = run.kinds(impl["id"])
        lines.append("- %s: %s" % (impl["label"], "; ".join(
            "%s %d (%s%s)" % (k, len(ids), ", ".join(ids[:5]), ", …" if len(ids) > 5 else "")
            for k, ids in kinds.items()) or "none"))
    return "\n".join(lines) + "\n"


def write_report(results_dir, report_dir, root):
    run = Run(results_dir, root)
    os.makedirs(os.path.join(report_dir, "cases"), exist_ok=True)
    files = {"index.html": index_html(run), "summary.md": summary_markdown(run)}
    for case_id in run.cases:
        files[os.path.join("cases", case_id + ".html")] = case_html(run, case_id)
    for name, text in files.items():
        with open(os.path.join(report_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    return run


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: report.py RESULTS_DIR REPORT_DIR\n")
        return 2
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    write_report(argv[1], argv[2], root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
