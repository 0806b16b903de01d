#!/usr/bin/env Rscript
# Golden values for the pooling engine (tests/test_pooling_golden.py).
#
# Run from the repository root:   Rscript tests/golden/generate.R
# Needs R with metafor (>= 3.8) and jsonlite.  Writes tests/golden/<fixture>.json for every
# fixtures/pooling/<fixture>.csv (2x2 tables), and tests/golden/continuous/<fixture>.json for
# every fixtures/pooling/continuous/<fixture>.csv (means/SDs/ns or estimate/SE; see the last
# section).  CI has no R: the tests read the committed JSON.
#
# Where metafor's defaults and RevMan 5 agree, the values come straight from metafor:
#   escalc()                      per-study yi/vi (add = 1/2 to = "only0": RevMan's rule)
#   rma.mh()                      MH OR/RR estimate and SE, MH RD estimate, Q, MH weights
#   rma.peto()                    Peto OR, Q, weights
#   rma(method = "EE"/"DL"/"REML"/"PM", test = "z"/"knha")   inverse-variance pooling
#   leave1out(), cumul(), regtest()                         cross-checks
# Where RevMan 5 differs from metafor's defaults the value is computed here by hand from the
# published formulas (Deeks & Higgins, "Statistical algorithms in Review Manager 5", 2010):
#   * 0.5 is added to every cell of a zero-cell table also INSIDE the MH sums (RevMan does
#     this): rma.mh(add = c(1/2, 1/2), to = c("only0", "only0")) reproduces it and the hand
#     MH sums below are checked against it.
#   * MH risk difference: RevMan's variance is Greenland & Robins (1985) J / K^2; metafor's
#     rma.mh uses the Sato-Greenland-Robins (1989) variance.  The SE is computed by hand.
#   * DerSimonian-Laird tau2 for an MH analysis: Q with inverse-variance weights around the
#     MH estimate (metafor's rma.mh QE is exactly this Q), tau2 = (Q - df) / (sum w -
#     sum w^2 / sum w) by hand; the random-effects estimate is then rma(yi, vi, tau2 = tau2).
#   * I2 = max(0, (Q - df) / Q) (Higgins & Thompson 2002) by hand: metafor's I2 for
#     REML/PM fits is tau2-based instead.  H = sqrt(Q / df) by hand.
#   * Prediction interval: Higgins, Thompson & Spiegelhalter (2009), t with k - 2 df and
#     sqrt(tau2 + SE^2), by hand (metafor 3.8's predict() uses a normal quantile).
#   * Test for subgroup differences: rma(theta_g, sei = se_g, method = "EE")$QE on the
#     subgroup pooled estimates (RevMan 5 / Borenstein & Higgins 2013).
# Iterative tau2 estimators are run with tight tolerances so that they agree with the
# Python root finders to ~1e-10 relative.

suppressMessages({
  library(metafor)
  library(jsonlite)
})

fixture_dir <- "fixtures/pooling"
out_dir <- "tests/golden"
LEVEL <- 0.95
TIGHT <- list(threshold = 1e-13, maxiter = 10000, tol = 1e-13)

read_fixture <- function(name) {
  read.csv(file.path(fixture_dir, paste0(name, ".csv")), stringsAsFactors = FALSE,
           check.names = FALSE)
}

num <- function(x) if (length(x) == 0 || is.null(x)) NA_real_ else as.numeric(x)[1]

# ---- per-study quantities ------------------------------------------------------------------

per_study <- function(d, measure, method, level = LEVEL) {
  a <- d$events_treat; n1 <- d$total_treat; c <- d$events_ctrl; n2 <- d$total_ctrl
  b <- n1 - a; dd <- n2 - c
  if (method == "Peto") {
    es <- escalc("PETO", ai = a, n1i = n1, ci = c, n2i = n2, add = 0, to = "none",
                 drop00 = TRUE)
    corrected <- rep(FALSE, nrow(d))
  } else {
    es <- escalc(measure, ai = a, n1i = n1, ci = c, n2i = n2, add = 1/2, to = "only0",
                 drop00 = (measure != "RD"))
    corrected <- !is.na(es$yi) & (a == 0 | b == 0 | c == 0 | dd == 0)
  }
  included <- !is.na(es$yi)
  s <- summary(es, level = 100 * level)
  ratio <- measure != "RD"
  tr <- if (ratio) exp else identity
  list(yi = as.numeric(es$yi), vi = as.numeric(es$vi), included = included,
       corrected = corrected, est = tr(as.numeric(es$yi)),
       lo = tr(as.numeric(s$ci.lb)), hi = tr(as.numeric(s$ci.ub)))
}

