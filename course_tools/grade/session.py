"""One student kernel: start it in its sandbox, run code in it with a time limit, stop it.

The grader talks to the kernel over Unix sockets in the kernel's scratch folder, with a fresh
HMAC key, on the two channels it needs: ``shell`` (execute requests and their replies, which
carry any error) and ``iopub``, read only to count how much the cell prints. Output is never
parsed or kept: a submission that prints "All tests passed" gains nothing, and one that floods
its output is interrupted once it has printed more than ``output_limit`` bytes.

A cell that runs past its time limit is interrupted (SIGINT); if the kernel does not answer
within a few seconds it is killed with its whole process group. A kernel that dies is
noticed at once (its process is polled while waiting), and the last lines it wrote to its
real stderr tell a memory failure from other crashes.

Why not ``jupyter_client``'s ``BlockingKernelClient``: messages are still signed, sent and
checked with its :class:`~jupyter_client.session.Session`, but the loop around them is written
here because the kernel is hostile. The blocking client deserializes every iopub message in
full (a flood would be parsed, not just counted), has no cap on a message's size, no output
limit, and does not notice a kernel process that died while it waits for a reply.

Nor does this process read the kernel's sockets: libzmq caps a frame's size but not the number
of frames in a message, and holds them all before the first can be read. A :mod:`relay` process
of the kernel's own, with a memory limit, reads them with caps on frame size and count and
passes on only shell replies and the byte counts of iopub output. A message it refuses (too
many or too large frames, a header that is not a JSON object, nested too deep) or one that
kills it ends that kernel with the outcome ``message``: that hand-in's problem, never the
grader's.
"""

from __future__ import annotations

import collections
import enum
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import zmq
from jupyter_client.session import Session

from . import relay, sandbox

__all__ = ["KernelSession", "Outcome", "Ended", "KernelStartError", "Relay"]

GRACE = 3.0  # seconds a kernel has to answer an interrupt before it is killed
RELAY_MEMORY = 1 << 30  # the address space of a kernel's relay: its messages cannot take more
_RELAY_FILE = str(Path(__file__).with_name("relay.py"))
_ZMQ_HOME = os.path.dirname(os.path.dirname(zmq.__file__))  # where the relay finds pyzmq without site
_MEMORY_SIGNS = ("MemoryError", "Cannot allocate memory", "bad_alloc", "out of memory", "Unable to allocate")


def _short(value, limit: int) -> str:
    """A field of a kernel's reply as a string of at most ``limit`` characters, whatever it holds."""
    try:
        text = value if isinstance(value, str) else repr(value)[:limit]
    except Exception:
        text = "?"
    return text[:limit]


class KernelStartError(Exception):
    """The kernel did not start (the message ends with what it printed)."""


class Ended(str, enum.Enum):
    """How an execution ended (see :class:`Outcome`); reads as its value (Python 3.10 has no StrEnum)."""

    OK = "ok"
    ERROR = "error"  # the code raised: Outcome.ename, Outcome.evalue
    TIMEOUT = "timeout"
    OUTPUT = "output"  # printed more than the output allowance
    MESSAGE = "message"  # the kernel sent a message the relay refused: Outcome.evalue says what
    DIED = "died"  # the kernel process ended: Outcome.exit_code, negative for a signal

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


@dataclass
class Outcome:
    """How one execution ended: ``kind`` (:class:`Ended`), how long it took, whether the kernel can
    still be used (``alive``), and what the kind needs said."""

    kind: Ended
    seconds: float
    alive: bool = True
    ename: str = ""
    evalue: str = ""
    traceback: list = field(default_factory=list)
    exit_code: int | None = None
    memory: bool = False


