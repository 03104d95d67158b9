#!/usr/bin/env python3
"""Checks Autobahn|Testsuite reports written by scripts/autobahn.sh.

Usage: autobahn_check.py [--agent NAME] [--expect N] [--write-doc PATH [--section NAME]] REPORT_DIR...

Each REPORT_DIR (target/autobahn/server, target/autobahn/client) holds wstest's
index.json plus run.json from autobahn.sh (expected case count, run time, ...).
Fails when a report is missing or short (wstest exits 0 with an empty report
when it cannot reach the testee), when the harness recorded an error, or when
any case's behavior or behaviorClose is not OK/INFORMATIONAL.
"""
import argparse
import collections
import json
import os
import re
import sys

PASSING = {"OK", "INFORMATIONAL"}
FULL_RUN_CASES = 517  # all of wstest 25.10.1's cases


def allowed(case_id, behavior):
    return behavior in PASSING


def case_key(case_id):
    return tuple(int(x) for x in case_id.split("."))


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def check_dir(d, agent, expect):
    """Returns a dict describing one mode's results."""
    run = load_json(os.path.join(d, "run.json")) or {}
    mode = run.get("mode") or os.path.basename(os.path.normpath(d))
    res = {"mode": mode, "run": run, "errors": [], "behavior": collections.Counter(),
           "close": collections.Counter(), "failing": [], "count": 0}
    expected = expect if expect is not None else run.get("expected")
    res["expected"] = expected
    if run.get("cases") == ["*"] and expected != FULL_RUN_CASES:
        res["errors"].append("full run expects %d cases, not %s" % (FULL_RUN_CASES, expected))
    if run.get("status") not in (None, "ok"):
        res["errors"].append("harness: " + run["status"])
    index = load_json(os.path.join(d, "index.json"))
    if index is None:
        res["errors"].append("no report %s (testee unreachable, crashed or timed out?)"
                             % os.path.join(d, "index.json"))
        return res
    if agent not in index:
        res["errors"].append("no results for agent %r in report (agents: %s)"
                             % (agent, ", ".join(sorted(index)) or "none"))
        return res
    extra = sorted(set(index) - {agent})
    if extra:
        res["errors"].append("unexpected agents in report: " + ", ".join(extra))
    cases = index[agent]
    res["count"] = len(cases)
    if expected is None:
        res["errors"].append("expected case count unknown (no run.json, no --expect)")
    elif len(cases) != expected:
        res["errors"].append("report has %d cases, expected %d" % (len(cases), expected))
    for cid in sorted(cases, key=case_key):
        c = cases[cid]
        b, bc = c.get("behavior"), c.get("behaviorClose")
        res["behavior"][b] += 1
        res["close"][bc] += 1
        if not allowed(cid, b) or bc not in PASSING:
            detail = load_json(os.path.join(d, c.get("reportfile", ""))) or {}
            res["failing"].append({
                "id": cid, "behavior": b, "behaviorClose": bc,
                "description": " ".join(re.sub(r"<[^>]*>", "", str(detail.get("description", ""))).split()),
                "result": detail.get("result", ""), "resultClose": detail.get("resultClose", ""),
            })
    return res


def ok(res):
    return not res["errors"] and not res["failing"]


def fmt_counts(counter):
    return ", ".join("%s %d" % (k, v) for k, v in sorted(counter.items(), key=lambda kv: -kv[1])) or "none"


def print_result(res):
    run = res["run"]
    print("== %s: %d/%s cases, %s s, %s" % (res["mode"], res["count"], res["expected"],
                                            run.get("seconds", "?"), "PASS" if ok(res) else "FAIL"))
    print("   behavior:      " + fmt_counts(res["behavior"]))
    print("   behaviorClose: " + fmt_counts(res["close"]))
    for e in res["errors"]:
        print("   ERROR: " + e)
    for f in res["failing"]:
        print("   FAILED %s: behavior=%s behaviorClose=%s | %s | %s | %s"
              % (f["id"], f["behavior"], f["behaviorClose"], f["description"],
                 f["result"], f["resultClose"]))


BEHAVIORS = ["OK", "INFORMATIONAL", "NON-STRICT", "UNIMPLEMENTED", "FAILED"]
CLOSES = ["OK", "INFORMATIONAL", "WRONG CODE", "UNCLEAN", "FAILED BY CLIENT", "FAILED"]


def table(results, key, columns):
    others = sorted({b for r in results for b in r[key]} - set(columns), key=str)
    cols = columns + others
    lines = ["| Mode | Cases | " + " | ".join(map(str, cols)) + " |",
             "|---" * (len(cols) + 2) + "|"]
    for r in results:
        lines.append("| %s | %d | " % (r["mode"], r["count"])
                     + " | ".join(str(r[key].get(c, 0)) for c in cols) + " |")
    return lines


SECTION_RE = r"<!-- begin (\S+) -->\n.*?<!-- end \1 -->\n"

