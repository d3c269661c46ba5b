"""Grading in shards (`course grade --shard I/N`) and merging the shards (`course grade merge`).

The merge tests without a kernel build grading outputs by hand; the test marked ``kernel``
grades one folder in three shards, as three processes at the same time, and checks that the
merge is the unsharded run, row for row.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from course_tools import cli
from course_tools.grade.plan import GradeError
from course_tools.grade.shards import Shard, merge, shard_of

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------- which shard


def test_a_shard_is_written_i_of_n_from_one():
    assert Shard.parse("2/4") == Shard(2, 4) and str(Shard.parse(" 4 / 4 ")) == "4/4"
    for bad, says in (
        ("0/4", "numbered 1 to N"),
        ("5/4", "1 to 4"),
        ("2-4", "write I/N"),
        ("a/b", "write I/N"),
        ("1/0", "numbered 1 to N"),
    ):
        with pytest.raises(GradeError, match=says):
            Shard.parse(bad)


def test_every_hand_in_is_in_exactly_one_shard_and_a_late_one_moves_nobody():
    names = [f"student{i:03d}" for i in range(200)]
    shards = [Shard(i, 4) for i in range(1, 5)]
    owners = {n: [s.index for s in shards if s.holds(n)] for n in names}
    assert all(len(o) == 1 for o in owners.values())
    sizes = [sum(o == [s.index] for o in owners.values()) for s in shards]
    assert min(sizes) >= 35, sizes  # about 50 each
    assert {n: shard_of(n, 4) for n in names} == {n: o[0] for n, o in owners.items()}
    # the share depends on the name only: not on the other hand-ins, their order or count
    assert all(shard_of(n, 4) == owners[n][0] for n in reversed(names + ["late1", "late2"]) if n in owners)
    assert shard_of("ann lee", 3) == shard_of("ann lee", 3) and 1 <= shard_of("Zoë", 3) <= 3


# ------------------------------------------------------------------- merge, without kernels

SOLUTION = HERE / "grade_fixtures" / "fixture.json"
POINTS = {"test_scale": 1, "test_affine": 2, "test_softplus": 3}
GIDS = list(POINTS)


@pytest.fixture(scope="module", autouse=True)
def fixture_checks():
    """The fixture solution's checks, for this module only (merge reads the solution)."""
    from grade_fixtures.fixture_checks import registered

    with registered():
        yield


def record(
    student, total, *, sha="a", when="2026-11-29T10:00:00+00:00", solution=None, shard="auto", status="ok", handin=None
):
    """A result record of ``total`` points (the tests it passed: a subset of 1, 2 and 3 points)."""
    from course_tools.grade.plan import load_plan

    left, tests = total, {}
    for gid, most in sorted(POINTS.items(), key=lambda kv: -kv[1]):
        got = most if left >= most else 0
        left -= got
        tests[gid] = {"points": got, "max": most, "passed": got == most, "messages": []}
    handin = handin or f"{student}.ipynb"
    if shard == "auto":
        shard = f"{shard_of(handin.removesuffix('.ipynb'), 2)}/2"
    return {
        "student": student,
        "handin": handin,
        "source": handin,
        "tests": {g: tests[g] for g in GIDS},
        "total": total,
        "max_total": 6,
        "status": status,
        "detail": "",
        "notes": [],
        "submission_sha256": sha * 64,
        "solution": "fixture",
        "solution_sha256": solution or load_plan(SOLUTION).sha256,
        "shard": shard,
        "graded_at": when,
    }


def output(folder: Path, *records) -> Path:
    from course_tools.grade.report import atomic_write, write_gradebook

    for r in records:
        atomic_write(folder / "results" / f"{r['student']}.json", json.dumps(r))
        atomic_write(folder / "feedback" / f"{r['student']}.md", f"feedback of {r['student']}: {r['total']}\n")
    write_gradebook(folder, GIDS, 6, {r["student"]: r for r in records})
    (folder / "results").mkdir(parents=True, exist_ok=True)
    return folder


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def merged(*args) -> int:
    return cli.main(["grade", "merge", *map(str, args), "--solution", str(SOLUTION)])


def test_merge_joins_the_shards_into_one_gradebook(tmp_path):
    a = output(tmp_path / "a", record("ann", 6), record("bob", 2))
    b = output(tmp_path / "b", record("cy", 4))
    empty = output(tmp_path / "empty")  # a shard that had no hand-ins (SLURM arrays and CI matrices have them)
    assert merged(a, b, empty, "--out", tmp_path / "m") == 0
    got = rows(tmp_path / "m")
    assert {s: r["total"] for s, r in got.items()} == {"ann": "6", "bob": "2", "cy": "4"}
    assert list(next(iter(got.values())))[2:5] == GIDS
    assert "**Score: 4 / 6**" in (tmp_path / "m" / "feedback" / "cy.md").read_text()  # written from the record
    merged_ann = json.loads((tmp_path / "m" / "results" / "ann.json").read_text())
    assert merged_ann["shard"] is None and merged_ann["total"] == 6


