"""The matrix report: a static HTML site and a Markdown summary, made only
from what a run of conformance/matrix/run.py left in its results directory
(run.json and one JSON-lines file per implementation, as pyproc-conform
--json-lines writes them), the cases, the expected files each implementation
was judged against, and the clauses of spec/*.md. Nothing in it is written by
hand: every figure is the run's.

    python3 conformance/matrix/report.py [--previous OLD_RESULTS_DIR] RESULTS_DIR REPORT_DIR

(run.py calls it after the run.) REPORT_DIR gets index.html, cases/NNNN.html,
cases/NNNN.py and summary.md. Modelled on the dashboards implementers use
(wpt.fyi, test262.fyi, Bowtie):

- index.html: per implementation its outcomes, the Python version it says
  it is and the CPython version and start method it is judged against; pass
  fractions per area and per clause; the root causes of its failures, grouped
  by the first differing step and the function or attribute involved ("no
  `parent_process`: 21 cases"); with --previous, what changed since the
  previous run (new failures, fixed, flaky); the table case x implementation
  grouped by area, section and clause with the clause's text, and filters
  (outcome, implementation, area; also as ?outcome=&impl=&area= in the URL).
- cases/NNNN.html: the case, its clauses with their text, the implementations
  that fail first, for each the expected and actual observations side by side
  with a value-level diff of long values, the driver's stderr, for HUNG what
  it observed before it was stopped; and the case's standalone program
  (oracle/reproducer.py), also as cases/NNNN.py.

Static HTML: one inline style sheet and script, nothing fetched. Inputs are
read defensively: a field a runner does not write is simply not shown.
Standard library only.
"""

import argparse
import collections
import difflib
import html
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "oracle"))

import reproducer  # noqa: E402

# FLAKY: the case's outcome changed from one run to the next (run.py --repeat
# N, pyproc-conform --repeat N); shown and counted as that, whatever outcome
# the runner kept (the first run's, or the first failing one's).
OUTCOMES = ("PASS", "FAIL", "UNRESOLVED", "XFAIL", "XPASS", "UNSUPPORTED", "HUNG", "CRASH",
            "LEAK", "ERROR", "FLAKY")
CLAUSE_HEADING = re.compile(r"###\s+([A-Z][A-Z0-9]*-[0-9]{3,})\s*(?:—|-)?\s*(.*)")
SECTION_HEADING = re.compile(r"##\s+(.*)")
TITLE_HEADING = re.compile(r"#\s+(.*)")
UNGROUPED = ("(no clause of spec/)", "", "")
# Outcomes that conform (what a pass fraction counts), those a pass fraction
# leaves out (UNRESOLVED: the case differs only where it sets itself up,
# spec/protocol.md section 7, so it says nothing of its clauses), and those a
# case page puts first.
SUCCESS = ("PASS", "XFAIL")
NOT_JUDGED = ("UNSUPPORTED", "UNRESOLVED")
ORDER = {o: i for i, o in enumerate(("FLAKY", "HUNG", "CRASH", "ERROR", "LEAK", "FAIL", "XPASS",
                                     "UNRESOLVED", "XFAIL", "UNSUPPORTED", "PASS"))}