SECTION_TITLES = {
    "python": (
        "Python server",
        "`scripts/autobahn.sh python` (full run): wstest's fuzzingclient against",
        "`examples/python/asyncio_echo_server.py`, the echo server on `wsdriver.asyncio`",
        "(with permessage-deflate), run from the built wheel.",
    ),
}


def write_section(path, name, results):
    """Replaces (or appends) the block for `name` in the doc at `path`."""
    title, *intro = SECTION_TITLES.get(name, (name,))
    block = ["<!-- begin %s -->" % name, "## %s" % title, ""] + list(intro) + [""]
    block += ["- Result: **%s**" % ("PASS" if all(ok(r) for r in results) else "FAIL")]
    for r in results:
        block.append("- Date: %s, wstest: %s, %s s, testee `%s`" % (
            r["run"].get("date", "?"), r["run"].get("wstest", "?"),
            r["run"].get("seconds", "?"), r["run"].get("testee", "?")))
    block += ["", "behavior:", ""] + table(results, "behavior", BEHAVIORS)
    block += ["", "behaviorClose:", ""] + table(results, "close", CLOSES)
    failing = [(r, f) for r in results for f in r["failing"]]
    problems = [(r, e) for r in results for e in r["errors"]]
    if problems or failing:
        block += [""] + ["- %s: %s" % (r["mode"], e) for r, e in problems]
        block += ["- %s %s: %s / %s — %s" % (r["mode"], f["id"], f["behavior"], f["behaviorClose"],
                                              f["description"]) for r, f in failing]
    block += ["<!-- end %s -->" % name, ""]
    text = "\n".join(block)
    try:
        with open(path) as fh:
            doc = fh.read()
    except OSError:
        doc = "# Autobahn|Testsuite conformance\n"
    pattern = SECTION_RE.replace("(\\S+)", re.escape(name)).replace("\\1", re.escape(name))
    if re.search(pattern, doc, re.S):
        doc = re.sub(pattern, lambda m: text, doc, flags=re.S)
    else:
        doc = doc.rstrip("\n") + "\n\n" + text
    with open(path, "w") as fh:
        fh.write(doc)
    print("wrote section %s of %s" % (name, path))


def kept_sections(path):
    """The sections written by other runs, to keep when the doc is rewritten."""
    try:
        with open(path) as fh:
            return [m.group(0) for m in re.finditer(SECTION_RE, fh.read(), re.S)]
    except OSError:
        return []


def write_doc(path, results):
    run0 = next((r["run"] for r in results if r["run"]), {})
    sections = kept_sections(path)
    out = [
        "# Autobahn|Testsuite conformance",
        "",
        "Generated by `scripts/autobahn.sh both` (full run) through",
        "`scripts/autobahn_check.py --write-doc`; do not edit by hand.",
        "",
        "- Result: **%s**" % ("PASS" if all(ok(r) for r in results) else "FAIL"),
        "- wstest: %s" % run0.get("wstest", "?"),
        "- Date: %s" % run0.get("date", "?"),
    ]
    for r in results:
        out.append("- %s mode: %s s, testee `%s`" % (r["mode"], r["run"].get("seconds", "?"),
                                                      r["run"].get("testee", "?")))
    out += [
        "",
        "Passing means every case is OK or INFORMATIONAL (behavior and behaviorClose),",
        "permessage-deflate (12.*, 13.*) included.",
        "Server mode: wstest's fuzzingclient against the echo server; client mode: our",
        "client against wstest's fuzzingserver.",
        "",
        "## behavior",
        "",
    ] + table(results, "behavior", BEHAVIORS) + [
        "",
        "## behaviorClose",
        "",
    ] + table(results, "close", CLOSES)
    problems = [(r, e) for r in results for e in r["errors"]]
    failing = [(r, f) for r in results for f in r["failing"]]
    if problems or failing:
        out += ["", "## Failures", ""]
        out += ["- %s: %s" % (r["mode"], e) for r, e in problems]
        out += ["- %s %s: %s / %s — %s" % (r["mode"], f["id"], f["behavior"], f["behaviorClose"],
                                            f["description"]) for r, f in failing]
    for s in sections:
        out += ["", s.rstrip("\n")]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("\n".join(out) + "\n")
    print("wrote " + path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", metavar="REPORT_DIR")
    ap.add_argument("--agent", default="wsdriver")
    ap.add_argument("--expect", type=int, help="expected case count (default: from run.json)")
    ap.add_argument("--write-doc", metavar="PATH", help="regenerate docs/CONFORMANCE.md")
    ap.add_argument("--section", metavar="NAME",
                    help="with --write-doc: write only this section (e.g. python) of the doc")
    args = ap.parse_args()
    results = [check_dir(d, args.agent, args.expect) for d in args.dirs]
    for r in results:
        print_result(r)
    if args.write_doc and args.section:
        write_section(args.write_doc, args.section, results)
    elif args.write_doc:
        write_doc(args.write_doc, results)
    good = all(ok(r) for r in results)
    print("autobahn: %s" % ("PASS" if good else "FAIL"))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
