#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reporter of scripts/bench: the per-sample JSON lines of one run, matched
against its plan (the samples each VM boot was asked for), become the
tables (text on stdout, table.json and table.md in the run's directory),
with medians, their spread (min-max over the rounds) and the ratios the
goals of issue 10 need. Exits 1 if a planned sample is missing.

    bench_report.py RUN_DIR
"""

import json
import statistics
import sys
from pathlib import Path

PEERS = ("virtio-net-pci", "e1000e", "igb")
STREAMS = (1, 4)
SPREAD = "min-max"


def config_of(sample):
    """The compared system: ainic-on/ainic-off (transport reliable/raw) or the model."""
    if sample["model"] != "ainic":
        return sample["model"]
    return "ainic-on" if sample.get("xport") in (None, "reliable") else "ainic-off"


def expand(boot):
    """Every sample key one boot of the plan was asked for."""
    xports = boot.get("xports") or [None]
    for mtu in boot["mtus"]:
        if boot.get("rtt"):
            yield (boot["table"], config_of({"model": boot["model"], "xport": xports[0]}),
                   mtu, 0, "rtt_ms", boot["round"])
        for loss in boot["losses"]:
            for xp in xports:
                for n in boot["streams"]:
                    yield (boot["table"], config_of({"model": boot["model"], "xport": xp}),
                           mtu, loss, n, boot["round"])


def key_of(s):
    what = "rtt_ms" if s.get("metric") == "rtt_ms" else s["streams"]
    return (s["table"], config_of(s), s["mtu"], s["loss_pct"], what, s["round"])


def value_of(s):
    if s.get("metric") == "rtt_ms":
        return s.get("rtt_ms")
    bps = s.get("goodput_bps")
    return None if bps is None else bps / 1e6


class Cell:
    """The samples of one table cell over the rounds."""

    def __init__(self, values, expected):
        self.values = sorted(values)
        self.expected = expected

    @property
    def ok(self):
        return bool(self.values)

    @property
    def median(self):
        return statistics.median(self.values) if self.values else None

    @property
    def lo(self):
        return self.values[0] if self.values else None

    @property
    def hi(self):
        return self.values[-1] if self.values else None

    def json(self):
        return {"n": len(self.values), "expected": self.expected, "median": self.median,
                "min": self.lo, "max": self.hi, "values": self.values}


def fmt(v):
    if v is None:
        return "n/a"
    a = abs(v)
    return f"{v:.0f}" if a >= 100 else f"{v:.1f}" if a >= 10 else f"{v:.2f}" if a >= 1 else f"{v:.3f}"


def cell_text(c):
    if not c or not c.ok:
        return "n/a"
    s = f"{fmt(c.median)} [{fmt(c.lo)}-{fmt(c.hi)}]"
    if len(c.values) < c.expected:
        s += f" ({len(c.values)}/{c.expected})"
    return s


class Ratio:
    """a / b of two cells: the medians' ratio and the range the spreads allow."""

    def __init__(self, a, b):
        self.ok = bool(a and b and a.ok and b.ok and b.median and b.lo)
        if self.ok:
            self.value = a.median / b.median
            self.lo = a.lo / b.hi if b.hi else None
            self.hi = a.hi / b.lo
        else:
            self.value = self.lo = self.hi = None

    def text(self):
        if not self.ok:
            return "n/a"
        return f"{self.value:.2f} [{self.lo:.2f}-{self.hi:.2f}]"

    def json(self):
        return {"ratio": self.value, "min": self.lo, "max": self.hi}


def goal(name, ratio, op, threshold):
    """One goal's verdict on a ratio of medians (the spread is reported beside it)."""
    g = {"goal": name, "op": op, "threshold": threshold, **ratio.json()}
    if not ratio.ok:
        g["verdict"] = "not measured"
        return g
    met = ratio.value >= threshold if op == ">=" else ratio.value > threshold
    if met:
        g["verdict"] = "goal met"
        if (ratio.lo < threshold) if op == ">=" else (ratio.lo <= threshold):
            g["verdict"] += " (the spread reaches below it)"
    else:
        g["verdict"] = f"goal missed by {threshold - ratio.value:.2f}"
        if ratio.hi >= threshold:
            g["verdict"] += " (the spread reaches above it)"
    return g


def witness_notes(samples):
    """What the independent counters say against the configuration: the
    fabric must have dropped about the loss set, the ainic transport must
    have carried the traffic when on and none of it when off."""
    notes = []
    by_loss = {}
    for s in samples:
        if s.get("metric") == "goodput" and s.get("fabric_frames"):
            fr, lo = by_loss.get(s["loss_pct"], (0, 0))
            by_loss[s["loss_pct"]] = (fr + s["fabric_frames"], lo + (s.get("fabric_lost") or 0))
    for loss, (fr, lo) in sorted(by_loss.items()):
        got = 100 * lo / fr
        # a binomial count: allow 4 standard deviations and 0.2 points
        sd = 100 * (loss / 100 * (1 - loss / 100) / fr) ** 0.5
        if abs(got - loss) > 4 * sd + 0.2:
            notes.append(f"loss {loss}%: the fabric dropped {got:.2f}% of {fr} frames")
    on = [s for s in samples if s.get("metric") == "goodput" and config_of(s) == "ainic-on"
          and s.get("goodput_bps") and not s.get("xport_tx_pkts")]
    off = [s for s in samples if s.get("metric") == "goodput" and config_of(s) == "ainic-off"
           and s.get("xport_tx_pkts")]
    if on:
        notes.append(f"{len(on)} transport-on sample(s) sent no packet over the transport "
                     "(ethtool -S xport_tx_pkts)")
    if off:
        notes.append(f"{len(off)} transport-off sample(s) sent packets over the transport")
    other = sum(s.get("fabric_other_drops") or 0 for s in samples)
    if other:
        notes.append(f"the fabric also dropped {other} frames for causes other than the loss "
                     "impairment (per sample: fabric_other_drops in samples.jsonl)")
    return notes


def label(config):
    return {"ainic-on": "ainic, transport on", "ainic-off": "ainic, transport off",
            "ainic": "ainic"}.get(config, config)


def streams_label(n):
    return f"{n} stream" + ("s" if n != 1 else "")


def main():
    run = Path(sys.argv[1])
    plan = [json.loads(l) for l in (run / "plan.jsonl").read_text().splitlines() if l.strip()]
    samples = []
    sp = run / "samples.jsonl"
    if sp.exists():
        for line in sp.read_text().splitlines():
            try:
                samples.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    meta = json.loads((run / "meta.json").read_text())

    expected = {}
    for boot in plan:
        for k in expand(boot):
            expected[k] = boot
    got, errors, by_key = {}, [], {}
    for s in samples:
        k = key_of(s)
        by_key.setdefault(k, []).append(s)
        v = value_of(s)
        if v is None:
            errors.append(s)
        elif k in expected:
            got[k] = v
    missing = [k for k in expected if k not in got]

    def cell(table, config, mtu, loss, what):
        ks = [k for k in expected if k[:5] == (table, config, mtu, loss, what)]
        if not ks:
            return None
        return Cell([got[k] for k in ks if k in got], len(ks))

    tables = {p["table"] for p in plan}
    out, md, js = [], [], {"meta": meta, "spread": SPREAD, "unit": "Mbit/s", "tables": {}}
    rounds = meta["rounds"]
    out.append(f"ainic bench: {rounds} round(s), iperf3 TCP {meta['seconds']} s per sample "
               f"(after 1 s omitted), goodput in Mbit/s as median [{SPREAD}] over the rounds")
    md.append(f"# ainic bench\n\n{rounds} round(s), iperf3 TCP {meta['seconds']} s per sample "
              f"(after 1 s omitted); goodput in Mbit/s, median [{SPREAD}] over the rounds.\n")
    goals = []

    if "loss" in tables:
        lp = [p for p in plan if p["table"] == "loss"]
        losses = sorted({l for p in lp for l in p["losses"]})
        mtu = lp[0]["mtus"][0]
        configs = [c for c in ("ainic-on", "ainic-off", *PEERS)
                   if any(k[0] == "loss" and k[1] == c for k in expected)]
        title = (f"Table 1: TCP goodput under random loss (MTU {mtu}; loss set on NIC 0's fabric "
                 f"port, the same in both directions)")
        out += ["", title]
        head = f"{'':32}" + "".join(f" {str(l) + '% loss':>25}" for l in losses)
        out.append(head)
        md += ["", f"## {title}", "",
               "| | " + " | ".join(f"{l}% loss" for l in losses) + " |",
               "|---|" + "---|" * len(losses)]
        t1 = []
        for c in configs:
            for n in STREAMS:
                cells = [cell("loss", c, mtu, l, n) for l in losses]
                if all(x is None for x in cells):
                    continue
                name = f"{label(c)}, {streams_label(n)}"
                out.append(f"{name:32}" + "".join(f" {cell_text(x):>25}" for x in cells))
                md.append(f"| {name} | " + " | ".join(cell_text(x) for x in cells) + " |")
                t1 += [{"config": c, "streams": n, "loss_pct": l, "mtu": mtu,
                        **(x.json() if x else {})} for l, x in zip(losses, cells)]
        # the witness: what the fabric really dropped on that port
        meas = []
        for l in losses:
            fr = sum(s.get("fabric_frames") or 0 for ks in by_key
                     if ks[0] == "loss" and ks[3] == l for s in by_key[ks])
            lo = sum(s.get("fabric_lost") or 0 for ks in by_key
                     if ks[0] == "loss" and ks[3] == l for s in by_key[ks])
            meas.append(f"{100 * lo / fr:.2f}%" if fr else "n/a")
        name = "(fabric dropped, all samples)"
        out.append(f"{name:32}" + "".join(f" {m:>25}" for m in meas))
        md.append(f"| {name} | " + " | ".join(meas) + " |")
        js["tables"]["loss"] = {"mtu": mtu, "losses": losses, "cells": t1,
                                "fabric_dropped": dict(zip(map(str, losses), meas))}
        for n in STREAMS:
            on0, on5 = cell("loss", "ainic-on", mtu, 0, n), cell("loss", "ainic-on", mtu, 5, n)
            v5 = cell("loss", "virtio-net-pci", mtu, 5, n)
            if on0 or on5:
                goals.append(goal(f"ainic transport on at 5% / at 0% loss, {streams_label(n)}",
                                  Ratio(on5, on0), ">=", 0.90))
            if on5 or v5:
                goals.append(goal(f"ainic transport on / virtio-net-pci at 5% loss, {streams_label(n)}",
                                  Ratio(on5, v5), ">=", 3.0))

    if "lossfree" in tables:
        lp = [p for p in plan if p["table"] == "lossfree"]
        mtus = sorted({m for p in lp for m in p["mtus"]})
        models = [m for m in ("ainic", *PEERS)
                  if any(k[0] == "lossfree" and k[1] == ("ainic-on" if m == "ainic" else m)
                         for k in expected)]
        peers = [m for m in models if m != "ainic"]
        title = "Table 2: loss-free TCP goodput, ainic's transport on"
        out += ["", title]
        md += ["", f"## {title}", ""]
        t2 = []
        for mtu in mtus:
            cols = [label(m) for m in models] + (["ainic/best peer"] if "ainic" in models and peers else [])
            out.append(f"{'MTU ' + str(mtu):14}" + "".join(f" {c:>25}" for c in cols))
            md += [f"| MTU {mtu} | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
            for what in (*STREAMS, "rtt_ms"):
                cells = {m: cell("lossfree", "ainic-on" if m == "ainic" else m, mtu, 0, what)
                         for m in models}
                if all(x is None for x in cells.values()):
                    continue
                name = streams_label(what) if what != "rtt_ms" else "ping RTT, ms"
                row = [cell_text(cells[m]) for m in models]
                entry = {"mtu": mtu, "metric": "goodput" if what != "rtt_ms" else "rtt_ms",
                         "streams": what if what != "rtt_ms" else None,
                         "cells": {m: (x.json() if x else None) for m, x in cells.items()}}
                if "ainic" in models and peers and what != "rtt_ms":
                    ok = [m for m in peers if cells[m] and cells[m].ok]
                    best = max(ok, key=lambda m: cells[m].median) if ok else None
                    r = Ratio(cells["ainic"], cells[best] if best else None)
                    row.append(f"{r.text()} ({best})" if best else "n/a")
                    entry["best_peer"] = best
                    entry["ratio"] = r.json()
                    goals.append(goal(f"ainic / best of {', '.join(peers)}, MTU {mtu}, "
                                      f"{streams_label(what)}" + (f" (best: {best})" if best else ""),
                                      r, ">", 1.0))
                elif "ainic" in models and peers:
                    row.append("")
                out.append(f"{name:14}" + "".join(f" {c:>25}" for c in row))
                md.append(f"| {name} | " + " | ".join(row) + " |")
                t2.append(entry)
            md.append("")
        js["tables"]["lossfree"] = {"mtus": mtus, "rows": t2}

    out += ["", "Goals (ratio of medians [lowest-highest ratio the spreads allow]):"]
    md += ["", "## Goals", "", "Ratio of medians [lowest-highest ratio the spreads allow].", ""]
    for g in goals:
        r = Ratio.__new__(Ratio)
        r.ok, r.value, r.lo, r.hi = g["ratio"] is not None, g["ratio"], g["min"], g["max"]
        line = f"{g['goal']}: {r.text()} (goal {g['op']} {g['threshold']:g}): {g['verdict']}"
        out.append("  " + line)
        md.append("- " + line)
    if not goals:
        out.append("  none: the systems measured cover no goal")
        md.append("- none: the systems measured cover no goal")
    js["goals"] = goals

    notes = witness_notes(samples)
    if notes:
        out += ["", "Witness checks:"] + ["  " + n for n in notes]
        md += ["", "## Witness checks", ""] + ["- " + n for n in notes]
        js["witness_notes"] = notes

    if missing:
        lines = []
        for s in errors:
            what = "ping RTT" if s.get("metric") == "rtt_ms" else streams_label(s.get("streams"))
            lines.append(f"round {s['round']} {config_of(s)} MTU {s['mtu']} loss {s['loss_pct']}% "
                         f"{what}: {s.get('error', '?')}")
        shown = {key_of(s) for s in errors}
        for k in missing:
            if k not in shown:
                what = "ping RTT" if k[4] == "rtt_ms" else streams_label(k[4])
                lines.append(f"round {k[5]} {k[1]} MTU {k[2]} loss {k[3]}% {what}: no sample "
                             f"(see {expected[k].get('log', 'the boot log')})")
        out += ["", f"Missing: {len(missing)} of {len(expected)} planned samples could not be taken:"]
        out += ["  " + l for l in lines]
        md += ["", "## Missing", ""] + ["- " + l for l in lines]
        js["missing"] = [{"round": k[5], "config": k[1], "mtu": k[2], "loss_pct": k[3],
                          "what": k[4]} for k in missing]
    (run / "table.json").write_text(json.dumps(js, indent=1) + "\n")
    (run / "table.md").write_text("\n".join(md) + "\n")
    (run / "table.txt").write_text("\n".join(out) + "\n")
    out = [l.rstrip() for l in out]
    print("\n".join(out))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
