"""``course grade``: the autograder, one module per job.

- :mod:`command`: the ``course grade`` command: runs the hand-ins a few at a time, shows
  progress, writes the gradebook.
- :mod:`handins`: finds the hand-ins, names their rows and reads them (for ``course grade`` and
  the Gradescope bundle alike).
- :mod:`plan`: reads the solution notebook into a grading plan (answers, setup, tests, cases).
- :mod:`slicing`: which setup statements of the solution an answer needs.
- :mod:`submission`: grades one hand-in from start to finish in its own kernel.
- :mod:`kernel_host`, :mod:`session`, :mod:`sandbox`, :mod:`cgroups`: where that kernel lives,
  how it is started and spoken to, and the limits and namespaces it runs under; :mod:`relay`
  reads its messages with caps, in a process of its own; :mod:`tree` removes its folders.
- :mod:`stubs`: the grading copy of the course, in which the exercises' references are absent,
  and :mod:`withheld`, what else it withholds (derived from what grading uses).
- :mod:`in_kernel`: the only grader code that runs inside the student's kernel.
- :mod:`transport`: the files that carry inputs in and outputs back.
- :mod:`verdict`: points and messages from what came back, in the grader's process.
- :mod:`report`: ``grades.csv``, per-student feedback and saved results.
"""

from .command import GradeError, add_arguments, grade, run

__all__ = ["GradeError", "add_arguments", "grade", "run"]
