# Extra reference numbers from R's metafor for lenvici.evidence.meta's diagnostics, beside the main
# fixture (generate_reference.R, which this script does not touch).
#
# Run from the repository root:
#     Rscript validation/metafor/generate_diagnostics_extra.R
# It writes two files (compact JSON, full double precision):
#   tests/data/metafor_permutest.json         exact permutation tests (permutest(..., exact=TRUE)):
#                                              no randomness, so the numbers are reproducible
#   tests/data/metafor_diagnostics_extra.json  cases the main fixture lacks: trim-and-fill with k0 > 0
#                                              on both estimators, regtest predictors and model="lm",
#                                              ranktest with ties, influence under Knapp-Hartung and for
#                                              a meta-regression, rstandard with moderators, cumul in a
#                                              given order, and rma.glmm refitted with tight optimiser
#                                              settings (nAGQ = 7, metafor's default, and nAGQ = 1)
# See validation/metafor/README.md.

suppressPackageStartupMessages({
  library(metafor)
})
RNGkind("Mersenne-Twister", "Inversion", "Rejection")

# ---- minimal JSON writer (shortest of 15/16/17 significant digits that reads back exactly) ----------

arr <- function(x) structure(list(x), class = "jarr")
fmt_num <- function(x) {
  out <- rep("null", length(x))
  ok <- is.finite(x)
  if (any(ok)) {
    v <- x[ok]
    s <- sprintf("%.15g", v)
    bad <- as.numeric(s) != v
    if (any(bad)) {
      s[bad] <- sprintf("%.16g", v[bad])
      bad2 <- bad
      bad2[bad] <- as.numeric(s[bad]) != v[bad]
      if (any(bad2)) s[bad2] <- sprintf("%.17g", v[bad2])
    }
    out[ok] <- s
  }
  out
}
json_str <- function(s) paste0("\"", gsub("\"", "\\\"", gsub("\\", "\\\\", enc2utf8(as.character(s)), fixed = TRUE), fixed = TRUE), "\"")
atom_json <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  if (is.logical(x)) return(ifelse(is.na(x), "null", ifelse(x, "true", "false")))
  if (is.character(x)) return(ifelse(is.na(x), "null", json_str(x)))
  if (is.numeric(x)) return(fmt_num(as.numeric(x)))
  stop("cannot serialise type ", typeof(x))
}
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (inherits(x, "jarr")) {
    v <- x[[1]]
    if (length(v) == 0) return("[]")
    return(paste0("[", paste(atom_json(unname(v)), collapse = ","), "]"))
  }
  if (is.list(x)) {
    nm <- names(x)
    if (is.null(nm)) return(paste0("[", paste(vapply(x, to_json, ""), collapse = ","), "]"))
    parts <- vapply(seq_along(x), function(i) paste0(json_str(nm[i]), ":", to_json(x[[i]])), "")
    return(paste0("{", paste(parts, collapse = ","), "}"))
  }
  x <- unname(x)
  if (length(x) == 1) return(atom_json(x))
  if (length(x) == 0) return("[]")
  paste0("[", paste(atom_json(x), collapse = ","), "]")
}
v <- function(x) arr(as.numeric(x))

generator <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  metafor = as.character(packageVersion("metafor")),
  lme4 = as.character(packageVersion("lme4")),
  metadat = as.character(packageVersion("metadat")),
  script = "validation/metafor/generate_diagnostics_extra.R",
  date = format(Sys.time(), "%Y-%m-%dT%H:%M:%SZ", tz = "UTC")
)

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)

# ---- exact permutation tests ------------------------------------------------------------------------

perm_case <- function(id, dat, mods, method, test, note) {
  res <- if (is.null(mods)) {
    rma(yi, vi, data = dat, method = method, test = test)
  } else {
    rma(yi, vi, mods = mods, data = dat, method = method, test = test)
  }
  pt <- suppressWarnings(permutest(res, exact = TRUE, progbar = FALSE))
  list(
    id = id, note = note, method = method, test = test,
    yi = v(dat$yi), vi = v(dat$vi),
    mods = if (is.null(mods)) NULL else lapply(as.list(as.data.frame(model.matrix(mods, data = dat))[-1]), v),
    coef_names = arr(rownames(res$beta)), btt = v(res$btt),
    beta = v(res$beta), se = v(res$se), zval = v(res$zval), QM = res$QM, QMdf = v(res$QMdf),
    pval = v(pt$pval), QMp = pt$QMp, exact_iter = pt$exact.iter, iter = length(pt$QM.perm),
    n_failed = sum(is.na(pt$QM.perm)),
    QM_perm_sorted = v(sort(pt$QM.perm))
  )
}

