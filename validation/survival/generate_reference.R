# Reference numbers from R's survival package for lenvici.survival (Kaplan-Meier, log-rank, Cox).
#
# Run from the repository root:
#     Rscript validation/survival/generate_reference.R
# It writes tests/data/survival_reference.json. The Python tests read that committed file and need
# no R; R (Debian: r-base-core, r-cran-survival, r-cran-jsonlite) is needed only to regenerate it.
# See validation/survival/README.md.
#
# Every data set used is written into the JSON, so Python recomputes from exactly the same rows.
# The one random data set is drawn after its own set.seed() with R's default generators, which are
# recorded in the output.

suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
RNGkind("Mersenne-Twister", "Inversion", "Rejection")

OUT <- "tests/data/survival_reference.json"
if (!dir.exists(dirname(OUT))) dir.create(dirname(OUT), recursive = TRUE)

# ----------------------------------------------------------------------------------------------
# Data sets: one list of equal-length columns each; `time`, `event` (0 = censored, 1 = event).
# ----------------------------------------------------------------------------------------------

as_columns <- function(df) lapply(as.list(df), function(v) if (is.factor(v)) as.character(v) else v)

lung_df <- with(survival::lung, data.frame(
  time = as.numeric(time), event = as.integer(status == 2), sex = as.numeric(sex),
  age = as.numeric(age), ph_ecog = as.numeric(ph.ecog)))

vet <- survival::veteran
vet_mm <- model.matrix(~ celltype, vet)  # treatment contrasts, squamous as reference
veteran_df <- data.frame(
  time = as.numeric(vet$time), event = as.integer(vet$status), trt = as.numeric(vet$trt),
  karno = as.numeric(vet$karno), age = as.numeric(vet$age), prior = as.numeric(vet$prior),
  celltype = as.character(vet$celltype),
  celltype_smallcell = vet_mm[, "celltypesmallcell"], celltype_adeno = vet_mm[, "celltypeadeno"],
  celltype_large = vet_mm[, "celltypelarge"])

ovarian_df <- with(survival::ovarian, data.frame(
  time = as.numeric(futime), event = as.integer(fustat), rx = as.numeric(rx), age = as.numeric(age),
  resid_ds = as.numeric(resid.ds), ecog_ps = as.numeric(ecog.ps)))

aml_df <- with(survival::aml, data.frame(
  time = as.numeric(time), event = as.integer(status),
  maintained = as.numeric(x == "Maintained")))

# Six deaths and nothing else: the curve sits at exactly 0.5 between t = 3 and t = 4, which
# exercises survfit's rule of taking the midpoint of a flat stretch at the requested quantile.
flat_df <- data.frame(time = c(1, 2, 3, 4, 5, 6), event = c(1L, 1L, 1L, 1L, 1L, 1L))

# Censoring before the first event (S = 1 on the first rows), tied event and censoring times, and
# a last observation that is censored, in two groups.
edge_df <- data.frame(
  time = c(0.5, 1, 2, 2, 2, 3, 4, 5, 6, 7, 0.2, 1, 1, 2.5, 3, 3, 4.5, 6, 8, 8),
  event = c(0L, 1L, 1L, 0L, 1L, 1L, 0L, 1L, 1L, 0L, 0L, 0L, 1L, 1L, 1L, 1L, 0L, 1L, 0L, 0L),
  group = rep(c("a", "b"), each = 10))
edge_df$group_b <- as.numeric(edge_df$group == "b")

# Two arms, exponential event times (median 12 months in the control arm, HR 0.7), uniform
# administrative censoring on (6, 36) months, times rounded to 0.25 month so that ties occur.
SIM_SEED <- 20240607L
set.seed(SIM_SEED)
n_arm <- 250
arm <- rep(c(0, 1), each = n_arm)
rate <- log(2) / 12 * ifelse(arm == 1, 0.7, 1)
t_event <- rexp(2 * n_arm, rate)
t_cens <- runif(2 * n_arm, 6, 36)
sim_time <- pmax(round(pmin(t_event, t_cens) * 4) / 4, 0.25)
sim_df <- data.frame(time = sim_time, event = as.integer(t_event <= t_cens), arm = arm,
                     age = round(rnorm(2 * n_arm, 62, 9)))

