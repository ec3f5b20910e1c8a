#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host tests of scripts/bench_report.py, the reporter of make bench: from
a plan and samples made up here, the medians, spreads, ratios and goal
verdicts it prints must be the ones computed by hand below, and a sample
that could not be taken must show as missing and make it exit 1. Prints
TAP."""

import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
REPORTER = os.path.join(ROOT, "scripts", "bench_report.py")

# Goodput in Mbit/s per (config, loss, streams), one value per round.
LOSS = {
    ("ainic-on", 0): [100, 125, 110],     # median 110 (mean 111.7)
    ("ainic-on", 5): [101, 99, 100],      # median 100: 100/110 = 0.91 >= 0.90
    ("ainic-off", 0): [100, 100, 100],
    ("ainic-off", 5): [10, 10, 10],
    ("virtio-net-pci", 0): [90, 90, 90],
    ("virtio-net-pci", 5): [40, 30, 50],  # median 40: 100/40 = 2.50, missed by 0.50
}
# Loss-free, MTU 1500: ainic median 200, best peer e1000e median 180 -> 1.11
LOSSFREE = {"ainic": [190, 200, 210], "virtio-net-pci": [150, 160, 170],
            "e1000e": [170, 180, 190], "igb": [100, 100, 100]}


def sample(table, rnd, model, xport, loss, streams, mbps, **extra):
    s = {"table": table, "round": rnd, "model": model, "xport": xport, "mtu": 1500,
         "loss_pct": loss, "seconds": 8, "metric": "goodput", "streams": streams,
         "goodput_bps": None if mbps is None else mbps * 1e6,
         "fabric_frames": 100000, "fabric_lost": 1000 * loss,
         "xport_tx_pkts": 5000 if xport == "reliable" else 0}
    s.update(extra)
    return s


def make_run(d, drop=None, fail=None, witness_off=False):
    """A run's files: drop leaves one sample out, fail records it as failed."""
    plan, samples = [], []
    for r in (1, 2, 3):
        plan.append({"table": "loss", "round": r, "model": "ainic", "xports": ["reliable", "raw"],
                     "mtus": [1500], "losses": [0, 5], "streams": [1, 4], "rtt": False})
        plan.append({"table": "loss", "round": r, "model": "virtio-net-pci", "xports": None,
                     "mtus": [1500], "losses": [0, 5], "streams": [1, 4], "rtt": False})
        for (config, loss), vals in LOSS.items():
            model = "ainic" if config.startswith("ainic") else config
            xport = {"ainic-on": "reliable", "ainic-off": "raw"}.get(config)
            for n in (1, 4):
                key = (config, loss, n, r)
                if key == drop:
                    continue
                extra = {}
                if key == fail:
                    extra = {"error": "iperf3 exited 124"}
                s = sample("loss", r, model, xport, loss, n, None if key == fail else vals[r - 1],
                           **extra)
                if witness_off and config == "ainic-on":
                    s["xport_tx_pkts"] = 0
                samples.append(s)
        for model, vals in LOSSFREE.items():
            plan.append({"table": "lossfree", "round": r, "model": model,
                         "xports": ["reliable"] if model == "ainic" else None,
                         "mtus": [1500], "losses": [0], "streams": [1, 4], "rtt": False})
            for n in (1, 4):
                samples.append(sample("lossfree", r, model,
                                      "reliable" if model == "ainic" else None, 0, n, vals[r - 1]))
    with open(os.path.join(d, "plan.jsonl"), "w") as f:
        f.writelines(json.dumps(p) + "\n" for p in plan)
    with open(os.path.join(d, "samples.jsonl"), "w") as f:
        f.writelines(json.dumps(s) + "\n" for s in samples)
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump({"rounds": 3, "seconds": 8}, f)


def report(**kw):
    with tempfile.TemporaryDirectory() as d:
        make_run(d, **kw)
        p = subprocess.run([sys.executable, REPORTER, d], capture_output=True, text=True)
        with open(os.path.join(d, "table.json")) as f:
            js = json.load(f)
        md = open(os.path.join(d, "table.md")).read()
    return p.returncode, p.stdout, js, md


def goal(js, text):
    return next(g for g in js["goals"] if text in g["goal"])


def cell(js, config, loss, streams):
    return next(c for c in js["tables"]["loss"]["cells"]
                if (c["config"], c["loss_pct"], c["streams"]) == (config, loss, streams))


def main():
    results = []

    def check(name, ok):
        results.append((name, bool(ok)))

    rc, out, js, md = report()
    check("a complete run exits 0", rc == 0 and "Missing" not in out)
    c = cell(js, "ainic-on", 0, 1)
    check("a cell is the median with min and max over the rounds",
          (c["median"], c["min"], c["max"], c["n"]) == (110, 100, 125, 3)
          and "110 [100-125]" in out)
    g = goal(js, "at 5% / at 0% loss, 1 stream")
    check("5% over 0% loss: 100/110 meets >= 0.90, with the spread's range 99/125..101/100",
          abs(g["ratio"] - 100 / 110) < 1e-9 and g["verdict"].startswith("goal met")
          and abs(g["min"] - 99 / 125) < 1e-9 and abs(g["max"] - 101 / 100) < 1e-9
          and "(the spread reaches below it)" in g["verdict"])
    g = goal(js, "virtio-net-pci at 5% loss, 4 streams")
    check("ainic over virtio-net at 5% loss: 100/40 misses >= 3 by 0.50",
          abs(g["ratio"] - 2.5) < 1e-9 and g["verdict"].startswith("goal missed by 0.50"))
    g = goal(js, "MTU 1500, 1 stream")
    check("loss-free: ainic over the best peer (e1000e) 200/180 meets > 1",
          "best: e1000e" in g["goal"] and abs(g["ratio"] - 200 / 180) < 1e-9
          and g["verdict"].startswith("goal met"))
    check("the fabric's measured loss is printed", "5.00%" in out)
    check("the Markdown has both tables and the goals",
          "## Table 1" in md and "## Table 2" in md and "## Goals" in md)

    rc, out, js, md = report(drop=("virtio-net-pci", 5, 4, 2))
    c = cell(js, "virtio-net-pci", 5, 4)
    check("a missing sample exits 1, is listed and the cell shows 2 of 3",
          rc == 1 and "Missing: 1 of" in out and "(2/3)" in out
          and c["n"] == 2 and c["expected"] == 3 and c["median"] == 45)

    rc, out, js, md = report(fail=("ainic-on", 5, 1, 1))
    check("a failed sample exits 1 and shows its error", rc == 1 and "iperf3 exited 124" in out)

    rc, out, js, md = report(witness_off=True)
    check("transport-on samples that sent nothing over the transport are flagged",
          "transport-on sample(s) sent no packet over the transport" in out)

    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (name, ok) in enumerate(results, 1):
        print(f"{'ok' if ok else 'not ok'} {i} {name}")
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
