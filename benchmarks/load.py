"""Load benchmark: the real bot against a fake Bot API, with a bare PTB bot as the floor.

    python benchmarks/load.py --rtt-ms 50            # saturated, every API call takes 50 ms
    python benchmarks/load.py --rtt-ms 50 --rate 200 # 200 updates/s offered; watch p99
    python benchmarks/load.py --updates 20 --json    # smoke run
    python -m benchmarks.load --mode webhook         # 1 and 2 webhook workers (issue 13)

Each configuration runs as its own process against a fresh fake Bot API in another process
(:mod:`benchmarks.fakeserver`), with the same update mix (:mod:`benchmarks.workload`). The bare
default python-telegram-bot bot (:mod:`benchmarks.echobot`) runs in the same session, and every
figure of the real bot is also given as a ratio to it; with ``--repeat`` the configurations take
turns and the medians are reported. Without ``--rate`` the fake keeps ``--window`` updates
unanswered at any time (a saturated, closed loop). A run ends when every update is answered and
the bot has gone quiet, or after ``--max-seconds`` (then the updates still waiting are counted).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make ``bot`` and ``benchmarks`` importable
    sys.path.insert(0, str(ROOT))

from benchmarks.report import aggregate, table  # noqa: E402
from benchmarks.workload import build  # noqa: E402
from tests.sender import SECRET  # noqa: E402

TOKEN = "123456:benchmark-token-not-real_abcdefghij"
TICKS = os.sysconf("SC_CLK_TCK")


def bot_command(target: str) -> list[str]:
    """How to start ``target``: ``baseline``, ``bot`` or a variant spec for benchmarks/variant."""
    if target == "baseline":
        return [sys.executable, str(ROOT / "benchmarks" / "echobot.py")]
    if target == "bot":
        return [sys.executable, "-m", "bot", "run"]
    return [sys.executable, "-m", "benchmarks.variant", target]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size (``VmHWM``) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _event(stream: asyncio.StreamReader, name: str, seconds: float) -> dict[str, Any]:
    """The next JSON event called ``name`` from the fake server, waiting at most ``seconds``."""
    async with asyncio.timeout(seconds):
        while True:
            line = await stream.readline()
            if not line:
                raise RuntimeError(f"fake server ended before {name!r}")
            event = json.loads(line)
            if event.get("event") == name:
                return event


@dataclass(frozen=True)
class Webhook:
    """Run the bot as ``workers`` webhook workers on ``port`` with ``env`` added (PostgreSQL and
    Redis for several), fed by the fake's Telegram-like sender."""

    port: int
    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)


async def run_once(target: str, workload: Path, args: argparse.Namespace,
                   scratch: Path, webhook: Webhook | None = None,
                   extra_env: dict[str, str] | None = None,
                   others: dict[str, Callable[[], float]] | None = None) -> dict[str, Any]:
    """Start a fake server and ``target``; measure one run; stop both (``extra_env``: added to
    the bot's environment, e.g. PostgreSQL and Redis for a polling bot; ``others``: CPU seconds
    of other processes, read with the bot's, e.g. of those servers)."""
    fake_args = ["--workload", str(workload), "--rtt-ms", str(args.rtt_ms),
                 "--window", str(args.window), "--max-seconds", str(args.max_seconds)]
    if args.rate:
        fake_args += ["--rate", str(args.rate)]
    if webhook is not None:
        fake_args += ["--webhook", f"http://127.0.0.1:{webhook.port}/telegram",
                      "--max-connections", str(args.max_connections)]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    fake = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.fakeserver", *fake_args, cwd=ROOT, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert fake.stdout is not None
    assert fake.stdin is not None
    bot: asyncio.subprocess.Process | None = None
    log = scratch / f"{target.replace('/', '_')}.log"
    command = bot_command(target)
    try:
        port = (await _event(fake.stdout, "listening", 30))["port"]
        bot_env = env | {"BOT_TOKEN": TOKEN, "BOT_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
                         "BOT_DB_PATH": str(scratch / "usage.sqlite3")} | (extra_env or {})
        if webhook is not None:
            bot_env |= hook_env(webhook)
            command += ["--workers", str(webhook.workers)] if webhook.workers > 1 else []
        with log.open("w") as out:
            spawned = time.monotonic()
            bot = await asyncio.create_subprocess_exec(
                *command, cwd=scratch, env=bot_env, stdout=out, stderr=out)
        if webhook is not None:
            await listening(fake, webhook)
        polling = await _event(fake.stdout, "polling", 60)
        await _event(fake.stdout, "warm", 60)
        pids = process_tree(bot.pid)
        cpu = sum(map(cpu_seconds, pids))
        before = {name: read() for name, read in (others or {}).items()}
        fake.stdin.write(b"go\n")
        await fake.stdin.drain()
        figures = (await _event(fake.stdout, "done", args.max_seconds + 60))["figures"]
        cpu = sum(map(cpu_seconds, pids)) - cpu
        spent = {name: read() - before[name] for name, read in (others or {}).items()}
        handled = figures["answered"] + figures["unanswered_silent"]  # not those still queued
        figures |= {f"{name}_cpu_ms_per_update": round(seconds * 1000 / max(handled, 1), 3)
                    for name, seconds in spent.items() | {"fake": figures["fake_cpu_s"]}.items()}
        figures |= {
            "startup_s": round(polling["at"] - spawned, 3),
            "cpu_ms_per_update": round(cpu * 1000 / max(handled, 1), 3),
            "bot_cpu_share": round(cpu / max(figures["duration_s"], 1e-9), 3),
            "peak_rss_mb": round(max(map(peak_rss_mb, pids)), 1),
            "processes": len(pids),
        }
        return figures
    except (RuntimeError, TimeoutError) as exc:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{target}: {exc}\n{tail}") from exc
    finally:
        if bot is not None and bot.returncode is None:
            for pid in process_tree(bot.pid):  # measured already; don't wait for its backlog
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            await bot.wait()
        fake.stdin.close()
        try:
            async with asyncio.timeout(10):
                await fake.wait()
        except TimeoutError:
            fake.kill()
            await fake.wait()


