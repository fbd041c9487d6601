"""Tolerances of the simulation tests, by kind of quantity, each with its reason."""

#: lenvici's Rodas4 at rtol 1e-7 against SciPy LSODA/BDF at rtol 1e-8 on the same right-hand side: two
#: independent integrators, each within its tolerance of the exact solution; the issue asks for 1e-4
#: relative agreement of trajectories.
VS_SCIPY_REL = 1e-4
#: Fixed-step convergence: the observed order (log2 of successive error ratios) of a 4th-order method
#: lies within 0.15 of 4 once the step is small enough for the asymptotic regime.
ORDER_SLACK = 0.15
#: Conservation identities integrated numerically at rtol 1e-9: the sum of the states drifts only by the
#: per-step error.
CONSERVATION_REL = 1e-7
#: Analytic solutions with adaptive steps at rtol 1e-8: global error a small multiple of rtol.
ANALYTIC_REL = 1e-6
#: Non-negativity: a state may undershoot zero by at most the absolute tolerance (1e-9 × scale).
NONNEG_ABS = 1e-8
#: Pre-treatment event: the located RECIST diameter matches the target to the event location tolerance.
EVENT_DIAMETER_MM = 1e-5
