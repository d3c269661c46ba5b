"""How test inputs travel into a grading kernel, and the student's outputs travel back.

The kernel's half (:func:`decode_input`, :func:`encode_output`) lives in :mod:`in_kernel`,
which a kernel loads on its own; this module is the grader's half.

Structure goes as JSON, arrays as ``.npz``; nothing is ever pickled. Inputs are written by
the grader and trusted. Outputs are written by a process the student controls, so the grader
reads them with :func:`load_npz` (array headers checked before any data is read, sizes
capped, ``allow_pickle=False``) and :func:`decode_output` (every field validated), and turns
anything unusable into a value whose check message says so.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import struct
import zipfile
from typing import Any

import numpy as np

from .in_kernel import MAX_ELEMENTS, decode_input, encode_output

__all__ = [
    "encode",
    "decode_input",
    "encode_output",
    "decode_output",
    "load_npz",
    "read_json",
    "TransportError",
    "TooLarge",
    "BadDtype",
    "MAX_ELEMENTS",
]

MAX_ARRAYS = 4096
MAX_NPZ_BYTES = 256 << 20
MAX_JSON_BYTES = 8 << 20
MAX_TOTAL_BYTES = 64 << 20  # all arrays of one test's results together (an exercise returns far less)
_NUMERIC = "biufc"  # the dtypes accepted back from a kernel


class TransportError(Exception):
    """The kernel's results cannot be read (missing, malformed, or too large)."""


def encode(value: Any, arrays: dict, key: str) -> Any:
    """A JSON-able description of one test input; arrays are added to ``arrays``."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"v": value}
    if isinstance(value, np.ndarray):
        arrays[key] = value
        return {"a": key}
    if isinstance(value, np.generic):
        return {"np": value.dtype.str, "v": value.item()}
    if isinstance(value, (list, tuple)):
        return {"l" if isinstance(value, list) else "t": [encode(v, arrays, f"{key}.{i}") for i, v in enumerate(value)]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"d": [[k, encode(v, arrays, f"{key}.{k}")] for k, v in value.items()]}
    if isinstance(value, np.random.Generator):
        bitgen = value.bit_generator
        return {"rng": type(bitgen).__name__, "state": bitgen.state}
    raise TypeError(f"a test input of type {type(value).__name__} cannot be sent to a grading kernel")


class TooLarge:
    """Stands for an output with more entries than the grader accepts."""

    def __init__(self, shape):
        self.shape = tuple(shape)


class BadDtype:
    """Stands for an array output whose dtype is not numeric (object, str, ...)."""

    def __init__(self, dtype: str):
        self.dtype = dtype


def _placeholder(type_name: str) -> Any:
    """An object whose type has the student's type name, so check messages can name it."""
    name = re.sub(r"\W", "_", type_name)[:60] or "object"
    return type(name if name[0].isalpha() else f"_{name}", (), {})()


def decode_output(desc: Any, arrays: dict) -> Any:
    """The value described by ``desc`` (grader side); TransportError if ``desc`` is malformed."""
    if not isinstance(desc, dict) or len(desc) != 1:
        raise TransportError("malformed output description")
    ((kind, val),) = desc.items()
    if kind == "none" and val is True:
        return None
    if kind == "a" and isinstance(val, str) and val in arrays:
        return arrays[val]
    if kind == "type" and isinstance(val, str):
        return _placeholder(val)
    if kind == "dtype" and isinstance(val, str):
        return BadDtype(val[:40])
    if kind == "big" and isinstance(val, list) and all(isinstance(n, int) and n >= 0 for n in val):
        return TooLarge(val[:32])
    raise TransportError("malformed output description")


def open_regular(path, max_bytes: int):
    """Open a file the kernel wrote: a regular file, not a link, FIFO or device, at most ``max_bytes``."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        raise TransportError(f"{path}: cannot be opened ({e.__class__.__name__})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        os.close(fd)
        raise TransportError(f"{path}: not a regular file of at most {max_bytes} bytes")
    return os.fdopen(fd, "rb")


def read_json(path, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse a JSON file the kernel wrote (no larger than ``max_bytes``)."""
    with open_regular(path, max_bytes) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TransportError(f"{path}: larger than {max_bytes} bytes")
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as e:
        raise TransportError(f"{path}: not valid JSON ({e.__class__.__name__})") from None


