#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""nicctl dev show: every device listed, identity equal to the QEMU
properties vm-run gave it, text and JSON agreeing, every way of naming a
device resolving to it, and devlink dev info reporting the same identity."""

import json
import os
import re
import subprocess

from ainic_lib import (ksft_run, ksft_exit, ksft_eq, ksft_true, ksft_in,
                       need_bound, expected_nics, KsftFailEx, AINIC_ROOT, nicctl, nicctl_json)


def _model_fw_version():
    """The firmware version the device model was built with: its source,
    not anything the driver reports."""
    path = os.path.join(AINIC_ROOT, "qemu-device", "core", "ainic_types.h")
    with open(path, encoding="utf-8") as f:
        m = re.search(r'#define AINIC_FW_VERSION\s+"([^"]+)"', f.read())
    if not m:
        raise KsftFailEx(f"no AINIC_FW_VERSION in {path}")
    return m.group(1)


def _devices():
    return need_bound(nicctl_json("dev", "show"))


def json_lists_every_nic() -> None:
    devs = _devices()
    want = expected_nics()
    ksft_eq(len(devs), len(want), "one JSON object per ainic NIC")
    ksft_eq(sorted(d["index"] for d in devs), list(range(1, len(devs) + 1)),
            "indices 1..N")


def identity_matches_qemu_properties() -> None:
    by_mac = {d["mac"]: d for d in _devices()}
    for nic in expected_nics():
        ksft_in(nic["mac"], by_mac, f"device with MAC {nic['mac']} listed")
        dev = by_mac[nic["mac"]]
        ksft_eq(dev["serial"], nic["serial"], "serial = QEMU property")
        ksft_eq(dev["max_qps"], nic["queues"], "max_qps = QEMU queues")
        ksft_eq(dev["num_vectors"], nic["queues"] + 1, "vectors = queues + 1")
        ksft_eq(dev["if_version"], "1.0")
        ksft_eq(dev["model"], "ainic-qemu")
        ksft_in("selftest", dev["caps"])
        ksft_in("eventq", dev["caps"])
        ksft_eq(dev["link"], "up", "link follows the attached netdev")
        ksft_true(dev["bus_name"].startswith("0000:"), "PCI bus name")
        ksft_true(dev["ifname"], "netdev name reported")


def pretty_json_parses() -> None:
    out = nicctl("-p", "dev", "show").stdout
    ksft_eq(json.loads(out), nicctl_json("dev", "show"), "-p is -j, indented")
    ksft_true("\n  " in out, "-p output is indented")


def text_agrees_with_json() -> None:
    text = nicctl("dev", "show").stdout
    for dev in _devices():
        head = (f"dev {dev['index']} bus {dev['bus_name']} ifname {dev['ifname']}"
                f" ifindex {dev['ifindex']} mac {dev['mac']} link {dev['link']}")
        ksft_in(head, text, "first line of the device block")
        ksft_in(f"serial {dev['serial']}", text)
        ksft_in(f"max-qps {dev['max_qps']}", text)
    stats = nicctl("-s", "dev", "show").stdout
    ksft_in("admin cmds", stats, "-s adds the admin counters")


def every_name_resolves() -> None:
    for dev in _devices():
        for name in (str(dev["index"]), dev["bus_name"], dev["ifname"]):
            one = nicctl_json("dev", "show", name)
            ksft_eq(len(one), 1, f"'dev show {name}' gives one device")
            ksft_eq(one[0]["mac"], dev["mac"], f"'dev show {name}' is the right one")


def netdev_has_identity_mac() -> None:
    for dev in _devices():
        subprocess.run(["ip", "link", "set", "dev", dev["ifname"], "up"], check=True)
        with open(f"/sys/class/net/{dev['ifname']}/address", encoding="ascii") as f:
            ksft_eq(f.read().strip(), dev["mac"], "netdev MAC = device MAC")
        with open(f"/sys/class/net/{dev['ifname']}/carrier", encoding="ascii") as f:
            ksft_eq(f.read().strip(), "1", "carrier follows link up")


def devlink_info_reports_identity() -> None:
    for dev in _devices():
        res = subprocess.run(["devlink", "-j", "dev", "info", f"pci/{dev['bus_name']}"],
                             capture_output=True, text=True, check=True)
        info = json.loads(res.stdout)["info"][f"pci/{dev['bus_name']}"]
        ksft_eq(info["driver"], "ainic")
        ksft_eq(info["serial_number"], dev["serial"])
        ksft_eq(info["versions"]["running"]["fw"], _model_fw_version(),
                "devlink fw = the model's firmware version")
        ksft_eq(dev["fw_version"], _model_fw_version(),
                "nicctl fw = the model's firmware version")


def main() -> None:
    ksft_run([json_lists_every_nic, identity_matches_qemu_properties,
              pretty_json_parses, text_agrees_with_json, every_name_resolves,
              netdev_has_identity_mac, devlink_info_reports_identity])
    ksft_exit()


if __name__ == "__main__":
    main()
