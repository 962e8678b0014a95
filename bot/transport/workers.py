"""``python -m bot run --workers N``: N webhook worker processes sharing ``BOT_PORT``.

Each worker is ``python -m bot run --worker`` and binds the port with ``SO_REUSEPORT``, so the
kernel spreads Telegram's connections over them. This supervisor starts them, starts a new one
when one dies (its unanswered updates are redelivered by Telegram to the others meanwhile), and
on SIGTERM or SIGINT passes the signal on, waits for every worker to drain and exits 0.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from types import FrameType

log = logging.getLogger(__name__)

RESTART_DELAY = 1.0
STOP_TIMEOUT = 40.0


def supervise(workers: int, argv: list[str] | None = None) -> int:
    """Run ``workers`` worker processes until told to stop; the exit code."""
    command = argv or [sys.executable, "-m", "bot", "run", "--worker"]
    procs: list[subprocess.Popen[bytes]] = []
    stopping: list[int] = []

    def on_signal(signum: int, _: FrameType | None) -> None:
        stopping.append(signum)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    procs.extend(subprocess.Popen(command) for _ in range(workers))
    log.info("started %d webhook workers", workers)
    while not stopping:
        time.sleep(0.2)
        for i, proc in enumerate(procs):
            code = proc.poll()
            if code is not None and not stopping:
                log.error("worker %d exited with %d; starting a new one", proc.pid, code)
                time.sleep(RESTART_DELAY)
                procs[i] = subprocess.Popen(command)
    deadline = time.monotonic() + STOP_TIMEOUT
    failed = 0
    for proc in procs:
        try:
            code = proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        failed += code != 0
    return 1 if failed else 0
