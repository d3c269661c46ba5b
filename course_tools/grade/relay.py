"""Between the grader and one student kernel: reads the kernel's messages, with caps, in a process of
its own whose memory is limited, and passes on only what is within them.

libzmq caps the size of one frame (``MAXMSGSIZE``) but neither the number of frames of a message
nor the frames it holds while a multipart message arrives: a kernel (the student's code) that
sends messages of hundreds of 4 MB frames would fill the reader's memory before the reader sees
the first frame. So the grader never reads the kernel's sockets itself. This process does, with a
frame size cap set in zmq, a frame count cap, and an address-space limit: a hostile message ends
here (a record saying so, or this process dying of the memory limit), never in the grader, which
then stops that kernel with a status.

It talks to the grader over its stdin and stdout (records: one kind byte, a 4-byte length, then
that many bytes), so no socket of its own can be reached by anyone else, and it serves one kernel
after another (the kernels of one grading slot: starting a process per kernel would cost every
hand-in its start-up). Records out:

- ``S`` a shell message from the kernel, its frames (each a 4-byte length then the bytes);
- ``P`` the bytes of output an iopub message carries (ASCII digits; output is counted, not kept);
- ``L`` the iopub connection was dropped (a frame larger than the output allowance);
- ``D`` the shell connection was dropped (a frame larger than its cap, or the kernel ended);
- ``B`` a malformed or oversized message (a line saying what), after which this process ends;
- ``R`` the kernel was let go (after ``X``): nothing more of it follows.

Records in: ``C`` a kernel to serve (its sockets' base path, NUL, the iopub frame cap), ``F``
frames for its shell socket (as in ``S``), ``X`` let it go. Standard library and pyzmq only:
it runs as ``python -I -S relay.py``, told where pyzmq is.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import sys

if __name__ == "__main__":  # run as ``python -I -S relay.py FOLDER_OF_ZMQ ...``: no site, found faster
    sys.path.insert(0, sys.argv[1])

import zmq

RECORD = struct.Struct("<cI")
LENGTH = struct.Struct("<I")
MAX_FRAMES = 16  # a Jupyter message: topic, delimiter, signature, header, parent, metadata, content, buffers
SHELL_FRAME = 4 << 20
MAX_HEADER = 64 << 10
COUNTED = {"stream", "display_data", "update_display_data", "execute_result", "error"}


def pack_frames(frames: list[bytes]) -> bytes:
    return b"".join(LENGTH.pack(len(f)) + f for f in frames)


def unpack_frames(data: bytes) -> list[bytes]:
    frames, at = [], 0
    while at < len(data):
        (n,) = LENGTH.unpack_from(data, at)
        frames.append(data[at + 4 : at + 4 + n])
        at += 4 + n
    return frames


def _write(kind: bytes, payload: bytes) -> None:
    data = RECORD.pack(kind, len(payload)) + payload
    view = memoryview(data)
    while view:
        view = view[os.write(1, view) :]


def _recv_capped(sock: zmq.Socket) -> list[bytes] | None:
    """One message's frames, or None if it has more than MAX_FRAMES (the rest are read and dropped)."""
    frames, too_many = [sock.recv()], False
    while sock.getsockopt(zmq.RCVMORE):
        frame = sock.recv()
        if len(frames) < MAX_FRAMES:
            frames.append(frame)
        else:
            too_many = True
    return None if too_many else frames


