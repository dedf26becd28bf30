"""Joins the results of the N shards of one matrix run (run.py --shard K/N on
N machines, each leaving DIR/results/run.json and ID.jsonl) into the results
of one run (run.py --merge DIR...): the same run.json entries and, per
implementation, the same JSON lines in the same case order as an unsharded
run writes. Anything that would make the joined run not that run is refused,
naming the shard and the case: a shard missing or given twice, shards of
different selections, commits or implementations, a case that no shard or
two shards ran, an implementation that ran on one shard and was skipped on
another. Standard library only.
"""

import json
import os


class MergeError(Exception):
    pass


def results_dir(path):
    """DIR/results when DIR is a run.py --out, else DIR itself."""
    inner = os.path.join(path, "results")
    return inner if os.path.exists(os.path.join(inner, "run.json")) else path


def read_shard(path):
    results = results_dir(path)
    run_json = os.path.join(results, "run.json")
    try:
        with open(run_json, encoding="utf-8") as f:
            meta = json.load(f)
    except OSError as e:
        raise MergeError("%s: no run.json of a run.py --out (%s)" % (path, e.strerror))
    except ValueError as e:
        raise MergeError("%s: not JSON: %s" % (run_json, e))
    if "selection" not in meta:
        raise MergeError("%s: written by a run.py without --shard support (no "
                         "\"selection\"): run the shards again" % run_json)
    shard = meta.get("shard") or {"index": 1, "count": 1, "cases": meta["selection"]}
    return results, meta, shard


def read_lines(path):
    """The JSON lines of ``path``, in file order, as (id, text, doc)."""
    lines = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError as e:
                raise MergeError("%s:%d: not JSON: %s" % (path, number, e))
            if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                raise MergeError("%s:%d: a line without a case id" % (path, number))
            lines.append((doc["id"], line if line.endswith("\n") else line + "\n", doc))
    return lines


def listed(ids, limit=10):
    ids = sorted(ids)
    return ", ".join(ids[:limit]) + (" and %d more" % (len(ids) - limit) if len(ids) > limit
                                     else "")


def check_shards(shards):
    """The shards of ``shards`` [(path, results, meta, shard)] as one run's:
    the same N, every K once, the same selection, commit and
    implementations; returns them in K order."""
    first_path, _, first, first_shard = shards[0]
    count = first_shard["count"]
    by_index = {}
    for path, results, meta, shard in shards:
        if shard["count"] != count:
            raise MergeError("%s is shard %d/%d but %s is one of %d" % (
                path, shard["index"], shard["count"], first_path, count))
        if shard["index"] in by_index:
            raise MergeError("shard %d/%d is given twice: %s and %s" % (
                shard["index"], count, by_index[shard["index"]][0], path))
        by_index[shard["index"]] = (path, results, meta, shard)
        for key, what in (("selection", "selection of cases"), ("commit", "commit"),
                          ("only", "--only")):
            if meta.get(key) != first.get(key):
                raise MergeError("%s and %s differ in their %s (%s / %s): shards of "
                                 "different runs" % (first_path, path, what,
                                                     _brief(first.get(key)),
                                                     _brief(meta.get(key))))
        ids = [e["id"] for e in meta["implementations"]]
        if ids != [e["id"] for e in first["implementations"]]:
            raise MergeError("%s and %s ran different implementations (%s / %s)" % (
                first_path, path, ", ".join(e["id"] for e in first["implementations"]),
                ", ".join(ids)))
    missing = [k for k in range(1, count + 1) if k not in by_index]
    if missing:
        raise MergeError("shard%s %s of %d %s missing" % (
            "s" if len(missing) > 1 else "", ", ".join("%d/%d" % (k, count) for k in missing),
            count, "are" if len(missing) > 1 else "is"))
    return [by_index[k] for k in range(1, count + 1)]


