"""Where a grading kernel lives: its settings, its two folders, its sandbox, its start.

:class:`Settings` holds what every kernel of a run shares (limits, what the sandbox lets a
kernel read, each test's inputs encoded once). :class:`KernelHost` is one submission's kernel
with its scratch folder and the grader's exchange folder; it starts (and restarts) the kernel
with the grader's bootstrap and runs one test at a time. :func:`preflight` checks, before any
submission, that a kernel can start at all.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import cgroups, sandbox, stubs, transport, tree
from .plan import GradeError, Plan
from .session import Ended, KernelSession, KernelStartError, Outcome, Relay

__all__ = ["Settings", "KernelHost", "preflight"]

_KERNEL_FILE = str(Path(__file__).with_name("in_kernel.py"))
_BOOT = """def _course_grade_boot():
    import importlib.util, sys
    spec = importlib.util.spec_from_file_location("course_grade_kernel", {!r})
    module = importlib.util.module_from_spec(spec)
    sys.modules["course_grade_kernel"] = module
    spec.loader.exec_module(module)
    module.prepare({!r})
_course_grade_boot()
del _course_grade_boot"""
_RUN = "__import__('sys').modules['course_grade_kernel'].run_test({!r}, {!r}, {!r})"
_ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "passwd",
    "group",
    "nsswitch.conf",
    "mime.types",
    "fonts",
    "os-release",
    "alternatives",
)


@dataclass
class Settings:
    """What every kernel of a run shares.

    ``timeout`` (seconds per cell), ``memory`` (bytes of data per kernel) and ``output_limit``
    (bytes a cell may print) are the instructor's; ``as_root`` (kernels then run as dedicated
    users) and ``landlock`` (the ABI, 0 if none) describe the machine; ``read`` (what Landlock
    lets a kernel read), ``requests`` (each test's inputs, encoded once) and ``kernel_plan``
    are filled in by :meth:`prepare`.
    """

    timeout: float = 30.0
    memory: int = 2 << 30
    disk: int = 512 << 20
    output_limit: int = 4 << 20
    as_root: bool = field(default_factory=lambda: hasattr(os, "geteuid") and os.geteuid() == 0)
    landlock: int = field(default_factory=sandbox.landlock_abi)
    seccomp: bool = field(default_factory=sandbox.seccomp_available)  # a filter on socket families and keyrings
    bwrap: str | None = None  # bubblewrap's path when kernels get their own namespaces (root, Linux)
    cgroups: bool = False  # whether each submission gets its own control group (root, Linux)
    run_id: str = field(default_factory=lambda: secrets.token_hex(6))
    read: list = field(default_factory=list)
    fontcache: list = field(default_factory=list)
    requests: dict = field(default_factory=dict)  # grade_id -> (request JSON, inputs .npz bytes)
    kernel_plan: dict = field(default_factory=dict)  # what in_kernel.prepare needs, less the answers
    home: str = ""  # the run's folder: the grading copy of the course (library) and the kernel's module
    library: str = ""
    kernel_file: str = _KERNEL_FILE
    sandbox_file: str = ""
    relays: dict = field(default_factory=dict, repr=False)  # slot -> its relay (session.Relay), kernel after kernel

    def prepare(self, plan: Plan) -> None:
        """Build the grading copy of the course, work out what the kernels may read, and encode
        every test's inputs once."""
        import site

        if self.as_root and sys.platform.startswith("linux"):
            self.bwrap = shutil.which("bwrap")
            self.cgroups = cgroups.available()
        self.home = tempfile.mkdtemp(prefix="course-grade-lib-")
        self.library = str(stubs.build(plan, Path(self.home)))
        self.kernel_file = str(Path(self.home) / "course_grade_kernel.py")
        shutil.copy(_KERNEL_FILE, self.kernel_file)
        self.sandbox_file = str(Path(self.home) / "course_grade_sandbox.py")
        shutil.copy(sandbox.__file__, self.sandbox_file)
        for f in (self.kernel_file, self.sandbox_file):
            os.chmod(f, 0o644)
        roots = {"/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/proc", *sandbox.DEVICES}
        roots |= {f"/etc/{name}" for name in _ETC}
        roots |= {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
        roots |= {os.path.realpath(p) for p in site.getsitepackages()} | set(site.getsitepackages())
        roots.add(self.home)  # the grading copy of the course and the kernel's module; not the course itself
        self.read = sorted(r for r in roots if os.path.exists(r))
        try:
            import matplotlib

            self.fontcache = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
        except Exception:
            self.fontcache = []
        self.kernel_plan = {"paths": [self.library], "modules": plan.modules, "checks": sorted(plan.references)}
        for test in plan.tests:
            arrays: dict = {}
            calls = [
                {
                    "check": c.check,
                    "args": c.args,
                    "cases": [transport.encode(case, arrays, f"{i}.{k}") for k, case in enumerate(c.cases)],
                }
                for i, c in enumerate(test.calls)
            ]
            buf = io.BytesIO()
            np.savez(buf, **arrays)
            self.requests[test.grade_id] = (json.dumps({"calls": calls}).encode(), buf.getvalue())

    def relay(self, slot: int) -> Relay:
        """The relay of a grading slot, started again if a hostile message ended it."""
        relay = self.relays.get(slot)
        if relay is None or not relay.alive:
            relay = self.relays[slot] = Relay()
        return relay

    def close(self) -> None:
        """End the slots' relays and remove the grading copy of the course."""
        for relay in self.relays.values():
            relay.close()
        self.relays.clear()
        if self.home:
            _rmtree(Path(self.home))
            self.home = ""

    @property
    def linux(self) -> bool:
        return sys.platform.startswith("linux")

    @property
    def full(self) -> bool:
        """Whether kernels run with every wall: namespaces, control groups, a disk quota."""
        return bool(self.bwrap and self.cgroups and self.as_root)

    def describe(self) -> str:
        """What holds for every kernel of this run, on this machine (the banner ``course grade`` prints)."""
        who = "each submission as a user of its own" if self.as_root else "as you"
        walls = "no Landlock on this system"
        if self.landlock:
            walls = (
                f"Landlock ABI {self.landlock}: reads only Python and the grading copy of the course, writes "
                "only a scratch folder"
                + (", no TCP" if self.landlock >= 4 else "")
                + (", no signals out" if self.landlock >= 6 else "")
            )
        if self.seccomp:
            walls += "; seccomp: sockets of no family but Unix (no UDP, TCP or raw network), no keyrings, no io_uring"
        elif self.linux:
            walls += "; no seccomp filter (libseccomp is not installed): the user's keyring is reachable"
        walls += (
            "; its sockets and files its own user's alone"
            if self.as_root
            else "; its sockets and files owner-only (but every kernel runs as you, so one can reach another's)"
        )
        walls += ", a session keyring of its own" if self.linux else ""
        if self.full:
            walls = (
                "own namespaces (bubblewrap: no network at all, only its own processes, /dev with null, zero "
                f"and random), a control group (memory for all its processes, 64 tasks, 1 CPU), "
                f"{self.disk / 2**20:.0f} MB of scratch space, no capabilities; " + walls
            )
        else:
            missing = [
                m
                for m, ok in (
                    ("root", self.as_root),
                    ("bubblewrap (apt install bubblewrap)", self.bwrap),
                    ("control groups", self.cgroups),
                )
                if not ok
            ]
            network = (
                "no network"
                if self.seccomp
                else "UDP reaches the network"
                if self.landlock >= 4
                else "UDP and TCP reach the network"
            ) + ", Unix sockets outside reachable by path"
            walls += (
                f"; without {', '.join(missing)}: no namespaces ({network}; the machine's processes are "
                "visible), per-process limits, no disk quota"
            )
        return f"kernels run {who}; {walls}; memory {self.memory / 2**30:.3g} GiB; {self.timeout:g} s per cell"

    @property
    def start_timeout(self) -> float:
        """Seconds a kernel may take to start, or to run the grader's set-up: the cell limit, at least 10 s."""
        return max(10.0, self.timeout)


class KernelHost:
    """A sandboxed kernel for one submission.

    Its folder holds three parts: ``x`` (the grader's exchange: test inputs, the plan and the
    connection file, readable but not writable by the kernel), ``home`` (the kernel's HOME,
    the grader's and empty, so no start-up or configuration file of the student's can exist),
    and ``w``, the kernel's writable space: ``w/scratch`` (its working folder, temporary files
    and matplotlib's cache) and ``w/out`` (the results, under names the grader draws at random
    for each test). ``w`` is emptied before every (re)start of the kernel, and with full
    isolation it is a tmpfs of ``Settings.disk`` bytes, counted in the submission's memory. The
    grader never writes in ``w`` after setting it up and reads results only as regular files,
    never through a link.

    With full isolation (root, bubblewrap, control groups) the submission also has a user id
    and a control group of its own; :meth:`close` ends every process in that group.
    """

    def __init__(self, settings: Settings, slot: int):
        self.settings, self.slot = settings, slot
        self.uid = sandbox.fresh_uid() if settings.as_root else None
        self.marker = f"course-grade-{settings.run_id}-{slot}"
        self.root = Path(tempfile.mkdtemp(prefix=f"course-grade-{slot}-"))
        os.chmod(self.root, 0o711)
        self.exchange, self.home, self.work = self.root / "x", self.root / "home", self.root / "w"
        self.scratch, self.out = self.work / "scratch", self.work / "out"
        self.exchange.mkdir(mode=0o711)
        self.home.mkdir()
        # read-only even for its owner: a kernel that runs as the grader's user (no root) sees a HOME it
        # cannot write, so IPython keeps its profile in a temporary folder instead of failing under
        # Landlock when it tries to create ~/.ipython there
        os.chmod(self.home, 0o555)
        self.work.mkdir(mode=0o711)
        self.mounted = False
        self.group = None
        self.session: KernelSession | None = None
        self.starts = 0
        self.cancelled = False
        if settings.full:
            subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={settings.disk},mode=0711,nosuid,nodev", "tmpfs", str(self.work)],
                check=True,
                capture_output=True,
                timeout=30,
            )
            self.mounted = True
            self.group = cgroups.create(memory=settings.memory + (256 << 20), pids=64, cpus=1.0)

    def _own(self, path: Path) -> None:
        """Give a path the grader just created to the kernel's user."""
        if self.uid is not None:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)

    def _fresh_work(self) -> None:
        """Empty the kernel's writable space: nothing of a previous kernel's survives a restart."""
        for path in list(self.work.iterdir()):
            if path.is_dir() and not path.is_symlink():
                _rmtree(path)
            else:
                path.unlink(missing_ok=True)
        for folder in (self.scratch, self.scratch / "tmp", self.scratch / ".mpl", self.out):
            folder.mkdir()
            os.chmod(folder, 0o711 if folder == self.scratch else 0o700)  # bubblewrap enters scratch without caps
            self._own(folder)
        for f in self.settings.fontcache:
            shutil.copy(f, self.scratch / ".mpl" / f.name)
            self._own(self.scratch / ".mpl" / f.name)

    def _publish(self, name: str, data: bytes) -> Path:
        """A new file in the exchange folder for the kernel (and no other user) to read."""
        path = self.exchange / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o400)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        self._own(path)
        return path

    def start(self, answers: dict) -> Outcome:
        s = self.settings
        env = {
            "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "TMPDIR": str(self.scratch / "tmp"),
            "IPYTHONDIR": str(self.home / ".ipython"),
            "JUPYTER_CONFIG_DIR": str(self.home / ".jupyter"),
            "JUPYTER_DATA_DIR": str(self.home / ".jupyter"),
            "JUPYTER_RUNTIME_DIR": str(self.scratch / "tmp"),
            "JUPYTER_PLATFORM_DIRS": "1",
            "MPLCONFIGDIR": str(self.scratch / ".mpl"),
            "MPLBACKEND": "Agg",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "JPY_PARENT_PID": str(os.getpid()),
            "COURSE_GRADE_SANDBOX": self.marker,
            "PYTHONPATH": s.library,
            "PYTHONNOUSERSITE": "1",
        }
        config = dict(
            memory=s.memory,
            cpu_seconds=int(max(600, 20 * s.timeout)),
            file_size=256 << 20,
            max_processes=64,
            uid=self.uid,
            landlock=s.landlock,
            seccomp=s.seccomp,
            read=[*s.read, str(self.exchange), str(self.home)],
            write=[str(self.scratch), str(self.out), "/dev/null"],
            cgroups=self.group.procs_files if self.group else [],
            bwrap=s.bwrap if s.full else None,
            cwd=str(self.scratch),
            script=s.sandbox_file,
        )
        if s.full:  # the grader is outside the kernel's process namespace; bubblewrap ties their lives
            del env["JPY_PARENT_PID"]
        self.close_session()
        if self.group is not None:
            self.group.kill_all()
        self._fresh_work()
        self.starts += 1
        plan = json.dumps({**s.kernel_plan, "answers": answers}).encode()
        plan_file = self._publish(f"plan-{self.starts}.json", plan)
        self.session = KernelSession(
            self.scratch,
            self.exchange / f"kernel-{self.starts}.json",
            config,
            env,
            output_limit=s.output_limit,
            group=self.group,
            relay=s.relay(self.slot),
        )
        self.session.start(timeout=s.start_timeout)
        if self.cancelled:  # terminate() came while the session was being made: it may have missed it
            self.session.kill()
            raise KernelStartError("grading was interrupted")
        return self.session.run(_BOOT.format(s.kernel_file, str(plan_file)), s.start_timeout)

    @property
    def running(self) -> KernelSession:
        """The session of the booted kernel (:meth:`boot` starts it)."""
        assert self.session is not None, "the kernel is not booted"
        return self.session

    def run_test(self, gid: str) -> tuple[Outcome, object, dict]:
        token = secrets.token_hex(8)
        request, inputs = self.settings.requests[gid]
        files = [self._publish(f"{token}.json", request), self._publish(f"{token}.npz", inputs)]
        out = self.out / token
        outcome = self.running.run(_RUN.format(str(files[0]), str(files[1]), str(out)), self.settings.timeout)
        results, arrays = None, {}
        if outcome.kind is Ended.OK:
            try:
                results = transport.read_json(out.with_suffix(".json"))
                arrays = transport.load_npz(out.with_suffix(".npz"), max_arrays=transport.array_refs(results))
            except (transport.TransportError, OSError):
                results = None
        for path in [*files, out.with_suffix(".json"), out.with_suffix(".npz")]:
            try:
                os.unlink(path)
            except OSError:
                pass
        return outcome, results, arrays

    def terminate(self) -> None:
        """Kill the kernel now (from another thread, on Ctrl-C); the grading thread sees it die.

        A kernel still being started is killed as soon as it is up (see :meth:`start`).
        """
        self.cancelled = True
        session = self.session
        if session is not None and session.proc is not None:
            try:
                os.killpg(session.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def close_session(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None

    def close(self) -> None:
        """End every process of the submission and remove its folders."""
        self.close_session()
        if self.group is not None:
            self.group.remove()
        sandbox.sweep(uid=self.uid, marker=self.marker)
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.work)], capture_output=True, timeout=30)
        _rmtree(self.root)


def _rmtree(path: Path) -> None:
    """Remove a folder a kernel wrote in: by file descriptor, however deep, never through a link."""
    tree.remove_tree(path)


def preflight(plan: Plan, settings: Settings, slot: int = 0) -> None:
    """Start one kernel with the grader's bootstrap; GradeError if that is impossible. ``slot``: one
    no submission of the run uses while this runs (a slot's processes are ended together)."""
    kernel = KernelHost(settings, slot)
    try:
        outcome = kernel.start({})
        if outcome.kind is not Ended.OK:
            raise GradeError(
                f"a grading kernel cannot load the checks: {outcome.ename}: {outcome.evalue}\n"
                + "\n".join(outcome.traceback[-3:])
            )
    except KernelStartError as e:
        raise GradeError(f"a grading kernel cannot start ({settings.describe()}): {e}") from None
    finally:
        kernel.close()
