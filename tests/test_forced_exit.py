"""A second signal stops the event loop in the middle of a usage write: the queue still reaches
the file, exactly once. Each case runs in a process of its own (``tests/forcedexit_child.py``),
which leaves its loop as a forced exit does and ends with ``os._exit``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.usagekit import total_events

ROOT = Path(__file__).parent.parent


def forced_exit(scenario: str, path: Path) -> int:
    """Run one scenario; the number of records its last write wrote."""
    done = subprocess.run([sys.executable, "-m", "tests.forcedexit_child", scenario, str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def test_a_lock_won_after_the_loop_died_is_released_for_the_last_write(tmp_path: Path) -> None:
    """The race behind a once-flaky end-to-end test (a second SIGTERM while the database was
    locked): the writer's thread takes the lock after the loop died, and its transaction is
    left open. Rolled back, the last write finds the file free."""
    path = tmp_path / "usage.sqlite3"
    assert forced_exit("lock", path) == 5
    assert total_events(path) == 5


def test_a_commit_the_loop_never_heard_of_is_not_written_again(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    assert forced_exit("commit", path) == 2  # only what was queued behind the committed batch
    assert total_events(path) == 7


@pytest.mark.parametrize("run", range(3))
def test_a_last_write_racing_the_commit_counts_everything_once(tmp_path: Path,
                                                               run: int) -> None:
    """Whether the COMMIT or the last write comes first (the last write may cut it short),
    every record is in the file once."""
    path = tmp_path / "usage.sqlite3"
    assert forced_exit("commit-race", path) in (2, 7)
    assert total_events(path) == 7


def test_with_no_write_in_progress_the_whole_queue_is_written(tmp_path: Path) -> None:
    path = tmp_path / "usage.sqlite3"
    assert forced_exit("idle", path) == 3
    assert total_events(path) == 3
