#!/usr/bin/env bash
# Regenerate the patch in docs/upstream/transformers-VERSION/: `init-parity upstream` on a fresh git
# repository made from the transformers release sdist (see README.md in this folder).
#
#   docs/upstream/regenerate.sh [VERSION] [PATH/TO/t5.md]
#
# VERSION defaults to 4.57.6. The sdist has no docs/ folder: pass the model page
# (docs/source/en/model_doc/t5.md of the transformers repository) to get the docs hunk too.
# The sdist is taken from $SDIST_DIR (default /tmp/sdist) or downloaded with pip.
set -euo pipefail
version="${1:-4.57.6}"
t5_md="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
sdist_dir="${SDIST_DIR:-/tmp/sdist}"
sdist="$sdist_dir/transformers-$version.tar.gz"
if [ ! -f "$sdist" ]; then
  mkdir -p "$sdist_dir"
  python -m pip download --no-binary :all: --no-deps "transformers==$version" -d "$sdist_dir"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar --no-same-owner -xzf "$sdist" -C "$work"
target="$work/transformers-$version"
if [ -n "$t5_md" ]; then
  mkdir -p "$target/docs/source/en/model_doc"
  cp "$t5_md" "$target/docs/source/en/model_doc/t5.md"
fi
export GIT_AUTHOR_NAME="${GIT_AUTHOR_NAME:-init-parity}" GIT_AUTHOR_EMAIL="${GIT_AUTHOR_EMAIL:-init-parity@example.com}"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
git -C "$target" init -q -b main
git -C "$target" add -A
git -C "$target" commit -q -m "transformers $version (sdist)"
out="$here/transformers-$version"
rm -rf "$out"
init-parity upstream "$target" --patch-dir "$out"
git -C "$target" diff --stat HEAD~1 HEAD
