-- The counts a review prints beside the registry's: studies, and randomised women per arm role.
WITH inc AS (
    SELECT rs.study_id FROM review_studies rs JOIN studies s USING (study_id)
    WHERE rs.review_id = $review
), arm_sums AS (
    SELECT sum(n_randomised) FILTER (WHERE role = 'intervention') AS intervention,
           sum(n_randomised) FILTER (WHERE role = 'control') AS control,
           list(DISTINCT study_id ORDER BY study_id) FILTER (WHERE n_randomised IS NULL) AS unknown
    FROM arms WHERE study_id IN (SELECT study_id FROM inc)
)
SELECT r.n_studies AS published_studies, r.n_participants AS published_participants,
       r.n_intervention AS published_intervention, r.n_control AS published_control,
       (SELECT count(*) FROM inc)::INTEGER AS registry_studies,
       (a.intervention + a.control)::INTEGER AS registry_participants,
       a.intervention::INTEGER AS registry_intervention, a.control::INTEGER AS registry_control,
       a.unknown AS unknown_arm_counts
FROM reviews r, arm_sums a
WHERE r.review_id = $review;