def test_merge_needs_the_solution(tmp_path, capsys):
    a = output(tmp_path / "a", record("ann", 6))
    with pytest.raises(SystemExit):
        cli.main(["grade", "merge", str(a), "--out", str(tmp_path / "m")])
    assert "--solution" in capsys.readouterr().err


def test_merge_refuses_different_solutions_and_writes_nothing(tmp_path, capsys):
    a = output(tmp_path / "a", record("ann", 6))
    b = output(tmp_path / "b", record("bob", 2, solution="0" * 64))
    assert merged(a, b, "--out", tmp_path / "m") == 2
    err = capsys.readouterr().err
    assert "another solution" in err and "grade it again" in err and err.count("\n") == 1
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize(
    "forgery, says",
    [
        ("total", None),  # a forged total or max_total is recomputed from the points, not refused
        ("points", "not a number from 0 to the solution's 3"),
        ("negative", "not a number from 0"),
        ("test", "are not the solution's"),
        ("shard", "belongs to shard"),
        ("row", "is not the row of its hand-in"),
    ],
)
def test_merge_trusts_no_total_and_no_points_beyond_the_solution(tmp_path, capsys, forgery, says):
    bob = record("bob", 2)
    if forgery == "total":
        bob.update(total=600, max_total=6000)
    elif forgery == "points":
        bob["tests"]["test_softplus"]["points"] = 300
    elif forgery == "negative":
        bob["tests"]["test_scale"]["points"] = -5
    elif forgery == "test":
        bob["tests"]["test_bonus"] = {"points": 0, "max": 100, "passed": False, "messages": []}
    elif forgery == "shard":
        bob["shard"] = f"{3 - shard_of('bob', 2)}/2"
    elif forgery == "row":
        bob["handin"] = "ann.ipynb"
    a = output(tmp_path / "a", record("ann", 6), bob)
    code = merged(a, "--out", tmp_path / "m")
    if says is None:
        assert code == 0
        assert rows(tmp_path / "m")["bob"]["total"] == "2" and rows(tmp_path / "m")["bob"]["max_total"] == "6"
        assert json.loads((tmp_path / "m" / "results" / "bob.json").read_text())["total"] == 2
    else:
        assert code == 2 and says in capsys.readouterr().err
        assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("other", ["ann", "Ann"])
def test_merge_refuses_a_student_in_two_shards(tmp_path, capsys, other):
    a = output(tmp_path / "a", record("ann", 6))
    b = output(tmp_path / "b", record(other, 6, shard=None))
    assert merged(a, b, "--out", tmp_path / "m") == 2
    err = capsys.readouterr().err
    assert "appears in both" in err and str(tmp_path / "a") in err and str(tmp_path / "b") in err
    assert not (tmp_path / "m").exists()


def test_merge_refuses_a_hand_in_graded_twice_with_different_results(tmp_path):
    a = output(tmp_path / "a", record("ann", 6))
    out = tmp_path / "m"
    merge([a], out, SOLUTION)
    b = output(tmp_path / "b", record("ann", 2, when="2026-11-29T11:00:00+00:00"))
    before = (out / "grades.csv").read_text()
    with pytest.raises(GradeError, match="ann's hand-in was graded twice with different results"):
        merge([b], out, SOLUTION)
    assert (out / "grades.csv").read_text() == before


def test_the_newer_of_two_hand_ins_wins_and_a_newer_result_is_never_replaced(tmp_path):
    early = output(tmp_path / "early", record("ann", 2, sha="1", when="2026-11-20T10:00:00+01:00"))
    late = output(tmp_path / "late", record("ann", 6, sha="2", when="2026-11-21T09:00:00Z"))
    out = tmp_path / "m"
    merge([late], out, SOLUTION)
    merge([early], out, SOLUTION)  # merging the old batch again into the merged book keeps the newer result
    assert rows(out)["ann"]["total"] == "6"
    assert "6 / 6" in (out / "feedback" / "ann.md").read_text()
    same_time = output(tmp_path / "same", record("ann", 4, sha="3", when="2026-11-21T10:00:00+01:00"))
    with pytest.raises(GradeError, match="graded at the same time"):
        merge([same_time], out, SOLUTION)


@pytest.mark.parametrize(
    "breakage, says",
    [
        ("missing", "no such folder"),
        ("no_csv", "is not the output of `course grade`"),
        ("foreign_csv", "not a gradebook"),
        ("bad_record", "is not a result record"),
        ("renamed_record", "does not match its file name"),
        ("twice", "is named twice"),
    ],
)
def test_merge_explains_what_is_not_a_grading_output(tmp_path, capsys, breakage, says):
    a = output(tmp_path / "a", record("ann", 6))
    b = output(tmp_path / "b", record("bob", 2))
    if breakage == "missing":
        b = tmp_path / "nothing"
    elif breakage == "no_csv":
        (b / "grades.csv").unlink()
    elif breakage == "foreign_csv":
        (b / "grades.csv").write_text("name,score\nbob,2\n")
    elif breakage == "bad_record":
        (b / "results" / "bob.json").write_text("[1, 2]")
    elif breakage == "renamed_record":
        os.rename(b / "results" / "bob.json", b / "results" / "eve.json")
    elif breakage == "twice":
        b = a
    assert merged(a, b, "--out", tmp_path / "m") == 2
    err = capsys.readouterr().err
    assert err.startswith("course grade merge: ") and says in err
    assert not (tmp_path / "m").exists()


