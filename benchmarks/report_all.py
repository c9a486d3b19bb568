"""Wall time, CPU time and peak memory of ``init-parity report --models all`` (or any report).

The report runs as a child process (``python -m init_parity report ...``); every 0.5 s the
benchmark sums the resident memory (RSS, and PSS where the kernel gives it: shared pages counted
once) over the report's process tree, and keeps the peak. CPU time is the user + system time of the
whole tree. The load average before and after is printed: on a machine shared with other work the
wall time grows, the CPU time much less. Budget: 60 s wall and 4 GB peak RSS on 2 cores.

    python report_all.py                          # --models all, default formats, default workers
    python report_all.py --workers 1              # one process, for comparison
    python report_all.py -- --models t5,bart      # anything after -- goes to the report
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WALL_BUDGET = 60.0
MEMORY_BUDGET = 4e9
_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def process_tree(root: int) -> list[int]:
    tree, found, stack = _children(), [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(tree.get(pid, []))
    return found


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes; PSS falls back to RSS."""
    try:
        rss = int((Path(f"/proc/{pid}/statm")).read_text().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0, 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return rss, int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, rss


def cpu_seconds(pid: int, with_children: bool) -> float:
    """User + system seconds of ``pid`` (and, with_children, of the children it has waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def measure(report_args: list[str]) -> dict:
    command = [sys.executable, "-m", "init_parity", "report", *report_args]
    load_before = os.getloadavg()
    start = time.perf_counter()
    log = tempfile.TemporaryFile(mode="w+")  # a file, not a pipe: the report's long output must not block it
    child = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
    peak_rss = peak_pss = 0
    cpu_of: dict[int, float] = {}  # the last CPU time seen of each process of the tree
    while child.poll() is None:
        pids = process_tree(child.pid)
        usage = [_memory(pid) for pid in pids]
        peak_rss = max(peak_rss, sum(rss for rss, _ in usage))
        peak_pss = max(peak_pss, sum(pss for _, pss in usage))
        for pid in pids:
            try:
                cpu_of[pid] = cpu_seconds(pid, with_children=False)
            except (OSError, IndexError):
                pass
        time.sleep(0.5)
    log.seek(0)
    output = log.read()
    wall = time.perf_counter() - start
    return {
        "command": " ".join(command[1:]),
        "exit": child.returncode,
        "wall": wall,
        "cpu": sum(cpu_of.values()),
        "peak_rss": peak_rss,
        "peak_pss": peak_pss,
        "load": (load_before, os.getloadavg()),
        "output": output,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default=None, help="passed to the report (default: its own choice)")
    parser.add_argument("report_args", nargs="*", help="after --: the report's arguments (default: --models all)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="init-parity-report-all-")
    report_args = args.report_args or ["--models", "all"]
    report_args += ["--output", folder, "--quiet"]
    if args.workers:
        report_args += ["--workers", args.workers]
    result = measure(report_args)
    lines = result["output"].strip().splitlines()
    print(f"$ {result['command']}")
    print("\n".join(line for line in lines if "worker process" in line or line.startswith("judged on")))
    (before, after) = result["load"]
    print(f"load average (1 min) before {before[0]:.1f}, after {after[0]:.1f}; cores {os.cpu_count()}")
    print(f"exit code          {result['exit']}")
    print(f"wall time          {result['wall']:.1f} s   (budget {WALL_BUDGET:.0f} s: {result['wall'] <= WALL_BUDGET})")
    print(f"CPU time           {result['cpu']:.1f} s   (user + system, whole process tree)")
    print(
        f"peak RSS (sum)     {result['peak_rss'] / 1e9:.2f} GB (budget {MEMORY_BUDGET / 1e9:.0f} GB: "
        f"{result['peak_rss'] <= MEMORY_BUDGET})"
    )
    print(f"peak PSS (sum)     {result['peak_pss'] / 1e9:.2f} GB (shared pages counted once)")


if __name__ == "__main__":
    main()
