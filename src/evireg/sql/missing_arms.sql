-- Arm sizes the registry knows for a review's included studies, per study and arm role: randomised
-- and analysed (NULL unless every arm of the role has one), and the fewest participants any
-- whole-study outcome result of the study counts; with the totals the review prints. What the
-- studies without data would have to show (review/missing.py) needs an upper bound on how many
-- participants those studies can hold: the printed totals minus the fewest the others counted.
WITH inc AS (
    SELECT study_id FROM review_studies WHERE review_id = $review
), arm_n AS (
    SELECT study_id, role,
           CASE WHEN count(*) = count(n_randomised) THEN sum(n_randomised) END AS randomised,
           CASE WHEN count(*) = count(n_analysed) THEN sum(n_analysed) END AS analysed
    FROM arms
    WHERE study_id IN (SELECT study_id FROM inc) AND role IN ('intervention', 'control')
    GROUP BY study_id, role
), per_outcome AS (
    SELECT study_id, role, outcome, sum(coalesce(total, n)) AS counted
    FROM outcome_results
    WHERE study_id IN (SELECT study_id FROM inc) AND subgroup_variable IS NULL
    GROUP BY study_id, role, outcome
), counted AS (
    SELECT study_id, role, min(counted) AS fewest_counted FROM per_outcome GROUP BY study_id, role
)
SELECT a.study_id, a.role, a.randomised::INTEGER AS randomised, a.analysed::INTEGER AS analysed,
       c.fewest_counted::INTEGER AS fewest_counted,
       r.n_intervention AS printed_intervention, r.n_control AS printed_control
FROM arm_n a LEFT JOIN counted c USING (study_id, role), reviews r
WHERE r.review_id = $review
ORDER BY a.study_id, a.role;