# ------------------------------------------------------------- a real class, three shards

# Registers the fixture's checks in a grading process of its own, then runs `course` there.
DRIVER = (
    "import sys\n"
    "from course_utils.checks import REGISTRY\n"
    "from grade_fixtures import fixture_checks as m\n"
    "REGISTRY.update({n: getattr(m, n).spec for n in m.__all__})\n"
    "from course_tools import cli\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)


def course(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, "-c", DRIVER, *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.mark.kernel
def test_three_shards_at_once_merge_into_the_unsharded_run(tmp_path):
    from test_grade import GOOD, blank, notebook

    subs = tmp_path / "subs"
    subs.mkdir()
    handins = {
        "good": notebook(GOOD),
        "blank": blank(),
        "no_softplus": notebook(GOOD, drop=("softplus",)),
        "wrong_affine": notebook({**GOOD, "affine": "def affine(x, w, b):\n    return x @ w\n"}),
        "ann": notebook(GOOD),
        "broken": b"{not json",
        "carl": notebook({**GOOD, "scale": "def scale(x, a):\n    return -a * x\n"}),
    }
    for name, data in handins.items():
        (subs / f"{name}.ipynb").write_bytes(data)
    (subs / "ann").mkdir()  # ann handed in twice, a file then a folder: both graded, each in its own row
    (subs / "ann" / "fixture.ipynb").write_bytes(notebook({**GOOD, "softplus": "def softplus(x):\n    return x\n"}))
    os.utime(subs / "ann", ns=(os.stat(subs / "ann.ipynb").st_mtime_ns + 10**9,) * 2)
    (subs / "dora").mkdir()
    (subs / "dora" / "work.ipynb").write_bytes(notebook(GOOD))
    assert {shard_of(n, 3) for n in [*handins, "dora"]} == {1, 2, 3}  # every shard has work

    common = ["--solution", str(SOLUTION), "--jobs", "1", "--timeout", "10", "--memory-limit", "1G"]
    jobs = [["grade", str(subs), "--out", str(tmp_path / "whole"), *common]]
    jobs += [["grade", str(subs), "--out", str(tmp_path / f"part{i}"), "--shard", f"{i}/3", *common] for i in (1, 2, 3)]
    with ThreadPoolExecutor(4) as pool:
        procs = list(pool.map(lambda a: course(*a), jobs))
    for args, proc in zip(jobs, procs):
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
    assert "in shard 2/3 of" in procs[2].stderr
    parts = [tmp_path / f"part{i}" for i in (1, 2, 3)]
    assert sum(len(rows(p)) for p in parts) == len(rows(tmp_path / "whole")) == 9

    empty = next(i for i in range(1, 20) if all(shard_of(n, 20) != i for n in [*handins, "dora"]))
    nothing = course("grade", str(subs), "--out", str(tmp_path / "empty"), "--shard", f"{empty}/20", *common)
    assert nothing.returncode == 0, nothing.stderr  # a shard without hand-ins: an empty gradebook that merge takes
    merged = course(
        "grade",
        "merge",
        *map(str, parts),
        str(tmp_path / "empty"),
        "--solution",
        str(SOLUTION),
        "--out",
        str(tmp_path / "merged"),
    )
    assert merged.returncode == 0, merged.stderr
    whole, got = tmp_path / "whole", tmp_path / "merged"
    assert (got / "grades.csv").read_text() == (whole / "grades.csv").read_text()
    assert sorted(os.listdir(got / "feedback")) == sorted(os.listdir(whole / "feedback"))
    for name in os.listdir(whole / "feedback"):
        assert (got / "feedback" / name).read_text() == (whole / "feedback" / name).read_text(), name
    assert rows(got)["good"]["total"] == "6" and rows(got)["blank"]["total"] == "0"
    later = next(k for k in rows(got) if k.startswith("ann-"))
    assert (rows(got)["ann"]["total"], rows(got)[later]["total"], rows(got)[later]["handin"]) == ("6", "3", "ann/")
    assert f"in its own row `{later}`" in (got / "feedback" / "ann.md").read_text()

    # a shard's folder refuses another shard's (or an unsharded) run, and says what to do
    again = course("grade", str(subs), "--out", str(parts[0]), "--shard", "2/3", *common)
    assert again.returncode == 2 and "holds results of shard 1/3" in again.stderr and "own --out" in again.stderr
    again = course("grade", str(subs), "--out", str(parts[0]), *common)
    assert again.returncode == 2 and "holds results of shard 1/3" in again.stderr
