"""Cohort scoring at scale: lenvici's columnar engine against a row-wise pandas implementation.

Both score the same seeded synthetic cohort (``lenvici.clinical.cohort.synthetic_cohort``: every input of
every score, in clinical units, values rounded to laboratory precision) with every available score, twice:
complete inputs (``cohort_scores``), then 1 % of cells missing and 0.1 % invalid
(``cohort_scores_1pct_missing``: the error columns get work). lenvici runs once on all ``--n`` patients
(default 10 million) of each. The
peer is the straightforward pandas code (``df.apply(score_row, axis=1)`` with plain-Python formulas,
``_rowwise_scores.py``); at about 100 µs a patient it would need hours for 10 million, so it is timed on
the first ``--peer-n`` patients (default 100,000) and its time scaled linearly to ``--n`` (row-wise code
is linear in rows; the output says so). Its results are checked against lenvici's on those rows.

Times are CPU seconds of this process (user + system, all threads), so that a shared machine's load does
not enter the comparison and "per core" means per CPU-second; wall-clock seconds are printed beside them.
Peak memory is the resident-set high-water mark while scoring (``VmHWM``, reset just before), and the
process's overall peak (``getrusage``).

Output per cohort: ``BENCH NAME ours_s=… peer=pandas-rowwise peer_s=… ratio=…`` (ratio = peer/ours), then
``#`` lines with throughput, memory, the goal checks and the agreement of the two implementations.
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402

from _rowwise_scores import score_row  # noqa: E402
from lenvici.clinical.cohort import SYNTHETIC_UNITS, score_cohort, synthetic_cohort  # noqa: E402

GOAL_PER_CORE = 1_000_000
GOAL_RATIO = 100.0


def _status(field: str) -> int | None:
    """A ``kB`` line of /proc/self/status (Linux), or None elsewhere."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.process_time() - cpu, time.perf_counter() - wall


def _peer(frame: pl.DataFrame) -> pd.DataFrame:
    data = pd.DataFrame({c: frame[c].to_numpy() if frame[c].dtype.is_numeric() else frame[c].to_list()
                         for c in frame.columns})
    units = dict(SYNTHETIC_UNITS)
    return data.apply(lambda row: score_row(row, units), axis=1, result_type="expand")


def _agreement(ours: pl.DataFrame, peer: pd.DataFrame) -> tuple[int, int, list[str]]:
    """Cells compared, cells that differ, and the columns where they differ."""
    compared = differ = 0
    columns = []
    for column in peer.columns:
        mine = ours[column].to_list()
        theirs = [None if (isinstance(v, float) and math.isnan(v)) else v for v in peer[column].tolist()]
        bad = 0
        for a, b in zip(mine, theirs):
            if a is None or b is None:
                bad += (a is None) != (b is None)
            elif isinstance(a, float) or isinstance(b, float):
                bad += not math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
            else:
                bad += a != b
        compared += len(mine)
        differ += bad
        if bad:
            columns.append(f"{column}:{bad}")
    return compared, differ, columns


#: (BENCH name, fraction of cells missing, fraction invalid).
VARIANTS = (("cohort_scores", 0.0, 0.0), ("cohort_scores_1pct_missing", 0.01, 0.001))


def run(name: str, n: int, peer_n: int, seed: int, missing: float, invalid: float) -> None:
    frame, _, gen_wall = _timed(lambda: synthetic_cohort(n, seed=seed, missing=missing, invalid=invalid))
    print(f"# {name}: {n:,} synthetic patients x {frame.width} columns ({missing:.1%} of cells missing, "
          f"{invalid:.1%} invalid), generated in {gen_wall:.1f} s", flush=True)
    score_cohort(frame.head(1000), SYNTHETIC_UNITS)  # warm-up: imports, learnt category tables
    before = _status("VmRSS")
    tracked = _reset_peak()
    result, ours_cpu, ours_wall = _timed(lambda: score_cohort(frame, SYNTHETIC_UNITS))
    peak = _status("VmHWM")
    scored = {s.score: s.scored for s in result.scores}

    peer_n = min(peer_n, n)
    sample = frame.head(peer_n)
    peer, peer_cpu, peer_wall = _timed(lambda: _peer(sample))
    scale = n / peer_n
    ratio = peer_cpu * scale / ours_cpu
    print(f"BENCH {name} ours_s={ours_cpu:.3f} peer=pandas-rowwise peer_s={peer_cpu * scale:.4g} ratio={ratio:.3g}",
          flush=True)
    per_core = n / ours_cpu
    print(f"# CPU seconds (all threads); wall: ours {ours_wall:.2f} s, pandas {peer_wall:.2f} s on {peer_n:,} rows")
    print(f"# pandas timed on the first {peer_n:,} patients and scaled linearly to {n:,} "
          f"({peer_cpu:.2f} CPU s x {scale:g}; {peer_cpu / peer_n * 1e6:.1f} us a patient)")
    print(f"# {len(result.scores)} scores ({', '.join(scored)}); rows scored per score "
          f"{min(scored.values()):,} to {max(scored.values()):,}; rows with an invalid input {result.rows_with_input_errors:,}")
    print(f"# throughput: {per_core:,.0f} patients per CPU-second (per core), {n / ours_wall:,.0f} per wall-second")
    if tracked and before is not None and peak is not None:
        print(f"# memory: RSS {before / 1e6:.2f} GB before scoring (the cohort), peak {peak / 1e6:.2f} GB while "
              f"scoring (+{(peak - before) / 1e6:.2f} GB, {result.frame.width - frame.width} output columns)")
    print(f"# goals: >= {GOAL_PER_CORE:,} patients/s/core {'met' if per_core >= GOAL_PER_CORE else 'NOT met'}; "
          f">= {GOAL_RATIO:g}x pandas {'met' if ratio >= GOAL_RATIO else 'NOT met'}")
    compared, differ, where = _agreement(result.frame.head(peer_n), peer)
    print(f"# agreement with the pandas peer on {peer_n:,} rows: {compared - differ:,} of {compared:,} cells equal"
          + (f"; differing: {', '.join(where)}" if where else ""), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="patients scored by lenvici")
    parser.add_argument("--peer-n", type=int, default=100_000, help="patients scored by the pandas peer")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    if args.n < 1 or args.peer_n < 1:
        parser.error("--n and --peer-n must be positive")
    for name, missing, invalid in VARIANTS:
        run(name, args.n, args.peer_n, args.seed, missing, invalid)
    print(f"# process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB (getrusage: "
          "generation, both runs and the pandas peer included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