datasets <- list(lung = lung_df, veteran = veteran_df, ovarian = ovarian_df, aml = aml_df,
                 flat_half = flat_df, edge = edge_df, sim = sim_df)

# ----------------------------------------------------------------------------------------------
# Kaplan-Meier: survfit() per stratum, three confidence-interval types, quantiles with CIs, and
# summary() at fixed times (the numbers-at-risk table).
# ----------------------------------------------------------------------------------------------

km_case <- function(id, data, group, conf_type, conf_int, times, probs = c(0.25, 0.5, 0.75)) {
  df <- datasets[[data]]
  f <- if (is.null(group)) Surv(time, event) ~ 1 else as.formula(paste("Surv(time, event) ~", group))
  fit <- survfit(f, data = df, conf.type = conf_type, conf.int = conf_int)
  n_strata <- if (is.null(fit$strata)) 1 else length(fit$strata)
  strata <- lapply(seq_len(n_strata), function(i) {
    fi <- if (n_strata == 1) fit else fit[i]
    label <- if (n_strata == 1) NULL else sub("^[^=]*=", "", names(fit$strata)[i])
    q <- quantile(fi, probs = probs, conf.int = TRUE)
    s <- summary(fi, times = times, extend = TRUE)
    list(
      group = label,
      time = fi$time, n_risk = fi$n.risk, n_event = fi$n.event, n_censor = fi$n.censor,
      surv = fi$surv, std_err = fi$std.err, lower = fi$lower, upper = fi$upper,
      quantiles = list(p = probs, time = unname(q$quantile), lower = unname(q$lower),
                       upper = unname(q$upper)),
      at = list(time = s$time, n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
                surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper)
    )
  })
  list(id = id, data = data, group = group, conf_type = conf_type, conf_int = conf_int,
       call = sprintf("survfit(%s, data = %s, conf.type = \"%s\", conf.int = %s)",
                      deparse(f), data, conf_type, conf_int),
       strata = strata)
}

km_specs <- list(
  list("lung", NULL, seq(0, 1000, by = 100)),
  list("lung", "sex", seq(0, 1000, by = 100)),
  list("veteran", "trt", seq(0, 1000, by = 90)),
  list("ovarian", "rx", seq(0, 1200, by = 180)),
  list("aml", "maintained", seq(0, 160, by = 12)),
  list("flat_half", NULL, c(0, 2, 3.5, 6, 7)),
  list("edge", "group", c(0, 0.5, 1, 2, 4, 8, 9)),
  list("sim", "arm", seq(0, 36, by = 3))
)
km <- list()
for (spec in km_specs) {
  for (ct in c("log", "log-log", "plain")) {
    id <- paste(spec[[1]], if (is.null(spec[[2]])) "all" else spec[[2]], ct, "95", sep = "/")
    km[[length(km) + 1]] <- km_case(id, spec[[1]], spec[[2]], ct, 0.95, spec[[3]])
  }
}
# One other confidence level, to check that the level is honoured.
km[[length(km) + 1]] <- km_case("lung/all/log/90", "lung", NULL, "log", 0.90, seq(0, 1000, by = 100))
km[[length(km) + 1]] <- km_case("sim/arm/log-log/80", "sim", "arm", "log-log", 0.80, seq(0, 36, by = 3))

# ----------------------------------------------------------------------------------------------
# Log-rank test: survdiff() with rho = 0, plain and stratified.
# ----------------------------------------------------------------------------------------------

logrank_case <- function(id, data, group, strata = NULL) {
  df <- datasets[[data]]
  rhs <- if (is.null(strata)) group else paste0(group, " + strata(", strata, ")")
  f <- as.formula(paste("Surv(time, event) ~", rhs))
  sd <- survdiff(f, data = df)
  obs <- as.matrix(sd$obs)
  exp <- as.matrix(sd$exp)
  list(id = id, data = data, group = group, strata = strata,
       call = sprintf("survdiff(%s, data = %s)", deparse(f), data),
       groups = sub("^[^=]*=", "", names(sd$n)), n = as.numeric(sd$n),
       observed = rowSums(obs), expected = rowSums(exp),
       variance = unname(sd$var), chisq = sd$chisq, df = length(sd$n) - 1,
       p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE))
}