# ---- hand Mantel-Haenszel (Deeks & Higgins 2010), used for RD's SE and as a cross-check ---

mh_hand <- function(d, measure, inc) {
  a <- d$events_treat; b <- d$total_treat - a; c <- d$events_ctrl; dd <- d$total_ctrl - c
  z <- inc & (a == 0 | b == 0 | c == 0 | dd == 0)
  a <- (a + 0.5 * z)[inc]; b <- (b + 0.5 * z)[inc]
  c <- (c + 0.5 * z)[inc]; dd <- (dd + 0.5 * z)[inc]
  n1 <- a + b; n2 <- c + dd; n <- n1 + n2
  if (measure == "OR") {
    R <- a * dd / n; S <- b * c / n; P <- (a + dd) / n; Q <- (b + c) / n
    theta <- log(sum(R) / sum(S))
    v <- 0.5 * (sum(P * R) / sum(R)^2 + sum(P * S + Q * R) / (sum(R) * sum(S)) +
                  sum(Q * S) / sum(S)^2)
  } else if (measure == "RR") {
    R <- a * n2 / n; S <- c * n1 / n
    P <- (n1 * n2 * (a + c) - a * c * n) / n^2
    theta <- log(sum(R) / sum(S)); v <- sum(P) / (sum(R) * sum(S))
  } else {
    K <- sum(n1 * n2 / n)
    theta <- sum((a * n2 - c * n1) / n) / K
    J <- sum((a * b * n2^3 + c * dd * n1^3) / (n1 * n2 * n^2))
    v <- J / K^2
  }
  list(theta = theta, se = sqrt(v))
}

# metafor's weights() are named by slab (row number); put them back on the input rows and
# blank the non-estimable studies.
align_weights <- function(w, inc) {
  out <- rep(NA_real_, length(inc))
  out[as.integer(names(w))] <- as.numeric(w)
  out[!inc] <- NA_real_
  out
}

# ---- one analysis, RevMan 5 conventions ----------------------------------------------------