# A string or array shown as a value-level diff from this length on.
LONG_VALUE = 60
NO_ATTRIBUTE = re.compile(r"module '([A-Za-z_][A-Za-z0-9_.]*)' has no attribute "
                          r"'([A-Za-z_][A-Za-z0-9_]*)'")

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
td.o-UNRESOLVED { background: #fbe0a8; }
td.o-FLAKY { background: repeating-linear-gradient(45deg, #f6b8b8 0 6px, #c8efc8 6px 12px); }
td.o-UNSUPPORTED { background: #e4e4e4; } td.o-none { background: #fff; color: #999; }
td.outcome a { color: inherit; text-decoration: none; display: block; }
td.o-FAIL.new, td.o-HUNG.new, td.o-CRASH.new { outline: 3px solid #c00; }
.change { font-size: 0.8em; font-weight: bold; }
.change.new-failure { color: #a00; } .change.fixed { color: #070; } .change.flaky { color: #a60; }
tr.clause td .fractions { font-style: normal; float: right; }
.clause-text { font-style: normal; color: #444; margin: 0.3em 0 0 1em; max-width: 60em; }
#filters { background: #f4f4f4; padding: 0.5em; margin: 0.5em 0; }
#filters label { margin-right: 1em; }
del { background: #f6b8b8; text-decoration: none; } ins { background: #c8efc8; text-decoration: none; }
pre.vdiff { border-left: 3px solid #c00; padding-left: 4px; margin-top: 4px; }
pre.python { color: #124; }
pre.program { background: #f8f8f8; border: 1px solid #ddd; padding: 0.5em; max-height: 40em; overflow: auto; }
table.fractions td.frac { text-align: right; }
.frac-full { background: #c8efc8; } .frac-part { background: #fbe9b0; } .frac-none { background: #f6b8b8; }
tr.diff td { background: #fde0e0; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0; }
.case-title { max-width: 38em; }
.muted { color: #777; }
"""


def esc(text):
    return html.escape(str(text), quote=True)


def inline(text):
    """Escaped text of a spec heading or clause, its `code` spans as <code>
    and its **strong** spans as <b>."""
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", esc(text))
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)


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


def read_clause_texts(spec_dir):
    """{clause id: its text}: the paragraphs under the clause's heading up to
    the next heading (the statement and its "Source:" quote)."""
    texts = {}
    for name in sorted(os.listdir(spec_dir)):
        if not name.endswith(".md"):
            continue
        current, lines = None, []
        with open(os.path.join(spec_dir, name), encoding="utf-8") as f:
            for line in list(f) + ["# end"]:
                if line.startswith("#"):
                    if current:
                        texts[current] = "\n".join(lines).strip()
                    m = CLAUSE_HEADING.match(line.rstrip("\n"))
                    current, lines = (m.group(1) if m else None), []
                elif current:
                    lines.append(line.rstrip("\n"))
    return texts


CROSS_VERSION_HEADING = re.compile(r"##\s+CPython\s+([0-9]+)\.([0-9]+)\.([0-9]+)")
CROSS_VERSION_CASE = re.compile(r"-\s+case\s+([0-9]{4,})\b(.*)")


def read_cross_version(path):
    """{"3.8": {case id: its line}} from spec/cross-version.md: the cases
    whose observations under that CPython differ from the pinned version's;
    {} where the file is missing."""
    found, current = {}, None
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return found
    for line in lines:
        m = CROSS_VERSION_HEADING.match(line)
        if m:
            current = found.setdefault("%s.%s" % (m.group(1), m.group(2)), {})
            continue
        if line.startswith("## "):
            current = None
        m = CROSS_VERSION_CASE.match(line)
        if m and current is not None:
            current[m.group(1)] = line[2:].strip()
    return found


def minor_version(text):
    m = re.match(r"\s*([0-9]+)\.([0-9]+)", str(text or ""))
    return "%s.%s" % m.groups() if m else None


def read_json_lines(path):
    """{case id: the runner's row}; a row without an id or outcome, or a line
    that is not JSON (a file cut short), is left out."""
    results = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and isinstance(doc.get("id"), str) \
                    and isinstance(doc.get("outcome"), str):
                results[doc["id"]] = doc
    return results


def read_previous(results_dir):
    """{implementation id: {case id: row}} of an earlier run's results
    directory (its run.json and JSON-lines files); {} where there is none."""
    try:
        with open(os.path.join(results_dir, "run.json"), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return {}
    previous = {}
    for impl in meta.get("implementations", []):
        path = os.path.join(results_dir, impl.get("results") or "")
        if impl.get("status") == "ran" and os.path.isfile(path):
            previous[impl["id"]] = read_json_lines(path)
    return previous


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
        if expected["raised"]["type"] != actual["raised"]["type"]:
            return "another exception type"
        if catchable_as(expected["raised"]) != catchable_as(actual["raised"]):
            return "an exception that CPython's except clauses do not catch alike"
        return "another exception message"
    if "raised" in expected:
        return "a value where CPython raises"
    if "raised" in actual:
        return "an exception where CPython gives a value"
    return "another value"


def catchable_as(raised):
    """What except clauses catch an observed exception (spec/protocol.md
    §4.6): its class and bases; None for a driver of protocol 3 or earlier."""
    return raised.get("class"), raised.get("bases")


def describe_class(raised):
    """``subprocess.CalledProcessError (a SubprocessError, Exception, ...)``."""
    name, bases = catchable_as(raised)
    if name is None:
        return "%s (class and bases not told)" % raised.get("type")
    return "%s (%s)" % (name, ", ".join(bases or []) or "no standard base")


def case_kinds(result):
    return sorted({difference_kind(d) for d in result.get("differences", [])})


def step_label(step):
    """The function, method or attribute a step uses, as Python names it."""
    if not isinstance(step, dict):
        return "a step"
    op = step.get("op")
    if op == "call":
        return "%s()" % step.get("function")
    if op == "method":
        return "%s.%s()" % (step.get("var"), step.get("method"))
    if op in ("get", "set"):
        return "Process.%s" % step.get("attr")
    if op == "new":
        return "multiprocessing.Process()"
    if op in ("start", "join", "is_alive", "terminate", "kill", "close"):
        return "Process.%s()" % op
    if op == "repr":
        return "repr(Process)"
    if op == "parent_is_none":
        return "multiprocessing.parent_process()"
    if op == "active_children":
        return "multiprocessing.active_children()"
    if op in ("sentinel_ready", "wait"):
        return "multiprocessing.connection.wait()"
    if op == "fork":
        return "os.forkpty()" if step.get("pty") else "os.fork()"
    if op == "value":
        of = step.get("of")
        if isinstance(of, dict) and isinstance(of.get("var"), str):
            if "attr" in of:
                return "%s.%s" % (of["var"], of["attr"])
            if "index" in of:
                return "%s[%s]" % (of["var"], of["index"])
            return of["var"]
        return "a value"
    if op == "hasattr":
        return "hasattr(%s)" % step.get("name")
    if op == "output":
        return "what the process wrote to %s" % step.get("stream")
    return op or "a step"


def first_difference(result):
    """The runner's first difference (main first, then by process path and
    step), or None."""
    diffs = [d for d in result.get("differences") or [] if isinstance(d, dict)]
    if not diffs:
        return None

    def key(d):
        path = d.get("process") or ""
        step = d.get("step")
        return (path != "main", path, -1 if step is None else step)
    return min(diffs, key=key)


def root_cause(case, result):
    """What a result's failure comes down to, as one line that groups the
    cases failing the same way: the step first differing and the function or
    attribute it uses, and how it differs ("no `parent_process`",
    "os.waitpid(): raises ChildProcessError where CPython gives a value")."""
    outcome = result.get("outcome")
    if outcome in ("HUNG", "CRASH"):
        stopped = stopped_at(case, result.get("actual"))
        if stopped:
            return "%s in %s" % (outcome, step_label(stopped[1]))
        # Nothing observed: what the case's main process does first that
        # starts a process says most (a fork, a Process, a Popen, ...).
        first = first_process_step(case)
        return "%s, nothing observed (the case starts with %s)" % (outcome, first) \
            if first else outcome
    if outcome not in ("FAIL", "XFAIL", "XPASS", "UNRESOLVED"):
        return outcome
    if outcome == "UNRESOLVED":
        # Grouped apart from the failures of what the cases check.
        return "UNRESOLVED at a setup step: " + root_cause(case, dict(result, outcome="FAIL"))
    d = first_difference(result)
    if d is None:
        return "%s without differences listed" % outcome
    if d.get("step") is None:
        return "process %s: a stream on one side only" % (d.get("process") or "?")
    steps = steps_of(case, d.get("process") or "main")
    step = steps[d["step"]] if isinstance(d["step"], int) and d["step"] < len(steps) else None
    label = step_label(step)
    expected, actual = d.get("expected"), d.get("actual")
    e_raised = expected.get("raised") if isinstance(expected, dict) else None
    a_raised = actual.get("raised") if isinstance(actual, dict) else None
    if a_raised and a_raised.get("type") == "AttributeError" and not e_raised:
        m = NO_ATTRIBUTE.search(a_raised.get("message", ""))
        if m:
            return "no `%s.%s`" % (m.group(1), m.group(2))
    if actual is None:
        return "%s: no observation (the process ended or stopped before it)" % label
    if expected is None:
        return "%s: an observation CPython does not make" % label
    if a_raised and e_raised:
        if a_raised.get("type") == e_raised.get("type"):
            if catchable_as(a_raised) != catchable_as(e_raised):
                return "%s: raises %s, not %s" % (label, describe_class(a_raised),
                                                  describe_class(e_raised))
            return "%s: another %s message" % (label, a_raised.get("type"))
        return "%s: raises %s, not %s" % (label, a_raised.get("type"), e_raised.get("type"))
    if a_raised:
        return "%s: raises %s where CPython gives a value" % (label, a_raised.get("type"))
    if e_raised:
        return "%s: gives a value where CPython raises %s" % (label, e_raised.get("type"))
    e_value = expected.get("value") if isinstance(expected, dict) else None
    a_value = actual.get("value") if isinstance(actual, dict) else None
    e_type, a_type = object_type(e_value), object_type(a_value)
    if e_type and a_type:
        return "%s: a %s, not a %s" % (label, a_type, e_type)
    if len(canonical(e_value)) <= 24 and len(canonical(a_value)) <= 24 \
            and not isinstance(e_value, (list, dict)) and not isinstance(a_value, (list, dict)):
        # Short scalars say more than "another value": 1, not 0.
        return "%s: %s, not %s" % (label, canonical(a_value), canonical(e_value))
    return "%s: another value" % label


def object_type(value):
    """The type name of an observed object ({"object": "BufferedWriter"})."""
    if isinstance(value, dict) and set(value) == {"object"} and isinstance(value["object"], str):
        return value["object"]
    return None


PROCESS_STARTERS = ("os.fork", "os.forkpty", "os.spawn", "os.system", "os.popen",
                    "subprocess.", "os.exec")


def first_process_step(case):
    """The first step of the main process that makes a process, as
    step_label names it; None if there is none."""
    for step in case.get("steps", []):
        if not isinstance(step, dict):
            continue
        op = step.get("op")
        if op in ("new", "fork") or (op == "call" and str(step.get("function", "")).startswith(
                PROCESS_STARTERS)):
            return step_label(step)
    return None


def stopped_at(case, actual):
    """(process, the first step it has no observation of) of the driver's
    partial observations, main first; None when there are none."""
    if not isinstance(actual, dict):
        return None
    for path in sorted(actual, key=lambda p: (p != "main", p)):
        stream = actual[path] if isinstance(actual[path], list) else []
        steps = steps_of(case, path)
        if len(stream) < len(steps):
            return path, steps[len(stream)]
    return None


def is_success(outcome):
    return outcome in SUCCESS


def is_flaky(result):
    """Whether the case's outcome changed between the runs of one run."""
    return bool(result.get("flaky")) or len(set(result.get("outcomes") or [])) > 1


def shown_outcome(result):
    """The outcome a report shows and counts: FLAKY for a flaky case, else
    the runner's."""
    return "FLAKY" if is_flaky(result) else result["outcome"]


def runs_text(result):
    """"outcomes of the 3 runs: PASS HUNG PASS"."""
    outcomes = result.get("outcomes") or [result["outcome"]]
    return "outcomes of the %d runs: %s" % (len(outcomes), " ".join(outcomes))


def change(now, before):
    """How a case's result changed since the previous run: "new failure",
    "fixed", "flaky" or None."""
    if now is None:
        return None
    outcomes = now.get("outcomes") or []
    if now.get("flaky") or len(set(outcomes)) > 1:
        return "flaky"
    if before is None:
        return None
    if (before.get("flaky") or len(set(before.get("outcomes") or [])) > 1) \
            and before.get("outcome") != now.get("outcome"):
        return "flaky"
    if is_success(before.get("outcome")) and not is_success(now.get("outcome")) \
            and now.get("outcome") != "UNSUPPORTED":
        return "new failure"
    if not is_success(before.get("outcome")) and before.get("outcome") != "UNSUPPORTED" \
            and is_success(now.get("outcome")):
        return "fixed"
    return None


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

    def __init__(self, results_dir, root, previous_dir=None):
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
        self.clause_texts = read_clause_texts(os.path.join(root, "spec"))
        self.cross_version = read_cross_version(os.path.join(root, "spec", "cross-version.md"))
        self.previous_dir = previous_dir
        self.previous = read_previous(previous_dir) if previous_dir else None
        self.impls = self.meta["implementations"]
        self.ran = [i for i in self.impls if i["status"] == "ran"]
        self.results = {}
        for impl in self.ran:
            self.results[impl["id"]] = read_json_lines(
                os.path.join(results_dir, impl["results"]))
        self._programs = {}
        self.program_errors = {}  # case id -> why it has no program
        self._step_code = {}      # case id -> {(path, index): Python}

    def program(self, case_id):
        """The case's standalone program (oracle/reproducer.py), or a line
        saying why there is none."""
        if case_id not in self._programs:
            try:
                code = {}
                self._programs[case_id] = reproducer.generate(
                    self.cases[case_id], "pyproc-helper",
                    "conformance/cases/%s.json" % case_id, step_code=code)
                self._step_code[case_id] = code
            except Exception as e:  # noqa: BLE001 - shown on the page, never fatal
                self._programs[case_id] = None
                self.program_errors[case_id] = "%s: %s" % (type(e).__name__, e)
        return self._programs[case_id]

    def step_code(self, case_id):
        """{(process path, step index): the step as Python} of the case's
        program; {} without one."""
        self.program(case_id)
        return self._step_code.get(case_id, {})

    def judged_against(self, impl):
        """The generated_by of the expected files that judge ``impl``. They
        are the reference's (CPython 3.11, fork) overlaid with the declared
        version's and start method's own where those differ (oracle/
        overlay.py): the version and start method given are the overlays'
        when there are any, and "over" names the reference beneath them."""
        directory = os.path.join(self.root, impl.get("expected_dir") or "")
        found = collections.Counter()
        for case_id in sorted(self.results.get(impl["id"], {})):
            expected = read_expected(directory, case_id)
            by = (expected or {}).get("generated_by")
            if isinstance(by, dict):
                found[(by.get("implementation", ""), by.get("version", ""),
                       by.get("start_method", ""))] += 1
        if not found:
            return None
        base = found.most_common(1)[0][0]
        declared = str(impl.get("python_version") or "")
        version = next((v for (_, v, _) in found if minor_version(v) == declared), base[1])
        method = impl.get("start_method") if any(
            m == impl.get("start_method") for (_, _, m) in found) else base[2]
        judged = {"implementation": base[0], "version": version, "start_method": method}
        if version != base[1]:
            judged["over"] = base[1]
        return judged

    def change(self, impl_id, case_id):
        if self.previous is None:
            return None
        return change(self.result(impl_id, case_id),
                      self.previous.get(impl_id, {}).get(case_id))

    def changes(self, impl_id):
        """{"new failure"|"fixed"|"flaky": [case ids]} against the previous run."""
        found = collections.defaultdict(list)
        for case_id in sorted(self.results.get(impl_id, {})):
            c = self.change(impl_id, case_id)
            if c:
                found[c].append(case_id)
        return found

    def version_shared(self, impl, case_id):
        """(CPython minor version, line of spec/cross-version.md) when the
        Python version ``impl`` is (python_version) is not the one judging it
        and CPython of that version differs from the judging one on this case
        too; else None."""
        mine = minor_version(python_version(impl))
        judged = minor_version((self.judged_against(impl) or {}).get("version"))
        if not mine or not judged or mine == judged:
            return None
        line = self.cross_version.get(mine, {}).get(case_id)
        return (mine, line) if line else None

    def root_causes(self, impl_id):
        """{root cause: [case ids]}, the most frequent first. A case that
        CPython of the row's own Python version fails the same way
        (spec/cross-version.md) is grouped as that, not as a bug."""
        impl = next((i for i in self.ran if i["id"] == impl_id), {"id": impl_id})
        causes = collections.defaultdict(list)
        for case_id, r in sorted(self.results.get(impl_id, {}).items()):
            if (r["outcome"] not in ("PASS", "UNSUPPORTED") or is_flaky(r)) \
                    and case_id in self.cases:
                shared = self.version_shared(impl, case_id) if r["outcome"] == "FAIL" else None
                if r["outcome"] in ("PASS", "UNSUPPORTED"):
                    # Flaky, and the run the runner kept conformed.
                    cause = "FLAKY: its outcome changes from run to run"
                elif shared:
                    cause = "as CPython %s itself differs (spec/cross-version.md)" % shared[0]
                else:
                    cause = root_cause(self.cases[case_id], r)
                causes[cause].append(case_id)
        return dict(sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    def fraction(self, impl_id, case_ids):
        """(conforming, judged) over ``case_ids``: PASS and XFAIL of the
        cases that ran here and were neither UNSUPPORTED nor UNRESOLVED."""
        judged = conforming = 0
        for case_id in case_ids:
            r = self.result(impl_id, case_id)
            if r is None or shown_outcome(r) in NOT_JUDGED:
                continue
            judged += 1
            conforming += is_success(shown_outcome(r))
        return conforming, judged

    def area_of(self, case_id):
        return self.group_of(self.cases[case_id])[1]

    def areas(self):
        """[(area, [case ids])] in spec order."""
        found = collections.OrderedDict()
        for area, _, _, _, case_ids in self.grouped():
            found.setdefault(area, []).extend(case_ids)
        return list(found.items())

    def clause_cases(self):
        """{clause id: [case ids citing it]} (a case counts for every clause
        it cites)."""
        found = collections.defaultdict(list)
        for case_id, case in self.cases.items():
            for cid in case.get("clauses", []):
                found[cid].append(case_id)
        return found

    def result(self, impl_id, case_id):
        return self.results.get(impl_id, {}).get(case_id)

    def counts(self, impl_id):
        counts = collections.Counter(shown_outcome(r) for r in self.results[impl_id].values())
        return [counts.get(o, 0) for o in OUTCOMES]

    def kinds(self, impl_id):
        """{kind: [case ids]} over the cases of one implementation."""
        kinds = collections.defaultdict(list)
        for case_id, r in sorted(self.results[impl_id].items()):
            if is_flaky(r):
                kinds["FLAKY"].append(case_id)
            if r["outcome"] in ("FAIL", "XFAIL", "UNRESOLVED"):
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
        rows.append("<tr id=\"summary-%s\"><th>%s</th><td><code>%s</code></td>"
                    "<td class=\"python\">%s</td><td class=\"judged\">%s</td>%s<td>%s</td>"
                    "<td><code>%s</code></td><td>%s</td></tr>"
                    % (esc(impl["id"]), esc(impl["label"]), esc(identity_text(impl)),
                       esc(python_version(impl)), esc(judged_text(run, impl)),
                       cells, wall(impl.get("wall_seconds")),
                       esc(" ".join(impl["command"])), note))
    return ("<table id=\"summary\"><thead><tr><th>implementation</th><th>identity "
            "(as its driver says)</th><th>Python</th><th>judged against</th>%s"
            "<th>wall time</th><th>driver command</th>"
            "<th>notes</th></tr></thead><tbody>\n%s\n</tbody></table>"
            % (head, "\n".join(rows)))


def python_version(impl):
    """The Python version a row is: what its driver's identity says (the
    language version of PyPy and the like), else what its data file
    declares."""
    ident = impl.get("identity") or {}
    said = None
    if isinstance(ident, dict):
        # A Python driver's identity (oracle/driver.py) names its module and
        # gives the language version; another driver's "version" is its own.
        said = ident.get("python_version") or (
            ident.get("version") if "module" in ident or "implementation_version" in ident
            else None)
    declared = impl.get("python_version")
    if not said and declared:
        return "%s (declared)" % declared
    if said and declared and not str(said).startswith(str(declared)):
        return "%s (declared %s)" % (said, declared)
    return str(said or declared or "")


def judged_text(run, impl):
    """The CPython and start method whose expected files judge ``impl``."""
    if impl.get("status") != "ran":
        return ""
    by = run.judged_against(impl)
    if not by:
        return impl.get("expected_dir", "")
    over = " where it differs from %s" % by["over"] if by.get("over") else ""
    return "%s %s%s (%s)" % (by.get("implementation", ""), by.get("version", ""), over,
                             by.get("start_method", ""))


def fraction_cell(conforming, judged, tag="td"):
    if not judged:
        return "<%s class=\"frac muted\">—</%s>" % (tag, tag)
    cls = "frac-full" if conforming == judged else "frac-none" if not conforming else "frac-part"
    return "<%s class=\"frac %s\" title=\"%d of %d conform\">%d/%d</%s>" % (
        tag, cls, conforming, judged, conforming, judged, tag)


def fractions_section(run):
    """Pass fractions (PASS and XFAIL of the cases judged) per area, for
    every implementation; those per clause are in the table's clause rows."""
    head = "".join("<th>%s</th>" % esc(i["id"]) for i in run.ran)
    rows = []
    for area, case_ids in run.areas():
        cells = "".join(fraction_cell(*run.fraction(i["id"], case_ids)) for i in run.ran)
        rows.append("<tr class=\"area-fraction\"><th>%s</th><td>%d</td>%s</tr>"
                    % (inline(area), len(case_ids), cells))
    every = list(run.cases)
    cells = "".join(fraction_cell(*run.fraction(i["id"], every)) for i in run.ran)
    rows.append("<tr class=\"all-fraction\"><th>all areas</th><td>%d</td>%s</tr>"
                % (len(every), cells))
    return ("<table id=\"fractions\" class=\"fractions\"><thead><tr><th>area</th><th>cases</th>"
            "%s</tr></thead><tbody>\n%s\n</tbody></table>" % (head, "\n".join(rows)))


def case_links(impl, ids, limit=12):
    return ", ".join("<a href=\"cases/%s.html#%s\">%s</a>" % (c, anchor(impl["id"]), c)
                     for c in ids[:limit]) + (", …" if len(ids) > limit else "")


def root_causes_section(run):
    parts = []
    for impl in run.ran:
        causes = run.root_causes(impl["id"])
        if not causes:
            parts.append("<li id=\"causes-%s\"><b>%s</b>: every case conforms</li>"
                         % (anchor(impl["id"]), esc(impl["label"])))
            continue
        items = "".join("<li class=\"cause\"><span class=\"cause-text\">%s</span>: "
                        "<b>%d</b> case(s) (%s)</li>"
                        % (inline(cause), len(ids), case_links(impl, ids))
                        for cause, ids in causes.items())
        parts.append("<li id=\"causes-%s\"><b>%s</b><ul>%s</ul></li>"
                     % (anchor(impl["id"]), esc(impl["label"]), items))
    return "<ul id=\"root-causes\">%s</ul>" % "\n".join(parts)


def changes_section(run):
    if run.previous is None:
        return ""
    parts = []
    for impl in run.ran:
        changes = run.changes(impl["id"])
        if impl["id"] not in run.previous:
            parts.append("<li><b>%s</b>: not in the previous run</li>" % esc(impl["label"]))
            continue
        text = "; ".join("<span class=\"change %s\">%s</span>: %d (%s)"
                         % (kind.replace(" ", "-"), kind, len(changes[kind]),
                            case_links(impl, changes[kind]))
                         for kind in ("new failure", "fixed", "flaky") if changes.get(kind))
        parts.append("<li><b>%s</b>: %s</li>" % (esc(impl["label"]), text or "no change"))
    return ("<h2>Since the previous run</h2>\n<p class=\"muted\">Compared with <code>%s</code>: "
            "a new failure conformed before and does not now, fixed the other way round, "
            "flaky changed its outcome within this run (<code>--repeat</code>) or between "
            "flaky runs.</p>\n<ul id=\"changes\">%s</ul>"
            % (esc(run.previous_dir), "\n".join(parts)))


FILTER_SCRIPT = """
(function () {
  var FAILING = ["FAIL", "UNRESOLVED", "XPASS", "HUNG", "CRASH", "LEAK", "ERROR", "FLAKY"];
  var form = document.getElementById("filters");
  var table = document.getElementById("matrix");
  var query = new URLSearchParams(location.search);
  ["outcome", "impl", "area"].forEach(function (k) {
    if (query.get(k)) form.elements[k].value = query.get(k);
  });
  function matches(cell, outcome) {
    if (!cell) return false;
    if (outcome === "failing")
      return FAILING.some(function (o) { return cell.classList.contains("o-" + o); });
    return cell.classList.contains("o-" + outcome);
  }
  function apply() {
    var outcome = form.elements.outcome.value, impl = form.elements.impl.value,
        area = form.elements.area.value;
    var heads = Array.prototype.map.call(table.tHead.rows[0].cells,
                                         function (c) { return c.textContent; });
    var column = impl ? heads.indexOf(impl) : -1;
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var current = "", shown = 0, total = 0;
    rows.forEach(function (row) {
      if (row.classList.contains("area")) current = row.textContent.trim();
      if (!row.classList.contains("case")) return;
      total++;
      var cells = Array.prototype.slice.call(row.cells, 3);
      cells.forEach(function (cell, i) { cell.hidden = column >= 0 && i + 3 !== column; });
      var chosen = column >= 0 ? [row.cells[column]] : cells;
      var ok = (!area || current === area) &&
               (!outcome || chosen.some(function (c) { return matches(c, outcome); }));
      row.hidden = !ok;
      if (ok) shown++;
    });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell, i) {
      cell.hidden = i >= 3 && column >= 0 && i !== column;
    });
    // A heading row stays while a case under it is shown.
    var level = {area: 0, section: 1, clause: 2};
    var open = [];
    rows.forEach(function (row) {
      var kind = ["area", "section", "clause"].filter(function (k) {
        return row.classList.contains(k); })[0];
      if (kind) {
        open = open.filter(function (h) { return level[h.kind] < level[kind]; });
        open.push({kind: kind, row: row});
        row.hidden = true;
      } else if (!row.hidden) {
        open.forEach(function (h) { h.row.hidden = false; });
      }
    });
    document.getElementById("filter-count").textContent =
      shown + " of " + total + " case(s) shown";
  }
  form.addEventListener("change", function () {
    apply();
    var q = new URLSearchParams();
    ["outcome", "impl", "area"].forEach(function (k) {
      if (form.elements[k].value) q.set(k, form.elements[k].value);
    });
    history.replaceState(null, "", q.toString() ? "?" + q.toString() : location.pathname);
  });
  apply();
})();
"""


def filters_form(run):
    def select(name, label, options):
        return "<label>%s <select name=\"%s\"><option value=\"\">all</option>%s</select></label>" % (
            label, name, "".join("<option value=\"%s\">%s</option>" % (esc(v), esc(t))
                                 for v, t in options))
    outcomes = [("failing", "failing (FAIL, UNRESOLVED, XPASS, HUNG, CRASH, LEAK, ERROR, "
                             "FLAKY)")] + \
        [(o, o) for o in OUTCOMES]
    impls = [(i["id"], i["label"]) for i in run.ran]
    areas = [(re.sub(r"`", "", a), re.sub(r"`", "", a)) for a, _ in run.areas()]
    return ("<form id=\"filters\" method=\"get\">%s%s%s<span id=\"filter-count\" "
            "class=\"muted\"></span></form>"
            % (select("outcome", "outcome", outcomes), select("impl", "implementation", impls),
               select("area", "area", areas)))


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
    clause_cases = run.clause_cases()
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
            every = clause_cases.get(cid, case_ids)
            fractions = " ".join(
                "<span title=\"%s\">%s %s</span>" % (
                    esc(i["label"]), esc(i["id"]),
                    fraction_cell(*run.fraction(i["id"], every), tag="span"))
                for i in run.ran)
            text = run.clause_texts.get(cid, "")
            rows.append("<tr class=\"clause\"><td colspan=\"%d\">%s — %s"
                        "<span class=\"fractions\">%s</span>%s</td></tr>"
                        % (width, esc(cid), inline(title), fractions,
                           "<details class=\"clause-text\"><summary>the clause</summary>"
                           "<p>%s</p></details>" % inline(text) if text else ""))
        for case_id in case_ids:
            case = run.cases[case_id]
            cells = []
            for impl in run.ran:
                r = run.result(impl["id"], case_id)
                # Not run: outside the modules the implementation provides
                # (run.py's scope), or not in this run's selection.
                outside = not r and case_id in impl.get("out_of_scope", ())
                outcome = shown_outcome(r) if r else "scope" if outside else "none"
                moved = run.change(impl["id"], case_id)
                cells.append("<td class=\"outcome o-%s\"%s><a href=\"cases/%s.html#%s\">%s</a>"
                             "%s</td>"
                             % (outcome, " title=\"%s\"" % esc(runs_text(r))
                                if outcome == "FLAKY" else "", case_id, anchor(impl["id"]),
                                outcome if r else "outside scope" if outside else "—",
                                "<span class=\"change %s\">%s</span>" % (
                                    moved.replace(" ", "-"), moved) if moved else ""))
            rows.append("<tr class=\"case\" id=\"case-%s\"><td><a href=\"cases/%s.html\">%s</a></td>"
                        "<td class=\"case-title\">%s</td><td>%s</td>%s</tr>"
                        % (case_id, case_id, case_id, esc(case.get("title", "")),
                           esc(" ".join(case.get("clauses", []))), "".join(cells)))
    return ("<table id=\"matrix\"><thead><tr><th>case</th><th>title</th><th>clauses</th>%s"
            "</tr></thead><tbody>\n%s\n</tbody></table>" % (head, "\n".join(rows)))


def index_html(run):
    body = ("<h1>pyproc conformance matrix</h1>\n%s\n<h2>Implementations</h2>\n"
            "<p class=\"muted\">Python: the version a row's driver says it is (else the one "
            "its data file declares); judged against: the CPython and start method that "
            "generated the expected files it is compared with.</p>\n%s\n"
            "%s\n"
            "<h2>Pass fractions per area</h2>\n<p class=\"muted\">PASS and XFAIL of the cases "
            "judged (UNSUPPORTED and UNRESOLVED left out: an UNRESOLVED case differs only at "
            "steps that set it up, not where it checks its clauses, so it counts neither for "
            "nor against them); per clause in the table below.</p>\n%s\n"
            "<h2>Root causes</h2>\n<p class=\"muted\">The cases that do not pass, grouped by "
            "their first differing step and the function or attribute it uses, and how it "
            "differs; the other outcomes by name.</p>\n%s\n"
            "<h2>Kinds of difference</h2>\n<p>Cases per kind (a case may show several); "
            "FAIL, UNRESOLVED and XFAIL by what differs, the other outcomes by name.</p>\n%s\n"
            "<h2>Case × implementation</h2>\n<p>Grouped by area, section and the first "
            "clause a case cites; every cell links to the case's page.</p>\n%s\n%s\n"
            "<script>%s</script>"
            % (provenance(run.meta), summary_table(run), changes_section(run),
               fractions_section(run), root_causes_section(run), kinds_section(run),
               filters_form(run), matrix_table(run), FILTER_SCRIPT))
    return page("pyproc conformance matrix", body)


def payload(obs):
    """What a value-level diff compares in an observation: its value, or
    the message of the exception it raised."""
    if isinstance(obs, dict) and "value" in obs:
        return obs["value"]
    if isinstance(obs, dict) and isinstance(obs.get("raised"), dict):
        return obs["raised"].get("message", obs["raised"])
    return obs


def value_diff(e, a, context=40):
    """A value-level diff of two long observations as HTML (<del> what only
    CPython has, <ins> what only the implementation has); "" for short
    ones. Strings are compared character by character, long unchanged runs
    cut to their ends; other values line by line of their indented JSON."""
    if e is None or a is None or isinstance(e, str) or isinstance(a, str):
        return ""
    if max(len(canonical(e)), len(canonical(a))) < LONG_VALUE:
        return ""
    x, y = payload(e), payload(a)
    if isinstance(x, str) and isinstance(y, str):
        left, right, join = x, y, "".join
    else:
        left = json.dumps(x, indent=1, sort_keys=True, ensure_ascii=False).splitlines(True)
        right = json.dumps(y, indent=1, sort_keys=True, ensure_ascii=False).splitlines(True)
        join = "".join
        if left == right:
            return ""
    out = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            text = join(left[i1:i2])
            if len(text) > 2 * context + 5:
                text = text[:context] + " … " + text[-context:]
            out.append(esc(text))
            continue
        if i2 > i1:
            out.append("<del>%s</del>" % esc(join(left[i1:i2])))
        if j2 > j1:
            out.append("<ins>%s</ins>" % esc(join(right[j1:j2])))
    return "<pre class=\"vdiff\" title=\"value-level diff: deleted is CPython's, inserted " \
           "the implementation's\">%s</pre>" % "".join(out)


def observations_table(rows, code=None):
    """The observations side by side; the step as the Python of the case's
    program when there is one (its JSON in the cell's title), else as JSON."""
    out = ["<table class=\"observations\"><thead><tr><th>process</th><th>step</th>"
           "<th>op</th><th>expected</th><th>actual</th></tr></thead><tbody>"]
    for path, index, step, e, a, differs in rows:
        op = short(step, 160) if step is not None else ""
        python = (code or {}).get((path, index))
        cell = ("<pre class=\"python\" title=\"%s\">%s</pre>" % (esc(op), esc(python))
                if python else "<pre>%s</pre>" % esc(op))
        out.append("<tr%s><td>%s</td><td>%s</td><td>%s</td><td><pre>%s</pre></td>"
                   "<td><pre>%s</pre>%s</td></tr>"
                   % (" class=\"diff\"" if differs else "", esc(path),
                      "" if index is None else index, cell,
                      esc(short(e) if e is not None else "—"),
                      esc(short(a) if a is not None else "—"),
                      value_diff(e, a) if differs else ""))
    out.append("</tbody></table>")
    return "\n".join(out)


def impl_section(run, impl, case_id, case):
    r = run.result(impl["id"], case_id)
    head = "<section id=\"%s\"><h2>%s: <span class=\"o-%s\">%s</span></h2>" % (
        anchor(impl["id"]), esc(impl["label"]), shown_outcome(r) if r else "none",
        shown_outcome(r) if r else "not run")
    if r is None:
        return head + "<p>This case was not run for this implementation.</p></section>"
    parts = [head]
    if is_flaky(r):
        parts.append("<p class=\"flaky\">Its outcome changed from run to run: %s. Below: the "
                     "run the runner kept, %s (the first, or the first that failed after a "
                     "success).</p>" % (esc(runs_text(r)), esc(r["outcome"])))
    parts += ["<p class=\"muted\">driver: <code>%s</code>; identity: <code>%s</code>; "
             "%.2f s; expected files: <code>%s</code></p>"
             % (esc(" ".join(impl["command"])), esc(canonical(r.get("implementation"))),
                r.get("seconds", 0), esc(impl["expected_dir"]))]
    moved = run.change(impl["id"], case_id)
    if moved:
        before = run.previous.get(impl["id"], {}).get(case_id) or {}
        parts.append("<p class=\"change %s\">Since the previous run: %s (it was %s; "
                     "outcomes of this run: %s)</p>"
                     % (moved.replace(" ", "-"), moved, esc(before.get("outcome", "not run")),
                        esc(" ".join(r.get("outcomes") or [r["outcome"]]))))
    if r["outcome"] not in ("PASS", "UNSUPPORTED"):
        parts.append("<p class=\"root-cause\">Root cause: %s</p>"
                     % inline(root_cause(case, r)))
        shared = run.version_shared(impl, case_id)
        if shared:
            parts.append("<p class=\"version-shared\">This row is Python %s: CPython %s "
                         "differs from the version judging it here too "
                         "(<code>spec/cross-version.md</code>): %s</p>"
                         % (esc(python_version(impl)), esc(shared[0]), inline(shared[1])))
    if r.get("detail"):
        parts.append("<h3>What the runner said</h3><pre class=\"detail\">%s</pre>"
                     % esc(r["detail"]))
    if r["outcome"] in ("HUNG", "CRASH"):
        parts.append(before_it_stopped(case, r))
    if isinstance(r.get("stderr"), str) and r["stderr"].strip():
        parts.append("<details class=\"stderr\"%s><summary>its stderr (the end)</summary>"
                     "<pre class=\"stderr\">%s</pre></details>"
                     % ("" if r["outcome"] == "PASS" else " open", esc(r["stderr"])))
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
        parts.append(observations_table(rows, run.step_code(case_id)))
    parts.append("</section>")
    return "\n".join(parts)


def before_it_stopped(case, r):
    """What a HUNG or CRASHed driver observed before it was stopped, per
    process: how far it got and the step it was at."""
    actual = r.get("actual")
    live = ("<p class=\"live-hint\">To see how far the case gets under this implementation, "
            "run its program (at the end of this page) with it: <code>PYPROC_HELPER=... "
            "python3 %s.py --live</code> prints each observation as it is made.</p>"
            % esc(r.get("id", "NNNN")))
    if not isinstance(actual, dict) or not actual:
        return ("<div class=\"before-stop\"><h3>Before it was stopped</h3><p>The driver "
                "printed no observations before it was stopped%s; its stderr (below, when "
                "the runner kept it) is what it left.</p>%s</div>"
                % (" (it hung)" if r["outcome"] == "HUNG" else "", live))
    items = []
    for path in sorted(actual, key=lambda p: (p != "main", p)):
        stream = actual[path] if isinstance(actual[path], list) else []
        steps = steps_of(case, path)
        nxt = steps[len(stream)] if len(stream) < len(steps) else None
        items.append("<li><b>%s</b>: %d of %d step(s) observed%s</li>" % (
            esc(path), len(stream), len(steps),
            "; it stopped at step %d: <code>%s</code>" % (len(stream), esc(short(nxt, 160)))
            if nxt is not None else ""))
    return ("<div class=\"before-stop\"><h3>Before it was stopped</h3><ul>%s</ul>%s</div>"
            % ("".join(items), live))


def outcome_rank(run, impl, case_id):
    r = run.result(impl["id"], case_id)
    return ORDER.get(shown_outcome(r), 0) if r else len(ORDER)


def program_section(run, case_id):
    program = run.program(case_id)
    if program is None:
        why = run.program_errors.get(case_id, "")
        return ("<h2>The case as a Python program</h2><p class=\"no-program\">No standalone "
                "program: %s</p>" % esc(why))
    # The steps (main() and what follows); the helper above them, the same
    # in every program, is in the file.
    start = program.find("\ndef main():")
    steps = program[start + 1:] if start >= 0 else program
    helper_lines = program[:start].count("\n") + 1 if start >= 0 else 0
    return ("<h2>The case as a Python program</h2>\n<p>The same steps without the harness "
            "(<code>oracle/reproducer.py</code>): run it under CPython and under the "
            "implementation and compare the lines it prints (<code>--live</code>: as they "
            "happen). The whole program is <a href=\"%s.py\" download>%s.py</a>: below are its "
            "steps; its first %d lines are the observe/print helper every program has. It "
            "needs <code>PYPROC_HELPER</code> set to the suite's helper program where the "
            "case runs it.</p>\n<pre class=\"program\" id=\"program\">%s</pre>"
            % (case_id, case_id, helper_lines, esc(steps)))


def case_html(run, case_id):
    case = run.cases[case_id]
    clause_items = []
    for cid in case.get("clauses", []):
        area, section, title, _ = run.clauses.get(cid, UNGROUPED + (None,))
        text = run.clause_texts.get(cid, "")
        clause_items.append("<li><b>%s</b> — %s <span class=\"muted\">(%s; %s)</span>%s</li>"
                            % (esc(cid), inline(title), inline(area), inline(section),
                               "<div class=\"clause-text\">%s</div>" % inline(text)
                               if text else ""))
    # The implementations that do not conform first (HUNG, CRASH, FAIL, ...).
    ordered = sorted(run.ran, key=lambda i: outcome_rank(run, i, case_id))
    outcomes = "".join(
        "<li><a href=\"#%s\">%s</a>: %s</li>" % (
            anchor(i["id"]), esc(i["label"]),
            shown_outcome(run.result(i["id"], case_id)) if run.result(i["id"], case_id)
            else "not run")
        for i in ordered)
    body = ("<p><a href=\"../index.html#case-%s\">← the matrix</a></p>\n<h1>%s — %s</h1>\n"
            "%s\n<ul class=\"clauses\">%s</ul>\n<ul class=\"outcomes\">%s</ul>\n"
            "<h2>The case</h2><pre id=\"case\">%s</pre>\n%s\n%s"
            % (case_id, esc(case_id), esc(case.get("title", "")), provenance(run.meta),
               "".join(clause_items), outcomes, esc(run.case_texts[case_id]),
               "\n".join(impl_section(run, i, case_id, case) for i in ordered),
               program_section(run, case_id)))
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
    lines += ["", "Root causes (cases per cause):", ""]
    for impl in run.ran:
        causes = run.root_causes(impl["id"])
        lines.append("- %s: %s" % (impl["label"], "; ".join(
            "%s: %d (%s%s)" % (c, len(ids), ", ".join(ids[:5]), ", …" if len(ids) > 5 else "")
            for c, ids in causes.items()) or "none"))
    flaky = {impl["id"]: [(c, r) for c, r in sorted(run.results[impl["id"]].items())
                          if is_flaky(r)] for impl in run.ran}
    if run.meta.get("repeat", 1) > 1 or any(flaky.values()):
        lines += ["", "Flaky cases (outcome changed between the %s runs of each case):"
                  % run.meta.get("repeat", "repeated"), ""]
        for impl in run.ran:
            lines.append("- %s: %s" % (impl["label"], ", ".join(
                "%s (%s)" % (c, " ".join(r.get("outcomes") or [r["outcome"]]))
                for c, r in flaky[impl["id"]]) or "none"))
    if run.previous is not None:
        lines += ["", "Since the previous run:", ""]
        for impl in run.ran:
            changes = run.changes(impl["id"])
            lines.append("- %s: %s" % (impl["label"], "; ".join(
                "%s %d (%s)" % (k, len(changes[k]), ", ".join(changes[k][:10]))
                for k in ("new failure", "fixed", "flaky") if changes.get(k)) or "no change"))
    return "\n".join(lines) + "\n"


def write_report(results_dir, report_dir, root, previous=None):
    """Writes the report of the run in ``results_dir``; ``previous``: the
    results directory of an earlier run to compare with."""
    run = Run(results_dir, root, previous)
    os.makedirs(os.path.join(report_dir, "cases"), exist_ok=True)
    files = {"index.html": index_html(run), "summary.md": summary_markdown(run)}
    for case_id in run.cases:
        files[os.path.join("cases", case_id + ".html")] = case_html(run, case_id)
        if run.program(case_id) is not None:
            files[os.path.join("cases", case_id + ".py")] = run.program(case_id)
    for name, text in files.items():
        with open(os.path.join(report_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
    return run


def main(argv):
    p = argparse.ArgumentParser(prog="report.py", description=__doc__.split("\n")[0])
    p.add_argument("results_dir", metavar="RESULTS_DIR")
    p.add_argument("report_dir", metavar="REPORT_DIR")
    p.add_argument("--previous", metavar="OLD_RESULTS_DIR",
                   help="an earlier run's results directory: new failures, fixed, flaky")
    args = p.parse_args(argv[1:])
    if args.previous and not os.path.isfile(os.path.join(args.previous, "run.json")):
        sys.stderr.write("report.py: --previous %s: no run.json there (give a results "
                         "directory of run.py)\n" % args.previous)
        return 2
    write_report(args.results_dir, args.report_dir, ROOT, args.previous)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
