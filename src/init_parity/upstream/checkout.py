"""The transformers checkout the fix is written into: validation, the files we may touch, and git.

Every refusal is a :class:`init_parity.cli.BadInput` (exit code 2) whose message names the fix.
Reads and writes go through :class:`Checkout`, which refuses any path outside the explicit list of
files the generator owns (:func:`owned_files`).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..exits import BadInput
from ..scheme import FamilyScheme
from ..scheme.naming import MODULE_PREFIXES
from .model_tests import test_file

# The releases whose source the generator has been run on. 4.57 is the line this package patches at
# run time; 4.52.4 still ships tests/test_modeling_tf_common.py and tests/test_modeling_flax_common.py,
# and its T5-family code has the same shape, so the TensorFlow and Flax mixins get the test too.
SUPPORTED_LINES = ("4.57",)
SUPPORTED_EXACT = ("4.52.4",)
# The 5.x line (upstream main, 5.0.0.dev0 at 9a90500b0b, to the 5.23 release): PyTorch only, weights drawn
# through `transformers.initialization`, T5-family configs that force `tie_word_embeddings=True`.
SUPPORTED_MAJOR = ("5",)

VERSION_FILE = "src/transformers/__init__.py"
HELPER_FILE = "tests/init_scheme_utils.py"
COMMON_TESTS = "tests/test_modeling_common.py"
CORE_FILE = "src/transformers/modeling_utils.py"  # 5.x: the tie rule the family's class attribute turns on
DOC_FILE = "docs/source/en/model_doc/{family}.md"
MODELING_PREFIXES = MODULE_PREFIXES

_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.MULTILINE)


def modeling_file(model_type: str, framework: str) -> str:
    folder = model_type.replace("-", "_")
    return f"src/transformers/models/{folder}/{MODELING_PREFIXES[framework]}{folder}.py"


def configuration_file(model_type: str) -> str:
    folder = model_type.replace("-", "_")
    return f"src/transformers/models/{folder}/configuration_{folder}.py"


def modular_file(model_type: str) -> str:
    folder = model_type.replace("-", "_")
    return f"src/transformers/models/{folder}/modular_{folder}.py"


def owned_files(scheme: FamilyScheme) -> tuple[str, ...]:
    """Every path (relative to the checkout) the generator may create or change, and no other."""
    files = [modeling_file(t, fw) for fw in MODELING_PREFIXES for t in scheme.model_types]
    files += [configuration_file(t) for t in scheme.model_types] + [modular_file(t) for t in scheme.model_types]
    files += [COMMON_TESTS, HELPER_FILE, DOC_FILE.format(family=scheme.family), CORE_FILE]
    files += [test_file(model_type) for model_type in scheme.model_types]
    return tuple(files)


def supported(version: str) -> bool:
    base = re.match(r"^(\d+)\.(\d+)(?:\.(\d+))?", version)
    if base is None:
        return False
    line = f"{base.group(1)}.{base.group(2)}"
    return line in SUPPORTED_LINES or version in SUPPORTED_EXACT or base.group(1) in SUPPORTED_MAJOR


def is_5x(version: str) -> bool:
    return version.split(".", 1)[0] in SUPPORTED_MAJOR


def _supported_text() -> str:
    return ", ".join(
        [f"{line}.x" for line in SUPPORTED_LINES] + list(SUPPORTED_EXACT) + [f"{major}.x" for major in SUPPORTED_MAJOR]
    )


@dataclass
class Checkout:
    root: Path
    version: str
    allowed: tuple[str, ...]

    # -- validation ------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, scheme: FamilyScheme) -> Checkout:
        """Validate ``path`` as a clean git checkout of a supported transformers release."""
        root = Path(path).expanduser().resolve()
        if not root.is_dir():
            raise BadInput(f"{path} is not a directory: pass the root of a transformers checkout")
        init = root / VERSION_FILE
        match = _VERSION.search(init.read_text(encoding="utf-8")) if init.is_file() else None
        if match is None or not (root / "tests").is_dir():
            raise BadInput(
                f"{root} is not a transformers checkout: it needs {VERSION_FILE} with __version__ and a tests/ "
                "folder (git clone https://github.com/huggingface/transformers, or unpack its sdist and git init)"
            )
        version = match.group(1)
        if not supported(version):
            raise BadInput(
                f"{root} is transformers {version}; the generator knows the source of {_supported_text()}: "
                "check out the v4.57-release branch (git checkout v4.57.6)"
            )
        checkout = cls(root, version, owned_files(scheme))
        checkout._require_clean_git()
        return checkout

    def _require_clean_git(self) -> None:
        inside = self.git("rev-parse", "--is-inside-work-tree", check=False)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            why = inside.stderr.strip().splitlines()[0] if inside.stderr.strip() else "not inside a work tree"
            raise BadInput(
                f"{self.root} is not a usable git repository ({why}): run `git init && git add -A && git commit` "
                "there first"
            )
        top = Path(self.git("rev-parse", "--show-toplevel").stdout.strip()).resolve()
        if top != self.root:
            raise BadInput(f"{self.root} is inside the git repository {top}: pass the repository root")
        if self.git("rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode != 0:
            raise BadInput(f"{self.root} has no commit yet: commit the checkout first (git add -A && git commit)")
        status = self.git("status", "--porcelain", "--untracked-files=normal").stdout
        if status.strip():
            shown = "\n  ".join(status.strip().splitlines()[:10])
            raise BadInput(
                f"{self.root} has uncommitted changes; commit or stash them first (git stash -u):\n  {shown}"
            )

    # -- files -----------------------------------------------------------------------------------------

    def _path(self, relative: str) -> Path:
        if relative not in self.allowed:
            raise RuntimeError(f"refusing to touch {relative}: not one of the files the generator owns")
        return self.root / relative

    def exists(self, relative: str) -> bool:
        return self._path(relative).is_file()

    def read(self, relative: str) -> str | None:
        path = self._path(relative)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def write(self, relative: str, text: str) -> None:
        path = self._path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    # -- git -------------------------------------------------------------------------------------------

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        completed = subprocess.run(["git", "-C", str(self.root), *args], capture_output=True, text=True)
        if check and completed.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)} failed:\n{completed.stderr.strip()}")
        return completed

    def current_branch(self) -> str | None:
        branch = self.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return branch.stdout.strip() if branch.returncode == 0 else None

    def branch_exists(self, name: str) -> bool:
        return self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{name}", check=False).returncode == 0

    def require_identity(self) -> None:
        if self.git("var", "GIT_AUTHOR_IDENT", check=False).returncode != 0:
            raise BadInput(
                "git has no author identity here: set it with git config user.name '...' and "
                "git config user.email '...'"
            )

    def commit(self, branch: str, files: list[str], message: str) -> str:
        """Create ``branch`` at HEAD, commit exactly ``files`` on it, and return the new commit."""
        for relative in files:
            self._path(relative)  # only owned files are staged
        self.git("checkout", "-q", "-b", branch)
        self.git("add", "--", *files)
        self.git("commit", "-q", "-m", message, "--", *files)
        return self.git("rev-parse", "HEAD").stdout.strip()

    def format_patch(self, patch_dir: Path) -> list[Path]:
        patch_dir.mkdir(parents=True, exist_ok=True)
        out = self.git("format-patch", "-1", "HEAD", "-o", str(patch_dir)).stdout
        return [Path(line.strip()) for line in out.splitlines() if line.strip()]

    def diff_stat(self, revision: str = "HEAD~1..HEAD") -> str:
        return self.git("diff", "--stat", revision).stdout
