-- Public views (the contract in DESIGN.md): column names and meanings are stable.
-- The /*characteristic ...*/ markers stand for one column (and one join) per characteristic of
-- the registry's profile, the column typed by the characteristic's type; index/profile_sql.py
-- fills them in when the index is built.
CREATE VIEW studies AS
SELECT s.study_id, s.first_author, s.year, s.title, s.journal, s.pmid, s.doi, s.registration, s.design,
       s.randomised, s.blinding, s.control_type, s.prospective, s.country/*characteristic columns*/,
       s.intervention_timing, s.review_discrepancy, s.file
FROM t_studies s/*characteristic joins*/;

-- Each characteristic value a study gives, with where it was read (NULL source when the record
-- gives the plain value).
CREATE VIEW study_characteristics AS
SELECT study_id, characteristic, "value", source_id, locator, derivation
FROM t_characteristics;

CREATE VIEW arms AS
SELECT study_id, arm_id, role, label, n_randomised, n_analysed,
       n_randomised_source AS randomised_source_id, n_randomised_locator AS randomised_locator,
       n_analysed_source AS analysed_source_id, n_analysed_locator AS analysed_locator
FROM t_arms;

-- The profile's harm outcomes and which harms records make them up (empty list: any value).
-- (t_harm_selectors is filled from the stored profile when it is stored: store_profile.sql)
CREATE VIEW harm_selectors AS
SELECT outcome, seriousness, who, terms FROM t_harm_selectors;

-- A study's result for a harm outcome, read from its harms records: the one harm that fits the
-- outcome's selector (two that fit would count some participants twice, so neither is used), per
-- arm with a count; a result recorded for the outcome directly comes first.
CREATE VIEW harm_matches AS
SELECT sel.outcome, h.*
FROM harm_selectors sel
JOIN t_harms h
  ON (len(sel.seriousness) = 0 OR list_contains(sel.seriousness, h.seriousness))
 AND (len(sel.who) = 0 OR list_contains(sel.who, h.who))
 AND (len(sel.terms) = 0
      OR EXISTS (SELECT 1 FROM unnest(sel.terms) AS t(term)
                 WHERE lower(t.term) IN (lower(h.term), lower(coalesce(h.preferred_term, '')))))
WHERE NOT EXISTS (SELECT 1 FROM t_results r WHERE r.study_id = h.study_id AND r.outcome = sel.outcome);

CREATE VIEW harm_results AS
WITH one AS (SELECT outcome, study_id, min(harm_no) AS harm_no FROM harm_matches
             GROUP BY outcome, study_id HAVING count(DISTINCT harm_no) = 1)
SELECT m.* FROM harm_matches m JOIN one USING (outcome, study_id, harm_no)
WHERE m.arm_id IS NOT NULL;

-- Why a study's harms records give a harm outcome no 2x2: several records fit it (counting them
-- together could count a participant twice), or the one that fits lacks an arm's count.
CREATE VIEW harm_gaps AS
WITH per AS (
    SELECT m.outcome, m.study_id, count(DISTINCT m.harm_no) AS n,
           string_agg(DISTINCT m.term, ', ' ORDER BY m.term) AS terms,
           count(DISTINCT CASE WHEN m.participants IS NOT NULL AND m.at_risk IS NOT NULL THEN a.role END) AS counted,
           string_agg(CASE WHEN m.participants IS NULL OR m.at_risk IS NULL
                           THEN coalesce(m.arm_id || ': ' || coalesce(m.reason, 'the number at risk is not reported'),
                                         'a statement without counts: "' || m.quote || '"') END, '; ') AS gaps
    FROM harm_matches m LEFT JOIN t_arms a USING (study_id, arm_id)
    GROUP BY m.outcome, m.study_id
)
SELECT study_id, outcome,
       CASE WHEN n > 1
            THEN 'several harms records fit this harm outcome (' || terms || '); participants with any of them '
                 || 'are not reported, so none is used: name the terms in the outcome''s `harm` entry of evireg.yaml'
            ELSE 'the harms record "' || terms || '" gives no count in both arms (' || gaps || ')' END AS reason
FROM per
WHERE n > 1 OR counted < 2;

CREATE VIEW outcome_results AS
SELECT r.study_id, r.outcome, r.subgroup_variable, r.subgroup_value, r.arm_id, a.role, r.events,
       r.total, r.source_id, r.locator, r.derivation, r.definition, r.denominator, r.percent,
       r.events_formula, r.total_formula, r.mean, r.sd, r.n, r.values_kind, r.stat_derivation
