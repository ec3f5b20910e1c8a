#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input to the "ainic" genl family gets the right errno and an extack
message, and changes nothing; nicctl turns those into 'Error: ...' and a
non-zero exit. Requests are made with the kernel's YNL library and the
project's spec, an oracle independent of nicctl."""

import errno

from ainic_lib import (ksft_run, ksft_exit, ksft_eq, ksft_ne, ksft_true,
                       ksft_in, need_bound, NlError, ainic_family, nicctl)

UNKNOWN_INDEX = 4000


def _expect_error(fn, err, what):
    try:
        fn()
    except NlError as e:
        ksft_eq(e.error, err, f"{what}: errno")
        ksft_true(e.nl_msg.extack.get("msg") or e.nl_msg.extack.get("miss-type"),
                  f"{what}: extack explains it ({e.nl_msg.extack})")
        return e.nl_msg.extack
    raise AssertionError(f"{what}: request succeeded")


def _indices(ynl):
    devs = need_bound(ynl.dump("dev-get", {}))
    return [d["index"] for d in devs]


def unknown_device_is_enodev() -> None:
    ynl = ainic_family()
    ksft_true(UNKNOWN_INDEX not in _indices(ynl))
    ext = _expect_error(lambda: ynl.do("dev-get", {"index": UNKNOWN_INDEX}),
                        errno.ENODEV, "dev-get unknown index")
    ksft_in(str(UNKNOWN_INDEX), ext.get("msg", ""), "message names the index")
    _expect_error(lambda: ynl.do("dev-selftest", {"index": UNKNOWN_INDEX}),
                  errno.ENODEV, "dev-selftest unknown index")


def missing_index_is_einval() -> None:
    ynl = ainic_family()
    for op in ("dev-get", "dev-selftest"):
        ext = _expect_error(lambda: ynl.do(op, {}), errno.EINVAL, f"{op} without index")
        ksft_eq(ext.get("miss-type"), "index", f"{op}: missing attribute named")


def out_of_range_index_is_erange() -> None:
    # The spec's "min: 1" becomes a kernel policy, which answers ERANGE.
    ynl = ainic_family()
    ext = _expect_error(lambda: ynl.do("dev-get", {"index": 0}), errno.ERANGE,
                        "dev-get index 0")
    ksft_true("bad-attr" in ext, "extack points at the attribute")
    ksft_true("policy" in ext, "extack carries the valid range")


def unexpected_attribute_is_einval() -> None:
    ynl = ainic_family()
    idx = _indices(ynl)[0]
    _expect_error(lambda: ynl.do("dev-get", {"index": idx, "ifindex": 1}),
                  errno.EINVAL, "dev-get with an attribute outside its policy")
    _expect_error(lambda: ynl.dump("dev-get", {"index": idx}), errno.EINVAL,
                  "dev-get dump with a request attribute")


def errors_change_nothing() -> None:
    ynl = ainic_family()
    before = ynl.dump("dev-get", {})
    for bad in ({"index": UNKNOWN_INDEX}, {}):
        try:
            ynl.do("dev-selftest", bad)
        except NlError:
            pass
    after = ynl.dump("dev-get", {})
    strip = ("admin-cmds", "events")
    ksft_eq([{k: v for k, v in d.items() if k not in strip} for d in before],
            [{k: v for k, v in d.items() if k not in strip} for d in after],
            "device state unchanged by rejected requests")


def nicctl_reports_errors() -> None:
    res = nicctl("dev", "show", str(UNKNOWN_INDEX), check=False)
    ksft_ne(res.returncode, 0, "nicctl exits non-zero")
    ksft_true(res.stderr.startswith("Error: "), f"stderr is 'Error: ...': {res.stderr!r}")
    ksft_in(str(UNKNOWN_INDEX), res.stderr, "kernel's extack message printed")
    ksft_eq(res.stdout, "", "nothing on stdout")
    res = nicctl("dev", "show", "no-such-nic", check=False)
    ksft_ne(res.returncode, 0, "unknown device name: non-zero exit")
    ksft_true(res.stderr.startswith("Error: "), "unknown device name: 'Error: ...'")


def main() -> None:
    ksft_run([unknown_device_is_enodev, missing_index_is_einval,
              out_of_range_index_is_erange, unexpected_attribute_is_einval,
              errors_change_nothing, nicctl_reports_errors])
    ksft_exit()


if __name__ == "__main__":
    main()
