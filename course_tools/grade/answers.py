"""A fingerprint of a student's raw results on one test, for grouping identical wrong answers.

The report groups hand-ins whose results on a test agree with each other but not with the
reference: a misconception no hint names yet still shows up as a group. The fingerprint is
computed here, in the grader's process, from the values the kernel sent back (the raw outputs
of every case of every call, before any course code is applied to them): floats are rounded to
9 significant digits, so results that agree to about 1e-9 share a fingerprint; shapes, dtypes
and output names are part of it, and a case that raised counts as such (its message does not).

Notes: rounding is to a decimal mantissa of 9 digits and an exponent (both integers), never
through a formatted string, so the fingerprint is the same on every machine; -0.0 is 0.0, and
nan and the infinities are kept as themselves. Results that straddle a rounding boundary can get
two fingerprints: the grouping is a help to the eye, not a verdict.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from . import transport

__all__ = ["answer_fingerprint", "DIGITS"]

DIGITS = 9  # significant digits kept of every float


def _rounded(a: np.ndarray) -> bytes:
    """A float array as (mantissa, exponent) pairs of DIGITS significant digits, with nan/inf kept."""
    a = np.asarray(a, dtype=np.float64).ravel() + 0.0  # -0.0 becomes 0.0
    finite = np.isfinite(a)
    nonzero = finite & (a != 0)
    exponent = np.zeros(a.shape, dtype=np.int64)
    mantissa = np.zeros(a.shape, dtype=np.int64)
    with np.errstate(all="ignore"):
        e = np.floor(np.log10(np.abs(a[nonzero]))).astype(np.int64) - (DIGITS - 1)
        m = np.rint(a[nonzero] / 10.0 ** e.astype(np.float64))
        over = np.abs(m) >= 10**DIGITS  # 9.999999999e2 rounds up to 1.00000000e3
        m[over], e[over] = np.rint(m[over] / 10), e[over] + 1
    mantissa[nonzero], exponent[nonzero] = m.astype(np.int64), e
    special = np.where(np.isnan(a), 1, np.where(np.isposinf(a), 2, np.where(np.isneginf(a), 3, 0))).astype(np.int8)
    return mantissa.tobytes() + exponent.tobytes() + special.tobytes()


def _describe(value: Any, h) -> None:
    """Feed one decoded output into the hash ``h``: its kind, dtype, shape and rounded values."""
    if isinstance(value, (bool, int, float, complex, np.generic)) and not isinstance(value, str):
        value = np.asarray(value)
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        h.update(f"array|{value.dtype.str}|{value.shape}|".encode())
        if kind in "f":
            h.update(_rounded(value))
        elif kind == "c":
            h.update(_rounded(value.real) + _rounded(value.imag))
        elif kind in "biu":
            h.update(np.ascontiguousarray(value.astype(np.int64)).tobytes())
        else:
            h.update(f"dtype {value.dtype.str}".encode())
    elif isinstance(value, transport.TooLarge):
        h.update(f"too large|{value.shape}|".encode())
    elif isinstance(value, transport.BadDtype):
        h.update(f"bad dtype|{value.dtype}|".encode())
    elif value is None:
        h.update(b"none|")
    else:  # a placeholder for an object the kernel could not send
        h.update(f"object|{type(value).__name__}|".encode())


def answer_fingerprint(calls: Any, arrays: dict) -> str | None:
    """The sha256 (hex) of a test's raw results, as the kernel sent them back (``results["calls"]``);
    None when no case returned anything (every call raised) or the results cannot be read."""
    h = hashlib.sha256()
    any_output = False
    try:
        for ci, rec in enumerate(calls):
            if "error" in rec:
                h.update(f"call {ci}: raised|".encode())
                continue
            for k, crec in enumerate(rec["cases"]):
                if "error" in crec:
                    h.update(f"call {ci} case {k}: raised|".encode())
                    continue
                for name in sorted(str(n) for n in crec["outputs"]):
                    h.update(f"call {ci} case {k} {json.dumps(name)}|".encode())
                    _describe(transport.decode_output(crec["outputs"][name], arrays), h)
                    any_output = True
    except (transport.TransportError, TypeError, KeyError, AttributeError, ValueError):
        return None
    return h.hexdigest() if any_output else None