def hook_env(webhook: Webhook) -> dict[str, str]:
    """Webhook mode on ``webhook.port`` with the sender's secret."""
    return {"BOT_WEBHOOK_URL": "https://bot.example.org/", "BOT_WEBHOOK_SECRET": SECRET,
            "BOT_PORT": str(webhook.port)} | webhook.env


async def listening(fake: asyncio.subprocess.Process, webhook: Webhook) -> None:
    """Wait until every worker registered its webhook and the port answers; tell the fake."""
    assert fake.stdout is not None
    assert fake.stdin is not None
    for _ in range(webhook.workers):
        await _event(fake.stdout, "set_webhook", 60)
    url = f"http://127.0.0.1:{webhook.port}/readyz"
    async with aiohttp.ClientSession() as client, asyncio.timeout(30):
        ready = 0
        while ready < 4 * webhook.workers:  # new connections: the kernel picks a worker
            with contextlib.suppress(aiohttp.ClientError):
                async with client.get(url, headers={"Connection": "close"}) as resp:
                    ready = ready + 1 if resp.status == 200 else 0
            await asyncio.sleep(0.05)
    fake.stdin.write(b"webhook\n")
    await fake.stdin.drain()


def process_tree(pid: int) -> list[int]:
    """``pid`` and its children (the workers of ``--workers N``), from ``/proc``."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            parent = int(text[text.rindex(")") + 2:].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        tree.append(todo.pop())
        todo += children.get(tree[-1], [])
    return tree


async def session(args: argparse.Namespace) -> dict[str, Any]:
    """Every configuration ``--repeat`` times, taking turns; medians and ratios."""
    targets = ["baseline", "bot", *args.variant]
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in targets}
    with tempfile.TemporaryDirectory(prefix="loadbench-") as tmp:
        scratch = Path(tmp)
        workload = scratch / "workload.json"
        workload.write_text(json.dumps(build(args.updates, args.seed)))
        for repeat in range(args.repeat):
            for target in targets:
                place = scratch / f"{repeat}-{len(runs[target])}-{targets.index(target)}"
                place.mkdir()
                runs[target].append(await run_once(target, workload, args, place))
                if not args.json:
                    print(f"  {target:<10} run {repeat + 1}/{args.repeat}: "
                          f"{runs[target][-1]['updates_per_s']} updates/s", file=sys.stderr)
    return aggregate(runs, vars(args))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=4000, help="updates per run")
    parser.add_argument("--rtt-ms", type=float, default=0.0,
                        help="added delay of every API call (real Telegram: 20-100 ms)")
    parser.add_argument("--rate", type=float, default=None,
                        help="offer this many updates per second instead of saturating")
    parser.add_argument("--window", type=int, default=256,
                        help="saturated mode: updates kept unanswered at any time")
    parser.add_argument("--max-seconds", type=float, default=None,
                        help="cut a run off after this long (default: 20 s, or with --rate the "
                             "time to offer every update plus 10 s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per configuration")
    parser.add_argument("--seed", type=int, default=1, help="seed of the update mix")
    parser.add_argument("--variant", action="append", default=[],
                        help="also measure the bot with other settings, e.g. "
                             "'transport=aiohttp,concurrency=64,uvloop' (see variant.py)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    hook = parser.add_argument_group("webhook mode (benchmarks/hookbench.py)")
    hook.add_argument("--mode", choices=("polling", "webhook"), default="polling",
                      help="webhook: polling against 1 and 2 webhook workers on PostgreSQL + "
                           "Redis, fed by a Telegram-like sender (the figures of issue 13); its "
                           "defaults: --updates 1000 --rate 200 --rtt-ms 50 --repeat 3")
    hook.add_argument("--rate-updates", type=int, default=2000,
                      help="updates of the run at --rate (webhook mode)")
    hook.add_argument("--max-connections", type=int, default=40,
                      help="queues the sender keeps in flight (Telegram's default: 40)")
    hook.add_argument("--only", action="append", default=[],
                      help="webhook mode: only this configuration (repeatable)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    args = parse_args(argv)
    if args.mode == "webhook":
        from benchmarks import hookbench

        given = argv if argv is not None else sys.argv
        defaults = {"--rate": ("rate", 200.0), "--rtt-ms": ("rtt_ms", 50.0),
                    "--repeat": ("repeat", 3), "--updates": ("updates", 1000)}
        for option, (name, value) in defaults.items():  # webhook mode's own defaults
            if not any(a == option or a.startswith(option + "=") for a in given):
                setattr(args, name, value)
        result = asyncio.run(hookbench.session(args))
        print(json.dumps(result, indent=2) if args.json else hookbench.table(result))
        return 0
    if args.max_seconds is None:
        args.max_seconds = args.updates / args.rate + 10 if args.rate else 20.0
    result = asyncio.run(session(args))
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
