"""course_utils: the shared helper package of *Training Neural Networks, by hand*.

Every notebook starts with ``import course_utils as cu`` and reaches the modules as
attributes (``cu.gradcheck``, ``cu.checks``, ``cu.circuits``, ``cu.viz`` ...); each module is
imported the first time it is used, so a notebook only pays for what it touches.

Conventions, pinned once for the whole course
---------------------------------------------
- Rows are examples: ``x`` is (N, D), a weight ``w`` is (D, M), scores are (N, C).
- The L2 penalty is ``0.5 * reg * sum(w**2)`` (so its gradient is ``reg * w``).
- Dropout's ``p_drop`` is the probability of *dropping* a unit; dropout is inverted (the
  kept units are scaled by 1/(1-p_drop) at training time, nothing happens at test time).
- Batchnorm keeps running averages with ``momentum=0.9`` as the weight on the old value,
  uses the biased batch variance, and ``eps=1e-5``.
- Randomness always comes from an explicit ``np.random.Generator`` (``rng``); train/test is
  an explicit argument, never guessed.
- Forward/backward pairs: ``out, cache = f_forward(...)`` and ``dx, ... = f_backward(dout, cache)``;
  caches are NamedTuples, inputs are never modified.
- Checks compute in float64.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

__version__ = "0.1.0"

# every module and subpackage of this folder (listed, not imported: a notebook pays only for
# what it touches), so a module added later is reachable as cu.<name> without a line here
_SUBMODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")))

__all__ = list(_SUBMODULES)


def __getattr__(name: str) -> ModuleType:
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SUBMODULES))


# in a notebook, figures are shown drawn once instead of three times (course_utils/_inline.py)
from . import _inline  # noqa: E402  (after the lazy attribute access above, which it does not use)

_inline.install()
