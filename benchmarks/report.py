"""Medians over repeated runs, ratios to the baseline, and the printed table."""

from __future__ import annotations

import math
import os
import platform
import statistics
from typing import Any

import telegram

# (key, label, digits) of the figures compared with the baseline.
FIGURES = (
    ("updates_per_s", "updates/s", 1),
    ("p50_ms", "p50 latency, release→answer (ms)", 1),
    ("p99_ms", "p99 latency, release→answer (ms)", 1),
    ("cpu_ms_per_update", "CPU per update (ms)", 3),
    ("peak_rss_mb", "peak RSS (MB)", 1),
    ("startup_s", "start-up, process→first getUpdates (s)", 3),
)
# Counts summed over the runs (they should be 0 or equal to what was released).
COUNTS = ("released", "answered", "unanswered_expected", "unanswered_silent", "out_of_order",
          "unmatched_calls")
EXTRA = (("bot_cpu_share", "bot CPU share of one core"),
         ("fake_cpu_share", "fake API CPU share of one core"),
         ("poll_gap_ms", "from a getUpdates answer to the next call (ms)"))


def _median(values: list[float | None]) -> float | None:
    """Median where ``None`` (a percentile that fell on unanswered updates) counts as infinite."""
    if not values:
        return None
    middle = statistics.median(math.inf if v is None else v for v in values)
    return None if math.isinf(middle) else middle


def aggregate(runs: dict[str, list[dict[str, Any]]], config: dict[str, Any]) -> dict[str, Any]:
    """The JSON result: per configuration the medians, totals and raw runs; ratios to baseline."""
    result: dict[str, Any] = {"config": config, "machine": machine(), "configurations": {}}
    for target, figures in runs.items():
        medians = {key: _median([f[key] for f in figures]) for key, _, _ in FIGURES}
        medians |= {key: _median([f[key] for f in figures]) for key, _ in EXTRA}
        totals = {key: sum(f[key] for f in figures) for key in COUNTS}
        result["configurations"][target] = {"median": medians, "total": totals,
                                            "cut_off_runs": sum(f["cut_off"] for f in figures),
                                            "runs": figures}
    base = result["configurations"]["baseline"]["median"]
    result["ratios"] = {
        target: {key: _ratio(data["median"][key], base[key]) for key, _, _ in FIGURES}
        for target, data in result["configurations"].items() if target != "baseline"}
    if "bot" in result["configurations"]:
        result["targets"] = targets(result)
    return result


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 6's targets that apply to this run's settings, each with the figure and a verdict."""
    config = result["config"]
    bot, ratio = result["configurations"]["bot"]["median"], result["ratios"]["bot"]
    checks: list[tuple[str, float | None, bool]] = []
    if not config["rate"] and config["rtt_ms"] == 50:
        checks.append(("updates/s >= 800 with --rtt-ms 50", bot["updates_per_s"],
                       (bot["updates_per_s"] or 0) >= 800))
        checks.append(("updates/s >= 20x the bare bot with --rtt-ms 50", ratio["updates_per_s"],
                       (ratio["updates_per_s"] or 0) >= 20))
    if not config["rate"] and config["rtt_ms"] == 0:
        checks.append(("updates/s >= 1.5x the bare bot with --rtt-ms 0", ratio["updates_per_s"],
                       (ratio["updates_per_s"] or 0) >= 1.5))
    if config["rate"] == 200 and config["rtt_ms"] == 50:
        checks.append(("p99 <= 250 ms at 200 updates/s offered, --rtt-ms 50", bot["p99_ms"],
                       bot["p99_ms"] is not None and bot["p99_ms"] <= 250))
    checks.append(("peak RSS <= 80 MB", bot["peak_rss_mb"], (bot["peak_rss_mb"] or 1e9) <= 80))
    checks.append(("first getUpdates <= 1.5 s after start", bot["startup_s"],
                   (bot["startup_s"] or 1e9) <= 1.5))
    return [{"target": name, "value": value, "met": met} for name, value, met in checks]


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base == 0:
        return None
    return round(value / base, 3)


def machine() -> dict[str, Any]:
    """Where the figures were taken (the load average shows whether the machine was busy)."""
    return {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "python_telegram_bot": telegram.__version__}


def _fmt(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def table(result: dict[str, Any]) -> str:
    """A plain-text table: one row per configuration, then its ratios to the baseline."""
    config, configs = result["config"], result["configurations"]
    mode = (f"offered {config['rate']:g} updates/s" if config["rate"]
            else f"saturated (window {config['window']})")
    machine_ = result["machine"]
    lines = [f"Load benchmark: {config['updates']} updates per run, every API call "
             f"+{config['rtt_ms']:g} ms, {mode}; medians of {config['repeat']} run(s)",
             f"machine: {machine_['cpus']} CPUs, load average {machine_['load_average'][0]} "
             f"at the end; Python {machine_['python']}, PTB {machine_['python_telegram_bot']}",
             ""]
    name_width = max(20, *(len(t) + 2 for t in configs))
    heads = ["updates/s", "p50 ms", "p99 ms", "CPU ms/update", "peak RSS MB", "start-up s"]
    lines.append(f"{'':<{name_width}}" + "".join(f"{h:>14}" for h in heads))
    for target, data in configs.items():
        lines.append(f"{target:<{name_width}}" + "".join(
            f"{_fmt(data['median'][key], digits):>14}" for key, _, digits in FIGURES))
        if target != "baseline":
            ratios = result["ratios"][target]
            lines.append(f"{'  × baseline':<{name_width}}" + "".join(
                f"{'—' if ratios[key] is None else f'{ratios[key]:.2f}×':>14}"
                for key, _, _ in FIGURES))
    lines += ["", "latency: from the update's release by the fake Bot API to the bot's last "
              "answering call for it", "start-up: process start to its first getUpdates", ""]
    heads = ["released", "answered", "NOT answered", "no handler", "out of order",
             "unmatched", "cut off", "bot CPU", "fake CPU"]
    lines.append(f"{'(all runs)':<{name_width}}" + "".join(f"{h:>13}" for h in heads))
    for target, data in configs.items():
        total, median = data["total"], data["median"]
        cells = [total[key] for key in COUNTS] + [data["cut_off_runs"]]
        cells += [_fmt(median["bot_cpu_share"], 2), _fmt(median["fake_cpu_share"], 2)]
        lines.append(f"{target:<{name_width}}" + "".join(f"{c:>13}" for c in cells))
    lines += ["", "NOT answered: updates of a kind the bot answers that got no answer (at a "
              "cut-off: still queued);", "no handler: kinds the bot left unanswered in the "
              "warm-up too (inline queries until inline mode exists);",
              "bot/fake CPU: share of one core used during the run"]
    if result.get("targets"):
        lines += ["", "targets of issue 6 that apply to these settings (bot):"]
        lines += [f"  {'met    ' if t['met'] else 'NOT MET'}  {t['target']}: "
                  f"{_fmt(t['value'], 2)}" for t in result["targets"]]
    return "\n".join(lines)
