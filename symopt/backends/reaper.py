"""Stop the processes of a local Ray instance that outlive the process that started it.

When a driver that started a local Ray instance is killed (SIGKILL, or Ctrl-C while Ray starts),
Ray's node agents (``ray::DashboardAgent``, ``ray::RuntimeEnvAgent``) can stay behind with parent
1 for good. A reaper is a small separate process, started before ``ray.init``: while the driver
lives it notes the driver's descendants whose command line names Ray; once the driver is gone
(its end of a pipe closes, however it died) or has shut Ray down and closed the pipe, it waits a
moment and ends those still running (SIGTERM, then SIGKILL). Linux only (it reads ``/proc``);
elsewhere ``start_reaper`` does nothing.

This file runs as a script (``python reaper.py DRIVER_PID``), so it imports nothing of symopt.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

PROC = Path("/proc")
GRACE_SECONDS = 2.0
FIRST_SECONDS, FIRST_EVERY, LATER_EVERY = 60.0, 0.5, 10.0


def start_reaper() -> subprocess.Popen | None:
    """Start a reaper for this process; close its ``stdin`` once Ray is shut down."""
    if not PROC.is_dir():
        return None
    return subprocess.Popen(
        [sys.executable, __file__, str(os.getpid())],
        stdin=subprocess.PIPE,
        start_new_session=True,  # Ctrl-C in the terminal must not stop the reaper too
    )


def stop_reaper(reaper: subprocess.Popen | None) -> None:
    """Tell the reaper Ray is shut down: it sweeps what is left and exits on its own."""
    if reaper is not None and reaper.stdin is not None:
        reaper.stdin.close()


def _processes() -> dict[int, tuple[int, str]]:
    """``{pid: (parent pid, start time)}`` of every process now running."""
    table = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # it ended meanwhile
                continue
            fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
            table[int(entry.name)] = (int(fields[1]), fields[19])
    return table


def _names_ray(pid: int) -> bool:
    try:
        return b"ray" in (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return False


def _ray_descendants(root: int) -> dict[int, str]:
    """``{pid: start time}`` of the descendants of ``root`` whose command line names Ray."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        if pid != os.getpid() and _names_ray(pid):
            found[pid] = table[pid][1]
    return found


def _still_running(seen: dict[int, str]) -> list[int]:
    table = _processes()
    return [pid for pid, started in seen.items() if pid in table and table[pid][1] == started]


def _end(seen: dict[int, str]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _still_running(seen):
            with contextlib.suppress(OSError):  # it ended meanwhile
                os.kill(pid, sig)
        time.sleep(GRACE_SECONDS)


def main(driver: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    seen: dict[int, str] = {}
    started = time.monotonic()
    while True:
        seen.update(_ray_descendants(driver))
        # Ray starts its agents in the first seconds; later, a rare look is enough (a scan of
        # /proc costs milliseconds of a core the search needs)
        every = FIRST_EVERY if time.monotonic() - started < FIRST_SECONDS else LATER_EVERY
        if select.select([sys.stdin], [], [], every)[0] and not sys.stdin.buffer.read(1):
            break  # end of input: the driver closed the pipe or died
    time.sleep(GRACE_SECONDS)  # a clean shutdown is still stopping its processes
    _end(seen)


if __name__ == "__main__":
    main(int(sys.argv[1]))
