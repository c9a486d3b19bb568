#!/usr/bin/env bash
# `pytest -k test_init_scheme` over the T5-family test folders of the patched main tree, as patched and with parts of
# the fix reverted to upstream main (9a90500b0b), each in a scratch worktree of the patched commit:
#
#   PYTHON=/path/to/venv/bin/python docs/upstream/revert_runs.sh PATCHED_TREE [VARIANT...]
#
# PYTHON: a venv with the main tree installed (`pip install -e "TREE[torch,testing]"`, pytest < 9 as upstream's
# setup.py pins); the scratch tree is put first on PYTHONPATH. VARIANT (default: all):
#   patched      nothing reverted
#   modelling    src/transformers/models/*/modeling_*.py and modular_*.py (configs, modeling_utils.py kept)
#   src          the whole src/ (only tests/ and docs/ of the patch kept)
#   core         src/transformers/modeling_utils.py only (the tie rule)
#   configs      src/transformers/models/*/configuration_*.py only (the forced flag comes back)
#   rescale      the mT5 decoder-output rescale only (its five lines in modeling_mt5.py)
#   head_std     the untied lm_head's std only (d_model**-0.5 -> 1.0 in every family file)
set -euo pipefail
tree="$(cd "$1" && pwd)"; shift
python="${PYTHON:?set PYTHON to the venv that has the main tree installed}"
base="${BASE:-9a90500b0b}"
variants=("$@"); [ ${#variants[@]} -gt 0 ] || variants=(patched modelling src core configs rescale head_std)
folders=(t5 mt5 umt5 longt5 switch_transformers pop2piano udop)
family_files() { git -C "$tree" diff --name-only "$base" HEAD -- src/transformers/models | grep -E "/($1)_[a-z0-9_]+\.py$" || true; }
for variant in "${variants[@]}"; do
  scratch="$(mktemp -d)/tree"
  git -C "$tree" worktree add -q --detach "$scratch" HEAD
  case "$variant" in
    patched) ;;
    modelling) git -C "$scratch" checkout -q "$base" -- $(family_files "modeling|modular") ;;
    src) git -C "$scratch" checkout -q "$base" -- src ;;
    core) git -C "$scratch" checkout -q "$base" -- src/transformers/modeling_utils.py ;;
    configs) git -C "$scratch" checkout -q "$base" -- $(family_files configuration) ;;
    rescale) "$python" - "$scratch/src/transformers/models/mt5/modeling_mt5.py" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path).read()
block = re.compile(r"\n        if self\.config\.tie_word_embeddings:\n(?:            #.*\n)*            sequence_output = sequence_output \* \(self\.model_dim\*\*-0\.5\)\n")
text, count = block.subn("", text)
assert count == 1, count
open(path, "w").write(text)
PY
      ;;
    head_std) sed -i 's/init.normal_(module.lm_head.weight, mean=0.0, std=factor \* self.config.d_model\*\*-0.5)/init.normal_(module.lm_head.weight, mean=0.0, std=factor * 1.0)/' $(cd "$scratch" && family_files "modeling|modular" | sed "s|^|$scratch/|") ;;
    *) echo "unknown variant $variant" >&2; exit 2 ;;
  esac
  echo "== $variant: $(git -C "$scratch" diff --stat HEAD | tail -n 1)"
  (cd "$scratch" && HF_HUB_OFFLINE=1 PYTHONPATH="$scratch/src" "$python" -m pytest -p no:cacheprovider -q -rf \
      -k test_init_scheme "${folders[@]/#/tests/models/}" 2>&1 | grep -E "^(FAILED|[0-9]+ (passed|failed))|passed|failed" | grep -v "^E " | tail -n 20) || true
  git -C "$tree" worktree remove --force "$scratch"
done
