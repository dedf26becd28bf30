"""The C++ snippets of a Markdown guide, as programs ctest compiles and runs
(standard library only).

Usage:
  python3 snippets.py extract GUIDE.md OUTDIR [PRELUDE.md]
                                                write OUTDIR/NAME.cpp (and
                                                 NAME.expected) per snippet,
                                                 and OUTDIR/snippets.cmake
                                                 (the prelude from PRELUDE.md
                                                 when GUIDE.md has none)
  python3 snippets.py run PROGRAM [EXPECTED]    run one; exit 0, and the
                                                 exact stdout when EXPECTED

Every ```cpp block of the guide is a snippet. The first one that starts
with the line `// prelude` is the prelude: the includes and namespace
aliases the guide states once, at its top. A snippet that defines `int main`
is a whole program; any other is the body of main(), after the prelude.
Top-level declarations a body needs (a Process subclass) go in a block that
starts with the line `// top level`, and are put before main() of the next
snippet.

A ```output block right after a snippet is what it must print, exactly.
Without one, the snippet only has to exit 0 with nothing on stderr.

Snippets are named after the guide and the heading they appear under
(porting_<slug>_<n>),
so a failing ctest says where in the guide to look.
"""
import pathlib
import re
import subprocess
import sys


FENCE = re.compile(r"^```(\w*)\s*$")


def blocks(text):
    """(heading, info, code) for every fenced block, in order."""
    heading = "intro"
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#") and not line.startswith("#!"):
            heading = line.lstrip("#").strip()
        match = FENCE.match(line)
        if match:
            end = i + 1
            while end < len(lines) and not lines[end].startswith("```"):
                end += 1
            if end == len(lines):
                sys.exit(f"unclosed ``` block at line {i + 1}")
            yield heading, match.group(1), "\n".join(lines[i + 1:end]) + "\n", i + 1
            i = end
        i += 1


def slug(heading):
    return re.sub(r"[^a-z0-9]+", "_", heading.lower()).strip("_")[:40] or "section"


def prelude_of(guide):
    for _, info, code, _ in blocks(guide.read_text(encoding="utf-8")):
        if info == "cpp" and code.startswith("// prelude"):
            return code
    sys.exit(f"{guide}: no ```cpp block starts with `// prelude`")


def extract(guide, outdir, prelude_guide=None):
    stem = re.sub(r"[^a-z0-9]+", "_", guide.stem.lower())
    outdir.mkdir(parents=True, exist_ok=True)
    for old in outdir.glob(f"{stem}_*"):
        old.unlink()
    names = []
    counts = {}
    top_level = ""
    prelude = prelude_of(prelude_guide) if prelude_guide else None
    last = None
    for heading, info, code, line in blocks(guide.read_text(encoding="utf-8")):
        if info == "output":
            if last is None:
                sys.exit(f"line {line}: an ```output block must follow a ```cpp block")
            (outdir / f"{last}.expected").write_text(code, encoding="utf-8")
            last = None
            continue
        last = None
        if info != "cpp":
            continue
        if code.startswith("// prelude"):
            prelude = prelude or code
            continue
        if code.startswith("// top level"):
            top_level += code
            continue
        base = f"{stem}_{slug(heading)}"
        counts[base] = counts.get(base, 0) + 1
        name = f"{base}_{counts[base]}"
        where = f"// {guide.name}, line {line}\n"
        if re.search(r"\bint main\s*\(", code):
            source = where + top_level + code
        else:
            body = "".join("  " + l if l else l for l in code.splitlines(True))
            if prelude is None:
                sys.exit(f"line {line}: a snippet body comes before the `// prelude` block")
            source = (where + prelude + "\n" + top_level + "\nint main() {\n" + body +
                      "}\n")
        top_level = ""
        (outdir / f"{name}.cpp").write_text(source, encoding="utf-8")
        names.append(name)
        last = name
    if top_level:
        sys.exit("a `// top level` block is not followed by a snippet")
    (outdir / f"{stem}.cmake").write_text(
        "list(APPEND PYPROC_SNIPPETS " + " ".join(names) + ")\n", encoding="utf-8")


def run(program, expected):
    result = subprocess.run([program], capture_output=True, timeout=50)
    problems = []
    if result.returncode != 0:
        problems.append(f"exited {result.returncode}")
    if result.stderr:
        problems.append(f"wrote to stderr: {result.stderr.decode(errors='replace')!r}")
    if expected is not None:
        want = pathlib.Path(expected).read_bytes()
        if result.stdout != want:
            problems.append(f"printed {result.stdout.decode(errors='replace')!r}, "
                            f"the guide says {want.decode(errors='replace')!r}")
    if problems:
        sys.exit(f"{program}: " + "; ".join(problems))


def main(argv):
    if len(argv) in (4, 5) and argv[1] == "extract":
        extract(pathlib.Path(argv[2]), pathlib.Path(argv[3]),
                pathlib.Path(argv[4]) if len(argv) == 5 else None)
    elif len(argv) in (3, 4) and argv[1] == "run":
        run(argv[2], argv[3] if len(argv) == 4 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
