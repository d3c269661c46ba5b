"""Isolation per submission (root, bubblewrap, control groups): what one hand-in does never
reaches the next one, the machine's devices, or any network.

Each probe below is an answer cell that returns the right result only if the wall it tests
holds, so a hand-in scoring full marks proves the wall; the others show that one submission's
leftovers, memory and disk use cost only its own tests. CI runs these as root with bubblewrap
installed (``.ci/run``); elsewhere they are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.kernel

if not sys.platform.startswith("linux"):
    pytest.skip("isolation per submission needs Linux", allow_module_level=True)

from test_grade import AFFINE, GOOD, SCALE, SOFTPLUS, SOLUTION, fixture_checks, notebook, probe  # noqa: E402, F401

from course_tools.grade import cgroups, grade, sandbox  # noqa: E402

_missing = [
    what
    for what, ok in (("root", os.geteuid() == 0), ("bubblewrap (apt install bubblewrap)", shutil.which("bwrap")))
    if not ok
] or ([] if cgroups.available() else ["control groups"])
if _missing:
    if os.environ.get("CI"):  # .ci/run installs bubblewrap and runs as root: these must run there
        raise RuntimeError(f"CI must run the isolation tests, but this machine lacks {', '.join(_missing)}")
    pytest.skip(f"full isolation needs {', '.join(_missing)}", allow_module_level=True)

# listening sockets outside the sandbox; named per test run, so two runs on one machine never collide
UNIX_PATH = f"/tmp/course-grade-test-{os.getpid()}.sock"
ABSTRACT = f"\0course-grade-test-{os.getpid()}"


DEVICES = probe("""
import os
held = True
for dev in ('/dev/tty', '/dev/console', '/dev/loop0', '/dev/mem', '/dev/kmsg', '/dev/sda', '/dev/vda', '/dev/full'):
    try:
        open(dev, 'rb').close()
        held = False
    except OSError:
        pass
try:
    held = held and set(os.listdir('/dev')) <= {'null', 'zero', 'random', 'urandom', 'fd', 'stdin', 'stdout', 'stderr'}
except OSError:
    pass
status = open('/proc/self/status').read()
caps = {line.split(':')[0]: int(line.split()[1], 16) for line in status.splitlines() if line.startswith('Cap')}
held = held and not any(caps.values()) and os.getuid() != 0
with open('/dev/urandom', 'rb') as f:
    held = held and len(f.read(8)) == 8
""")

# Anything that would leave the sandbox: the internet, the machine's loopback (where the test
# listens: a datagram sent there "succeeds" only into the sandbox's own, empty loopback), and
# Unix sockets outside it, by path and in the abstract namespace.
NETWORK = probe(f"""
import socket
held = True
attempts = [
    (socket.AF_INET, socket.SOCK_DGRAM, lambda s: s.sendto(b'x', ('8.8.8.8', 53)), True),
    (socket.AF_INET, socket.SOCK_STREAM, lambda s: s.connect(('1.1.1.1', 443)), True),
    (socket.AF_INET, socket.SOCK_STREAM, lambda s: s.connect(('127.0.0.1', UDP_PORT)), True),
    (socket.AF_INET, socket.SOCK_DGRAM, lambda s: s.sendto(b'escaped', ('127.0.0.1', UDP_PORT)), False),
    (socket.AF_UNIX, socket.SOCK_STREAM, lambda s: s.connect({UNIX_PATH!r}), True),
    (socket.AF_UNIX, socket.SOCK_STREAM, lambda s: s.connect({ABSTRACT!r}), True),
]
for family, kind, act, must_fail in attempts:
    try:
        with socket.socket(family, kind) as s:
            s.settimeout(2)
            act(s)
        held = held and not must_fail
    except OSError:
        pass
""")

# A process chain that outlives the kernel: daemons that keep forking until the limit.
CHAIN = (
    """import subprocess, sys
CODE = '''
import os, time
while True:
    try:
        if os.fork() == 0:
            os.setsid()
            continue
    except OSError:
        time.sleep(0.05)
'''
subprocess.Popen([sys.executable, '-c', CODE], start_new_session=True)
"""
    + SCALE
)

# Five children of 440 MB each, under a 512 MB limit for the submission.
CHILDREN = (
    """import subprocess, sys
