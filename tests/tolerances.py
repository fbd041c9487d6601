"""One table of tolerances by kind of quantity, each with its reason."""

#: Unit conversions are exact products of published factors: only float rounding separates them.
CONVERSION = 1e-12
#: Values printed in the review with up to 2 decimals of a percentage, compared as fractions.
PRINTED_FRACTION = 1e-9
#: Medians printed in months; days converted with 30.4375 are compared to 1e-9 months.
MONTHS = 1e-9

# --- meta-analysis against R's metafor (tests/evidence/meta/test_metafor_parity.py) ---------------
#: escalc yi/vi are closed-form arithmetic on the same counts: only the order of float operations
#: differs (observed worst: 2e-16).
ESCALC_REL = 1e-9
#: Pooled estimate, SE, z/t, p, CI, PI, QE, I², H², back-transformed values: the same algorithm on the same
#: inputs, but metafor forms k×k matrices where we use a thin QR, so rounding differs (observed worst: 3e-9,
#: for I² of order 1e-3 where τ² carries the rounding).
META_REL = 1e-6
#: Absolute floor below which two values count as equal zeros (τ² = 0 fits, p-values that underflow).
META_ABS_ZERO = 1e-10
#: τ² of the closed forms (DL, HE, HS, SJ, EE): one formula, no iteration.
TAU2_CLOSED_ABS = 1e-9
#: τ² of the iterative estimators (ML, REML, EB, PM) and Q-profile bounds: we replay metafor's Fisher-scoring
#: and Brent steps exactly, so they stop at the same iterate; 1e-6 leaves room for a step that lands on
#: the other side of a stopping test by rounding.
TAU2_ITER_ABS = 1e-6
#: Where metafor's default Fisher scoring fails, our safeguarded fallback solves the score equation exactly;
#: the reference is metafor's refit with a damped step and threshold 1e-13 (``result_precise``).
FALLBACK_PRECISE_REL = 1e-6
#: Score values (ALBI, GNRI, ratios) against hand arithmetic from the published formula: only float rounding
#: (log10, unit factors) separates them.
SCORE_VALUE = 1e-9

# --- cost-effectiveness against heemod and dampack (tests/economics/) ------------------------------
#: heemod's exact DMHEE reproductions (tests/testthat/test_dmhee.R) print costs, life-years and QALYs with
#: 7-10 significant digits; we run the same arithmetic (observed worst: 6e-9 relative, the digits heemod
#: prints); the issue asks for 1e-6 relative.
HEEMOD_PARITY_REL = 1e-6
#: heemod's count and per-cycle value tables for the THR model are rounded to 8 decimals.
HEEMOD_ROUNDED_8DP_ABS = 5e-9
#: Two evaluation paths of the same arithmetic (vectorised over samples vs one sample at a time, tunnel
#: expansion vs hand-expanded states, closed-form sums): only the order of float operations differs.
SAME_ARITHMETIC_REL = 1e-10
#: dampack's ICER example uses whole-number costs and effects: ICERs are exact ratios.
ICER_EXAMPLE_REL = 1e-12
#: Monte Carlo checks of the PSA distributions (200,000 draws): means within ~5 standard errors.
MONTE_CARLO_MEAN_SE = 5.0

# --- survival (tests/survival) -----------------------------------------------------------------
#: Kaplan–Meier (estimate, Greenwood SE, CI limits, quantiles), log-rank (O, E, V, chi²) and Cox
#: (coef, SE, HR limits, log-likelihoods, LR/Wald/score statistics) against R's survival package,
#: absolute. The same formulas in double precision; R's JSON carries 15 significant digits and R's
#: coxph stops Newton–Raphson within ~1e-9 of the maximum, so 1e-6 leaves room only for rounding.
R_SURVIVAL = 1e-6
#: lifelines' parametric maximum likelihood against an independent SciPy maximisation of the same
#: log-likelihood: the maximised log-likelihoods, absolute (both optimisers stop on ~1e-10 gradients).
MLE_LOGLIK = 1e-6
#: ... and the parameter estimates, relative: near the maximum the log-likelihood is flat, so a
#: 1e-10 difference in log-likelihood moves a weakly identified parameter by ~1e-5.
MLE_PARAMETER = 1e-4
#: Round trip simulate → KM curve + numbers at risk → Guyot reconstruction → refit: the issue's
#: acceptance criteria (median in months, hazard ratio relative).
ROUND_TRIP_MEDIAN_MONTHS = 0.5
ROUND_TRIP_HR_RELATIVE = 0.05
#: Identities that hold exactly in real arithmetic (one computation against another): rounding only.
IDENTITY = 1e-9

