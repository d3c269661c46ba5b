"""A digest of an answer cell that two hand-ins share when their code is the same up to names,
comments and layout, so that ``course report`` can find such pairs by hashing.

The cell is parsed (Python's own :mod:`ast`, which already sets aside comments, blank lines,
line breaks, indentation widths, redundant parentheses and quote styles); strings that stand
alone as statements (docstrings) are dropped, and each name the cell binds (a parameter, a
variable, a function it defines, an ``import ... as``) becomes a placeholder numbered by its
first appearance, while the names it only uses (``np``, ``range``), attributes (``.sum``) and
keyword arguments (``axis=``) stay. The tree's dump is hashed. A cell that does not parse is
tokenized instead (:mod:`tokenize`), without comments, layout or docstrings, its names kept.

Two cells with the same digest are the same code written with other names or another layout;
the digest says nothing of cells that differ in any other way (a loop for a comprehension,
``a * x`` for ``x * a``), and a shared digest is a reason to look, not a verdict. It runs in the
grader's process, on the hand-in's source, like everything the grader records.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize

__all__ = ["cell_digest", "answer_digests"]

_BLANK = re.compile(r"^[ \t]*raise NotImplementedError\(\)", re.M)  # the released stub of an exercise
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}
_CLOSING = {")", "]", "}"}


class _Rename(ast.NodeTransformer):
    """Bound names to placeholders (``_0``, ``_1``, ... by first appearance); docstrings dropped."""

    def __init__(self, bound: set[str]):
        self.bound = bound
        self.names: dict[str, str] = {}

    def _new(self, name: str) -> str:
        if name not in self.bound:
            return name
        return self.names.setdefault(name, f"_{len(self.names)}")

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list):
                kept = [
                    s
                    for s in body
                    if not (
                        isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
                    )
                ]
                setattr(node, field, kept or [ast.Pass()])
        if isinstance(node, ast.Name):
            node.id = self._new(node.id)
        elif isinstance(node, ast.arg):  # a parameter (a keyword argument's name, ast.keyword, stays)
            node.arg = self._new(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.ExceptHandler)) and node.name:
            node.name = self._new(node.name)
        elif isinstance(node, ast.alias) and node.asname is not None:
            node.asname = self._new(node.asname)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            node.names = [self._new(n) for n in node.names]
        return super().generic_visit(node)


def _bound_names(tree: ast.AST) -> set[str]:
    """The names a cell binds anywhere in it (its own, and its functions' locals)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias) and node.asname:
            bound.add(node.asname)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def _logical_lines(source: str) -> list[list[tokenize.TokenInfo]]:
    """The cell's significant tokens, one list per logical line (INDENT/DEDENT as lines of their own)."""
    lines: list[list[tokenize.TokenInfo]] = []
    line: list[tokenize.TokenInfo] = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in _SKIP:
            continue
        if tok.type in (tokenize.INDENT, tokenize.DEDENT):
            lines.append([tok])
        elif tok.type == tokenize.NEWLINE or (tok.type == tokenize.OP and tok.string == ";"):
            if line:
                lines.append(line)
            line = []
        else:
            line.append(tok)
    if line:
        lines.append(line)
    return lines


def normalized_tokens(source: str) -> list[str]:
    """The tokens of a cell that does not parse, without comments, docstrings and layout (names kept)."""
    out: list[str] = []
    for line in _logical_lines(source):
        first = line[0]
        if first.type in (tokenize.INDENT, tokenize.DEDENT):
            out.append("<in>" if first.type == tokenize.INDENT else "<out>")
            continue
        if all(t.type == tokenize.STRING for t in line):  # a docstring, or a string that does nothing
            continue
        for i, tok in enumerate(line):
            if tok.type == tokenize.OP and tok.string == "," and i + 1 < len(line) and line[i + 1].string in _CLOSING:
                continue
            out.append(tok.string)
        out.append("<nl>")
    return out


def normalized_tree(source: str) -> str | None:
    """The dump of the cell's syntax tree with bound names renamed and docstrings dropped (None if
    it does not parse, or holds no statement)."""
    try:
        tree = ast.parse(source)
        if not tree.body:
            return None
        tree = _Rename(_bound_names(tree)).visit(tree)
        return ast.dump(tree, annotate_fields=False, include_attributes=False)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def cell_digest(source: str) -> str | None:
    """The normalized digest of one answer cell (16 hex digits), or None for a cell that still
    holds the released stub (``raise NotImplementedError()``) or no code at all."""
    if _BLANK.search(source):
        return None
    text = normalized_tree(source)
    if text is None:
        try:
            tokens = normalized_tokens(source)
        except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
            tokens = source.split()  # cannot be tokenized either (an unclosed bracket): its words
        if not tokens or not any(t not in ("<nl>", "<in>", "<out>") for t in tokens):
            return None
        text = "tokens\x1f" + "\x1f".join(tokens)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def answer_digests(answers: dict[str, str]) -> dict[str, str | None]:
    """``{grade_id: digest}`` of a hand-in's answer cells (see :func:`cell_digest`)."""
    return {gid: cell_digest(source) for gid, source in answers.items()}
