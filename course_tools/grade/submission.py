"""Grade one submission: in a fresh sandboxed kernel (:mod:`kernel_host`), the kept setup, the
student's answers and the graded tests in the solution's order, each as one cell with a time
limit; the comparisons happen back here (:mod:`verdict`).

A cell that stops the kernel (``os._exit``, a crash, a hang that ignores interrupts) costs only
what depends on it: the kernel is restarted without that cell and grading goes on, at most
``MAX_RESTARTS`` times per submission. Whatever happens, the result is a dict with a status.
"""

from __future__ import annotations

import json
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import nbformat

from .kernel_host import KernelHost, Settings, preflight
from .likeness import answer_digests
from .plan import Plan, Step
from .results import STATUSES, Message, Status
from .session import Ended, KernelStartError, Outcome
from .verdict import UNREADABLE, evaluate, fail_test

__all__ = ["Settings", "grade_submission", "preflight", "read_submission", "unreadable", "STATUSES"]

MAX_RESTARTS = 3
MAX_ANSWER_CHARS = 100_000  # an answer cell is a few functions: a few thousand characters
_RAISED = (("MemoryError", Status.MEMORY, "ran out of memory"), ("SystemExit", Status.EXIT, "called sys.exit()"))


def _problem(o: Outcome, settings: Settings) -> tuple[Status, str] | None:
    """(status, what happened) for an execution that was more than a plain exception."""
    killed = "" if o.alive else ", so the kernel was stopped"
    if o.kind is Ended.TIMEOUT:
        return Status.TIMEOUT, f"ran longer than {settings.timeout:g} s{killed}"
    if o.kind is Ended.OUTPUT:
        return Status.OUTPUT_LIMIT, f"printed more than {settings.output_limit >> 20} MB{killed}"
    if o.kind is Ended.MESSAGE:
        return Status.BAD_MESSAGE, f"sent the grader {o.evalue}{killed}"
    if o.memory:
        return Status.MEMORY, f"ran out of memory (limit {settings.memory / 2**30:.3g} GiB){killed}"
    if o.kind is Ended.DIED:
        if o.exit_code == -signal.SIGXCPU:
            return Status.TIMEOUT, "used up the kernel's CPU time"
        if o.exit_code is not None and o.exit_code >= 0:
            return Status.EXIT, f"ended the kernel (os._exit or similar, exit code {o.exit_code})"
        name = signal.Signals(-o.exit_code).name if o.exit_code and -o.exit_code in signal.valid_signals() else "?"
        return Status.KERNEL_DIED, f"crashed the kernel ({name})"
    if o.kind is Ended.ERROR and o.ename == "SystemExit":
        return Status.EXIT, "called sys.exit()"
    return None


@dataclass
class Submission:
    """The answer cells of one handed-in notebook, or why there are none to grade."""

    answers: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problem: tuple[Status, str] | None = None  # (status, detail) when nothing can be graded


def _cells(data: bytes) -> list:
    """The cells of a notebook file, read as plain JSON (nbformat's validation is not needed to
    find answer cells, and costs time and memory on a large hand-in); nbformat for old formats."""
    nb = json.loads(data.decode("utf-8"))
    if isinstance(nb, dict) and isinstance(nb.get("nbformat"), int) and nb["nbformat"] < 4:
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("no list of cells")
    return cells


def _text(source) -> str | None:
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    return source if isinstance(source, str) else None


def read_submission(data: bytes, plan: Plan) -> Submission:
    """Take a submission's answer cells by grade_id; never raises on bad input.

    An answer cell longer than ``MAX_ANSWER_CHARS`` is not graded (it would cost the grader
    time and memory to read), nor is one nested too deeply for Python to parse.
    """
    if not data.strip():
        return Submission(problem=(Status.INVALID_NOTEBOOK, "the file is empty"))
    try:
        cells = _cells(data)
    except Exception as e:  # any way a file can fail to be a notebook (deep nesting included)
        return Submission(problem=(Status.INVALID_NOTEBOOK, f"not a readable notebook ({e.__class__.__name__})"))
    sub, foreign = Submission(), set()
    tests = {t.grade_id for t in plan.tests}
    for cell in cells:
        meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
        nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
        gid = nbg.get("grade_id") if isinstance(nbg, dict) else None
        source = _text(cell.get("source")) if isinstance(cell, dict) else None
        if not isinstance(gid, str):
            continue
        if gid in plan.answers and cell.get("cell_type") == "code" and source is not None:
            if len(source) > MAX_ANSWER_CHARS:
                sub.notes.append(
                    f"answer cell {gid!r} has {len(source):,} characters, more than the "
                    f"{MAX_ANSWER_CHARS:,} the grader reads; it was not graded"
                )
                continue
            if gid in sub.answers:
                sub.notes.append(f"two cells have grade_id {gid!r}; the last one was graded")
            sub.answers[gid] = source
        elif gid not in plan.answers and gid not in tests:
            foreign.add(gid[:80])
    sub.missing = [gid for gid in plan.answers if gid not in sub.answers]
    if not sub.answers:
        if foreign:
            shown = ", ".join(sorted(foreign)[:3])
            sub.problem = (Status.WRONG_ASSIGNMENT, f"no answer cell of {plan.name}; it has cells {shown}")
        else:
            sub.problem = (
                Status.MISSING_ANSWERS,
                "no answer cells (their nbgrader metadata is gone: was the work copied into a new notebook?)",
            )
    return sub