# --- diagnostics, bias tests, permutation tests and the GLMM against metafor -----------------------------
# (tests/evidence/meta/test_diagnostics.py, test_bias.py, test_permutation.py, test_glmm.py)
#: leave1out, cumul, influence, rstandard/rstudent, regtest, ranktest and trimfill: the same closed forms and
#: the same Fisher-scoring steps as metafor on the same data, so only rounding separates them (observed worst:
#: 2e-13, for DFFITS and Cook's distance, where β̂ − β̂₍₋ᵢ₎ cancels); the issue asks for 1e-6 relative.
DIAGNOSTIC_REL = 1e-6
#: A batched path (rma_many, the stacked meta-regression fits) against separate rma fits of the same data:
#: the same steps in another order of float operations (observed worst: 1e-13).
BATCH_VS_LOOP_REL = 1e-9
#: Exact permutation p-values are ratios of counts: equal when every permuted fit falls on the same side of
#: |z_obs| − comptol as metafor's (observed: identical), so only the division's rounding is allowed.
PERMUTATION_P_ABS = 1e-12
#: The sorted exact permutation distribution of QM against metafor's: the same fits (observed worst 5e-10
#: relative, an ML fit whose Fisher scoring stops at the 1e-5 threshold).
PERMUTATION_DIST_REL = 1e-6
#: GLMM against the main fixture's rma.glmm (lme4::glmer, nAGQ = 7 as metafor passes it): glmer's default
#: optimiser stops early, while we maximise the same approximate likelihood to ~1e-10 (observed: estimate
#: 3e-6, SE 5e-6, τ² 1e-5 relative; the p-value 5e-5, as p ≈ 2e-6 magnifies the z difference ~ z²-fold).
GLMM_FIXTURE_REL = 1e-4
#: GLMM against glmer refitted with nloptwrap at tolerances ~1e-14 (metafor_diagnostics_extra.json): the
#: optimum agrees to 3e-8 (estimate) and 1.3e-7 (τ², Laplace), so 1e-6 on estimate, τ², I², H².
GLMM_TIGHT_PARAM_REL = 1e-6
#: ... while the SE (and with it z and the CI) rests on lme4's finite-difference Hessian (step 1e-4), which
#: is ~2e-6 off for the Laplace fit (ours is Richardson-extrapolated, ~1e-8).
GLMM_TIGHT_SE_REL = 1e-5
#: ... and the p-value, whose relative error is about z² times that of z (p ≈ 2e-6 here).
GLMM_TIGHT_PVAL_REL = 1e-4
#: The GLMM's heterogeneity tests: glm's IRLS replayed step for step, closed-form Wald statistic (observed
#: 6e-16).
GLMM_QE_REL = 1e-9

# --- pharmacokinetics (tests/sim/pk) -------------------------------------------------------------------------
#: Exact PK solutions (eigen/matrix exponential) against scipy's DOP853 at rtol 1e-13 on the same ODEs, integrated
#: piecewise between events: the issue asks for 1e-8 relative to the peak (observed worst: 1.2e-14).
PK_ANALYTIC_VS_ODE_REL = 1e-8
#: The two exact solvers (modal eigen-solution and matrix exponential) on the same model: rounding only
#: (observed worst: 2e-15 of the peak).
PK_SOLVER_CROSS_REL = 1e-10
#: Mass balance (dosed = in the body + eliminated, with elimination integrated independently): rounding only.
PK_MASS_BALANCE_REL = 1e-9
#: Exponential midpoint rule for a time-varying clearance with 0.25-day steps against DOP853: second order, the
#: clearance changes over ~60 days (observed: 3.5e-7 at 0.25 day, 5.6e-6 at 1 day).
PK_MIDPOINT_REL = 1e-5
#: Published simulated values printed to 3 significant figures (Tamai 2017): half a unit in the third digit is
#: up to 0.35%; 1e-2 leaves room for the rounding of the transcribed parameters.
PK_PUBLISHED_SIMULATION_REL = 1e-2
#: A typical-patient prediction against a label's population geometric mean (CV 20-55%) from a later analysis of
#: a different, larger population: 15% relative.
PK_LABEL_POPULATION_REL = 0.15