def array_refs(results: Any, limit: int = 1 << 16) -> int:
    """How many arrays the kernel's results JSON refers to (``{"a": key}``): all its ``.npz`` may hold."""
    count, todo, seen = 0, [results], 0
    while todo and seen < limit:
        node, seen = todo.pop(), seen + 1
        if isinstance(node, dict):
            count += isinstance(node.get("a"), str)
            todo += node.values()
        elif isinstance(node, list):
            todo += node
    return count


_EOCD = struct.Struct("<4s4H2LH")  # a zip file's end-of-central-directory record


def _check_directory(f, path, max_arrays: int) -> None:
    """Refuse a zip file whose central directory lists more than ``max_arrays`` members or is larger
    than that many entries take, read from its last bytes before :mod:`zipfile` reads the directory
    into memory (a forged directory of millions of entries costs gigabytes and minutes to read)."""
    size = f.seek(0, os.SEEK_END)
    f.seek(max(0, size - _EOCD.size - 0xFFFF))
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise TransportError(f"{path}: not an .npz file")
    _, disk, _, here, entries, directory, _, _ = _EOCD.unpack_from(tail, at)
    if disk or here != entries or entries == 0xFFFF or directory == 0xFFFFFFFF:  # several disks, or zip64
        raise TransportError(f"{path}: not an .npz file numpy writes for these results")
    if entries > max_arrays or directory > entries * (46 + 2 * 256 + 64):
        raise TransportError(f"{path}: {entries} arrays, more than the {max_arrays} the test's results hold")
    f.seek(0)


def load_npz(
    path, max_elements: int = MAX_ELEMENTS, max_total: int = MAX_TOTAL_BYTES, max_arrays: int = MAX_ARRAYS
) -> dict[str, np.ndarray]:
    """Every array in an ``.npz`` file, checked before it is read.

    Each member's header (dtype, shape) is read first: only numeric dtypes, at most
    ``max_elements`` entries per array and ``max_total`` bytes for all arrays together are
    accepted, so a forged header or a pile of small compressed members can neither make the
    grader allocate huge arrays nor unpickle anything.
    """
    out: dict[str, np.ndarray] = {}
    total = 0
    try:
        with open_regular(path, MAX_NPZ_BYTES) as f:
            _check_directory(f, path, min(max_arrays, MAX_ARRAYS))
            with zipfile.ZipFile(f) as zf:
                members = zf.infolist()
                if len(members) > min(max_arrays, MAX_ARRAYS):
                    raise TransportError(f"{path}: too many arrays")
                for info in members:
                    if not info.filename.endswith(".npy"):
                        raise TransportError(f"{path}: unexpected member {info.filename[:40]!r}")
                    with zf.open(info) as fp:
                        version = np.lib.format.read_magic(fp)
                        fmt = np.lib.format
                        reader = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
                        shape, _, dtype = reader(fp)
                    if dtype.kind not in _NUMERIC or dtype.hasobject or len(shape) > 32:
                        raise TransportError(f"{path}: array of dtype {dtype} is not accepted")
                    if math.prod(shape) > max_elements or info.file_size > max_elements * 16 + 4096:
                        raise TransportError(f"{path}: array larger than {max_elements} entries")
                    total += math.prod(shape) * dtype.itemsize
                    if total > max_total:  # many members, each within the limit, add up to too much
                        raise TransportError(f"{path}: more than {max_total >> 20} MB of arrays in all")
                    with zf.open(info) as fp:
                        out[info.filename[:-4]] = np.lib.format.read_array(fp, allow_pickle=False)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, struct.error) as e:
        raise TransportError(f"{path}: unreadable arrays ({e.__class__.__name__})") from None
    return out