b8 <- bcg[1:8, ]
b7 <- bcg[1:7, ]
b6 <- bcg[1:6, ]
perm <- list(
  perm_case("bcg/REML/z", bcg, NULL, "REML", "z", "all 13 studies: 2^13 = 8192 sign flips"),
  perm_case("bcg/DL/knha", bcg, NULL, "DL", "knha", "all 13 studies, Knapp-Hartung"),
  perm_case("bcg1-8/EE/z", b8, NULL, "EE", "z", "studies 1-8, equal-effects model: 256 sign flips"),
  perm_case("bcg1-8/PM/knha", b8, NULL, "PM", "knha", "studies 1-8, Paule-Mandel, Knapp-Hartung"),
  perm_case("bcg1-7~ablat/REML/z", b7, ~ ablat, "REML", "z",
    "studies 1-7, mods = ~ ablat (two studies share ablat = 44): 7!/2! = 2520 distinct permutations"),
  perm_case("bcg1-7~ablat/DL/knha", b7, ~ ablat, "DL", "knha", "as above, DL with Knapp-Hartung (QM is F)"),
  perm_case("bcg1-6~ablat+year/ML/z", b6, ~ ablat + year, "ML", "z",
    "studies 1-6, two moderators: 6! = 720 permutations of the rows")
)
names(perm) <- vapply(perm, function(p) p$id, "")

writeLines(to_json(list(generator = generator, permutest = perm,
  note = "permutest(res, exact = TRUE): p-values count |z_perm| >= |z| - sqrt(.Machine$double.eps) over all sign flips (intercept-only) or all distinct row permutations of the model matrix (moderators)")),
  "tests/data/metafor_permutest.json", useBytes = TRUE)

# ---- further diagnostics ------------------------------------------------------------------------------

hack <- dat.hackshaw1998
tf_case <- function(res, estimator, side = NULL) {
  tf <- if (is.null(side)) trimfill(res, estimator = estimator) else trimfill(res, estimator = estimator, side = side)
  list(estimator = estimator, side_arg = side, k0 = tf$k0, se_k0 = tf$se.k0, side = tf$side,
    p_k0 = if (is.null(tf$p.k0)) NULL else tf$p.k0, test = tf$test,
    estimate = c(tf$beta)[1], se = tf$se[1], zval = tf$zval[1], pval = tf$pval[1],
    ci_lb = tf$ci.lb[1], ci_ub = tf$ci.ub[1], tau2 = tf$tau2, I2 = tf$I2, QE = tf$QE,
    yi = v(tf$yi), vi = v(tf$vi), fill = arr(tf$fill))
}
r_hack <- rma(yi, vi, data = hack, method = "REML")
r_hack_dl <- rma(yi, vi, data = hack, method = "DL", test = "knha")
trimfill_cases <- list(
  "hackshaw/REML/z/L0" = tf_case(r_hack, "L0"),
  "hackshaw/REML/z/R0" = tf_case(r_hack, "R0"),
  "hackshaw/DL/knha/L0" = tf_case(r_hack_dl, "L0"),
  "hackshaw/REML/z/L0/side=right" = tf_case(r_hack, "L0", "right"),
  "bcg/DL/knha/R0" = tf_case(rma(yi, vi, data = bcg, method = "DL", test = "knha"), "R0")
)

