-- Reshape the staged study records (see stage_studies.sql) into the tables.
INSERT INTO t_studies BY NAME
SELECT s.id AS study_id, file, split_part(s.citation.authors[1], ' ', 1) AS first_author,
       s.citation.authors AS authors, s.citation.year AS "year", s.citation.title AS title,
       s.citation.journal AS journal, s.citation.volume AS volume, s.citation.issue AS issue,
       s.citation.pages AS pages, s.citation.pmid AS pmid, s.citation.doi AS doi,
       s.citation.registration AS registration, s.design.kind AS design,
       s.design.randomised AS randomised, s.design.blinding AS blinding,
       s.design.control_type AS control_type, s.design.prospective AS prospective,
       s.design.description AS design_description, s.design.provenance.source AS design_source_id,
       s.design.provenance.locator AS design_locator, s.design.review_discrepancy AS review_discrepancy,
       s.country AS country, s.population.description AS population,
       s.intervention.description AS intervention, s.intervention.product AS intervention_product,
       s.intervention.dose AS intervention_dose, coalesce(s.intervention.timing, 'unknown') AS intervention_timing,
       s.comparator.description AS comparator, s.notes AS notes
FROM staged;

INSERT INTO t_characteristics BY NAME
WITH c AS (SELECT s.id AS study_id, unnest(map_entries(s.characteristics)) AS e FROM staged)
SELECT study_id, e.key AS characteristic,
       CASE WHEN json_type(e.value) = 'OBJECT' THEN e.value ->> 'value' ELSE e.value ->> '$' END AS "value",
       e.value ->> 'source' AS source_id, e.value ->> 'locator' AS locator,
       e.value ->> 'derivation' AS derivation
FROM c;

INSERT INTO t_arms BY NAME
WITH a AS (SELECT s.id AS study_id, unnest(s.arms) AS arm, generate_subscripts(s.arms, 1) - 1 AS arm_no
           FROM staged)
SELECT study_id, arm_no, arm.id AS arm_id, arm.role AS "role", arm.label AS label,
       arm.n_randomised.value AS n_randomised, arm.n_randomised.source AS n_randomised_source,
       arm.n_randomised.locator AS n_randomised_locator,
       arm.n_randomised.derivation AS n_randomised_derivation,
       arm.n_randomised.formula AS n_randomised_formula, arm.n_randomised.reason AS n_randomised_reason,
       arm.n_analysed.value AS n_analysed, arm.n_analysed.source AS n_analysed_source,
       arm.n_analysed.locator AS n_analysed_locator, arm.n_analysed.derivation AS n_analysed_derivation,
       arm.n_analysed.formula AS n_analysed_formula, arm.n_analysed.reason AS n_analysed_reason
FROM a;

INSERT INTO t_results BY NAME
WITH o AS (SELECT s.id AS study_id, unnest(s.outcomes) AS o, generate_subscripts(s.outcomes, 1) - 1 AS result_no
           FROM staged),
used AS (SELECT study_id, result_no, NULL::INTEGER AS alternative_no, o, o.source AS source_id,
                o.locator AS locator, o.derivation AS derivation, o.notes AS note, unnest(o.arms) AS r
         FROM o),
alts AS (SELECT study_id, result_no, o, unnest(o.alternatives) AS alt,
                generate_subscripts(o.alternatives, 1) - 1 AS alternative_no
         FROM o),
alt_rows AS (SELECT study_id, result_no, alternative_no, o, alt.source AS source_id, alt.locator AS locator,
                    alt.derivation AS derivation, alt.note AS note, unnest(alt.arms) AS r
             FROM alts),
derived AS (SELECT study_id, x.result_no, x.arm, x.mean, x.sd, x.derivation
            FROM (SELECT s.id AS study_id, unnest(d.arms) AS x FROM staged WHERE d IS NOT NULL))
SELECT u.study_id, u.result_no, alternative_no, o.outcome AS outcome, o.subgroup.variable AS subgroup_variable,
       o.subgroup.value AS subgroup_value, r.arm AS arm_id, r.events AS events, r.total AS total,
       source_id, locator, u.derivation, o.definition AS definition, o.denominator AS denominator, note,
       r.percent AS percent, r.events_formula AS events_formula, r.total_formula AS total_formula,
       r.n AS n, x.mean AS mean, x.sd AS sd, x.derivation AS stat_derivation,
       CASE WHEN r.n IS NOT NULL THEN coalesce(o."values", 'final') END AS values_kind
FROM (SELECT * FROM used UNION ALL BY NAME SELECT * FROM alt_rows) u
LEFT JOIN derived x ON u.alternative_no IS NULL AND x.study_id = u.study_id AND x.result_no = u.result_no
                   AND x.arm = r.arm;

INSERT INTO t_effects BY NAME
WITH res AS (SELECT s.id AS study_id, unnest(s.outcomes) AS o, generate_subscripts(s.outcomes, 1) - 1 AS result_no
             FROM staged),
