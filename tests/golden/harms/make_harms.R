#!/usr/bin/env Rscript
# Golden values for a harm outcome pooled from studies' harms records
# (tests/test_harms_pooling.py).
#
# Run from the repository root:   Rscript tests/golden/harms/make_harms.R
# Needs R with metafor (>= 3.8), yaml and jsonlite.  Reads the synthetic registry
# fixtures/registries/harms/ (its profile's harm outcome `serious_adverse_event` selects the
# harms with seriousness "serious"), builds per study the 2x2 table (participants with the
# event over those at risk, per arm) from the one harm that fits, and writes
# tests/golden/harms/harms.json.  CI has no R: the test reads the committed JSON.
#
# Analyses (fixed effect, 95%):
#   * Peto odds ratio:  rma.peto(ai, n1i, ci, n2i).  A study with no events in either arm
#     has O - E = 0 and V = 0, so it changes neither the estimate nor Q; metafor still counts
#     it in k (k = 4, k.yi = 3, weight 0 %), RevMan 5 and evireg list it as "Not estimable"
#     and leave it out of k (both k's are written).
#   * Mantel-Haenszel risk ratio, RevMan 5's rules: a double-zero study is dropped and 0.5 is
#     added to every cell of a study with a zero cell also INSIDE the MH sums:
#       rma.mh(measure = "RR", add = c(1/2, 1/2), to = c("only0", "only0"),
#              drop00 = c(TRUE, TRUE))
#     (as tests/golden/generate.R does).  metafor's default rma.mh (no correction inside the
#     sums) is written too, under "mh_rr_metafor_default", to show that the convention matters
#     for this data (one study has a zero cell).
# I2 = max(0, (Q - df) / Q) * 100 with df = k.yi - 1 (metafor's I2 for rma.peto/rma.mh is this).

suppressMessages({
  library(metafor)
  library(yaml)
  library(jsonlite)
})

registry <- "fixtures/registries/harms"
out_path <- "tests/golden/harms/harms.json"
LEVEL <- 0.95

num <- function(x) if (length(x) == 0 || is.null(x)) NA_real_ else as.numeric(x)[1]

# ---- the 2x2 tables, read from the registry's records as evireg reads them ------------------

profile <- yaml::read_yaml(file.path(registry, "evireg.yaml"))
outcome <- Filter(function(o) identical(o$id, "serious_adverse_event"), profile$outcomes)[[1]]
want <- unlist(outcome$harm$seriousness)

rows <- list()
for (f in sort(list.files(file.path(registry, "studies"), pattern = "\\.yaml$", full.names = TRUE))) {
  s <- yaml::read_yaml(f)
  role <- setNames(sapply(s$arms, `[[`, "role"), sapply(s$arms, `[[`, "id"))
  fits <- Filter(function(h) h$seriousness %in% want && length(h$arms) > 0, s$harms)
  if (length(fits) != 1) next  # none, or two that would count participants twice
  h <- fits[[1]]
  by_role <- list()
  for (a in h$arms) by_role[[role[[a$arm]]]] <- a
  t <- by_role$intervention; c <- by_role$control
  rows[[length(rows) + 1]] <- data.frame(
    study = s$id, term = h$term, events_treat = t$participants, total_treat = t$at_risk,
    events_ctrl = c$participants, total_ctrl = c$at_risk, stringsAsFactors = FALSE)
}
d <- do.call(rbind, rows)
print(d)

a <- d$events_treat; n1 <- d$total_treat; cc <- d$events_ctrl; n2 <- d$total_ctrl
double_zero <- d$study[a == 0 & cc == 0]

# ---- the analyses --------------------------------------------------------------------------

summarise <- function(fit, weights_pct) {
  q <- num(fit$QE); df <- fit$k.yi - 1
  list(k = fit$k, k_yi = fit$k.yi,
       estimate = exp(num(fit$beta)), ci_low = exp(num(fit$ci.lb)), ci_high = exp(num(fit$ci.ub)),
       log_estimate = num(fit$beta), se = num(fit$se), z = num(fit$zval), p = num(fit$pval),
       heterogeneity = list(q = q, df = df, p = num(fit$QEp), i2 = max(0, (q - df) / q) * 100,
                            i2_metafor = num(fit$I2)),
       weights = as.list(setNames(as.numeric(weights_pct), d$study)))
}

peto <- rma.peto(ai = a, n1i = n1, ci = cc, n2i = n2, level = 100 * LEVEL)
stopifnot(isTRUE(all.equal(num(peto$I2), max(0, (num(peto$QE) - (peto$k.yi - 1)) / num(peto$QE)) * 100)))

mh <- rma.mh(measure = "RR", ai = a, n1i = n1, ci = cc, n2i = n2, add = c(1/2, 1/2),
             to = c("only0", "only0"), drop00 = c(TRUE, TRUE), level = 100 * LEVEL)
w_mh <- rep(NA_real_, nrow(d)); w_mh[!(d$study %in% double_zero)] <- weights(mh)

mh_default <- rma.mh(measure = "RR", ai = a, n1i = n1, ci = cc, n2i = n2, level = 100 * LEVEL)

# the double-zero study changes nothing in the Peto analysis: the same fit without it
peto_without <- rma.peto(ai = a, n1i = n1, ci = cc, n2i = n2, level = 100 * LEVEL,
                         subset = !(d$study %in% double_zero))
stopifnot(isTRUE(all.equal(num(peto$beta), num(peto_without$beta), tolerance = 1e-12)))
stopifnot(isTRUE(all.equal(num(peto$QE), num(peto_without$QE), tolerance = 1e-12)))

res <- list(
  registry = registry,
  outcome = "serious_adverse_event",
  generator = "tests/golden/harms/make_harms.R",
  metafor_version = as.character(packageVersion("metafor")),
  r_version = R.version.string,
  level = LEVEL,
  tables = d,
  double_zero = I(double_zero),
  peto_or = summarise(peto, weights(peto)),
  mh_rr = summarise(mh, w_mh),
  mh_rr_metafor_default = summarise(mh_default, weights(mh_default)))

writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  dataframe = "rows", pretty = TRUE), out_path)
cat("wrote", out_path, "\n")