class KernelSession:
    """A kernel in ``scratch`` started through :mod:`sandbox` with ``config``; use as a context.

    ``connection_file`` (ports, key) is written where the kernel can read it but, being in
    the grader's folder, not replace it; it is deleted once the kernel has answered.
    """

    def __init__(
        self,
        scratch: Path,
        connection_file: Path,
        config: dict,
        env: dict,
        *,
        output_limit: int = 4 << 20,
        group=None,
        relay: Relay | None = None,
    ):
        self.scratch, self.conn, self.config, self.env = Path(scratch), Path(connection_file), config, env
        self.output_limit = output_limit
        self.group = group  # the submission's control group (cgroups.Group), if it has one
        self._ooms = group.oom_kills() if group is not None else 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.printed = 0
        self._stderr: collections.deque = collections.deque(maxlen=64)
        self.relay = relay  # a grading slot's relay, lent for this kernel (or None: one of its own)
        self._own_relay = relay is None
        self._inbox: collections.deque = collections.deque()
        self.refused: str | None = None  # what the relay refused, once it has

    def __enter__(self) -> KernelSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, timeout: float = 60.0) -> None:
        base = str(self.scratch / ".k")
        key = secrets.token_hex(32)
        info = dict(
            shell_port=1,
            iopub_port=2,
            stdin_port=3,
            control_port=4,
            hb_port=5,
            ip=base,
            key=key,
            transport="ipc",
            signature_scheme="hmac-sha256",
            kernel_name="python3",
        )
        conn = self.conn
        fd = os.open(conn, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(info, f)
        if self.config.get("uid") is not None:
            os.chown(conn, self.config["uid"], self.config["uid"], follow_symlinks=False)
        argv = [
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            str(conn),
            "--HistoryManager.enabled=False",
            "--InteractiveShell.colors=nocolor",
        ]
        self.proc = subprocess.Popen(
            sandbox.launcher_command(self.config, argv),
            cwd=self.scratch,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            close_fds=True,
        )
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.session = Session(key=key.encode(), username="grader")
        # A kernel batches what a busy loop prints into few large messages; a frame larger than the
        # whole output allowance makes zmq drop the connection instead of reading it in, and the
        # relay reports that drop as output over the limit.
        if self.relay is None or not self.relay.alive:
            self.relay = Relay()
        self.relay.attach(base, self.output_limit + (64 << 10))
        self.shell = _RelayShell(self.relay)
        self.poller = zmq.Poller()
        self.poller.register(self.relay.stdout, zmq.POLLIN)
        # _RelayShell stands in for the shell socket: Session.send only calls its send_multipart
        msg = self.session.send(self.shell, "kernel_info_request", {})  # type: ignore[arg-type]
        assert msg is not None  # Session.send returns the message it sent
        deadline = time.monotonic() + timeout
        while True:
            if self._process.poll() is not None:
                raise KernelStartError(f"the kernel exited with code {self._process.returncode}:\n{self.stderr_tail()}")
            if time.monotonic() > deadline:
                self.kill()
                raise KernelStartError(f"the kernel did not answer within {timeout:.0f} s:\n{self.stderr_tail()}")
            reply = self._reply(msg, 0.1)
            if reply is not None:
                break
        conn.unlink()

    @property
    def _process(self) -> subprocess.Popen[bytes]:
        """The kernel's process, once :meth:`start` has started it."""
        assert self.proc is not None, "the kernel is not started"
        return self.proc

    def _read_stderr(self) -> None:
        stream = self._process.stderr
        assert stream is not None  # started with stderr=PIPE
        for line in iter(lambda: stream.readline(4096), b""):
            self._stderr.append(line.decode("utf-8", "replace"))
        stream.close()

    def stderr_tail(self) -> str:
        return "".join(self._stderr)[-4000:]

    def _reply(self, request: dict, wait: float):
        """The reply to ``request`` if it arrives within ``wait`` seconds (output is counted meanwhile)."""
        if not self._inbox and self.refused is None and self.poller.poll(int(wait * 1000)):
            self._read_relay()
        while self._inbox:
            frames = self._inbox.popleft()
            try:
                _, msg_list = self.session.feed_identities(frames, copy=True)
                reply = self.session.deserialize(msg_list, content=True, copy=True)
                parent = reply.get("parent_header") if isinstance(reply, dict) else None
            except Exception:  # unsigned, malformed, deeply nested: the kernel is the student's
                self.refused = self.refused or "a malformed message on the shell channel"
                return None
            if isinstance(parent, dict) and parent.get("msg_id") == request["header"]["msg_id"]:
                return reply if isinstance(reply.get("content"), dict) else {**reply, "content": {}}
        return None

    def _read_relay(self) -> None:
        """Take in what the relay wrote: shell messages, counts of output, what it refused."""
        assert self.relay is not None  # attached in start
        records = self.relay.read()
        if records is None:  # the relay ended: a message it could not hold in its memory, or it was killed
            self.refused = self.refused or "a message too large to read"
            return
        for kind, payload in records:
            if kind == b"S":
                self._inbox.append(relay.unpack_frames(payload))
            elif kind == b"P":
                self.printed += int(payload)
            elif kind == b"L":
                self.printed = self.output_limit + 1  # a frame too large to read: far too much output
            elif kind == b"D":
                if self._process.poll() is None:
                    time.sleep(0.2)  # a kernel that ended drops the connection too: let run() see it die
                if self._process.poll() is None:
                    self.refused = self.refused or "a message larger than the grader reads"
            elif kind == b"B":
                self.refused = self.refused or payload.decode("utf-8", "replace")[:200]

    def run(self, code: str, timeout: float) -> Outcome:
        """Execute ``code``; wait at most ``timeout`` seconds (then interrupt, then kill)."""
        start = time.monotonic()
        self.printed = 0
        msg = self.session.send(
            self.shell,  # type: ignore[arg-type]  # the relay's stand-in for the socket, as in start
            "execute_request",
            dict(
                code=code,
                silent=False,
                store_history=True,
                user_expressions={},
                allow_stdin=False,
                stop_on_error=False,
            ),
        )
        assert msg is not None
        deadline, stopped = start + timeout, None
        while True:
            if self._process.poll() is not None:
                return self._died(start)
            if self.refused is not None:
                self.kill()
                return Outcome(Ended.MESSAGE, time.monotonic() - start, alive=False, evalue=self.refused)
            now = time.monotonic()
            if stopped is None and self.printed > self.output_limit:
                stopped, deadline = Ended.OUTPUT, now + GRACE
                self.interrupt()
            if now > deadline:
                if stopped is not None:
                    self.kill()
                    return Outcome(stopped, now - start, alive=False)
                stopped, deadline = Ended.TIMEOUT, now + GRACE
                self.interrupt()
            reply = self._reply(msg, 0.05)
            if reply is None:
                continue
            content, seconds = reply["content"], time.monotonic() - start
            if stopped is not None:
                return Outcome(stopped, seconds)
            if content.get("status") == "ok":
                return Outcome(Ended.OK, seconds, memory=self.out_of_memory())
            ename = _short(content.get("ename", ""), 80)
            tb = content.get("traceback")
            return Outcome(
                Ended.ERROR,
                seconds,
                ename=ename,
                evalue=_short(content.get("evalue", ""), 1000),
                traceback=[_short(t, 2000) for t in (tb[-8:] if isinstance(tb, list) else [])],
                memory=ename == "MemoryError" or self.out_of_memory(),
            )

    def _died(self, start: float) -> Outcome:
        code = self._process.wait()
        if self.config.get("bwrap") and code > 128:  # bubblewrap passes on a signal as 128 + its number
            code = -(code - 128)
        time.sleep(0.05)  # let the stderr reader catch the last lines
        tail = self.stderr_tail()
        memory = any(s in tail for s in _MEMORY_SIGNS) or self.out_of_memory()
        return Outcome(Ended.DIED, time.monotonic() - start, alive=False, exit_code=code, memory=memory)

    def out_of_memory(self) -> bool:
        """Whether the control group's memory limit killed a process since the kernel started."""
        return self.group is not None and self.group.oom_kills() > self._ooms

    def _kernel_pid(self) -> int | None:
        """The kernel's process id as this process sees it (inside bubblewrap it is process 2)."""
        if not self.config.get("bwrap"):
            return self._process.pid
        for pid in self.group.pids() if self.group is not None else ():
            try:
                with open(f"/proc/{pid}/status") as f:
                    nspid = next((line.split()[1:] for line in f if line.startswith("NSpid:")), [])
            except OSError:
                continue
            if len(nspid) == 2 and nspid[1] == "2":
                return pid
        return None

    def interrupt(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            pid = self._kernel_pid()
            try:
                if pid is not None:
                    os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def close(self) -> None:
        self.kill()
        if self.relay is not None and (self._own_relay or self.refused is not None or not self.relay.detach()):
            self.relay.close()  # a relay that refused a message ends; one that does not let go is ended


class Relay:
    """A :mod:`relay` process, serving one kernel at a time (a grading slot's kernels, one after another)."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", _RELAY_FILE, _ZMQ_HOME, str(RELAY_MEMORY)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None  # both PIPE
        self._stdin, self._stdout = self.proc.stdin, self.proc.stdout
        self.stdout = self._stdout.fileno()
        self._buffer = b""

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, kind: bytes, payload: bytes) -> None:
        try:
            self._stdin.write(relay.RECORD.pack(kind, len(payload)) + payload)
            self._stdin.flush()
        except (OSError, ValueError):  # the relay is gone: the session notices and stops the kernel
            pass

    def attach(self, base: str, iopub_frame: int) -> None:
        self._buffer = b""
        self.send(b"C", f"{base}\0{iopub_frame}".encode())

    def read(self) -> list[tuple[bytes, bytes]] | None:
        """The whole records the relay has written (None once it has ended)."""
        try:
            chunk = os.read(self.stdout, 1 << 20)
        except OSError:
            chunk = b""
        if not chunk:
            return None
        self._buffer += chunk
        records = []
        while len(self._buffer) >= relay.RECORD.size:
            kind, n = relay.RECORD.unpack_from(self._buffer)
            if len(self._buffer) < relay.RECORD.size + n:
                break
            records.append((kind, self._buffer[relay.RECORD.size : relay.RECORD.size + n]))
            self._buffer = self._buffer[relay.RECORD.size + n :]
        return records

    def detach(self, timeout: float = 2.0) -> bool:
        """Let the kernel go; True once the relay says nothing of it is left (what came before is dropped)."""
        self.send(b"X", b"")
        deadline = time.monotonic() + timeout
        poller = zmq.Poller()
        poller.register(self.stdout, zmq.POLLIN)
        while time.monotonic() < deadline:
            if not poller.poll(int(max(0.0, deadline - time.monotonic()) * 1000)):
                break
            records = self.read()
            if records is None:
                return False
            if any(kind == b"R" for kind, _ in records):
                self._buffer = b""
                return True
        return False

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()
        for stream in (self._stdin, self._stdout):
            try:
                stream.close()
            except OSError:
                pass


class _RelayShell:
    """The kernel's shell socket as :class:`Session` sends on it: frames written to the relay's stdin."""

    def __init__(self, relay_: Relay):
        self.relay = relay_

    def send_multipart(self, frames, copy: bool = True) -> None:
        self.relay.send(b"F", relay.pack_frames([bytes(f) for f in frames]))
