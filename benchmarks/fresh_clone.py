"""Benchmark 5: the first ``make test`` on a fresh clone, the installation and the tests apart.

Clones the repository's last commit into a temporary folder and there runs, timed, exactly what a
newcomer's first ``make test`` runs: the install (``make .venv/.installed``: the virtual
environment and every package) and then ``make test`` itself (ruff and pytest, told to list its
slowest tests). It also times ``import nbformat`` in the new environment, which every test process,
grader and notebook runner that reads notebooks pays once.

    python -m benchmarks.fresh_clone [--keep]

Target: the first ``make test`` under 2.5 minutes on the 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks._common import ROOT, load, markdown_table, report

TARGET = 150.0


CPUACCT = Path("/sys/fs/cgroup/cpuacct")  # cgroup v1's CPU accounting (as root): every process of a group


class CpuMeter:
    """CPU seconds of a command and every process it starts: from a control group of its own where
    one can be made (kernels, servers and browsers orphaned on their way out are counted too),
    else from the children it waited for (fewer: ``counted`` says which)."""

    def __init__(self):
        self.group = CPUACCT / f"bench-fresh-clone-{os.getpid()}"
        try:
            self.group.mkdir()
            self.counted = "all its processes"
        except OSError:
            self.group = None
            self.counted = "the processes it waited for"

    def join(self) -> None:  # in the child, before exec
        if self.group is not None:
            (self.group / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float:
        if self.group is not None:
            return int((self.group / "cpuacct.usage").read_text()) / 1e9
        import resource

        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def close(self) -> None:
        if self.group is not None:
            try:
                self.group.rmdir()
            except OSError:
                pass


def timed(cmd: list[str], cwd: Path, env: dict, log: Path, meter: CpuMeter | None = None) -> tuple[float, int, str]:
    start = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=meter.join if meter else None,
        )
    return time.perf_counter() - start, proc.returncode, log.read_text(encoding="utf-8", errors="replace")


def seconds_by_file(junit: Path, top: int = 8) -> dict[str, float]:
    """pytest's seconds per test file (setup, call and teardown), the largest ``top`` and the rest."""
    import xml.etree.ElementTree as ET

    seconds: dict[str, float] = {}
    for case in ET.parse(junit).iter("testcase"):
        name = case.get("file") or case.get("classname", "?").replace(".", "/")
        name = re.sub(r"^(solutions/\d\d)_.*", r"\1 (nbval)", name)
        seconds[name] = seconds.get(name, 0.0) + float(case.get("time", 0))
    ranked = sorted(seconds.items(), key=lambda kv: -kv[1])
    shown = dict(ranked[:top])
    if len(ranked) > top:
        shown[f"the other {len(ranked) - top} files"] = sum(s for _, s in ranked[top:])
    return shown


def failures(junit: Path) -> list[str]:
    import xml.etree.ElementTree as ET

    return [
        f"{case.get('classname')}::{case.get('name')}"
        for case in ET.parse(junit).iter("testcase")
        if case.find("failure") is not None or case.find("error") is not None
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    args = parser.parse_args()
    before = load()
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV")}
    tmp = Path(tempfile.mkdtemp(prefix="bench-clone-"))
    clone = tmp / "course"
    try:
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=300)
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True
        ).stdout.strip()
        print(f"fresh clone of {commit} in {clone}; load {before}", flush=True)
        install, code, text = timed(["make", ".venv/.installed"], clone, env, tmp / "install.log")
        print(f"install: {install:.0f} s (exit {code}), load {load()}", flush=True)
        if code != 0:
            raise SystemExit(f"the install failed:\n{text[-3000:]}")
        imports = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([str(clone / ".venv/bin/python"), "-c", "import nbformat"], check=True, timeout=120)
            imports.append(time.perf_counter() - t)
        junit = tmp / "junit.xml"
        meter = CpuMeter()
        cpu_before = meter.seconds()
        tests, code, text = timed(
            ["make", "test", f"PYTEST_FLAGS=--durations=5 --junitxml={junit}"], clone, env, tmp / "test.log", meter
        )
        time.sleep(1.0)  # the last orphans end
        cpu = meter.seconds() - cpu_before
        meter.close()
        print(f"make test: {tests:.0f} s (exit {code}), {cpu:.0f} s of CPU, load {load()}", flush=True)
        summary = next(
            (ln.strip("= ") for ln in reversed(text.splitlines()) if re.search(r"\d+ (passed|failed)", ln)),
            f"no pytest summary (exit {code})",
        )
        by_file = seconds_by_file(junit) if junit.exists() else {}
        failed = failures(junit) if junit.exists() else []
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    total = install + tests
    rows = [
        ["install (make .venv/.installed: venv and packages)", f"{install:.0f}"],
        ["make test (ruff, pytest in worker processes)", f"{tests:.0f}"],
        [f"&nbsp;&nbsp;its CPU time ({meter.counted}; {os.cpu_count()} cores)", f"{cpu:.0f}"],
        *[
            [f"&nbsp;&nbsp;test time in {name} (summed over the workers)", f"{sec:.0f}"]
            for name, sec in by_file.items()
        ],
        ["**first make test**", f"**{total:.0f}**"],
    ]
    imports.sort()
    notes = [
        f"pytest: {summary}." + (f" Failed: {', '.join(failed)}." if failed else ""),
        f"`import nbformat` in the new environment: {imports[1]:.1f} s (median of 3 fresh processes).",
        f"Target: the first make test under {TARGET / 60:.1f} minutes: "
        + ("met." if total < TARGET else f"missed ({total / 60:.1f} minutes)."),
    ]
    report(
        "fresh_clone",
        "Set-up: the first make test on a fresh clone",
        markdown_table(["step", "seconds"], rows),
        notes=notes,
        load_before=before,
        at=f"a fresh clone of {commit}",
    )
    if code != 0:
        raise SystemExit(f"make test failed in the fresh clone ({summary})")


if __name__ == "__main__":
    main()