reg_case <- function(res, model, predictor, ni = NULL) {
  rg <- if (is.null(ni)) regtest(res, model = model, predictor = predictor) else regtest(res, model = model, predictor = predictor, ni = ni)
  list(model = model, predictor = predictor, zval = rg$zval, pval = rg$pval,
    ddf = if (is.null(rg$ddf) || is.na(rg$ddf)) NULL else rg$ddf,
    est = if (is.null(rg$est)) NULL else unname(rg$est),
    ci_lb = if (is.null(rg$ci.lb)) NULL else unname(rg$ci.lb),
    ci_ub = if (is.null(rg$ci.ub)) NULL else unname(rg$ci.ub),
    fit_b = v(coef(rg$fit)))
}
bcg_n <- with(dat.bcg, tpos + tneg + cpos + cneg)
r_bcg <- rma(yi, vi, data = bcg, method = "REML")
regtest_cases <- list(
  "hackshaw/REML/rma/sei" = reg_case(r_hack, "rma", "sei"),
  "hackshaw/REML/lm/sei" = reg_case(r_hack, "lm", "sei"),
  "bcg/REML/rma/vi" = reg_case(r_bcg, "rma", "vi"),
  "bcg/REML/rma/ninv" = reg_case(r_bcg, "rma", "ninv", ni = bcg_n),
  "bcg/REML/rma/sqrtninv" = reg_case(r_bcg, "rma", "sqrtninv", ni = bcg_n),
  "bcg/REML/rma/ni" = reg_case(r_bcg, "rma", "ni", ni = bcg_n),
  "bcg/DL-knha/rma/sei" = reg_case(rma(yi, vi, data = bcg, method = "DL", test = "knha"), "rma", "sei"),
  "bcg/REML/lm/sqrtninv" = reg_case(r_bcg, "lm", "sqrtninv", ni = bcg_n)
)

rk_hack <- withCallingHandlers(ranktest(r_hack), warning = function(w) invokeRestart("muffleWarning"))
rk_hack_msg <- tryCatch({ranktest(r_hack); NULL}, warning = function(w) conditionMessage(w))
vi_ties <- round(hack$vi, 2)  # coarse sampling variances: ties, so cor.test falls back to the normal approximation
rk_ties <- suppressWarnings(ranktest(hack$yi, vi_ties))
rk_ties_msg <- tryCatch({ranktest(hack$yi, vi_ties); NULL}, warning = function(w) conditionMessage(w))
ranktest_cases <- list(
  "hackshaw" = list(tau = unname(rk_hack$tau), pval = rk_hack$pval, warning = rk_hack_msg),
  "hackshaw/vi rounded to 2 decimals" = list(yi = v(hack$yi), vi = v(vi_ties), tau = unname(rk_ties$tau),
    pval = rk_ties$pval, warning = rk_ties_msg),
  "bcg1-8" = list(tau = unname(ranktest(bcg$yi[1:8], bcg$vi[1:8])$tau), pval = ranktest(bcg$yi[1:8], bcg$vi[1:8])$pval, warning = NULL)
)

infl_out <- function(res) {
  inf <- influence(res)
  list(rstudent = v(inf$inf$rstudent), dffits = v(inf$inf$dffits), cook.d = v(inf$inf$cook.d),
    cov.r = v(inf$inf$cov.r), tau2.del = v(inf$inf$tau2.del), QE.del = v(inf$inf$QE.del),
    hat = v(inf$inf$hat), weight = v(inf$inf$weight), inf = arr(as.logical(inf$is.infl)),
    dfbs = lapply(unclass(inf$dfbs)[seq_len(res$p)], v))
}
rs_out <- function(x) list(resid = v(x$resid), se = v(x$se), z = v(x$z))
r_knha <- rma(yi, vi, data = bcg, method = "REML", test = "knha")
r_mod <- rma(yi, vi, mods = ~ ablat, data = bcg, method = "REML")
r_mod_knha <- rma(yi, vi, mods = ~ ablat, data = bcg, method = "DL", test = "knha")
influence_cases <- list(
  "bcg/REML/knha" = c(list(mods = NULL), infl_out(r_knha), list(rstudent_full = rs_out(rstudent(r_knha)), rstandard = rs_out(rstandard(r_knha)))),
  "bcg~ablat/REML/z" = c(list(mods = "ablat"), infl_out(r_mod), list(rstudent_full = rs_out(rstudent(r_mod)), rstandard = rs_out(rstandard(r_mod)))),
  "bcg~ablat/DL/knha" = c(list(mods = "ablat"), infl_out(r_mod_knha), list(rstudent_full = rs_out(rstudent(r_mod_knha)), rstandard = rs_out(rstandard(r_mod_knha))))
)