logrank <- list(
  logrank_case("lung/sex", "lung", "sex"),
  logrank_case("veteran/trt", "veteran", "trt"),
  logrank_case("veteran/celltype", "veteran", "celltype"),
  logrank_case("ovarian/rx", "ovarian", "rx"),
  logrank_case("aml/maintained", "aml", "maintained"),
  logrank_case("sim/arm", "sim", "arm"),
  logrank_case("edge/group", "edge", "group"),
  logrank_case("veteran/trt|celltype", "veteran", "trt", strata = "celltype"),
  logrank_case("lung/sex|ph_ecog", "lung", "sex", strata = "ph_ecog"),
  logrank_case("ovarian/rx|resid_ds", "ovarian", "rx", strata = "resid_ds")
)

# ----------------------------------------------------------------------------------------------
# Cox regression: coxph(ties = "efron") with R's default control.
# ----------------------------------------------------------------------------------------------

cox_case <- function(id, data, covariates, strata = NULL, conf_int = 0.95) {
  df <- datasets[[data]]
  rhs <- paste(covariates, collapse = " + ")
  if (!is.null(strata)) rhs <- paste0(rhs, " + strata(", strata, ")")
  f <- as.formula(paste("Surv(time, event) ~", rhs))
  fit <- coxph(f, data = df, ties = "efron")
  se <- sqrt(diag(fit$var))
  z <- qnorm(1 - (1 - conf_int) / 2)
  coef <- unname(fit$coefficients)
  lrt <- 2 * (fit$loglik[2] - fit$loglik[1])
  k <- length(coef)
  se <- unname(se)
  # I(): keep length-1 vectors as JSON arrays (auto_unbox would make them scalars)
  list(id = id, data = data, covariates = I(covariates), strata = strata, conf_int = conf_int,
       call = sprintf("coxph(%s, data = %s, ties = \"efron\")", deparse(f), data),
       n = fit$n, n_event = fit$nevent, iter = fit$iter,
       coef = I(coef), se = I(se), hr = I(exp(coef)),
       hr_lower = I(exp(coef - z * se)), hr_upper = I(exp(coef + z * se)),
       z = I(coef / se), p = I(2 * pnorm(-abs(coef / se))),
       var = unname(fit$var),
       loglik_null = fit$loglik[1], loglik = fit$loglik[2],
       lr_test = list(stat = lrt, df = k, p = pchisq(lrt, k, lower.tail = FALSE)),
       wald_test = list(stat = unname(fit$wald.test), df = k,
                        p = pchisq(unname(fit$wald.test), k, lower.tail = FALSE)),
       score_test = list(stat = unname(fit$score), df = k,
                         p = pchisq(unname(fit$score), k, lower.tail = FALSE)))
}

cox <- list(
  cox_case("lung/sex", "lung", "sex"),
  cox_case("lung/age+sex+ph_ecog", "lung", c("age", "sex", "ph_ecog")),
  cox_case("veteran/trt+karno+celltype", "veteran",
           c("trt", "karno", "celltype_smallcell", "celltype_adeno", "celltype_large")),
  cox_case("veteran/trt+karno|celltype", "veteran", c("trt", "karno"), strata = "celltype"),
  cox_case("ovarian/rx+age+resid_ds", "ovarian", c("rx", "age", "resid_ds")),
  cox_case("aml/maintained", "aml", "maintained"),
  cox_case("sim/arm", "sim", "arm"),
  cox_case("edge/group_b", "edge", "group_b"),
  cox_case("sim/arm+age/90", "sim", c("arm", "age"), conf_int = 0.90)
)

doc <- list(
  generator = "validation/survival/generate_reference.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  rng_kind = RNGkind(),
  sim_seed = SIM_SEED,
  notes = paste(
    "Non-finite numbers are the strings \"NA\", \"NaN\", \"Inf\", \"-Inf\".",
    "Numbers carry 15 significant digits (jsonlite's maximum).",
    "km std_err is survfit's $std.err: the standard error of the cumulative hazard (log S);",
    "km at.std_err is summary.survfit's: the standard error of S."),
  datasets = lapply(datasets, as_columns),
  km = km, logrank = logrank, cox = cox
)

writeLines(toJSON(doc, auto_unbox = TRUE, digits = NA, na = "string", null = "null", pretty = FALSE),
           OUT)
cat("wrote", OUT, "\n")
