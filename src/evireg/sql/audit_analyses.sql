-- A review's analyses that printed study rows, with what each states (null: not stated).
SELECT a.analysis_id, a.number, a.name, a.outcome, a.subgroup_variable, a.measure, a.method, a.model,
       a.tau2_method, a.level, a.applicability, a.software
FROM analyses a
WHERE a.review_id = $review
  AND EXISTS (SELECT 1 FROM printed_rows p WHERE p.review_id = a.review_id AND p.analysis_id = a.analysis_id)
ORDER BY a.position;
