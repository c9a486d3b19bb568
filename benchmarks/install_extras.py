"""What ``pip install -e ".[all]"`` downloads and how long it takes, at two commits of this repository
(default: 1c46c59, before the ``[tf]`` extra named one TensorFlow, and the working tree).

For each commit: the tree is exported (``git archive``) to a temporary folder; ``pip install --dry-run
--report`` in a fresh venv lists every distribution ``.[all]`` resolves to; the wheels are fetched
once (``pip download --no-deps``, shared by both commits; a wheel from a local folder is measured
where it lies) and their sizes summed. With ``--time N``, N real installs of each commit into fresh
venvs, alternating (``--no-cache-dir``: each downloads what it installs), timed, and the size of the
venv's site-packages. Results in docs/install.md.

    python benchmarks/install_extras.py [--before 1c46c59] [--after WORKTREE] [--time 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def export(ref: str, folder: Path) -> Path:
    """The tree of ``ref`` (or of the working tree, for ``worktree``) in ``folder``."""
    folder.mkdir(parents=True)
    if ref == "worktree":
        files = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
        for name in files:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if (ROOT / name).is_file():
                target.write_bytes((ROOT / name).read_bytes())
        return folder
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def venv(folder: Path) -> Path:
    subprocess.run(["python3", "-m", "venv", str(folder)], check=True)
    return folder / "bin" / "pip"


def resolved(pip: Path, tree: Path, report: Path) -> dict[str, str]:
    """Distribution name -> the URL of the file pip would install for ``tree[all]``."""
    subprocess.run(
        [str(pip), "install", "-q", "--dry-run", "--ignore-installed", "--report", str(report), "-e", f"{tree}[all]"],
        check=True,
    )
    found = {}
    for item in json.loads(report.read_text())["install"]:
        url = item["download_info"]["url"]
        if not url.startswith(f"file://{tree}"):  # the project itself
            found[item["metadata"]["name"]] = url
    return found


def sizes(pip: Path, urls: dict[str, str], wheels: Path) -> dict[str, int]:
    """Bytes of each distribution's file: local files where they lie, the others downloaded once."""
    remote = {name: url for name, url in urls.items() if not url.startswith("file://")}
    missing = [f"{name} @ {url}" for name, url in remote.items() if not (wheels / _file_name(url)).is_file()]
    if missing:
        requirements = wheels / "requirements.txt"
        requirements.write_text("\n".join(missing) + "\n")
        subprocess.run(
            [str(pip), "download", "-q", "--no-deps", "-d", str(wheels), "-r", str(requirements)], check=True
        )
    return {
        name: (
            Path(urllib.parse.unquote(url[len("file://") :]))
            if url.startswith("file://")
            else wheels / _file_name(url)
        )
        .stat()
        .st_size
        for name, url in urls.items()
    }


def _file_name(url: str) -> str:
    return urllib.parse.unquote(url.rsplit("/", 1)[1])


def timed_install(tree: Path, folder: Path) -> tuple[float, int]:
    """Seconds of ``pip install -e tree[all]`` into a fresh venv, and its site-packages in MB."""
    pip = venv(folder)
    started = time.perf_counter()
    subprocess.run([str(pip), "install", "-q", "--no-cache-dir", "-e", f"{tree}[all]"], check=True)
    seconds = time.perf_counter() - started
    site = next(folder.glob("lib/python*/site-packages"))
    megabytes = int(subprocess.run(["du", "-sm", str(site)], capture_output=True, text=True).stdout.split()[0])
    return seconds, megabytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="1c46c59")
    parser.add_argument("--after", default="worktree", help="a commit, or 'worktree' (default)")
    parser.add_argument("--time", type=int, default=0, help="real installs of each, alternating (default: none)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="install-extras-") as temporary:
        work = Path(temporary)
        wheels = work / "wheels"
        wheels.mkdir()
        pip = venv(work / "venv")
        trees = {label: export(ref, work / label) for label, ref in (("before", args.before), ("after", args.after))}
        found = {label: resolved(pip, tree, work / f"{label}.json") for label, tree in trees.items()}
        measured = {label: sizes(pip, urls, wheels) for label, urls in found.items()}
        for label, by_name in measured.items():
            print(f"{label}: {len(by_name)} distributions, {sum(by_name.values()) / 1e6:.0f} MB to download")
        before, after = (set(measured[label]) for label in ("before", "after"))
        for name in sorted(before ^ after):
            side = "before only" if name in before else "after only"
            size = measured["before" if name in before else "after"][name]
            print(f"  {side}: {name} {size / 1e6:.1f} MB")
        for run in range(args.time):
            order = ("before", "after") if run % 2 == 0 else ("after", "before")
            for label in order:
                seconds, megabytes = timed_install(trees[label], work / f"venv-{label}-{run}")
                print(f"install {label} (run {run + 1}): {seconds:.0f} s, site-packages {megabytes} MB")


if __name__ == "__main__":
    main()
