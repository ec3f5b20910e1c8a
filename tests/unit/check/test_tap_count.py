#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of scripts/tap_count.py, the counter behind scripts/check:
the logs a crashed, timed-out or lying test run leaves must never come out
as a clean pass. Prints TAP."""

import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
COUNTER = os.path.join(ROOT, "scripts", "tap_count.py")

HEAD = "TAP version 13\n1..1\n# selftests: ainic: t.sh\n# TAP version 13\n"

# (name, log, allowed skips, expected (passed, failed, skipped))
CASES = [
    ("a clean run counts its subtests",
     HEAD + "# 1..2\n# ok 1 a\n# ok 2 b\n# # Totals: pass:2\nok 1 selftests: ainic: t.sh\n",
     [], (2, 0, 0)),
    ("a guest crash after a failed subtest fails (the failure and the missing line)",
     HEAD + "# 1..3\n# ok 1 a\n# not ok 2 forced failure\n[   12.3] sysrq: Trigger a crash\n",
     [], (1, 4, 0)),
    ("a crash before any subtest fails",
     HEAD + "# 1..3\n", [], (0, 3, 0)),
    ("fewer subtests than planned fail even when the program says ok",
     HEAD + "# 1..3\n# ok 1 a\n# ok 2 b\nok 1 selftests: ainic: t.sh\n",
     [], (2, 1, 0)),
    ("fewer programs than the top-level plan fail",
     "TAP version 13\n1..2\n# selftests: ainic: t.sh\n# 1..1\n# ok 1 a\n"
     "ok 1 selftests: ainic: t.sh\n",
     [], (1, 1, 0)),
    ("a program failing with no failed subtest is one failure",
     HEAD + "# 1..1\n# ok 1 a\nnot ok 1 selftests: ainic: t.sh # exit=1\n",
     [], (1, 1, 0)),
    ("a timed-out program fails",
     HEAD + "# 1..2\n# ok 1 a\nnot ok 1 selftests: ainic: t.sh # TIMEOUT 1200 seconds\n",
     [], (1, 2, 0)),
    ("a skip the suite does not allow is a failure",
     HEAD + "# 1..0 # SKIP no device\nok 1 selftests: ainic: t.sh # SKIP\n",
     [], (0, 1, 0)),
    ("a skip the suite allows is a skip",
     HEAD + "# 1..1\n# ok 1 pause # SKIP no pause frames\nok 1 selftests: ainic: t.sh\n",
     ["pause"], (0, 0, 1)),
    ("an allowed pattern does not excuse another skip",
     HEAD + "# 1..2\n# ok 1 pause # SKIP x\n# ok 2 fec # SKIP y\nok 1 selftests: ainic: t.sh\n",
     ["pause"], (0, 1, 1)),
    ("an XFAIL is a pass",
     HEAD + "# 1..1\n# ok 1 fec # XFAIL not supported\nok 1 selftests: ainic: t.sh\n",
     [], (1, 0, 0)),
    ("two TAP documents in one log are checked against their own plans",
     "TAP version 13\n1..2\nok 1 a\nok 2 b\nTAP version 13\n1..3\nok 1 c\nok 2 d\nok 3 e\n",
     [], (5, 0, 0)),
    ("the second of two documents falling short fails",
     "TAP version 13\n1..1\nok 1 a\nTAP version 13\n1..3\nok 1 c\n",
     [], (2, 1, 0)),
    ("a trailing plan is checked too",
     "TAP version 13\nok 1 a\nok 2 b\n1..3\n", [], (2, 1, 0)),
    ("Bail out! is a failure",
     "TAP version 13\n1..2\nok 1 a\nBail out! cannot build\n", [], (1, 2, 0)),
    ("a flat TAP stream counts its own results",
     "TAP version 13\n1..3\nok 1 a\nnot ok 2 b\nok 3 c\n", [], (2, 1, 0)),
    ("two VMs' streams are counted apart, a crash in one is seen",
     "[vm0] TAP version 13\n[vm1] TAP version 13\n[vm0] 1..2\n[vm1] 1..2\n"
     "[vm0] ok 1 a\n[vm1] ok 1 a\n[vm0] ok 2 b\n",
     [], (3, 1, 0)),
    ("carriage returns from a serial console change nothing",
     HEAD.replace("\n", "\r\n") + "# 1..1\r\n# not ok 1 a\r\nnot ok 1 selftests: ainic: t.sh\r\n",
     [], (0, 1, 0)),
    ("nested KTAP below a program's subtests is not double-counted",
     HEAD + "# 1..1\n# # ok 1 kunit case\n# # not ok 2 kunit case\n# not ok 1 kunit suite\n"
     "not ok 1 selftests: ainic: t.sh\n",
     [], (0, 1, 0)),
]


def count(log, allow):
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.write(log)
        path = f.name
    try:
        args = [sys.executable, COUNTER, path]
        for a in allow:
            args += ["--allow-skip", a]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(path)
    first, *rest = out.splitlines()
    return tuple(int(x) for x in first.split()), rest


def main():
    print("TAP version 13")
    print(f"1..{len(CASES)}")
    failed = 0
    for i, (name, log, allow, want) in enumerate(CASES, 1):
        got, lines = count(log, allow)
        fails = [line for line in lines if line.startswith("fail: ")]
        ok = got == want and len(fails) == want[1]
        if not ok:
            failed += 1
            print(f"# want {want}, got {got}; lines: {lines}")
        print(f"{'ok' if ok else 'not ok'} {i} {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