cu_year <- cumul(r_bcg, order = dat.bcg$year)
cu_knha <- cumul(r_knha, order = dat.bcg$ablat, decreasing = TRUE)
cu_out <- function(cu) list(estimate = v(cu$estimate), se = v(cu$se), zval = v(if (is.null(cu$zval)) cu$tval else cu$zval),
  pval = v(cu$pvals), ci_lb = v(cu$ci.lb), ci_ub = v(cu$ci.ub), QE = v(cu$Q), QEp = v(cu$Qp), tau2 = v(cu$tau2),
  I2 = v(cu$I2), H2 = v(cu$H2), slab = arr(as.character(cu$slab)))
l1_knha <- leave1out(r_knha)
cumul_cases <- list(
  "bcg/REML/z/order=year" = c(list(order = v(dat.bcg$year), decreasing = FALSE), cu_out(cu_year)),
  "bcg/REML/knha/order=ablat,decreasing" = c(list(order = v(dat.bcg$ablat), decreasing = TRUE), cu_out(cu_knha))
)
leave1out_cases <- list(
  "bcg/REML/knha" = list(estimate = v(l1_knha$estimate), se = v(l1_knha$se), zval = v(l1_knha$tval),
    pval = v(l1_knha$pval), ci_lb = v(l1_knha$ci.lb), ci_ub = v(l1_knha$ci.ub), QE = v(l1_knha$Q),
    QEp = v(l1_knha$Qp), tau2 = v(l1_knha$tau2), I2 = v(l1_knha$I2), H2 = v(l1_knha$H2))
)

glmm_one <- function(nAGQ, ctrl) {
  g <- if (is.null(ctrl)) rma.glmm(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997, method = "ML", nAGQ = nAGQ)
       else rma.glmm(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997, method = "ML", nAGQ = nAGQ, control = ctrl)
  list(nAGQ = nAGQ, tight = !is.null(ctrl), estimate = c(g$beta)[1], se = g$se[1], zval = g$zval[1], pval = g$pval[1],
    ci_lb = g$ci.lb[1], ci_ub = g$ci.ub[1], tau2 = g$tau2, I2 = g$I2, H2 = g$H2,
    QE_Wld = g$QE.Wld, QEp_Wld = g$QEp.Wld, QE_LRT = g$QE.LRT, QEp_LRT = g$QEp.LRT,
    ll = c(logLik(g)))
}
tight <- list(glmerCtrl = list(optimizer = "nloptwrap", tolPwrss = 1e-12,
  optCtrl = list(xtol_abs = 1e-14, ftol_abs = 1e-16, ftol_rel = 1e-16, xtol_rel = 1e-14, maxeval = 1e5)))
glmm_cases <- list(
  "pritz1997/nAGQ7/tight" = glmm_one(7, tight),
  "pritz1997/nAGQ1/tight" = glmm_one(1, tight),
  "pritz1997/nAGQ1/default" = glmm_one(1, NULL),
  note = "metafor's rma.glmm defaults to nAGQ = 7 (adaptive Gauss-Hermite); glmer's default optimiser stops early, so these refits with nloptwrap at tolerances ~1e-14 locate the optimum of the same approximate likelihood"
)

extra <- list(
  generator = generator,
  data = list(
    hackshaw1998 = list(yi = v(hack$yi), vi = v(hack$vi), source = "metadat dat.hackshaw1998 (yi, vi: log odds ratios)"),
    bcg = list(yi = v(bcg$yi), vi = v(bcg$vi), ablat = v(dat.bcg$ablat), year = v(dat.bcg$year), ni = v(bcg_n),
      source = "dat.bcg, escalc('RR'); ni = tpos + tneg + cpos + cneg")),
  trimfill = trimfill_cases, regtest = regtest_cases, ranktest = ranktest_cases,
  influence = influence_cases, cumul = cumul_cases, leave1out = leave1out_cases, glmm = glmm_cases
)
writeLines(to_json(extra), "tests/data/metafor_diagnostics_extra.json", useBytes = TRUE)
message("wrote tests/data/metafor_permutest.json and tests/data/metafor_diagnostics_extra.json")