def _header_type(frames: list[bytes]) -> str | None:
    """The msg_type of a Jupyter message, or None when its header is not a JSON object with one."""
    try:
        i = frames.index(b"<IDS|MSG>")
        header = frames[i + 2]
        if len(header) > MAX_HEADER or len(frames) < i + 6:
            return None
        value = json.loads(header)
    except (ValueError, IndexError, RecursionError):
        return None
    kind = value.get("msg_type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else None


class _Kernel:
    """The sockets to one kernel: shell (DEALER) and iopub (SUB), each with a monitor for dropped connections."""

    def __init__(self, ctx: zmq.Context, base: str, iopub_frame: int):
        self.shell = ctx.socket(zmq.DEALER)
        self.shell.setsockopt(zmq.MAXMSGSIZE, SHELL_FRAME)
        self.shell_events = self.shell.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self.shell.connect(f"ipc://{base}-1")
        self.iopub = ctx.socket(zmq.SUB)
        self.iopub.setsockopt(zmq.MAXMSGSIZE, iopub_frame)
        self.iopub.setsockopt(zmq.SUBSCRIBE, b"")
        self.iopub_events = self.iopub.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self.iopub.connect(f"ipc://{base}-2")
        self.sockets = (self.shell, self.iopub, self.shell_events, self.iopub_events)

    def close(self) -> None:
        for sock in (self.shell, self.iopub):
            sock.disable_monitor()
        for sock in self.sockets:
            sock.close(linger=0)


def _serve(kernel: _Kernel, events: dict) -> bool:
    """Pass on what the kernel sent; False once a message was refused (this process then ends)."""
    if kernel.shell in events:
        frames = _recv_capped(kernel.shell)
        if frames is None or _header_type(frames) is None:
            _write(
                b"B",
                b"a malformed message on the shell channel"
                if frames
                else f"a message of more than {MAX_FRAMES} frames on the shell channel".encode(),
            )
            return False
        _write(b"S", pack_frames(frames))
    if kernel.iopub in events:
        for _ in range(256):
            if not kernel.iopub.poll(0):
                break
            frames = _recv_capped(kernel.iopub)
            kind = _header_type(frames) if frames is not None else None
            if frames is None or kind is None:
                _write(
                    b"B",
                    b"a malformed message on the iopub channel"
                    if frames
                    else f"a message of more than {MAX_FRAMES} frames on the iopub channel".encode(),
                )
                return False
            if kind in COUNTED:
                _write(b"P", str(len(frames[frames.index(b"<IDS|MSG>") + 5])).encode())
    if kernel.shell_events in events:
        while kernel.shell_events.poll(0):
            kernel.shell_events.recv_multipart()
        _write(b"D", b"")
    if kernel.iopub_events in events:
        while kernel.iopub_events.poll(0):
            kernel.iopub_events.recv_multipart()
        _write(b"L", b"")
    return True


def main(memory: int) -> None:
    """Serve one kernel after another (records in: ``C`` base and iopub frame cap: connect to a kernel;
    ``F`` frames for its shell; ``X`` let it go, answered by ``R`` once nothing of it is left)."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ValueError, OSError):  # macOS refuses an address-space limit: the frame caps still hold
        pass
    ctx = zmq.Context()
    ctx.setsockopt(zmq.LINGER, 0)
    ctx.setsockopt(zmq.RECONNECT_IVL, 5)  # a kernel binds its sockets a moment after it is named: be there then
    kernel: _Kernel | None = None
    pending = b""
    while True:
        poller = zmq.Poller()
        poller.register(0, zmq.POLLIN)
        for sock in kernel.sockets if kernel else ():
            poller.register(sock, zmq.POLLIN)
        events = dict(poller.poll())
        if kernel is not None and not _serve(kernel, events):
            return
        if 0 not in events:
            continue
        chunk = os.read(0, 1 << 20)
        if not chunk:
            return  # the grader is gone
        pending += chunk
        while len(pending) >= RECORD.size:
            kind, n = RECORD.unpack_from(pending)
            if len(pending) < RECORD.size + n:
                break
            payload, pending = pending[RECORD.size : RECORD.size + n], pending[RECORD.size + n :]
            if kind == b"F" and kernel is not None:
                kernel.shell.send_multipart(unpack_frames(payload))
            elif kind == b"C":
                if kernel is not None:
                    kernel.close()
                base, frame = payload.decode().rsplit("\0", 1)
                kernel = _Kernel(ctx, base, int(frame))
            elif kind == b"X":
                if kernel is not None:
                    kernel.close()
                    kernel = None
                _write(b"R", b"")


if __name__ == "__main__":
    try:
        main(int(sys.argv[2]))
    except (KeyboardInterrupt, BrokenPipeError):
        pass
