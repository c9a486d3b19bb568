#!/usr/bin/env bash
# Regenerate the patches and PR.md files in docs/upstream/transformers-VERSION/: `init-parity upstream` on a fresh git
# repository made from the transformers release sdist, or on upstream main (see README.md in this folder). On the 5.x
# line (5.23.0, main) that is the pull-request series, one folder NN-slug/ per PR; on 4.x one patch and its PR.md.
#
#   docs/upstream/regenerate.sh [VERSION] [PATH/TO/t5.md]
#   CONVERTER_PYTHON=/path/to/venv/bin/python docs/upstream/regenerate.sh main
#
# VERSION defaults to 4.57.6 (also: 4.52.4, 5.23.0, main). The sdist has no docs/ folder: pass the model page
# (docs/source/en/model_doc/t5.md of the transformers repository) to get the docs hunk too. The sdist is taken
# from $SDIST_DIR (default /tmp/sdist) or downloaded with pip.
#
# `main` is upstream main at $MAIN_COMMIT (default 9a90500b0b, 2025-12-22), a worktree of the git directory
# $MAIN_REPO (default: the feisenyu/transformers_4573 mirror); its Switch Transformers modelling file is regenerated
# with its own utils/modular_model_converter.py, run by $CONVERTER_PYTHON, a Python that imports that tree and has
# its pinned ruff (python3 -m venv V && V/bin/pip install torch==2.13.0 && V/bin/pip install -e "TREE[torch,testing]").
set -euo pipefail
version="${1:-4.57.6}"
t5_md="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
sdist_dir="${SDIST_DIR:-/tmp/sdist}"
main_repo="${MAIN_REPO:-/work/.mirror/feisenyu+transformers_4573/repo}"
main_commit="${MAIN_COMMIT:-9a90500b0b}"
work="$(mktemp -d)"
export GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-init-parity}" GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-init-parity@example.com}"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
options=()
if [ "$version" = main ]; then
  target="$work/transformers-main"
  branch="init-parity-regenerate-$$"  # branches are shared by every worktree of $main_repo: a name of our own
  trap 'git -C "$main_repo" worktree remove --force "$target" >/dev/null 2>&1 || true
        git -C "$main_repo" branch -q -D "$branch" >/dev/null 2>&1 || true
        git -C "$main_repo" for-each-ref --format="%(refname:short)" "refs/heads/$branch/" |
          xargs -r git -C "$main_repo" branch -q -D >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  git -C "$main_repo" worktree add -q --detach "$target" "$main_commit"
  options=(--branch "$branch" --python "${CONVERTER_PYTHON:?set CONVERTER_PYTHON to a Python that imports the main tree}")
  out="$here/transformers-main-$main_commit"
else
  trap 'rm -rf "$work"' EXIT
  sdist="$sdist_dir/transformers-$version.tar.gz"
  if [ ! -f "$sdist" ]; then
    mkdir -p "$sdist_dir"
    python -m pip download --no-binary :all: --no-deps "transformers==$version" -d "$sdist_dir"
  fi
  tar --no-same-owner -xzf "$sdist" -C "$work"
  target="$work/transformers-$version"
  if [ -n "$t5_md" ]; then
    mkdir -p "$target/docs/source/en/model_doc"
    cp "$t5_md" "$target/docs/source/en/model_doc/t5.md"
  fi
  git -C "$target" init -q -b main
  git -C "$target" add -A
  git -C "$target" commit -q -m "transformers $version (sdist)"
  out="$here/transformers-$version"
fi
rm -rf "$out"
init-parity upstream "$target" --patch-dir "$out" "${options[@]}"
if [ -d "$out/01-init-scheme-tests" ]; then  # the series: each PR's diff --stat is in what the command printed
  ls "$out"
else
  git -C "$target" diff --stat HEAD~1 HEAD
fi
