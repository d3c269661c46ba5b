#!/usr/bin/env bash
# Builds the grading environment of @@name@@ once, as root, on Gradescope's Ubuntu image: Python 3.10+
# with venv, bubblewrap and libseccomp from apt where they are missing, a venv in $ROOT/venv with the grading
# dependencies (requirements.txt), and the course installed editable from course/ (an editable
# install keeps the course's own code, with the exercises' references, out of the venv that
# grading kernels may read). `bash setup.sh --dry-run` prints what it would do and changes nothing.
set -euo pipefail
root="${@@root_variable@@:-/autograder}"
source_dir="$root/source"
venv="$root/venv"
dry=""
if [ "${1:-}" = "--dry-run" ]; then dry=1; fi

run() {
    echo "+ $*"
    if [ -z "$dry" ]; then "$@"; fi
}

apt_install() {
    command -v apt-get >/dev/null 2>&1 || return 1
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" && return 0
    run apt-get update -q && run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

python_ok() {
    python3 -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1
}

if ! python_ok; then
    apt_install python3 python3-venv || true
    if [ -z "$dry" ] && ! python_ok; then
        echo "setup.sh: the grader needs Python 3.10 or later with venv (python3 -m venv); this image has" \
             "$(python3 --version 2>&1 || echo 'no python3'). Choose a newer Ubuntu base image on Gradescope." >&2
        exit 1
    fi
fi
if ! command -v bwrap >/dev/null 2>&1; then
    apt_install bubblewrap || echo "setup.sh: bubblewrap could not be installed: kernels will run without" \
                                   "namespaces of their own (run_autograder says so in its log)." >&2
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2'; then
    apt_install libseccomp2 || echo "setup.sh: libseccomp could not be installed: kernels will run without" \
                                    "the seccomp filter on sockets and keyrings (run_autograder says so in its log)." >&2
fi
run python3 -m venv "$venv"
run "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
run "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$source_dir/requirements.txt"
run "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$source_dir/course"
run "$venv/bin/python" -I -m course_tools.gradescope check --root "$root"