FROM t_results r JOIN t_arms a USING (study_id, arm_id)
WHERE r.alternative_no IS NULL
UNION ALL
SELECT h.study_id, h.outcome, NULL, NULL, h.arm_id, a.role, h.participants, h.at_risk, h.source_id,
       h.locator,
       concat('from the harms record "', h.term, '" (', h.seriousness, ', ', h.who, ')',
              '; ' || h.derivation),
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM harm_results h JOIN t_arms a USING (study_id, arm_id);

-- Harms as the sources report them: a row per adverse event and arm (no arm: a statement
-- without counts, with its quote).
CREATE VIEW adverse_events AS
SELECT h.study_id, h.arm_id AS arm, a.role, h.term, h.preferred_term, h.seriousness, h.who,
       h.participants AS participants_with_event, h.events, h.at_risk, h.time_frame, h.collection,
       h.quote, h.source_id, h.locator, h.derivation, h.reason, h.note
FROM t_harms h LEFT JOIN t_arms a USING (study_id, arm_id);

-- Values from other sources that disagree with the ones used.
CREATE VIEW alternative_results AS
SELECT r.study_id, r.outcome, r.subgroup_variable, r.subgroup_value, r.alternative_no, r.arm_id,
       a.role, r.events, r.total, r.source_id, r.locator, r.derivation, r.note
FROM t_results r JOIN t_arms a USING (study_id, arm_id)
WHERE r.alternative_no IS NOT NULL;

-- One row per intervention-versus-control pair of a result (a three-arm trial gives two rows).
CREATE VIEW two_by_two AS
SELECT t.study_id, t.outcome, t.subgroup_variable, t.subgroup_value,
       t.arm_id AS arm_treat, c.arm_id AS arm_ctrl,
       t.events AS events_treat, t.total AS total_treat,
       c.events AS events_ctrl, c.total AS total_ctrl,
       t.source_id, t.locator, coalesce(t.derivation, c.derivation) AS derivation,
       s.year, s.design, s.randomised, s.blinding, s.control_type/*characteristic columns of s*/, s.first_author
FROM outcome_results t
JOIN outcome_results c
  ON c.study_id = t.study_id AND c.outcome = t.outcome
 AND c.subgroup_variable IS NOT DISTINCT FROM t.subgroup_variable
 AND c.subgroup_value IS NOT DISTINCT FROM t.subgroup_value
 AND c.role = 'control'
JOIN studies s ON s.study_id = t.study_id
WHERE t.role = 'intervention'
  AND t.events IS NOT NULL AND t.total IS NOT NULL AND c.events IS NOT NULL AND c.total IS NOT NULL;

-- One row per intervention-versus-control pair of a continuous result, with each arm's mean and SD
-- as analysed; `derivation` says how any of them was derived from what the source printed (NULL
-- when all four were printed), together with the result's own derivation note.
CREATE VIEW continuous_results AS
SELECT t.study_id, t.outcome, t.subgroup_variable, t.subgroup_value,
       t.arm_id AS arm_treat, c.arm_id AS arm_ctrl,
       t.mean AS mean_treat, t.sd AS sd_treat, t.n AS n_treat,
       c.mean AS mean_ctrl, c.sd AS sd_ctrl, c.n AS n_ctrl, t.values_kind,
       t.source_id, t.locator,
       nullif(concat_ws('; ', coalesce(t.derivation, c.derivation), 'intervention ' || t.stat_derivation,
                        'control ' || c.stat_derivation), '') AS derivation,
       s.year, s.design, s.randomised, s.blinding, s.control_type/*characteristic columns of s*/, s.first_author
FROM outcome_results t
JOIN outcome_results c
  ON c.study_id = t.study_id AND c.outcome = t.outcome
 AND c.subgroup_variable IS NOT DISTINCT FROM t.subgroup_variable
 AND c.subgroup_value IS NOT DISTINCT FROM t.subgroup_value
 AND c.role = 'control'
JOIN studies s ON s.study_id = t.study_id
WHERE t.role = 'intervention'
  AND t.n IS NOT NULL AND t.mean IS NOT NULL AND t.sd IS NOT NULL
  AND c.n IS NOT NULL AND c.mean IS NOT NULL AND c.sd IS NOT NULL;

-- One row per result given as an effect estimate (intervention versus control). estimate and se are
-- on the analysis scale, the log scale for ratio measures (OR, RR, HR, IRR, RoM), as in the generic
-- `pool --csv` input; estimate_natural is on the measure's own scale. An O - E row has the Peto
-- log hazard ratio (O - E) / V with SE 1 / sqrt(V).
CREATE VIEW generic_results AS
SELECT e.study_id, e.outcome, e.subgroup_variable, e.subgroup_value, e.measure, e.estimate, e.se,
       e.estimate_natural, e.o_minus_e, e.variance, e.n_treat, e.n_ctrl, e.adjusted_for,
       e.source_id, e.locator, e.derivation,
       s.year, s.design, s.randomised, s.blinding, s.control_type/*characteristic columns of s*/, s.first_author
