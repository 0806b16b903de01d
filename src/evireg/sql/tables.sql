-- Internal tables, one per record part. The views in views.sql are the public contract.
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE t_studies (
    study_id VARCHAR PRIMARY KEY, file VARCHAR, first_author VARCHAR, authors VARCHAR[], year INTEGER,
    title VARCHAR, journal VARCHAR, volume VARCHAR, issue VARCHAR, pages VARCHAR, pmid VARCHAR,
    doi VARCHAR, registration VARCHAR, design VARCHAR, randomised BOOLEAN, blinding VARCHAR,
    control_type VARCHAR, prospective BOOLEAN, design_description VARCHAR,
    design_source_id VARCHAR, design_locator VARCHAR, review_discrepancy VARCHAR, country VARCHAR,
    population VARCHAR, intervention VARCHAR,
    intervention_product VARCHAR, intervention_dose VARCHAR, intervention_timing VARCHAR,
    comparator VARCHAR, notes VARCHAR
);

-- A study's value of each profile characteristic it gives, as text (the studies view casts it
-- to the characteristic's type), with where it was read when the record says.
CREATE TABLE t_characteristics (
    study_id VARCHAR, characteristic VARCHAR, "value" VARCHAR, source_id VARCHAR, locator VARCHAR,
    derivation VARCHAR
);

-- The registry's profile (evireg.yaml) as JSON: what analyses read the subgroup order, labels
-- and directions from.
CREATE TABLE t_profile (profile VARCHAR);

CREATE TABLE t_arms (
    study_id VARCHAR, arm_no INTEGER, arm_id VARCHAR, role VARCHAR, label VARCHAR,
    n_randomised INTEGER, n_randomised_source VARCHAR, n_randomised_locator VARCHAR,
    n_randomised_derivation VARCHAR, n_randomised_formula VARCHAR, n_randomised_reason VARCHAR,
    n_analysed INTEGER, n_analysed_source VARCHAR, n_analysed_locator VARCHAR,
    n_analysed_derivation VARCHAR, n_analysed_formula VARCHAR, n_analysed_reason VARCHAR
);

CREATE TABLE t_results (
    study_id VARCHAR, result_no INTEGER, alternative_no INTEGER, outcome VARCHAR,
    subgroup_variable VARCHAR, subgroup_value VARCHAR, arm_id VARCHAR, events INTEGER,
    total INTEGER, source_id VARCHAR, locator VARCHAR, derivation VARCHAR, definition VARCHAR,
    denominator VARCHAR, note VARCHAR, percent VARCHAR, events_formula VARCHAR, total_formula VARCHAR,
    -- continuous arms: the arm size, the mean and SD analysed (printed, or derived as
    -- stat_derivation says, see index/derived.py) and final values or change from baseline
    n INTEGER, mean DOUBLE, sd DOUBLE, stat_derivation VARCHAR, values_kind VARCHAR
);

-- Results given as an effect estimate (generic inverse variance): estimate and se on the analysis
-- scale (log for ratio measures), estimate_natural on the measure's own scale.
CREATE TABLE t_effects (
    study_id VARCHAR, result_no INTEGER, outcome VARCHAR, subgroup_variable VARCHAR, subgroup_value VARCHAR,
    measure VARCHAR, estimate DOUBLE, se DOUBLE, estimate_natural DOUBLE, o_minus_e DOUBLE,
    variance DOUBLE, n_treat INTEGER, n_ctrl INTEGER, adjusted_for VARCHAR, source_id VARCHAR,
    locator VARCHAR, derivation VARCHAR, definition VARCHAR, note VARCHAR
);

CREATE TABLE t_not_reported (
    study_id VARCHAR, outcome VARCHAR, subgroup_variable VARCHAR, subgroup_value VARCHAR,
    reason VARCHAR
);