def _brief(value):
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def merge_entry(impl_id, ordered, selection, out_results):
    """The run.json entry of ``impl_id`` over every shard, writing its
    joined JSON lines into ``out_results``."""
    entries = [(path, results, next(e for e in meta["implementations"] if e["id"] == impl_id))
               for path, results, meta, _ in ordered]
    statuses = sorted({e["status"] for _, _, e in entries})
    first = dict(entries[0][2])
    if statuses == ["skipped"]:
        return first
    if "error" in statuses:
        reasons = ["%s: %s" % (path, e.get("reason", "")) for path, _, e in entries
                   if e["status"] == "error"]
        return dict(first, status="error", reason="; ".join(reasons))
    if statuses != ["ran"]:
        where = ", ".join("%s %s" % (path, e["status"]) for path, _, e in entries)
        raise MergeError("%s ran on some shards and not on others (%s): its cases on "
                         "those shards are missing" % (impl_id, where))
    seen, lines = {}, {}
    for path, results, entry in entries:
        for case_id, text, _ in read_lines(os.path.join(results, entry["results"])):
            if case_id in seen:
                raise MergeError("%s: case %s is in two shards (%s and %s)" % (
                    impl_id, case_id, seen[case_id], path))
            seen[case_id] = path
            lines[case_id] = text
    # Cases outside the implementation's scope were never run (run.py
    # skips them, the same on every shard).
    outside = set(first.get("out_of_scope", []))
    wanted = set(selection) - outside
    if set(lines) - wanted:
        raise MergeError("%s: case(s) %s are not in the run's selection" % (
            impl_id, listed(set(lines) - wanted)))
    if wanted - set(lines):
        raise MergeError("%s: case(s) %s are in no shard's results" % (
            impl_id, listed(wanted - set(lines))))
    with open(os.path.join(out_results, impl_id + ".jsonl"), "w", encoding="utf-8") as f:
        for case_id in selection:
            if case_id not in outside:
                f.write(lines[case_id])
    logs = []
    for path, results, entry in entries:
        log_file = os.path.join(results, impl_id + ".log")
        if os.path.exists(log_file):
            with open(log_file, encoding="utf-8", errors="replace") as f:
                logs.append("== %s\n%s" % (path, f.read()))
    with open(os.path.join(out_results, impl_id + ".log"), "w", encoding="utf-8") as f:
        f.write("".join(logs))
    identities = []
    for _, _, entry in entries:
        if entry.get("identity") is not None and entry["identity"] not in identities:
            identities.append(entry["identity"])
    merged = dict(first, results=impl_id + ".jsonl",
                  exit_status=max(e["exit_status"] for _, _, e in entries),
                  wall_seconds=round(sum(e["wall_seconds"] for _, _, e in entries), 1),
                  shard_wall_seconds=[e["wall_seconds"] for _, _, e in entries],
                  identity=identities[0] if identities else None)
    notes = [e["note"] for _, _, e in entries if e.get("note")]
    if len(identities) > 1:
        notes.append("the shards' drivers gave %d identities" % len(identities))
    if notes:
        merged["note"] = "; ".join(dict.fromkeys(notes))
    else:
        merged.pop("note", None)
    return merged


def merge(paths, out):
    """Joins the shards of ``paths`` into ``out``/results (run.json and the
    JSON lines); returns the joined run.json."""
    if not paths:
        raise MergeError("no shard given")
    shards = [(path,) + read_shard(path) for path in paths]
    ordered = check_shards(shards)
    first = ordered[0][2]
    selection = first["selection"]
    out_results = os.path.join(out, "results")
    if any(os.path.abspath(results) == os.path.abspath(out_results) for _, results, _, _ in
           ordered):
        raise MergeError("--out %s is one of the shards: give the joined run a directory "
                         "of its own" % out)
    os.makedirs(out_results, exist_ok=True)
    entries = [merge_entry(e["id"], ordered, selection, out_results)
               for e in first["implementations"]]
    machines = list(dict.fromkeys(meta["machine"] for _, _, meta, _ in ordered))
    return {"started": min(meta["started"] for _, _, meta, _ in ordered),
            "finished": max(meta["finished"] for _, _, meta, _ in ordered),
            "commit": first["commit"], "machine": "; ".join(machines),
            "case_count": len(selection), "only": first["only"], "jobs": first["jobs"],
            "selection": selection, "merged_shards": len(ordered),
            "implementations": entries}
