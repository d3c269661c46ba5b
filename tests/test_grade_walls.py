"""Isolation without bubblewrap, and a banner that says what holds.

Without bubblewrap (here: hidden from the grader, as on a machine that lacks it) a kernel has no
namespaces of its own. These hand-ins try what that leaves open: UDP to the machine's loopback,
raw and netlink sockets, a key in a keyring that outlives the run, another kernel's sockets
reachable through a permissive umask. Each probe is an answer that is right only if the wall
holds, so full marks prove the wall; the test process checks from outside that nothing arrived.
"""

from __future__ import annotations

import ctypes
import io
import os
import shutil
import socket
import sys

import pytest

pytestmark = pytest.mark.kernel

if not sys.platform.startswith("linux"):
    pytest.skip("the walls tested here are Linux's", allow_module_level=True)

from test_grade import AFFINE, GOOD, SOFTPLUS, SOLUTION, fixture_checks, notebook, probe  # noqa: E402, F401

from course_tools.grade import grade, sandbox  # noqa: E402
from course_tools.grade.kernel_host import Settings  # noqa: E402

if not sandbox.seccomp_available():
    pytest.skip("the seccomp filter needs libseccomp (apt install libseccomp2)", allow_module_level=True)

KEY = f"course-grade-test-{os.getpid()}"


NETWORK = probe("""
import socket
held = True
for family, kind in ((socket.AF_INET, socket.SOCK_DGRAM), (socket.AF_INET6, socket.SOCK_DGRAM),
                     (socket.AF_INET, socket.SOCK_STREAM), (socket.AF_NETLINK, socket.SOCK_RAW),
                     (socket.AF_PACKET, socket.SOCK_RAW)):
    try:
        with socket.socket(family, kind) as s:
            s.settimeout(1)
            if kind == socket.SOCK_DGRAM and family == socket.AF_INET:
                s.sendto(b'escaped', ('127.0.0.1', UDP_PORT))
        held = False
    except OSError:
        pass
a, b = socket.socketpair()  # Unix sockets still work: the kernel needs them
a.send(b'x')
held = held and b.recv(1) == b'x'
a.close()
b.close()
""")

KEYRING = probe(f"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
ADD_KEY = {{'x86_64': 248, 'aarch64': 217}}[os.uname().machine]
held = True
for ring in (-3, -4, -5):  # session, user, user-session keyrings
    if libc.syscall(ADD_KEY, b'user', {KEY!r}.encode(), b'secret', 6, ring) >= 0:
        held = False
""")

OWNER_ONLY = probe("""
import os, stat
modes = [os.lstat(e.path).st_mode for e in os.scandir('.') if e.name.startswith('.k-')]
held = len(modes) == 5 and all(stat.S_ISSOCK(m) and not m & 0o077 for m in modes)
with open('made-by-me', 'w') as f:
    f.write('x')
held = held and not os.stat('made-by-me').st_mode & 0o077
""")


def _keys_named(description: str) -> int:
    """How many keys of that description the test process can find: in its own keyrings (its user's
    included) and in /proc/keys."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    keyctl = {"x86_64": 250, "aarch64": 219}[os.uname().machine]
    found = sum(libc.syscall(keyctl, 10, ring, b"user", description.encode(), 0) >= 0 for ring in (-3, -4))
    try:
        with open("/proc/keys") as f:
            found += f.read().count(description)
    except OSError:
        pass
    return found


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    base = tmp_path_factory.mktemp("walls")
    subs, out = base / "subs", base / "out"
    subs.mkdir()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.3)
    handins = {
        "good": GOOD,
        "network": {
            "scale": NETWORK.replace("UDP_PORT", str(udp.getsockname()[1])),
            "affine": AFFINE,
            "softplus": SOFTPLUS,
        },
        "keyring": {"scale": KEYRING, "affine": AFFINE, "softplus": SOFTPLUS},
        "owner_only": {"scale": OWNER_ONLY, "affine": AFFINE, "softplus": SOFTPLUS},
    }
    for name, answers in handins.items():
        (subs / f"{name}.ipynb").write_bytes(notebook(answers))
    which, umask = shutil.which, os.umask(0)  # as permissive as an umask gets
    shutil.which = lambda name, *a, **k: None if name == "bwrap" else which(name, *a, **k)
    log = io.StringIO()
    try:
        results = grade(subs, SOLUTION, out, jobs=2, timeout=10, memory="1G", progress=False, stream=log)
    finally:
        shutil.which = which
        os.umask(umask)
    received = []
    try:
        received.append(udp.recvfrom(64))
    except (TimeoutError, OSError):
        pass
    udp.close()
    return dict(results=results, received=received, log=log.getvalue())


def test_the_honest_hand_in_still_earns_full_marks(run):
    assert (run["results"]["good"]["total"], run["results"]["good"]["status"]) == (6, "ok")


def test_no_udp_tcp_raw_or_netlink_socket_without_bubblewrap(run):
    r = run["results"]["network"]
    assert r["total"] == 6, r["tests"]["test_scale"]
    assert not run["received"]


def test_no_key_in_any_keyring_and_none_outlives_the_run(run):
    r = run["results"]["keyring"]
    assert r["total"] == 6, r["tests"]["test_scale"]
    assert not _keys_named(KEY)


def test_a_kernels_sockets_and_files_are_its_own_whatever_the_umask(run):
    r = run["results"]["owner_only"]
    assert r["total"] == 6, r["tests"]["test_scale"]


def test_the_banner_says_what_holds_here(run):
    banner = run["log"].splitlines()[0]
    assert "without bubblewrap" in banner and "no namespaces (no network" in banner
    assert "seccomp: sockets of no family but Unix" in banner and "no keyrings" in banner
    assert "its sockets and files its own user's alone" in banner


def test_the_network_probe_escapes_where_the_filter_is_missing(tmp_path, monkeypatch):
    """The control: the same probe, without the seccomp filter, reaches the test's loopback."""
    from course_tools.grade import kernel_host

    prepare = kernel_host.Settings.prepare

    def without_filter(self, plan):
        self.seccomp = False
        return prepare(self, plan)

    monkeypatch.setattr(kernel_host.Settings, "prepare", without_filter)
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "bwrap" else which(name, *a, **k))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(2)
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "network.ipynb").write_bytes(
        notebook(
            {"scale": NETWORK.replace("UDP_PORT", str(udp.getsockname()[1])), "affine": AFFINE, "softplus": SOFTPLUS}
        )
    )
    log = io.StringIO()
    results = grade(tmp_path / "subs", SOLUTION, tmp_path / "out", jobs=1, timeout=10, progress=False, stream=log)
    assert results["network"]["total"] == 5
    assert udp.recvfrom(64)[0] == b"escaped"
    udp.close()
    assert "no seccomp filter" in log.getvalue() and "UDP reaches the network" in log.getvalue()


def test_without_seccomp_the_banner_does_not_promise_no_network():
    s = Settings(seccomp=False, landlock=4, as_root=True)
    assert "UDP reaches the network" in s.describe() and "no network" not in s.describe()
    s = Settings(seccomp=False, landlock=0, as_root=False)
    assert "UDP and TCP reach the network" in s.describe() and "keyring is reachable" in s.describe()