derived AS (SELECT study_id, x.result_no, x.estimate, x.se, x.estimate_natural, x.derivation
            FROM (SELECT s.id AS study_id, unnest(d.effects) AS x FROM staged WHERE d IS NOT NULL))
SELECT res.study_id, res.result_no, o.outcome AS outcome, o.subgroup.variable AS subgroup_variable,
       o.subgroup.value AS subgroup_value, o.effect.measure AS measure, x.estimate, x.se,
       x.estimate_natural, o.effect.o_minus_e AS o_minus_e, o.effect.variance AS variance,
       o.effect.n_treat AS n_treat, o.effect.n_ctrl AS n_ctrl, o.effect.adjusted_for AS adjusted_for,
       o.source AS source_id, o.locator AS locator,
       nullif(concat_ws('; ', o.derivation, x.derivation), '') AS derivation,
       o.definition AS definition, o.notes AS note
FROM res JOIN derived x ON x.study_id = res.study_id AND x.result_no = res.result_no
WHERE o.effect IS NOT NULL;

INSERT INTO t_not_reported BY NAME
WITH n AS (SELECT s.id AS study_id, unnest(s.not_reported) AS n FROM staged)
SELECT study_id, n.outcome AS outcome, n.subgroup.variable AS subgroup_variable,
       n.subgroup.value AS subgroup_value, n.reason AS reason
FROM n;

-- Harms: a row per harm and arm, or one row without an arm for a statement without counts.
INSERT INTO t_harms BY NAME
WITH h AS (SELECT s.id AS study_id, unnest(s.harms) AS h, generate_subscripts(s.harms, 1) - 1 AS harm_no
           FROM staged),
a AS (SELECT study_id, harm_no, h,
             unnest(CASE WHEN coalesce(len(h.arms), 0) = 0 THEN [NULL] ELSE h.arms END) AS a FROM h)
SELECT study_id, harm_no, h.term AS term, h.preferred_term AS preferred_term, h.seriousness AS seriousness,
       h.who AS who, h.time_frame AS time_frame, h.collection AS collection, h.source AS source_id,
       h.locator AS locator, h.quote AS quote, h.notes AS note, a.arm AS arm_id,
       a.participants AS participants, a.events AS events, a.at_risk AS at_risk,
       a.derivation AS derivation, a.reason AS reason
FROM a;

INSERT INTO t_harms_not_reported BY NAME
SELECT s.id AS study_id, s.harms_not_reported AS reason FROM staged WHERE s.harms_not_reported IS NOT NULL;

-- Each assessment's domains in the tool's order, then its overall: the assessor's override, else
-- the tool's algorithm (staged as "rob" with the domains' order and labels, see stage_studies.sql).
INSERT INTO t_risk_of_bias BY NAME
WITH a AS (SELECT s.id AS study_id, unnest(s.risk_of_bias) AS a FROM staged),
alg AS (SELECT s.id AS study_id, unnest(rob) AS x FROM staged WHERE rob IS NOT NULL),
d AS (SELECT study_id, a, unnest(a.domains) AS d FROM a),
labels AS (SELECT study_id, x.outcome, x.tool, unnest(x.domains) AS l FROM alg)
SELECT d.study_id, a.outcome AS outcome, a.tool AS tool, l.l.position AS position, d.domain AS domain,
       l.l.label AS domain_label, d.judgement AS judgement, d.reason AS reason, d.quotes AS quotes,
       a.source AS source_id, a.locator AS locator, a.assessor AS assessor, a.date AS assessed_on,
       NULL::BOOLEAN AS overridden
FROM d JOIN labels l ON l.study_id = d.study_id AND l.outcome = a.outcome AND l.tool = a.tool
                    AND l.l.domain = d.domain
UNION ALL BY NAME
SELECT a.study_id, a.a.outcome AS outcome, a.a.tool AS tool, 99 AS position, 'overall' AS domain,
       'Overall bias' AS domain_label, coalesce(a.a.overall, alg.x.algorithm) AS judgement,
       a.a.overall_reason AS reason, []::STRUCT(text VARCHAR, source VARCHAR, locator VARCHAR)[] AS quotes,
       a.a.source AS source_id, a.a.locator AS locator, a.a.assessor AS assessor, a.a.date AS assessed_on,
       coalesce(a.a.overall IS NOT NULL AND a.a.overall <> alg.x.algorithm, false) AS overridden
FROM a JOIN alg ON alg.study_id = a.study_id AND alg.x.outcome = a.a.outcome AND alg.x.tool = a.a.tool;

INSERT INTO t_sources BY NAME
WITH src AS (SELECT s.id AS owner_id, unnest(s.sources) AS src FROM staged)
SELECT 'study' AS owner_kind, owner_id, src.id AS source_id, src.kind AS kind, src.pmid AS pmid,
       src.doi AS doi, src.url AS url, src.citation AS citation, src.accessed AS accessed
FROM src;

DROP TABLE staged;