FROM t_effects e
JOIN studies s ON s.study_id = e.study_id;

-- What a study does not report: outcomes listed as not reported, arm counts given as null, and
-- outcomes a review analyses that the study file neither reports nor lists.
CREATE VIEW missing_data AS
SELECT study_id, outcome, subgroup_variable, subgroup_value, 'outcome' AS what, reason
FROM t_not_reported
UNION ALL
SELECT study_id, NULL, NULL, NULL, 'n_randomised of arm ' || arm_id, n_randomised_reason
FROM t_arms WHERE n_randomised IS NULL
UNION ALL
SELECT study_id, NULL, NULL, NULL, 'n_analysed of arm ' || arm_id, n_analysed_reason
FROM t_arms WHERE n_analysed IS NULL
UNION ALL
SELECT study_id, NULL, NULL, NULL, 'harms', reason FROM t_harms_not_reported
UNION ALL
SELECT study_id, outcome, NULL, NULL, 'outcome', reason FROM harm_gaps
UNION ALL
SELECT DISTINCT rs.study_id, an.outcome, NULL, NULL, 'outcome',
       'not recorded: the study file neither reports this outcome nor lists it as not reported'
FROM t_review_studies rs
JOIN t_analyses an USING (review_id)
JOIN t_studies s ON s.study_id = rs.study_id
WHERE NOT EXISTS (SELECT 1 FROM t_results r WHERE r.study_id = rs.study_id
                  AND r.outcome = an.outcome AND r.subgroup_variable IS NULL)
  AND NOT EXISTS (SELECT 1 FROM t_effects e WHERE e.study_id = rs.study_id
                  AND e.outcome = an.outcome AND e.subgroup_variable IS NULL)
  AND NOT EXISTS (SELECT 1 FROM harm_results h WHERE h.study_id = rs.study_id AND h.outcome = an.outcome)
  AND NOT EXISTS (SELECT 1 FROM t_not_reported n WHERE n.study_id = rs.study_id
                  AND n.outcome = an.outcome AND n.subgroup_variable IS NULL);

-- Risk of bias: one row per study x outcome x domain of each assessment (RoB 2 or ROBINS-I), in
-- the tool's order, then one row with domain 'overall' (overridden: the assessor's judgement
-- replaced the tool's algorithm; NULL on domain rows). support is the assessor's reason followed
-- by the quotes behind it; source_id and locator are the first quote's, else the assessment's.
CREATE VIEW risk_of_bias AS
SELECT study_id, outcome, tool, domain, domain_label, judgement,
       nullif(concat_ws(' ', reason, nullif(array_to_string(
           list_transform(quotes, lambda q: '“' || q.text || '” (' || q.source || ', ' || q.locator || ')'),
           ' '), '')), '') AS support,
       coalesce(quotes[1].source, source_id) AS source_id, coalesce(quotes[1].locator, locator) AS locator,
       assessor, assessed_on, overridden
FROM t_risk_of_bias
ORDER BY study_id, outcome, tool, position;

CREATE VIEW sources AS
SELECT owner_id AS study_id, source_id, kind, pmid, doi, url, citation, accessed
FROM t_sources WHERE owner_kind = 'study';

CREATE VIEW review_sources AS
SELECT owner_id AS review_id, source_id, kind, pmid, doi, url, citation, accessed
FROM t_sources WHERE owner_kind = 'review';

CREATE VIEW reviews AS
SELECT review_id, first_author, year, title, journal, pmid, doi, n_studies, n_participants,
       n_intervention, n_control, totals_source_id, totals_locator
FROM t_reviews;

CREATE VIEW review_studies AS
SELECT review_id, position, study_id FROM t_review_studies;

CREATE VIEW analyses AS
SELECT review_id, position, analysis_id, outcome, subgroup_variable, measure, method, model,
       software, source_id, locator, number, name, level, tau2_method, applicability
FROM t_analyses;

-- Each study row an imported analysis printed, as text and as numbers (null where printed empty).
CREATE VIEW printed_rows AS
SELECT review_id, analysis_id, position, study_id, label, subgroup,
       estimate_text, ci_low_text, ci_high_text, weight_text,
       TRY_CAST(estimate_text AS DOUBLE) AS estimate, TRY_CAST(ci_low_text AS DOUBLE) AS ci_low,
       TRY_CAST(ci_high_text AS DOUBLE) AS ci_high, TRY_CAST(weight_text AS DOUBLE) AS weight,
       locator
FROM t_printed_rows;

