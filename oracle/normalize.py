"""§6 normalisation: a raw driver document made portable.

normalize(raw_doc, case_doc, paths=None) -> {"case": ID, "streams": {...}}

``paths`` maps "tmp", "helper" and "helper_dir" to the paths of this run (§6
step 5): in every string they become "<tmp>", "<helper>", "<helper_dir>",
the longest first, before pids are looked for.

Visiting order decides the numbers, so it is fixed precisely:
- streams: "main" first, then the other paths sorted by code point;
- observations in order; within one, depth-first: arrays in order, objects
  by member name sorted by code point (so a "raised" object's "message" comes
  before its "type");
- within a string, addresses and digit runs from left to right.
The conformance/protocol-vectors/normalize.json vectors pin all of this down
for every normaliser (this one, and the C++ harness's).
"""

import re

# A default repr's address ("<X object at 0x7f3a...>", §6 step 6), else a run
# of digits (ASCII only: \d would match other scripts). One left-to-right
# pass, so the digits of an address are never taken for a pid, and a tag
# once written is not looked at again.
_DIGITS = re.compile(r"(?<= object at )0x[0-9a-fA-F]+|[0-9]+")


class _Numbering:
    """Gives the distinct keys "prefix#1", "prefix#2", ... by first sight."""

    def __init__(self, prefix):
        self._prefix = prefix
        self._seen = {}

    def __call__(self, key):
        if key not in self._seen:
            self._seen[key] = len(self._seen) + 1
        return "%s#%d" % (self._prefix, self._seen[key])


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def literal_bytes(case_doc):
    """Every byte string written as {"bytes": hex} anywhere in the case."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if set(node) == {"bytes"} and isinstance(node["bytes"], str):
                try:
                    found.add(bytes.fromhex(node["bytes"]))
                except ValueError:
                    pass
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(case_doc)
    return found


class _Normalizer:
    def __init__(self, pids, literals, paths):
        self.pid_texts = {str(p) for p in pids if _is_int(p)}
        self.literals = literals
        self.paths = sorted(((path, "<%s>" % name) for name, path in paths.items() if path),
                            key=lambda item: -len(item[0]))
        self.pids = _Numbering("pid")
        self.fds = _Numbering("fd")
        self.uids = _Numbering("uid")
        self.gids = _Numbering("gid")
        self.authkeys = _Numbering("authkey")
        self.addresses = _Numbering("addr")

    def value(self, v):
        if isinstance(v, dict):
            if len(v) == 1:
                (key, inner), = v.items()
                if key == "pid" and _is_int(inner):
                    return self.pids(inner)
                if key == "fd" and _is_int(inner):
                    return self.fds(inner)
                if key == "uid" and _is_int(inner):
                    return self.uids(inner)
                if key == "gid" and _is_int(inner):
                    return self.gids(inner)
                if key == "authkey" and isinstance(inner, str):
                    return self.authkey(inner)
                if key == "bytes":
                    return v
            return {k: self.value(v[k]) for k in sorted(v)}
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if isinstance(v, str):
            for path, symbol in self.paths:
                v = v.replace(path, symbol)
            return _DIGITS.sub(self._digit_run, v)
        return v

    def _digit_run(self, match):
        text = match.group(0)
        if text.startswith("0x"):
            return self.addresses(text.lower())
        # Textual equality: "0123" is not pid 123.
        return self.pids(int(text)) if text in self.pid_texts else text

    def authkey(self, hex_text):
        key = bytes.fromhex(hex_text)
        if key in self.literals:
            return {"bytes": key.hex()}
        return "%s(%d)" % (self.authkeys(key), len(key))


def stream_order(streams):
    rest = sorted(p for p in streams if p != "main")
    return (["main"] if "main" in streams else []) + rest


def normalize(raw_doc, case_doc, paths=None):
    if "unsupported" in raw_doc:
        raise ValueError("case %s is unsupported: %s"
                         % (raw_doc.get("case"), raw_doc["unsupported"]))
    norm = _Normalizer(raw_doc["pids"], literal_bytes(case_doc), paths or {})
    streams = raw_doc["streams"]
    out = {}
    for path in stream_order(streams):
        out[path] = [norm.value(obs) for obs in streams[path]]
    return {"case": raw_doc["case"], "streams": out}
