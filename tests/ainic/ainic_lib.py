# SPDX-License-Identifier: GPL-2.0
"""Helpers for the ainic kselftests written in Python.

The tests use the kernel's own selftest library (net/lib/py: ksft_run,
ksft_eq, ...) and YNL (tools/net/ynl) from linux-source-6.12, with the
project's spec as the description of the "ainic" family.
"""

import json
import os
import subprocess
import sys

LINUX_SRC = os.environ.get("LINUX_SRC", "/var/cache/ainic/linux-source-6.12")
AINIC_ROOT = os.environ["AINIC_ROOT"]
SPEC = os.path.join(AINIC_ROOT, "uapi", "ainic.yaml")
SCHEMA = os.path.join(LINUX_SRC, "Documentation", "netlink", "genetlink.yaml")

sys.path.insert(0, os.path.join(LINUX_SRC, "tools", "testing", "selftests"))
# pylint: disable=wrong-import-position,unused-import
from net.lib.py import (ksft_run, ksft_exit, ksft_eq, ksft_ne, ksft_true,
                        ksft_in, ksft_ge, KsftSkipEx, KsftFailEx, NlError,
                        YnlFamily)


def ainic_family():
    """A YNL handle on the ainic family, validating the spec on load."""
    return YnlFamily(SPEC, schema=SCHEMA)


def expected_nics():
    """The NICs vm-run created: dicts with mac, serial, queues, port."""
    nics = []
    for entry in os.environ.get("AINIC_NICS", "").split(";"):
        if entry.strip():
            mac, serial, queues, port = entry.split()
            nics.append({"mac": mac, "serial": serial, "queues": int(queues),
                         "port": int(port)})
    return nics


def need_bound(devs):
    """Fail unless every ainic NIC vm-run made is in DEVS (a list of
    devices the code under test reported); skip outside a vm-run VM."""
    want = expected_nics()
    if not want:
        raise KsftSkipEx("no ainic NICs listed in AINIC_NICS (not a vm-run VM)")
    if len(devs) != len(want):
        raise KsftFailEx(f"vm-run made {len(want)} ainic NICs, {len(devs)} reported")
    return devs


def nicctl(*args, check=True, user=None):
    """Run nicctl; return the CompletedProcess (text)."""
    argv = ["nicctl", *args]
    if user is not None:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}",
                "--clear-groups", "--inh-caps=-all", "--"] + argv
    res = subprocess.run(argv, capture_output=True, text=True, check=False)
    if check and res.returncode != 0:
        raise KsftFailEx(f"{' '.join(argv)} failed ({res.returncode}): {res.stderr}")
    return res


def nicctl_json(*args):
    """Run nicctl -j and parse its output."""
    return json.loads(nicctl("-j", *args).stdout)
