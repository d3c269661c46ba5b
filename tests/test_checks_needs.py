"""cu.checks.needs: a demo cell over a blank exercise prints one line naming it; other errors go through."""

import logging

import numpy as np
import pytest

import course_utils as cu


def batchnorm_forward(x, gamma, beta, running, train=True, momentum=0.9, eps=1e-5):
    raise NotImplementedError()


def test_a_blank_exercise_gives_one_line_naming_it(capsys):
    with cu.checks.needs("batchnorm_forward"):
        batchnorm_forward(np.ones((2, 3)), 1, 0, None)
        raise AssertionError("never reached")
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "batchnorm_forward, which is not filled in yet" in out


def test_the_blank_function_is_named_from_where_it_raised(capsys):
    def helper():
        return batchnorm_forward(None, None, None, None)

    with cu.checks.needs("something else"):
        helper()
    assert "uses batchnorm_forward" in capsys.readouterr().out


def test_other_errors_and_a_library_s_not_implemented_go_through():
    with pytest.raises(ValueError), cu.checks.needs("f"):
        raise ValueError("not a blank exercise")
    with pytest.raises(NotImplementedError), cu.checks.needs("f"):
        logging.Handler().emit(None)  # the standard library's own, not an exercise