pool_golden <- function(d, measure, method, model, tau2_method = "DL", hksj = FALSE,
                        level = LEVEL) {
  if (nrow(d) == 0) {   # nothing to pool (e.g. leave-one-out of a single study)
    return(list(k = 0, estimate = NA, ci_low = NA, ci_high = NA, log_estimate = NA,
                se = NA, z = NA, p = NA, t_df = NA,
                heterogeneity = list(q = NA, df = 0, p = NA, i2 = NA, tau2 = NA, h = NA),
                prediction_interval = NULL, studies = list()))
  }
  ps <- per_study(d, measure, method, level)
  inc <- ps$included
  k <- sum(inc)
  yi <- ps$yi[inc]; vi <- ps$vi[inc]
  zc <- qnorm(1 - (1 - level) / 2)
  a <- d$events_treat; n1 <- d$total_treat; c <- d$events_ctrl; n2 <- d$total_ctrl
  drop <- measure != "RD"
  out <- list(k = k)

  # fixed-effect estimate of the chosen method, its SE, Q around it, fixed weights (%)
  if (method == "MH") {
    fit <- rma.mh(measure = measure, ai = a, n1i = n1, ci = c, n2i = n2,
                  add = c(1/2, 1/2), to = c("only0", "only0"), drop00 = c(drop, drop),
                  level = 100 * level, slab = seq_len(nrow(d)))
    hand <- mh_hand(d, measure, inc)
    stopifnot(isTRUE(all.equal(hand$theta, num(fit$beta), tolerance = 1e-12)))
    theta_f <- num(fit$beta)
    if (measure == "RD") {
      se_f <- hand$se            # Greenland-Robins 1985 (RevMan), not metafor's Sato SE
    } else {
      se_f <- num(fit$se)
      stopifnot(isTRUE(all.equal(hand$se, se_f, tolerance = 1e-12)))
    }
    q <- if (k > 1) num(fit$QE) else 0
    w_fixed <- align_weights(weights(fit), inc)
  } else if (method == "Peto") {
    fit <- rma.peto(ai = a, n1i = n1, ci = c, n2i = n2, level = 100 * level,
                    slab = seq_len(nrow(d)))
    theta_f <- num(fit$beta); se_f <- num(fit$se)
    q <- if (k > 1) num(fit$QE) else 0
    w_fixed <- align_weights(weights(fit), inc)   # metafor keeps V = 0 rows at 0 %
  } else {
    fit <- rma(yi, vi, method = "EE", level = 100 * level)
    theta_f <- num(fit$beta); se_f <- num(fit$se)
    q <- if (k > 1) num(fit$QE) else 0
    w_fixed <- rep(NA_real_, nrow(d)); w_fixed[inc] <- as.numeric(weights(fit))  # yi/vi: included only
  }
  df <- k - 1

  # tau2 (reported for every model; used for pooling only when random)
  if (k < 2) {
    tau2 <- 0
  } else if (tau2_method == "DL") {
    w <- 1 / vi
    tau2 <- max(0, (q - df) / (sum(w) - sum(w^2) / sum(w)))
    if (method == "IV") {   # metafor's own DL must agree when Q is around the IV estimate
      stopifnot(isTRUE(all.equal(tau2, num(rma(yi, vi, method = "DL")$tau2),
                                 tolerance = 1e-12)))
    }
  } else {
    tau2 <- num(rma(yi, vi, method = tau2_method, control = TIGHT)$tau2)
  }

  t_df <- NA
  if (model == "fixed") {
    theta <- theta_f; se <- se_f
    lo <- theta - zc * se; hi <- theta + zc * se
    stat <- theta / se; p <- 2 * pnorm(-abs(stat))
    w_pct <- w_fixed
  } else {
    use_knha <- hksj && k >= 2
    re <- rma(yi, vi, tau2 = tau2, test = if (use_knha) "knha" else "z", level = 100 * level)
    theta <- num(re$beta); se <- num(re$se)
    lo <- num(re$ci.lb); hi <- num(re$ci.ub)
    stat <- num(re$zval); p <- num(re$pval)
    if (use_knha) t_df <- k - 1
    w_pct <- rep(NA_real_, nrow(d)); w_pct[inc] <- as.numeric(weights(re))
  }

  pi_lo <- NA_real_; pi_hi <- NA_real_
  if (model == "random" && k >= 3) {
    half <- qt(1 - (1 - level) / 2, k - 2) * sqrt(tau2 + se^2)
    pi_lo <- theta - half; pi_hi <- theta + half
  }
  tr <- if (measure == "RD") identity else exp
  if (k > 1) {
    het <- list(q = q, df = df, p = pchisq(q, df, lower.tail = FALSE),
                i2 = max(0, (q - df) / q) * 100, tau2 = tau2, h = sqrt(q / df))
  } else {
    het <- list(q = 0, df = 0, p = NA, i2 = NA, tau2 = 0, h = NA)
  }
  studies <- lapply(seq_len(nrow(d)), function(i) list(
    study = d$study[i], yi = ps$yi[i], vi = ps$vi[i], estimate = ps$est[i],
    ci_low = ps$lo[i], ci_high = ps$hi[i], weight = w_pct[i],
    excluded = !ps$included[i], corrected = ps$corrected[i]))
  list(
    options = list(measure = measure, method = method, model = model,
                   tau2_method = tau2_method, hksj = hksj, level = level),
    k = k, estimate = tr(theta), ci_low = tr(lo), ci_high = tr(hi), log_estimate = theta,
    se = se, z = stat, p = p, t_df = t_df, heterogeneity = het,
    prediction_interval = if (is.na(pi_lo)) NULL else c(tr(pi_lo), tr(pi_hi)),
    studies = studies)
}

# ---- configurations --------------------------------------------------------------------------