def unreadable(plan: Plan, status: Status, detail: str) -> dict:
    """The result of a submission that could not be graded at all."""
    result = {
        "tests": {t.grade_id: fail_test(t, f"not graded: {detail}") for t in plan.tests},
        "events": [],
        "notes": [],
        "max_total": plan.max_total,
    }
    return _finish(result, [(status, detail)], time.monotonic())


def grade_submission(
    plan: Plan, data: bytes, settings: Settings, slot: int, stop: threading.Event, active: dict | None = None
) -> dict:
    """Grade one notebook's bytes; returns the result dict (tests, total, status, detail, ...)."""
    started = time.monotonic()
    sub = read_submission(data, plan)
    if sub.problem:
        return unreadable(plan, *sub.problem)
    result: dict[str, Any] = {"tests": {}, "notes": list(sub.notes), "max_total": plan.max_total}
    result["answer_digests"] = answer_digests(sub.answers)  # for `course report`'s pairs of like hand-ins
    events: list[tuple[Status, str]] = []
    if sub.missing:
        events.append((Status.MISSING_ANSWERS, "no answer cell " + ", ".join(f"`{g}`" for g in sub.missing)))
    context = {g: f"your notebook has no answer cell `{g}`" for g in sub.missing}
    program = [
        item
        for item in plan.program(sub.answers)
        if not (isinstance(item, Step) and item.grade_id is not None and item.grade_id not in sub.answers)
    ]
    kernel = KernelHost(settings, slot)
    if active is not None:
        active[slot] = kernel
    pos, restarts, skipped = 0, 0, set()
    try:
        while pos < len(program) and not stop.is_set():
            try:
                boot = kernel.start(sub.answers)
            except KernelStartError as e:
                events.append((Status.GRADER_ERROR, f"the kernel did not start: {str(e).splitlines()[0]}"))
                break
            if boot.kind is not Ended.OK:
                events.append(
                    (Status.GRADER_ERROR, f"the grader's setup failed in the kernel ({boot.kind} {boot.ename})")
                )
                break
            alive = all(_replay(kernel, program[i], sub, settings) for i in range(pos) if i not in skipped)
            while alive and pos < len(program) and not stop.is_set():
                item, pos = program[pos], pos + 1
                if isinstance(item, Step):
                    alive = _first_run(kernel, item, sub, settings, events, context)
                    if not alive:
                        skipped.add(pos - 1)
                    continue
                o, results, arrays = kernel.run_test(item.grade_id)
                problem = _problem(o, settings)
                if o.kind is Ended.OK:
                    try:
                        verdict = evaluate(item, results, arrays, plan, context)
                    except Exception:  # results crafted to break the comparison: this test only
                        verdict = fail_test(item, UNREADABLE, "unreadable").replace(unreadable=True)
                    if verdict.unreadable or not isinstance(results, dict):
                        events.append(
                            (Status.UNREADABLE_RESULTS, f"{item.grade_id}: what the kernel sent back could not be read")
                        )
                    result["tests"][item.grade_id] = verdict
                    if problem:  # the test ran, but a process of the submission ran out of memory
                        events.append((problem[0], f"{item.grade_id}: your code {problem[1]}"))
                    for ename, kind, what in _RAISED:
                        if ename in (verdict.errors or ()):
                            events.append((kind, f"{item.grade_id}: your code {what}"))
                else:
                    if problem:
                        events.append((problem[0], f"{item.grade_id}: your code {problem[1]}"))
                    ename = o.ename if re.fullmatch(r"[A-Za-z_]\w{0,59}", o.ename or "") else "an exception"
                    reason = f"your code {problem[1]}." if problem else f"the test could not run ({ename})."
                    result["tests"][item.grade_id] = fail_test(item, reason)
                alive = o.alive
            if not alive:
                restarts += 1
                if restarts > MAX_RESTARTS:
                    events.append(
                        (Status.KERNEL_DIED, f"the kernel stopped {restarts} times; the remaining tests were not run")
                    )
                    break
    finally:
        if active is not None:
            active.pop(slot, None)
        kernel.close()
    for test in plan.tests:
        result["tests"].setdefault(test.grade_id, fail_test(test, "not run: the kernel kept stopping."))
    result["tests"] = {t.grade_id: result["tests"][t.grade_id] for t in plan.tests}
    _note_building_blocks(plan, result["tests"], sub.answers)
    return _finish(result, events, started)


