#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Count the results of a TAP log the way scripts/check reports them.

  tap_count.py LOG [--allow-skip REGEX]...

Prints "PASSED FAILED SKIPPED" on the first line, then one line per
failure ("fail: ...") and per skip ("skip: ..."). A log may interleave the
streams of several VMs ("[vmN] " prefixes): each is counted on its own.

Within a stream, a program's own subtests ("# ok N", one "# " deeper than
the stream's results) are counted instead of the program's summary line.
Nothing that went wrong can come out as a pass:
- a program's subtests still pending at the end of the log (the guest
  crashed or timed out before the program's summary line) are counted, and
  the missing summary line is a failure of its own;
- a plan ("1..N") that does not match the number of results is a failure,
  for a program's subtests as for the stream itself;
- a program that failed without a failed subtest is one failure;
- "Bail out!" is a failure;
- a skip whose description matches none of the --allow-skip patterns (the
  skips the suite declares) is a failure. An XFAIL is a pass.
"""

import re
import sys

RESULT = re.compile(r"^((?:# )*)(not ok|ok)\b\s*(\d+)?\s*(.*)$")
PLAN = re.compile(r"^((?:# )*)1\.\.(\d+)\b")
VM_PREFIX = re.compile(r"^(\[vm\d+\] )")


class Stream:
    def __init__(self, name):
        self.name = name
        self.top_plan = None
        self.top_results = 0
        self.sub = []       # pending subtests: (kind, text)
        self.sub_plan = None
        self.passed = self.failed = self.skipped = 0
        self.failures = []
        self.skips = []
        self.last_program = None
        self.program = None     # the runner's "# selftests: ..." header

    def where(self, text):
        return f"{self.name}{text}"

    def _count(self, kind, text, allow):
        if kind == "fail":
            self.failed += 1
            self.failures.append(self.where(text))
        elif kind == "skip":
            if any(re.search(a, text) for a in allow):
                self.skipped += 1
                self.skips.append(self.where(text))
            else:
                self.failed += 1
                self.failures.append(self.where(f"{text} (a skip this suite does not allow)"))
        else:
            self.passed += 1

    @staticmethod
    def kind_of(status, rest):
        directive = rest.split("#", 1)[1].strip().upper() if "#" in rest else ""
        if directive.startswith("XFAIL"):
            return "pass"
        if directive.startswith("SKIP"):
            return "skip"
        return "fail" if status == "not ok" else "pass"

    def flush_program(self, top_kind, top_text, allow):
        subs, plan = self.sub, self.sub_plan
        self.sub, self.sub_plan = [], None
        started = self.program is not None
        label = top_text or self.program or f"the program after {self.last_program or 'the start'}"
        self.program = None
        if not subs:
            if plan:
                self._count("fail", f"{label}: planned {plan} subtests, reported none", allow)
            if top_kind is not None:
                self._count(top_kind, top_text, allow)
            elif started:
                self._count("fail", f"{label}: no result line (crashed or timed out)", allow)
            return
        for kind, text in subs:
            self._count(kind, text, allow)
        if plan is not None and plan != len(subs):
            self._count("fail", f"{label}: planned {plan} subtests, reported {len(subs)}", allow)
        if top_kind is None:
            self._count("fail", f"{label}: no result line (crashed or timed out)", allow)
        elif top_kind == "fail" and not any(k == "fail" for k, _ in subs):
            self._count("fail", top_text, allow)

    def line(self, line, allow):
        if line.startswith("# selftests: "):
            if self.sub:
                self.flush_program(None, "", allow)
            self.program = line[2:]
            return
        if line.startswith("Bail out!"):
            self._count("fail", line, allow)
            return
        m = PLAN.match(line)
        if m:
            depth = len(m.group(1)) // 2
            if depth == 0:
                # One log may hold several TAP documents (a suite running
                # two programs): a plan closes the results before it when
                # it trails them, else opens a new document.
                if self.sub:
                    self.flush_program(None, "", allow)
                if self.top_plan is not None:
                    self.check_top_plan(allow)
                    self.top_plan = int(m.group(2))
                elif self.top_results:
                    self.top_plan = int(m.group(2))
                    self.check_top_plan(allow)
                    self.top_plan = None
                else:
                    self.top_plan = int(m.group(2))
            elif depth == 1:
                if self.sub:
                    # A new program's plan while the previous one's
                    # subtests are still open: that one never finished.
                    self.flush_program(None, "", allow)
                self.sub_plan = int(m.group(2))
            return
        m = RESULT.match(line)
        if not m:
            return
        depth = len(m.group(1)) // 2
        status, rest = m.group(2), m.group(4)
        text = f"{status} {m.group(3) or ''} {rest}".replace("  ", " ").strip()
        kind = self.kind_of(status, rest)
        if depth == 0:
            self.top_results += 1
            self.flush_program(kind, text, allow)
            self.last_program = text
        elif depth == 1:
            self.sub.append((kind, text))

    def check_top_plan(self, allow):
        if self.top_plan != self.top_results:
            self._count("fail", f"planned {self.top_plan} results, reported {self.top_results}",
                        allow)
        self.top_results = 0

    def end(self, allow):
        self.flush_program(None, "", allow)
        if self.top_plan is not None:
            self.check_top_plan(allow)


def count(lines, allow):
    streams = {}
    for raw in lines:
        line = raw.rstrip("\r\n").replace("\r", "")
        m = VM_PREFIX.match(line)
        prefix = m.group(1) if m else ""
        if m:
            line = line[len(prefix):]
        if prefix not in streams:
            streams[prefix] = Stream(prefix)
        streams[prefix].line(line, allow)
    for s in streams.values():
        s.end(allow)
    return list(streams.values())


def main(argv):
    allow = []
    args = argv[1:]
    log = None
    while args:
        a = args.pop(0)
        if a == "--allow-skip" and args:
            allow.append(args.pop(0))
        elif log is None:
            log = a
        else:
            print(__doc__.strip(), file=sys.stderr)
            return 2
    if log is None:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(log, encoding="utf-8", errors="replace") as f:
        streams = count(f, allow)
    print(sum(s.passed for s in streams), sum(s.failed for s in streams),
          sum(s.skipped for s in streams))
    for s in streams:
        for t in s.failures:
            print(f"fail: {t}")
    for s in streams:
        for t in s.skips:
            print(f"skip: {t}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
