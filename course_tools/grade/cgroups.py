"""One control group per graded submission: its memory, processes and CPU as a whole, and a
sure way to end every process it started.

A per-process memory limit lets five children of 440 MB each run under a 512 MB limit; a
control group counts them together (and the files a submission writes to its tmpfs scratch
space), and its out-of-memory count tells the grader that memory was the reason a kernel died.
Killing "every process of the submission" is exact too: the group lists them all, however they
daemonized, and a frozen group cannot fork while it is being emptied.

Works with cgroup v2 (``memory.max``, ``pids.max``, ``cpu.max``, ``cgroup.kill``) and v1 (the
``memory``, ``pids``, ``cpu`` and ``freezer`` hierarchies), found from ``/proc/self/mountinfo``
and ``/proc/self/cgroup``: a group is made inside the grader's own. Needs root (or a delegated
subtree); :func:`create` returns None where groups cannot be made, and the grader says so.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

__all__ = ["Group", "create", "available"]

_V1 = ("memory", "pids", "cpu", "freezer")
_counter = itertools.count()


def _mounts() -> dict[str, Path]:
    """controller (or "unified" for v2) -> where its hierarchy is mounted."""
    found: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        if tail[0] == "cgroup2":
            found.setdefault("unified", Path(fields[4]))
        elif tail[0] == "cgroup":
            for option in tail[2].split(","):
                if option in _V1:
                    found.setdefault(option, Path(fields[4]))
    return found


def _own_paths() -> dict[str, str]:
    """controller (or "unified") -> this process's group path in that hierarchy."""
    paths: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            paths["unified"] = path
        for c in controllers.split(","):
            paths[c] = path
    return paths


class Group:
    """A control group (one folder per hierarchy) holding one submission's processes."""

    def __init__(self, dirs: dict[str, Path], version: int):
        self.dirs, self.version = dirs, version

    @property
    def procs_files(self) -> list[str]:
        """The files a process writes its pid into to join the group."""
        return [str(d / "cgroup.procs") for d in self.dirs.values()]

    def pids(self) -> list[int]:
        pids: set[int] = set()
        for d in self.dirs.values():
            try:
                pids |= {int(p) for p in (d / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                continue
        return sorted(pids)

    def oom_kills(self) -> int:
        """How many processes the kernel killed in this group for want of memory."""
        d = self.dirs.get("memory") or self.dirs.get("unified")
        if d is None:
            return 0
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            for line in (d / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def _write(self, controller: str, name: str, value: str) -> bool:
        d = self.dirs.get(controller)
        try:
            if d is not None:
                (d / name).write_text(value)
                return True
        except OSError:
            pass
        return False

    def kill_all(self, timeout: float = 10.0) -> int:
        """End every process in the group (frozen first, so none can fork meanwhile)."""
        if self.version == 2 and self._write("unified", "cgroup.kill", "1"):
            deadline = time.monotonic() + timeout
            while self.pids() and time.monotonic() < deadline:
                time.sleep(0.01)
            return 0
        frozen = self._write("freezer", "freezer.state", "FROZEN")
        killed, deadline = 0, time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except (ProcessLookupError, PermissionError):
                    pass
            if frozen:  # killed tasks die only once thawed
                self._write("freezer", "freezer.state", "THAWED")
                time.sleep(0.005)
                self._write("freezer", "freezer.state", "FROZEN")
            else:
                time.sleep(0.005)
        self._write("freezer", "freezer.state", "THAWED")
        return killed

    def remove(self) -> None:
        """Kill what is left and remove the group's folders."""
        self.kill_all()
        for d in self.dirs.values():
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # still busy for a moment after its last process died
                    time.sleep(0.02)


def available() -> bool:
    """Whether this process can make groups with a memory limit (as root, usually)."""
    group = create(memory=256 << 20, pids=16, cpus=1.0)
    if group is None:
        return False
    group.remove()
    return True


def create(*, memory: int, pids: int, cpus: float) -> Group | None:
    """A new group limited to ``memory`` bytes (swap included), ``pids`` tasks and ``cpus``
    cores; None if this system or user cannot make one."""
    mounts, own = _mounts(), _own_paths()
    name = f"course-grade-{os.getpid()}-{next(_counter)}"
    if all(c in mounts for c in ("memory", "pids")):
        dirs = {c: mounts[c] / own.get(c, "/").lstrip("/") / name for c in _V1 if c in mounts}
        version = 1
    elif "unified" in mounts:
        dirs = {"unified": mounts["unified"] / own.get("unified", "/").lstrip("/") / name}
        version = 2
    else:
        return None
    made: dict[str, Path] = {}
    if version == 2:  # the parent must hand these controllers down (best effort)
        try:
            (dirs["unified"].parent / "cgroup.subtree_control").write_text("+memory +pids +cpu")
        except OSError:
            pass
    try:
        for c, d in dirs.items():
            d.mkdir()
            made[c] = d
    except OSError:
        Group(made, version).remove()
        return None
    if version == 2:
        group = Group(made, 2)
        ok = group._write("unified", "memory.max", str(memory)) and group._write("unified", "pids.max", str(pids))
        group._write("unified", "memory.swap.max", "0")
        group._write("unified", "cpu.max", f"{int(cpus * 100000)} 100000")
    else:
        group = Group(made, 1)
        ok = group._write("memory", "memory.limit_in_bytes", str(memory)) and group._write(
            "pids", "pids.max", str(pids)
        )
        group._write("memory", "memory.memsw.limit_in_bytes", str(memory))
        group._write("cpu", "cpu.cfs_period_us", "100000")
        group._write("cpu", "cpu.cfs_quota_us", str(int(cpus * 100000)))
    if not ok:
        group.remove()
        return None
    return group