def _note_building_blocks(plan: Plan, tests: dict, answers: dict) -> None:
    """Say when a failed test builds on an exercise that failed its own test, and name every blank
    exercise a failed test touches, each cause once: when the test failed only because of blank
    exercises, that one sentence is its message."""
    for test in plan.tests:
        t = tests[test.grade_id]
        if t.passed:
            continue
        blank = _blank_answers(plan, test, answers)
        failed = [gid for gid in plan.builds_on(test) if not tests[gid].passed]
        if blank:
            defined = set(blank).union(*(plan.defined_by(gid) for gid in blank))
            quoted = [f"`{name}`" for gid in blank for name in _names_in(plan, gid, answers[gid])]
            names = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
            text = (
                f"{names} {'are' if len(quoted) > 1 else 'is'} not filled in yet: write your code in "
                f'{"their cells" if len(blank) > 1 else "its cell"}, in place of "raise NotImplementedError()".'
            )
            if all(m.blank in defined for m in t.messages if not m.passed):
                t = t.replace(messages=(Message("all tests", False, text),))
                by_id = {t.grade_id: t for t in plan.tests}
                failed = [gid for gid in failed if not _own_answers(plan, by_id[gid]) <= set(blank)]  # said already
            else:
                t = t.replace(note=text)
        if failed:
            names = ", ".join(f"`{gid}`" for gid in failed)
            note = (
                f"this exercise uses your answer to an earlier one, which failed its own test ({names}): the "
                "failure may come from there, so fix that first."
            )
            t = t.replace(note=f"{t.note} {note[0].upper()}{note[1:]}" if t.note else note)
        tests[test.grade_id] = t


_BLANK = re.compile(r"^[ \t]*# YOUR CODE HERE[ \t]*\n[ \t]*raise NotImplementedError\(\)", re.M)


def _names_in(plan: Plan, gid: str, source: str) -> list[str]:
    """The public functions and classes an answer cell defines, in the order it defines them (its
    grade_id if none)."""
    names = [n for n in plan.defined_by(gid) if not n.startswith("_") and re.search(rf"\b{re.escape(n)}\b", source)]
    return sorted(names, key=lambda n: _first_use(n, source)) or [gid]


def _first_use(name: str, source: str) -> int:
    found = re.search(rf"\b{re.escape(name)}\b", source)
    return found.start() if found else len(source)


def _own_answers(plan: Plan, test) -> set[str]:
    """The answer cells that define what ``test`` passes to its checks."""
    return {gid for gid in plan.answers if test.names & plan.defined_by(gid)}


def _blank_answers(plan: Plan, test, answers: dict) -> list[str]:
    """The answer cells, still as handed out (blank), that ``test`` runs: its own, the ones they
    call and the ones its check runs."""
    own = _own_answers(plan, test)
    used = set().union(*(plan.answers[g][1] | plan.answers[g][2] for g in own)) if own else set()
    used |= plan.blocks.get(test.grade_id, set())
    touched = own | {gid for gid in plan.answers if used & plan.defined_by(gid)}
    return [gid for gid in plan.answers if gid in touched and _BLANK.search(answers.get(gid) or "")]


def _code(step: Step, sub) -> str:
    if step.grade_id is None:
        assert step.source is not None  # a setup step carries its code
        return step.source
    return sub.answers[step.grade_id]


def _replay(kernel: KernelHost, item, sub, settings: Settings) -> bool:
    """Run an earlier step again in a restarted kernel (tests are not repeated)."""
    return not isinstance(item, Step) or kernel.running.run(_code(item, sub), settings.timeout).alive


def _first_run(kernel: KernelHost, step: Step, sub, settings: Settings, events: list, context: dict) -> bool:
    """Run a step for the first time, noting what went wrong; returns whether the kernel lives."""
    o = kernel.running.run(_code(step, sub), settings.timeout)
    where = f"answer cell `{step.grade_id}`" if step.grade_id else f"course cell {step.cell} (run with your answers)"
    problem = _problem(o, settings)
    if problem:
        events.append((problem[0], f"{where} {problem[1]}"))
    if step.grade_id and (problem or o.kind is Ended.ERROR):
        what = problem[1] if problem else f"raised {o.ename}: {o.evalue[:200]}"
        context[step.grade_id] = f"your answer cell `{step.grade_id}` {what} when it ran"
    return o.alive


def _finish(result: dict, events: list, started: float) -> dict:
    """The results file's dict: the tests' TestResults become JSON here, and nowhere before."""
    result["total"] = sum(t.points for t in result["tests"].values())
    result["tests"] = {gid: t.to_json() for gid, t in result["tests"].items()}
    kinds = {k for k, _ in events}
    result["status"] = next((s for s in STATUSES if s in kinds), Status.OK)
    result["events"] = [list(e) for e in events]
    seen, detail = set(), []
    for _, text in events:
        if text not in seen:
            seen.add(text)
            detail.append(text)
    text = "; ".join(detail)
    result["detail"] = text if len(text) <= 300 else text[:297] + "..."
    result["seconds"] = round(time.monotonic() - started, 2)
    return result