configs <- list()
for (m in c("OR", "RR", "RD")) {
  configs <- c(configs, list(
    list(m, "MH", "fixed", "DL", FALSE),
    list(m, "MH", "random", "DL", FALSE),
    list(m, "MH", "random", "REML", FALSE),
    list(m, "MH", "random", "PM", FALSE),
    list(m, "MH", "random", "DL", TRUE),
    list(m, "IV", "fixed", "DL", FALSE),
    list(m, "IV", "random", "DL", FALSE),
    list(m, "IV", "random", "REML", FALSE),
    list(m, "IV", "random", "PM", FALSE),
    list(m, "IV", "random", "DL", TRUE),
    list(m, "IV", "random", "REML", TRUE),
    list(m, "IV", "fixed", "REML", FALSE)))
}
configs <- c(configs, list(list("OR", "Peto", "fixed", "DL", FALSE)))

subgroup_configs <- list(
  list("OR", "MH", "fixed", "DL", FALSE),
  list("RR", "MH", "fixed", "DL", FALSE),
  list("RD", "MH", "fixed", "DL", FALSE),
  list("OR", "MH", "random", "DL", FALSE),
  list("RR", "IV", "random", "REML", FALSE),
  list("OR", "Peto", "fixed", "DL", FALSE))

sens_configs <- list(
  list("OR", "MH", "fixed", "DL", FALSE),
  list("RR", "MH", "random", "DL", FALSE),
  list("RD", "MH", "fixed", "DL", FALSE),
  list("OR", "IV", "random", "REML", FALSE),
  list("OR", "Peto", "fixed", "DL", FALSE))

run_cfg <- function(d, cfg, ...) pool_golden(d, cfg[[1]], cfg[[2]], cfg[[3]], cfg[[4]],
                                              cfg[[5]], ...)
# sensitivity steps keep the pooled summary only (the per-study rows are tested elsewhere)
slim <- function(r) { r$studies <- NULL; r }

# ---- cross-checks against metafor's own sensitivity functions -------------------------------

check_leave1out <- function(d, loo, cfg) {
  a <- d$events_treat; n1 <- d$total_treat; c <- d$events_ctrl; n2 <- d$total_ctrl
  measure <- cfg[[1]]; method <- cfg[[2]]
  if (method == "MH" && cfg[[3]] == "fixed" && measure != "RD") {
    fit <- rma.mh(measure = measure, ai = a, n1i = n1, ci = c, n2i = n2,
                  add = c(1/2, 1/2), to = c("only0", "only0"), drop00 = c(TRUE, TRUE))
    l1 <- leave1out(fit)   # one row per table used in the fit
    mine <- sapply(loo, function(x) log(x$result$estimate))
    mine <- mine[per_study(d, measure, method)$included]
    stopifnot(isTRUE(all.equal(as.numeric(l1$estimate), mine, tolerance = 1e-10)))
  }
  if (method == "IV" && cfg[[3]] == "random") {
    es <- per_study(d, measure, method)
    fit <- rma(es$yi, es$vi, method = cfg[[4]], control = TIGHT)
    l1 <- leave1out(fit)
    mine <- sapply(loo, function(x) log(x$result$estimate))[es$included]
    stopifnot(isTRUE(all.equal(as.numeric(l1$estimate), mine, tolerance = 1e-7)))
  }
}

egger_golden <- function(d, measure) {
  ps <- per_study(d, measure, "IV")
  inc <- ps$included
  k <- sum(inc)
  if (k < 3) return(list(measure = measure, k = k, testable = FALSE))
  yi <- ps$yi[inc]; sei <- sqrt(ps$vi[inc])
  fit <- lm(I(yi / sei) ~ I(1 / sei))
  co <- summary(fit)$coefficients
  rt <- regtest(rma(yi, sei = sei, method = "EE"), model = "lm", predictor = "sei")
  stopifnot(isTRUE(all.equal(num(rt$zval), co[1, 3], tolerance = 1e-10)))
  list(measure = measure, k = k, testable = TRUE, intercept = co[1, 1], se = co[1, 2],
       t = co[1, 3], df = fit$df.residual, p = co[1, 4], slope = co[2, 1],
       slope_se = co[2, 2])
}

