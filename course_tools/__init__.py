"""Authoring tools for instructors: ``release`` (solutions -> student notebooks), ``grade``
(the autograder) and the ``course`` command that wraps both."""

from .release import ReleaseError, check_release, release, release_notebook

__all__ = ["ReleaseError", "check_release", "release", "release_notebook"]
