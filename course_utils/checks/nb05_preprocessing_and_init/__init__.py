"""Checks for notebook 05 (preprocessing and initialization), one submodule per exercise.

- :mod:`.preprocess`: ``check_preprocess``, centring and normalizing with the training set's statistics;
- :mod:`.init_weights`: ``check_init_weights`` and ``check_layer_stats``, the initializers and the
  per-layer statistics of the deep net they start.

The package :mod:`course_utils.checks` imports every submodule here (no list to keep).
"""