# ---- main ------------------------------------------------------------------------------------

fixtures <- sub("\\.csv$", "", list.files(fixture_dir, pattern = "\\.csv$"))
for (name in fixtures) {
  d <- read_fixture(name)
  res <- list(
    fixture = paste0(fixture_dir, "/", name, ".csv"),
    generator = "tests/golden/generate.R",
    metafor_version = as.character(packageVersion("metafor")),
    r_version = R.version.string,
    analyses = lapply(configs, function(cfg) run_cfg(d, cfg)))
  # one analysis at a non-default level
  res$analyses <- c(res$analyses, list(
    pool_golden(d, "OR", "IV", "random", "DL", FALSE, level = 0.9),
    pool_golden(d, "RR", "MH", "fixed", "DL", FALSE, level = 0.99)))

  # subgroups
  groups <- unique(d$subgroup)
  res$subgroups <- lapply(subgroup_configs, function(cfg) {
    subs <- lapply(groups, function(g) {
      r <- slim(run_cfg(d[d$subgroup == g, , drop = FALSE], cfg))
      r$name <- g
      r
    })
    est <- Filter(function(r) r$k > 0, subs)
    diff <- NULL
    if (length(est) >= 2) {
      th <- sapply(est, function(r) r$log_estimate)
      se <- sapply(est, function(r) r$se)
      fe <- rma(th, sei = se, method = "EE")
      dfq <- length(est) - 1
      diff <- list(q = num(fe$QE), df = dfq, p = num(fe$QEp),
                   i2 = max(0, (num(fe$QE) - dfq) / num(fe$QE)) * 100)
    }
    list(options = list(measure = cfg[[1]], method = cfg[[2]], model = cfg[[3]],
                        tau2_method = cfg[[4]], hksj = cfg[[5]]),
         overall = slim(run_cfg(d, cfg)), subgroups = subs, difference = diff)
  })

  # leave-one-out and cumulative (by year when available, else input order)
  ord <- if ("year" %in% names(d)) order(d$year) else seq_len(nrow(d))
  res$leave_one_out <- lapply(sens_configs, function(cfg) {
    loo <- lapply(seq_len(nrow(d)), function(i) {
      list(omitted = d$study[i], index = i - 1,
           result = slim(run_cfg(d[-i, , drop = FALSE], cfg)))
    })
    if (nrow(d) > 2) check_leave1out(d, loo, cfg)
    list(options = list(measure = cfg[[1]], method = cfg[[2]], model = cfg[[3]],
                        tau2_method = cfg[[4]], hksj = cfg[[5]]), steps = loo)
  })
  res$cumulative <- lapply(sens_configs, function(cfg) {
    steps <- lapply(seq_along(ord), function(s) {
      list(step = s, added = d$study[ord[s]], index = ord[s] - 1,
           result = slim(run_cfg(d[ord[seq_len(s)], , drop = FALSE], cfg)))
    })
    if (cfg[[2]] == "MH" && cfg[[3]] == "fixed" && cfg[[1]] == "OR" && nrow(d) > 1) {
      # metafor's cumul() on the RevMan-style MH fit must give the same estimates
      fit <- rma.mh(measure = "OR", ai = events_treat, n1i = total_treat, ci = events_ctrl,
                    n2i = total_ctrl, data = d, add = c(1/2, 1/2), to = c("only0", "only0"),
                    drop00 = c(TRUE, TRUE))
      cu <- if ("year" %in% names(d)) cumul(fit, order = d$year) else cumul(fit)
      mine <- sapply(steps, function(x) log(x$result$estimate))
      mine <- mine[!is.na(mine)]
      theirs <- as.numeric(cu$estimate)
      theirs <- theirs[!is.na(theirs)]
      stopifnot(isTRUE(all.equal(unique(theirs), unique(mine), tolerance = 1e-10)))
    }
    list(options = list(measure = cfg[[1]], method = cfg[[2]], model = cfg[[3]],
                        tau2_method = cfg[[4]], hksj = cfg[[5]]),
         order = if ("year" %in% names(d)) "year" else "input", steps = steps)
  })

  res$egger <- lapply(c("OR", "RR", "RD"), function(m) egger_golden(d, m))

  path <- file.path(out_dir, paste0(name, ".json"))
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                    pretty = FALSE), path)
  cat("wrote", path, "\n")
}

