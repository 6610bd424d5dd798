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


def _processes() -> dict[int, tuple[int, str, str]]:
    """``{pid: (parent pid, start time, command line)}`` of every process now running."""
    table = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        table[int(entry.name)] = (int(fields[1]), fields[19], cmdline)
    return table


def _ray_descendants(root: int) -> dict[int, str]:
    """``{pid: start time}`` of the descendants of ``root`` whose command line names Ray."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found, todo = {}, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        if pid != os.getpid() and "ray" in table[pid][2]:
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
    while True:
        seen.update(_ray_descendants(driver))
        if select.select([sys.stdin], [], [], 0.5)[0] and not sys.stdin.buffer.read(1):
            break  # end of input: the driver closed the pipe or died
    time.sleep(GRACE_SECONDS)  # a clean shutdown is still stopping its processes
    _end(seen)


if __name__ == "__main__":
    main(int(sys.argv[1]))
