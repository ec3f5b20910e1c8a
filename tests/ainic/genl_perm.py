#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""An unprivileged user gets EPERM on every mutating ("admin-perm") op of
the spec, found by reading the spec so that new ops are covered as they
are added, while read-only ops keep working for that user."""

import errno
import json
import os
import subprocess
import sys

import yaml

from ainic_lib import (ksft_run, ksft_exit, ksft_eq, ksft_ne, ksft_true,
                       ksft_in, need_bound, SPEC, ainic_family, nicctl, KsftFailEx)

NOBODY = 65534

# Runs as the unprivileged user: try each op of a JSON list of [op, kind,
# values], print the errnos (0 on success) as a JSON list. One process for
# all of them: a Python start and a spec parse take seconds under the
# debug kernel.
PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from net.ynl.lib import YnlFamily, NlError
ynl = YnlFamily(sys.argv[2], schema='')
out = []
for op, kind, vals in json.loads(sys.argv[3]):
    try:
        (ynl.dump if kind == 'dump' else ynl.do)(op, vals)
        out.append(0)
    except NlError as e:
        out.append(e.error)
print(json.dumps(out))
"""


def _as_nobody(requests):
    """Errnos of REQUESTS ([op, kind, values] each) made as nobody."""
    tools = os.path.join(os.environ["LINUX_SRC"], "tools")
    res = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}",
                          "--clear-groups", "--inh-caps=-all", "--",
                          sys.executable, "-c", PROBE, tools, SPEC,
                          json.dumps(requests)],
                         capture_output=True, text=True, check=False)
    ksft_eq(res.returncode, 0, f"probe ran: {res.stderr}")
    errs = json.loads(res.stdout)
    ksft_eq(len(errs), len(requests), "the probe answered every request")
    return errs


def _ops():
    with open(SPEC, encoding="utf-8") as f:
        return yaml.safe_load(f)["operations"]["list"]


def _index():
    devs = need_bound(ainic_family().dump("dev-get", {}))
    return devs[0]["index"]


def every_admin_op_is_eperm() -> None:
    idx = _index()
    admin = [op for op in _ops() if "admin-perm" in op.get("flags", [])]
    ksft_true(admin, "the spec has mutating ops")
    reqs = [[op["name"], kind, {"index": idx} if kind == "do" else {}]
            for op in admin for kind in ("do", "dump") if kind in op]
    for (name, kind, _), err in zip(reqs, _as_nobody(reqs)):
        ksft_eq(err, errno.EPERM, f"{name} {kind} as nobody")


def _request(op, values):
    """The do request of OP with a real value for each attribute it takes;
    a spec attribute without one here fails the test, so new ops get one."""
    vals = {}
    for attr in op["do"].get("request", {}).get("attributes", []):
        if attr not in values:
            raise KsftFailEx(f"{op['name']}: no value for request attribute {attr}")
        vals[attr] = values[attr]
    return vals


def read_ops_work_unprivileged() -> None:
    idx = _index()
    ynl = ainic_family()
    # A connection for conn-get to find (made as root, a MAC no NIC has)
    conn = ynl.do("conn-add", {"index": idx, "peer-mac": bytes.fromhex("02a1c0000301")})
    try:
        values = {"index": idx, "id": conn["id"]}
        reqs = []
        for op in _ops():
            if "admin-perm" in op.get("flags", []) or "notify" in op or "event" in op:
                continue
            if "dump" in op:
                reqs.append([op["name"], "dump", {}])
            if "do" in op:
                reqs.append([op["name"], "do", _request(op, values)])
        ksft_true(reqs, "the spec has read-only ops")
        for (name, kind, _), err in zip(reqs, _as_nobody(reqs)):
            ksft_eq(err, 0, f"{name} {kind}")
    finally:
        ynl.do("conn-del", {"index": idx, "id": conn["id"]})


def nicctl_unprivileged() -> None:
    idx = str(_index())
    for args in (["dev", "selftest", idx], ["dev", "set", idx, "xport", "raw"],
                 ["conn", "add", "dev", idx, "peer", "02:a1:c0:00:03:02"],
                 ["conn", "del", "dev", idx, "id", "1"]):
        res = nicctl(*args, check=False, user=NOBODY)
        ksft_ne(res.returncode, 0, f"nicctl {' '.join(args)} as nobody fails")
        ksft_true(res.stderr.startswith("Error: "), f"'Error: ...': {res.stderr!r}")
    res = nicctl("conn", "show", check=False, user=NOBODY)
    ksft_eq(res.returncode, 0, f"nicctl conn show as nobody works: {res.stderr}")
    res = nicctl("dev", "show", idx, check=False, user=NOBODY)
    ksft_eq(res.returncode, 0, f"nicctl dev show as nobody works: {res.stderr}")


def main() -> None:
    ksft_run([every_admin_op_is_eperm, read_ops_work_unprivileged,
              nicctl_unprivileged])
    ksft_exit()


if __name__ == "__main__":
    main()