CODE = 'import numpy as np, time; a = np.ones(55_000_000); time.sleep(30)'
kids = [subprocess.Popen([sys.executable, '-c', CODE]) for _ in range(5)]
codes = [k.wait() for k in kids]
"""
    + SCALE
)

# Writes until its scratch space is full; right only if that happened before 80 MB.
FILLER = probe("""
import os
held, written = False, 0
with open('fill.bin', 'wb') as f:
    try:
        while written < 200 << 20:
            f.write(b'x' * (1 << 20))
            f.flush()
            written += 1 << 20
    except OSError:
        held = written < 80 << 20
os.remove('fill.bin')  # room again for the results
""")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("isolation")
    subs, out = base / "subs", base / "out"
    subs.mkdir()
    handins = {
        "a_chain": notebook({"scale": CHAIN, "affine": AFFINE, "softplus": SOFTPLUS}),
        "b_next": notebook(GOOD),
        "c_next": notebook(GOOD),
        "children": notebook({"scale": CHILDREN, "affine": AFFINE, "softplus": SOFTPLUS}),
        "devices": notebook({"scale": DEVICES, "affine": AFFINE, "softplus": SOFTPLUS}),
        "filler": notebook({"scale": FILLER, "affine": AFFINE, "softplus": SOFTPLUS}),
        "network": notebook({"scale": NETWORK, "affine": AFFINE, "softplus": SOFTPLUS}),
    }
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.2)
    handins["network"] = notebook(
        {"scale": NETWORK.replace("UDP_PORT", str(udp.getsockname()[1])), "affine": AFFINE, "softplus": SOFTPLUS}
    )
    for name, data in handins.items():
        (subs / f"{name}.ipynb").write_bytes(data)
    Path(UNIX_PATH).unlink(missing_ok=True)
    servers = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(2)]
    servers[0].bind(UNIX_PATH)
    servers[1].bind(ABSTRACT)
    accepted = []
    for s in servers:
        s.listen(4)
        s.settimeout(0.2)

        def serve(s=s):
            while True:
                try:
                    accepted.append(s.accept())
                except (TimeoutError, OSError):
                    if s.fileno() < 0:
                        return

        threading.Thread(target=serve, daemon=True).start()
    os.chmod(UNIX_PATH, 0o777)
    try:
        results = grade(subs, SOLUTION, out, jobs=2, timeout=10, memory="512M", disk="64M", progress=False)
    finally:
        for s in servers:
            s.close()
        Path(UNIX_PATH).unlink(missing_ok=True)
    try:
        accepted.append(udp.recvfrom(64))
    except (TimeoutError, OSError):
        pass
    udp.close()
    return dict(results=results, accepted=accepted)


def _kernel_processes() -> list[int]:
    """Processes of the kernel users this test run's grader handed out (its own block of ids)."""
    first = sandbox.slot_uid(0)
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if first <= os.stat(f"/proc/{name}").st_uid < first + 4096:
                    found.append(int(name))
            except OSError:
                pass
    return found


def test_no_device_capability_or_root_reaches_a_kernel(run):
    assert run["results"]["devices"]["total"] == 6, run["results"]["devices"]["tests"]["test_scale"]


def test_no_network_of_any_kind(run):
    assert run["results"]["network"]["total"] == 6
    assert not run["accepted"]


def test_a_process_chain_that_outlives_its_kernel_costs_the_next_submissions_nothing(run):
    r = run["results"]
    assert (r["b_next"]["total"], r["b_next"]["status"]) == (6, "ok")
    assert (r["c_next"]["total"], r["c_next"]["status"]) == (6, "ok")
    assert not _kernel_processes(), "processes of a graded submission are still running"


def test_memory_is_limited_for_the_submission_as_a_whole(run):
    r = run["results"]["children"]
    assert r["status"] == "memory", r["detail"]


def test_scratch_space_has_a_quota(run):
    r = run["results"]["filler"]
    assert r["total"] == 6, r["tests"]["test_scale"]
