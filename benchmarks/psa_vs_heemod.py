"""PSA speed: the DMHEE total hip replacement model with 1,000 and 10,000 samples, against heemod/hesim.

heemod and hesim are on CRAN only. When ``Rscript -e 'library(heemod)'`` works, the same model (inputs of
``examples/economics/dmhee_thr.yaml``; the Weibull coefficients drawn as correlated normals through
``define_correlation``) runs in heemod side by side. Otherwise our timing is printed beside the published
anchors the issue quotes (Incerti D, Jansen JP. hesim: health economic simulation modeling and decision
analysis. arXiv:2102.09437, 2021): hesim's cohort model ran 1,000 THR PSA samples in 1.2 s and heemod in
about 2 minutes. The 10,000-sample anchors are those times scaled linearly (marked ``x10``). Nothing here
installs R packages.

Output: one line per comparison, ``BENCH name ours_s=… peer=NAME peer_s=… ratio=…`` (ratio = peer/ours).
Our time is the median of repeated runs after one warm-up run, on this machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lenvici.economics import load_model, run_psa  # noqa: E402

MODEL = ROOT / "examples" / "economics" / "dmhee_thr.yaml"
ANCHORS_1000 = {"hesim-published-2021": 1.2, "heemod-published-2021": 120.0}
GOAL_1000_S = 0.1

HEEMOD_SCRIPT = r"""
suppressMessages(library(heemod))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[1])
death_prob <- data.frame(age = rep(seq(35, 85, 10), each = 2), sex = rep(1:0, 6),
  value = c(1.51, .99, 3.93, 2.6, 10.9, 6.7, 31.6, 19.3, 80.1, 53.5, 187.9, 154.8) / 1000)
param <- define_parameters(
  age_init = 60, sex = 0, age = age_init + markov_cycle,
  omrPTHR = .02, omrRTHR = .02, rrr = .04,
  cons = -5.490935, ageC = -.0367022, maleC = .768536, lngamma = 0.3740968, lnrrNP1 = -1.344474,
  lambda = exp(cons + ageC * age_init + maleC * sex), gamma = exp(lngamma), rrNP1 = exp(lnrrNP1),
  standardRR = 1 - exp(lambda * ((markov_cycle - 1) ^ gamma - markov_cycle ^ gamma)),
  np1RR = 1 - exp(lambda * rrNP1 * ((markov_cycle - 1) ^ gamma - markov_cycle ^ gamma)),
  mr = look_up(death_prob, age = age, sex = sex, bin = "age"),
  u_successP = .85, u_revisionTHR = .30, u_successR = .75, c_revisionTHR = 5294)
states <- c("PrimaryTHR", "SuccessP", "RevisionTHR", "SuccessR", "Death")
mat_standard <- define_transition(state_names = states,
  0, C, 0, 0, omrPTHR,  0, C, standardRR, 0, mr,  0, 0, 0, C, omrRTHR + mr,
  0, 0, rrr, C, mr,  0, 0, 0, 0, 1)
mat_np1 <- define_transition(state_names = states,
  0, C, 0, 0, omrPTHR,  0, C, np1RR, 0, mr,  0, 0, 0, C, omrRTHR + mr,
  0, 0, rrr, C, mr,  0, 0, 0, 0, 1)
strat <- function(mat, c_primary) define_strategy(transition = mat,
  PrimaryTHR = define_state(utility = 0, cost = c_primary),
  SuccessP = define_state(utility = discount(u_successP, .015), cost = 0),
  RevisionTHR = define_state(utility = discount(u_revisionTHR, .015), cost = discount(c_revisionTHR, .06)),
  SuccessR = define_state(utility = discount(u_successR, .015), cost = 0),
  Death = define_state(utility = 0, cost = 0))
res <- run_model(standard = strat(mat_standard, 394), np1 = strat(mat_np1, 579), parameters = param,
  cycles = 61, cost = cost, effect = utility, method = "beginning", init = c(1, 0, 0, 0, 0))
beta_ab <- function(m, s) { k <- m * (1 - m) / s^2 - 1; c(m * k, (1 - m) * k) }
bP <- beta_ab(.85, .03); bR <- beta_ab(.30, .03); bS <- beta_ab(.75, .04)
psa <- define_psa(
  omrPTHR ~ beta(2, 98), omrRTHR ~ beta(2, 98), rrr ~ beta(4, 96),
  u_successP ~ beta(bP[1], bP[2]), u_revisionTHR ~ beta(bR[1], bR[2]), u_successR ~ beta(bS[1], bS[2]),
  c_revisionTHR ~ gamma(mean = 5294, sd = 1487),
  lngamma ~ normal(0.3740968, 0.0474501), cons ~ normal(-5.490935, 0.207892),
  ageC ~ normal(-.0367022, 0.0052112), maleC ~ normal(.768536, 0.109066),
  lnrrNP1 ~ normal(-1.344474, 0.3825815),
  correlation = define_correlation(lngamma, cons, -0.005691 / (0.0474501 * 0.207892),
                                   cons, ageC, -0.000783 / (0.207892 * 0.0052112),
                                   cons, maleC, -0.007247 / (0.207892 * 0.109066)))
elapsed <- system.time(run_psa(res, psa = psa, N = n))[["elapsed"]]
cat(sprintf("%.6f\n", elapsed))
"""


def _heemod_available() -> bool:
    try:
        r = subprocess.run(["Rscript", "-e", "library(heemod)"], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0


def _heemod_seconds(n: int) -> float | None:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(HEEMOD_SCRIPT)
        script = fh.name
    try:
        r = subprocess.run(["Rscript", script, str(n)], capture_output=True, text=True, timeout=3600)
    except (OSError, subprocess.TimeoutExpired):
        return None
    finally:
        Path(script).unlink(missing_ok=True)
    if r.returncode != 0:
        print(f"# heemod run failed: {r.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return float(r.stdout.strip().splitlines()[-1])


def ours(model, n: int, repeats: int) -> float:
    run_psa(model, n, seed=0)  # warm-up: imports, SciPy's first calls
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        run_psa(model, n, seed=i + 1)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench(name: str, ours_s: float, peer: str, peer_s: float) -> None:
    print(f"BENCH {name} ours_s={ours_s:.4f} peer={peer} peer_s={peer_s:.4g} ratio={peer_s / ours_s:.3g}", flush=True)


def main() -> int:
    model = load_model(MODEL)
    heemod = _heemod_available()
    for n, repeats in ((1000, 15), (10000, 5)):
        t = ours(model, n, repeats)
        name = f"thr_psa_{n}"
        if heemod:
            peer_s = _heemod_seconds(n)
            if peer_s is not None:
                bench(name, t, "heemod", peer_s)
        scale = n / 1000
        for peer, anchor in ANCHORS_1000.items():
            bench(name, t, peer + ("" if scale == 1 else f"-x{scale:g}"), anchor * scale)
        if n == 1000:
            status = "met" if t < GOAL_1000_S else "NOT met"
            print(f"# goal: 1,000 samples in < {GOAL_1000_S} s: {status} ({t:.4f} s)")
    if not heemod:
        print("# heemod not installed (Rscript -e 'library(heemod)' fails): published anchors only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