-- Risk-of-bias assessments (records/rob.py): one row per study x outcome x tool x domain, the
-- domain's quotes as a list; the overall (the tool's algorithm, or the assessor's override) is
-- a row of its own with domain 'overall' (see the risk_of_bias view).
CREATE TABLE t_risk_of_bias (
    study_id VARCHAR, outcome VARCHAR, tool VARCHAR, position INTEGER, domain VARCHAR,
    domain_label VARCHAR, judgement VARCHAR, reason VARCHAR,
    quotes STRUCT(text VARCHAR, source VARCHAR, locator VARCHAR)[],
    source_id VARCHAR, locator VARCHAR, assessor VARCHAR, assessed_on DATE, overridden BOOLEAN
);

CREATE TABLE t_sources (
    owner_kind VARCHAR, owner_id VARCHAR, source_id VARCHAR, kind VARCHAR, pmid VARCHAR,
    doi VARCHAR, url VARCHAR, citation VARCHAR, accessed DATE
);

CREATE TABLE t_reviews (
    review_id VARCHAR PRIMARY KEY, file VARCHAR, first_author VARCHAR, year INTEGER,
    title VARCHAR, journal VARCHAR, pmid VARCHAR, doi VARCHAR, n_studies INTEGER,
    n_participants INTEGER, n_intervention INTEGER, n_control INTEGER, totals_source_id VARCHAR,
    totals_locator VARCHAR
);

CREATE TABLE t_review_studies (review_id VARCHAR, position INTEGER, study_id VARCHAR);

CREATE TABLE t_analyses (
    review_id VARCHAR, position INTEGER, analysis_id VARCHAR, outcome VARCHAR, subgroup_variable VARCHAR,
    measure VARCHAR, method VARCHAR, model VARCHAR, software VARCHAR, source_id VARCHAR,
    locator VARCHAR,
    -- an imported review's analysis: its number and name as printed, the CI level and tau2
    -- method it states (null: not stated, the audit infers them) and whether its subgroups were
    -- pooled with an overall
    number VARCHAR, name VARCHAR, level INTEGER, tau2_method VARCHAR, applicability VARCHAR
);

-- The study rows an analysis printed (effect, CI and percentage weight), as text exactly as printed:
-- the audit recomputes each at its printed precision.
CREATE TABLE t_printed_rows (
    review_id VARCHAR, analysis_id VARCHAR, position INTEGER, study_id VARCHAR, label VARCHAR,
    subgroup VARCHAR, estimate_text VARCHAR, ci_low_text VARCHAR, ci_high_text VARCHAR,
    weight_text VARCHAR, locator VARCHAR
);

CREATE TABLE t_claims (
    review_id VARCHAR, position INTEGER, claim_id VARCHAR, analysis_id VARCHAR, subgroup_value VARCHAR,
    estimate_text VARCHAR, ci_low_text VARCHAR, ci_high_text VARCHAR, z_text VARCHAR,
    p_text VARCHAR, k INTEGER, participants INTEGER, source_id VARCHAR, locator VARCHAR,
    chi2_text VARCHAR, i2_text VARCHAR, tau2_text VARCHAR
);

-- Harms as the sources report them: one row per harm and arm (arm_id NULL for a statement
-- without counts), and what was searched when a study records no harm.
CREATE TABLE t_harms (
    study_id VARCHAR, harm_no INTEGER, term VARCHAR, preferred_term VARCHAR, seriousness VARCHAR,
    who VARCHAR, time_frame VARCHAR, collection VARCHAR, source_id VARCHAR, locator VARCHAR,
    quote VARCHAR, note VARCHAR, arm_id VARCHAR, participants INTEGER, events INTEGER, at_risk INTEGER,
    derivation VARCHAR, reason VARCHAR
);
CREATE TABLE t_harms_not_reported (study_id VARCHAR, reason VARCHAR);

-- The profile's harm outcomes and their selectors (an empty list admits any value), read out of
-- the stored profile once rather than parsed from its JSON by every query of outcome_results.
CREATE TABLE t_harm_selectors (outcome VARCHAR, seriousness VARCHAR[], who VARCHAR[], terms VARCHAR[]);
