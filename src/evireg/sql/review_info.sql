-- A review with its analyses (claims are read by the audit).
SELECT r.review_id, r.title, r.first_author, r.year, a.analysis_id, a.outcome, a.subgroup_variable,
       a.measure, a.method, a.model, a.software
FROM reviews r JOIN analyses a USING (review_id)
WHERE r.review_id = $review
ORDER BY a.position;
