"""The ``course`` command: ``course release [--check] [--force]``, ``course grade ...``,
``course grade merge ...``, ``course report ...`` and ``course export gradescope ...``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _release(args: argparse.Namespace) -> int:
    from .release import ReleaseError, check_release, release

    try:
        if args.check:
            problems = check_release(args.solutions, args.notebooks)
            if problems:
                print(f"notebooks/ is stale: {len(problems)} difference(s); run `make release`.", file=sys.stderr)
                for p in problems:
                    print(f"  {p}", file=sys.stderr)
                return 1
            print("notebooks/ is up to date with solutions/.")
            return 0
        for line in release(args.solutions, args.notebooks, force=args.force, only=args.only):
            print(line)
        return 0
    except ReleaseError as e:
        print(f"course release: {e}", file=sys.stderr)
        return 2


def _store_outputs(args: argparse.Namespace) -> int:
    from .execute import store_outputs
    from .release import ReleaseError

    status = 0
    for path in args.paths:
        if not path.is_file():
            print(f"course store-outputs: no notebook at {path}", file=sys.stderr)
            status = 2
            continue
        try:
            print(store_outputs(path, timeout=args.timeout))
        except ReleaseError as e:
            print(f"course store-outputs: {e}", file=sys.stderr)
            status = 1
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course",
        description="Author, release and grade the course notebooks.",
        epilog="`course grade merge OUT1 OUT2 ... --solution NOTEBOOK --out OUT` merges the outputs of sharded "
        "`course grade --shard I/N` runs into one gradebook (`course grade merge --help`).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    rel = sub.add_parser("release", help="build notebooks/ (student versions) from solutions/")
    rel.add_argument("only", nargs="*", help="names of solution notebooks to release (default: all)")
    rel.add_argument("--solutions", type=Path, default=Path("solutions"), help="folder of solution notebooks")
    rel.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="folder of student notebooks")
    rel.add_argument("--check", action="store_true", help="only report whether notebooks/ is stale (exit 1 if so)")
    rel.add_argument(
        "--force",
        action="store_true",
        help="overwrite student notebooks that someone edited (a backup is kept first)",
    )
    rel.set_defaults(run=_release)

    store = sub.add_parser(
        "store-outputs",
        help="execute solution notebooks, keeping only the outputs of cells tagged nbval-check-output",
    )
    store.add_argument("paths", nargs="+", type=Path, help="solution notebooks to execute")
    store.add_argument("--timeout", type=int, default=120, help="seconds allowed per cell")
    store.set_defaults(run=_store_outputs)

    from . import grade

    g = sub.add_parser(
        "grade",
        help="grade submitted notebooks with the solution's tests; `grade merge` joins sharded outputs",
        epilog="`course grade merge OUT1 OUT2 ... --out OUT` merges the outputs of sharded runs (--shard I/N); "
        "a submissions folder named merge is written ./merge.",
    )
    grade.add_arguments(g)
    g.set_defaults(run=grade.run)

    from . import class_report

    rep = sub.add_parser(
        "report",
        help="a page (report.html) and numbers (report.json) of what the class got wrong and why, from grading outputs",
        epilog="With several grading outputs (`course report grades/*`), also a class gradebook CSV.",
    )
    class_report.add_arguments(rep)
    rep.set_defaults(run=class_report.run)

    from . import gradescope

    exp = sub.add_parser("export", help="export the autograder to another grading platform")
    targets = exp.add_subparsers(dest="target", required=True)
    gs = targets.add_parser("gradescope", help="a Gradescope autograder bundle (autograder.zip) for one notebook")
    gradescope.add_arguments(gs)
    gs.set_defaults(run=gradescope.export_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:2] == ["grade", "merge"]:
        from .grade.shards import run_merge

        return run_merge(argv[2:])
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