# ---- continuous and generic inverse-variance fixtures (fixtures/pooling/continuous/) --------
#
# Writes tests/golden/continuous/<fixture>.json (a subfolder: test_pooling_golden.py reads the
# 2x2 goldens of tests/golden/*.json).  Data and sources: fixtures/pooling/continuous/README.md
# (Cochrane CD007572.pub4 analyses 1.5 and 1.8 and CD015087.pub2 analyses 3.1 and 3.2, the rows
# of tests/data/cochrane/; Normand 1999 and Raudenbush 1985 as in metadat).  Checked in CI
# against the 50-digit reference instead (tests/test_reference_pooling.py), which also reads
# these files when they exist.
#   MD:   escalc("MD") (m1 - m2, sd1^2/n1 + sd2^2/n2: RevMan's formula).
#   SMD:  by hand, RevMan 5 (Deeks & Higgins 2010): Hedges' g with the approximate correction
#         1 - 3/(4N - 9) and variance 1/n1 + 1/n2 + g^2/(2(N - 3.94)).  metafor's escalc("SMD")
#         uses the exact gamma-function correction and, by default, the variance
#         1/n1 + 1/n2 + g^2/(2N), so it is only a loose cross-check here.
#   GIV:  yi = estimate, vi = se^2.
#   rma(method = "EE"/"DL"/"REML"/"PM", test = "z"/"knha" (Hartung-Knapp, not truncated),
#   level = 90/95/99) with tight tolerances; confint() for the Q-profile CI of tau2 (random
#   effects, as evireg reports it); I2 from tau2 = rma()$I2 of the tau2 fit; I2 from Q and H by
#   hand; predict() for the normal-quantile prediction interval (checked against the hand value
#   for test = "z"; by hand under HKSJ, where evireg keeps the normal quantile with the HKSJ SE)
#   and the t-based one (k - 2 df, Higgins et al. 2009) by hand, as for the 2x2 fixtures.

continuous_dir <- file.path(fixture_dir, "continuous")
continuous_out <- file.path(out_dir, "continuous")
CONT_LEVELS <- c(0.90, 0.95, 0.99)
CONT_CONFIGS <- list(   # model, tau2 method, HKSJ (tau2 is reported under fixed effects too)
  list("fixed", "DL", FALSE), list("fixed", "REML", FALSE), list("fixed", "PM", FALSE),
  list("random", "DL", FALSE), list("random", "DL", TRUE),
  list("random", "REML", FALSE), list("random", "REML", TRUE),
  list("random", "PM", FALSE), list("random", "PM", TRUE))

smd_revman <- function(d) {
  n1 <- d$n_treat; n2 <- d$n_ctrl; big_n <- n1 + n2
  s <- sqrt(((n1 - 1) * d$sd_treat^2 + (n2 - 1) * d$sd_ctrl^2) / (big_n - 2))
  g <- (d$mean_treat - d$mean_ctrl) / s * (1 - 3 / (4 * big_n - 9))
  list(yi = g, vi = 1 / n1 + 1 / n2 + g^2 / (2 * (big_n - 3.94)))
}

continuous_effects <- function(d, measure) {
  if (measure == "GIV") return(list(yi = d$estimate, vi = d$se^2))
  es <- escalc(if (measure == "MD") "MD" else "SMD", m1i = d$mean_treat, sd1i = d$sd_treat,
               n1i = d$n_treat, m2i = d$mean_ctrl, sd2i = d$sd_ctrl, n2i = d$n_ctrl)
  if (measure == "MD") return(list(yi = as.numeric(es$yi), vi = as.numeric(es$vi)))
  hand <- smd_revman(d)
  stopifnot(isTRUE(all.equal(hand$yi, as.numeric(es$yi), tolerance = 1e-3)))
  hand
}

