"""Economics: cohort Markov and partitioned survival models, PSA, DSA and decision metrics.

Models are data: a YAML file validated by :func:`load_model` (see ``examples/economics/``). The base case
runs with :func:`run_model`, the probabilistic analysis with :func:`run_psa` (vectorised across samples),
the one-way analysis with :func:`run_dsa` and a price threshold with :func:`price_threshold`. Conventions
follow heemod (state-membership correction, discounting) and dampack (ICERs, CEAC, EVPI), and reproduce
heemod's exact reproductions of the Briggs, Claxton & Sculpher (2006) textbook models.
"""

from lenvici.economics.cea import default_wtp, draw_parameters, run_model, run_psa
from lenvici.economics.correction import correct_counts
from lenvici.economics.curves import km_survival, survival
from lenvici.economics.decision import ICERRow, ICERTable, calculate_icers, ceac, ceaf, evpi, nmb
from lenvici.economics.discount import discount_factors
from lenvici.economics.dsa import DSAResult, DSARow, run_dsa
from lenvici.economics.engine import Outcomes, evaluate
from lenvici.economics.markov import cohort_trace
from lenvici.economics.model import Model, load_model
from lenvici.economics.psa import Distribution, make_distribution
from lenvici.economics.psm import partition
from lenvici.economics.results import CEAResult, PSAResult
from lenvici.economics.threshold import ThresholdResult, price_threshold

__all__ = [
    "default_wtp",
    "draw_parameters",
    "run_model",
    "run_psa",
    "correct_counts",
    "km_survival",
    "survival",
    "ICERRow",
    "ICERTable",
    "calculate_icers",
    "ceac",
    "ceaf",
    "evpi",
    "nmb",
    "discount_factors",
    "DSAResult",
    "DSARow",
    "run_dsa",
    "Outcomes",
    "evaluate",
    "cohort_trace",
    "Model",
    "load_model",
    "Distribution",
    "make_distribution",
    "partition",
    "CEAResult",
    "PSAResult",
    "ThresholdResult",
    "price_threshold",
]
