"""Demo cells that use a student's function, while that exercise is still blank.

A notebook shows a student's own function at work (a forward pass on real data, a gradient
check) in cells below its exercise. Run before the exercise is written, such a cell would end
in a traceback through the student's ``raise NotImplementedError()``; wrapped in
``with cu.checks.needs("batchnorm_forward"):`` it prints one line saying which exercise to
finish first instead. Any other error goes through as it is.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from ._failure import code_name, student_frames

__all__ = ["needs"]


@contextlib.contextmanager
def needs(*exercises: str) -> Iterator[None]:
    """Run the body; if an exercise it calls is still blank, print one line naming it (no traceback).

    Inputs: exercises: the names of the functions the cell uses, as the notebook defines them
    (said when the blank one cannot be told from the traceback).
    Notes: "blank" means a NotImplementedError raised by the student's own code itself (the
    ``raise NotImplementedError()`` of an exercise not written yet), not by a library it called.
    """
    try:
        yield
    except NotImplementedError as exc:
        _, own = student_frames(exc.__traceback__)
        if not own or own[-1].tb_next is not None:  # raised elsewhere (a library): not a blank exercise
            raise
        name = code_name(own[-1].tb_frame.f_code) or " or ".join(exercises) or "an exercise above"
        print(
            f"This cell uses {name}, which is not filled in yet: finish that exercise (and its check) above "
            "first, then run this cell again."
        )
