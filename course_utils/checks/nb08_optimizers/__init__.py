"""Checks for notebook 08 (optimizers), one submodule per exercise.

- :mod:`.update_rules`: ``check_sgd_momentum``, ``check_nesterov_momentum``, ``check_adagrad``,
  ``check_rmsprop``, ``check_adam``;
- :mod:`.lbfgs`: ``check_lbfgs_direction``, L-BFGS's two-loop recursion.

The package :mod:`course_utils.checks` imports every submodule here (no list to keep).
"""