CREATE VIEW claims AS
SELECT c.review_id, c.claim_id, c.analysis_id, a.outcome, a.subgroup_variable, c.subgroup_value,
       a.measure, a.method, a.model,
       TRY_CAST(c.estimate_text AS DOUBLE) AS estimate, TRY_CAST(c.ci_low_text AS DOUBLE) AS ci_low,
       TRY_CAST(c.ci_high_text AS DOUBLE) AS ci_high, TRY_CAST(c.z_text AS DOUBLE) AS z, c.p_text,
       c.estimate_text, c.ci_low_text, c.ci_high_text, c.z_text, c.k, c.participants,
       c.source_id, c.locator, c.position, c.chi2_text, c.i2_text, c.tau2_text
FROM t_claims c LEFT JOIN t_analyses a USING (review_id, analysis_id);

-- One 2x2 per study and outcome (whole-study results; arms of the same role added together,
-- as Cochrane Handbook 23.3.4 advises for multi-arm trials).
CREATE VIEW study_outcome_2x2 AS
SELECT study_id, outcome,
       sum(events) FILTER (WHERE role = 'intervention')::BIGINT AS events_treat,
       sum(total) FILTER (WHERE role = 'intervention')::BIGINT AS total_treat,
       sum(events) FILTER (WHERE role = 'control')::BIGINT AS events_ctrl,
       sum(total) FILTER (WHERE role = 'control')::BIGINT AS total_ctrl
FROM outcome_results
WHERE subgroup_variable IS NULL AND events IS NOT NULL
GROUP BY study_id, outcome
HAVING count(*) FILTER (WHERE role = 'intervention') > 0 AND count(*) FILTER (WHERE role = 'control') > 0;

-- Mantel-Haenszel odds ratio per outcome over the whole registry, as RevMan 5 computes it:
-- 0.5 added to every cell of a study with a zero cell, studies with an empty arm or with no
-- events (or only events) in both arms left out, Robins-Breslow-Greenland variance of the log
-- odds ratio, and Cochran's Q of the studies' log odds ratios around the MH estimate.
-- tests/test_stats_kernel.py holds every column to evireg.stats.pool.
CREATE VIEW pooled_mh_or AS
WITH cells AS (
    SELECT outcome, study_id,
           events_treat AS a, total_treat - events_treat AS b,
           events_ctrl AS c, total_ctrl - events_ctrl AS d
    FROM study_outcome_2x2
), usable AS (
    SELECT * FROM cells
    WHERE a + b > 0 AND c + d > 0 AND NOT ((a = 0 AND c = 0) OR (b = 0 AND d = 0))
), corrected AS (
    SELECT outcome, study_id,
           a + cc AS a, b + cc AS b, c + cc AS c, d + cc AS d
    FROM (SELECT *, CASE WHEN least(a, b, c, d) = 0 THEN 0.5 ELSE 0.0 END AS cc FROM usable)
), terms AS (
    SELECT outcome, study_id, a * d / (a + b + c + d) AS r, b * c / (a + b + c + d) AS s,
           (a + d) / (a + b + c + d) AS p, (b + c) / (a + b + c + d) AS q,
           ln((a * d) / (b * c)) AS y, 1 / a + 1 / b + 1 / c + 1 / d AS v
    FROM corrected
), sums AS (
    -- summed in study order: a floating-point sum depends on its order, which a parallel plan
    -- would otherwise change from run to run (and an export must give the same bytes each time)
    SELECT outcome, count(*) AS k, sum(r ORDER BY study_id) AS sr, sum(s ORDER BY study_id) AS ss,
           sum(p * r ORDER BY study_id) AS spr, sum(p * s + q * r ORDER BY study_id) AS spsqr,
           sum(q * s ORDER BY study_id) AS sqs
    FROM terms GROUP BY outcome
), est AS (
    SELECT outcome, k, ln(sr / ss) AS log_or,
           sqrt(spr / (2 * sr * sr) + spsqr / (2 * sr * ss) + sqs / (2 * ss * ss)) AS se
    FROM sums WHERE sr > 0 AND ss > 0
), het AS (
    SELECT t.outcome, CASE WHEN e.k > 1 THEN sum((t.y - e.log_or) ^ 2 / t.v ORDER BY t.study_id) ELSE 0.0 END AS q
    FROM terms t JOIN est e USING (outcome) GROUP BY t.outcome, e.k
)
SELECT e.outcome, e.k, n.k_total, exp(e.log_or) AS odds_ratio, exp(e.log_or - 1.959963984540054 * e.se) AS ci_low,
       exp(e.log_or + 1.959963984540054 * e.se) AS ci_high, e.log_or, e.se, e.log_or / e.se AS z, h.q
FROM est e JOIN (SELECT outcome, count(*) AS k_total FROM study_outcome_2x2 GROUP BY outcome) n USING (outcome)
JOIN het h USING (outcome)
ORDER BY e.outcome;
