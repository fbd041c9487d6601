"""Run every benchmark in this folder (``*_vs_*.py``); each prints BENCH lines (DESIGN §4)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).parent
    scripts = sorted(here.glob("*_vs_*.py"))
    if not scripts:
        print("no benchmarks in", here)
        return 0
    status = 0
    for script in scripts:
        print(f"# {script.name}", flush=True)
        status |= subprocess.call([sys.executable, str(script)])
    return status


if __name__ == "__main__":
    raise SystemExit(main())