continuous_golden <- function(yi, vi, model, tau2_method, hksj, level) {
  k <- length(yi); df <- k - 1; lv <- 100 * level
  zc <- qnorm(1 - (1 - level) / 2)
  fe <- rma(yi, vi, method = "EE", level = lv)
  q <- num(fe$QE)
  # Tolerances relative to the data's scale (MDs in days have tau2 in the hundreds, where an
  # absolute 1e-13 is below one ulp and REML's Fisher scoring could never meet it); metafor's
  # default tau2.max (100 for PM's root, max(100, 10 tau2) for confint()) is too low for them,
  # and confint()'s uniroot tolerance defaults to ~1e-4.
  scale <- var(yi) + max(vi)
  tmax <- 1e6 * k * scale
  t2fit <- rma(yi, vi, method = tau2_method, level = lv,
               control = list(threshold = 1e-14 * scale, tol = 1e-14 * scale, maxiter = 10000,
                              tau2.max = tmax))
  tau2 <- num(t2fit$tau2)
  w <- 1 / vi
  s2 <- df * sum(w) / (sum(w)^2 - sum(w^2))
  stopifnot(isTRUE(all.equal(num(t2fit$I2), 100 * tau2 / (tau2 + s2), tolerance = 1e-10)))
  t_df <- NA
  if (model == "fixed") {
    fit <- fe
  } else {
    fit <- rma(yi, vi, tau2 = tau2, test = if (hksj) "knha" else "z", level = lv)
    if (hksj) t_df <- df
  }
  theta <- num(fit$beta); se <- num(fit$se)
  het <- list(q = q, df = df, p = num(fe$QEp), i2 = max(0, (q - df) / q) * 100,
              tau2 = tau2, h = sqrt(q / df), tau2_ci = NULL, i2_tau2 = num(t2fit$I2))
  pi_t <- NULL; pi_normal <- NULL
  if (model == "random") {
    ci <- confint(t2fit, level = lv,
                  control = list(tol = 1e-15 * scale, maxiter = 10000, tau2.max = tmax))
    het$tau2_ci <- c(num(ci$random["tau^2", "ci.lb"]), num(ci$random["tau^2", "ci.ub"]))
    stopifnot(all(het$tau2_ci < tmax))   # a bound at tau2.max would mean "above the search range"
    pi_normal <- theta + c(-1, 1) * zc * sqrt(tau2 + se^2)
    if (!hksj) {
      pr <- predict(fit, level = lv)
      stopifnot(isTRUE(all.equal(c(num(pr$pi.lb), num(pr$pi.ub)), pi_normal, tolerance = 1e-10)))
    }
    if (k >= 3) pi_t <- theta + c(-1, 1) * qt(1 - (1 - level) / 2, k - 2) * sqrt(tau2 + se^2)
  }
  list(options = list(model = model, tau2_method = tau2_method, hksj = hksj, level = level),
       k = k, estimate = theta, ci_low = num(fit$ci.lb), ci_high = num(fit$ci.ub), se = se,
       z = num(fit$zval), p = num(fit$pval), t_df = t_df, heterogeneity = het,
       prediction_interval = pi_t, prediction_interval_normal = pi_normal)
}

dir.create(continuous_out, showWarnings = FALSE)
for (file in list.files(continuous_dir, pattern = "\\.csv$")) {
  name <- sub("\\.csv$", "", file)
  d <- read.csv(file.path(continuous_dir, file), stringsAsFactors = FALSE, check.names = FALSE)
  measures <- if (grepl("_generic$", name)) "GIV" else c("MD", "SMD")
  res <- list(
    fixture = file.path(continuous_dir, file),
    generator = "tests/golden/generate.R",
    metafor_version = as.character(packageVersion("metafor")),
    r_version = R.version.string,
    measures = lapply(setNames(measures, measures), function(m) {
      es <- continuous_effects(d, m)
      analyses <- list()
      for (level in CONT_LEVELS) for (cfg in CONT_CONFIGS) {
        analyses <- c(analyses, list(continuous_golden(es$yi, es$vi, cfg[[1]], cfg[[2]],
                                                       cfg[[3]], level)))
      }
      list(yi = es$yi, vi = es$vi, analyses = analyses)
    }))
  path <- file.path(continuous_out, paste0(name, ".json"))
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                    pretty = FALSE), path)
  cat("wrote", path, "\n")
}
