"""The normalized digest of an answer cell (course_tools.grade.likeness): equal for the same code
under other names, comments, docstrings and layout; different for other code; None for a cell
still blank."""

from course_tools.grade.likeness import answer_digests, cell_digest

ORIGINAL = '''def svm_loss_vectorized(W, X, y, reg):
    """Structured SVM loss, vectorized."""
    N = X.shape[0]
    scores = X @ W  # (N, C)
    correct = scores[np.arange(N), y][:, None]
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(N), y] = 0
    loss = margins.sum() / N + 0.5 * reg * np.sum(W * W)
    return loss, None
'''

DISGUISED = """def svm_loss_vectorized(weights, data, labels, lam):
  # my own work!
  n = data.shape[0]

  s = data@weights
  c = s[np.arange(n), labels][:, None];  m = np.maximum(0, s - c + 1)
  m[np.arange(n), labels] = 0
  total = (m.sum() / n
           + 0.5 * lam * np.sum(weights * weights))
  return total, None
"""


def test_renamed_recommented_and_reflowed_code_has_the_same_digest():
    assert cell_digest(ORIGINAL) == cell_digest(DISGUISED) is not None


def test_parentheses_and_trailing_commas_for_layout_do_not_count():
    assert cell_digest("def f(a, b):\n    return g(a,\n             b,)\n") == cell_digest(
        "def f(x, y):\n    return g(x, y)\n"
    )


def test_other_code_has_another_digest():
    forgot_mean = ORIGINAL.replace("margins.sum() / N", "margins.sum()")
    other_library_call = ORIGINAL.replace("np.maximum", "np.fmax")
    other_constant = ORIGINAL.replace("+ 1)", "+ 2)")
    digests = {cell_digest(s) for s in (ORIGINAL, forgot_mean, other_library_call, other_constant)}
    assert len(digests) == 4


def test_names_the_cell_only_uses_are_kept():
    assert cell_digest("def f(x):\n    return np.sum(x)\n") != cell_digest("def f(x):\n    return jnp.sum(x)\n")
    assert cell_digest("def f(x):\n    return x.sum()\n") != cell_digest("def f(x):\n    return x.mean()\n")


def test_a_blank_or_empty_cell_has_no_digest_and_bad_code_still_has_one():
    blank = "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    assert cell_digest(blank) is None and cell_digest("# only a comment\n") is None
    assert cell_digest("def f(x:\n    return (x") is not None  # cannot be parsed nor tokenized
    assert cell_digest("def f(x):\n    return x +\n") == cell_digest("def f(x):\n  return x +  # unfinished\n")
    assert answer_digests({"a": blank, "b": ORIGINAL}) == {"a": None, "b": cell_digest(ORIGINAL)}


def test_keyword_arguments_keep_their_names_and_parameters_do_not():
    assert cell_digest("def f(x, axis):\n    return np.sum(x, axis=axis)\n") == cell_digest(
        "def f(a, b):\n    return np.sum(a, axis=b)\n"
    )
    assert cell_digest("def f(x):\n    return np.sum(x, axis=0)\n") != cell_digest(
        "def f(x):\n    return np.sum(x, keepdims=0)\n"
    )
