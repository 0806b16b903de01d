-- The harms of a review's studies, per study, harm and arm, in the review's order: each harms record
-- (harm_key h<n>), each result recorded directly for a harm outcome of the profile, as an imported
-- review's adverse-event analysis gives it (harm_key o:<outcome>:<subgroup>), and, for a study that records no
-- harm, what was searched (not_reported).
SELECT rs.position, rs.study_id, 'h' || h.harm_no AS harm_key, NULL AS outcome, NULL AS subgroup, h.term,
       h.seriousness,
       h.who, h.arm_id AS arm, a.role, h.participants, h.events, h.at_risk, h.quote, h.source_id,
       h.locator, h.derivation, h.reason, NULL AS not_reported
FROM review_studies rs JOIN t_harms h USING (study_id) LEFT JOIN t_arms a USING (study_id, arm_id)
WHERE rs.review_id = $review
UNION ALL
SELECT rs.position, rs.study_id, concat('o:', r.outcome, ':', r.subgroup_value), r.outcome, r.subgroup_value,
       NULL, NULL, NULL, r.arm_id, a.role, r.events,
       NULL, r.total, NULL, r.source_id, r.locator, r.derivation, NULL, NULL
FROM review_studies rs JOIN t_results r USING (study_id) JOIN t_arms a USING (study_id, arm_id)
JOIN harm_selectors sel ON sel.outcome = r.outcome
WHERE rs.review_id = $review AND r.alternative_no IS NULL
UNION ALL
SELECT rs.position, rs.study_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, n.reason
FROM review_studies rs JOIN t_harms_not_reported n USING (study_id)
WHERE rs.review_id = $review
ORDER BY position, study_id, harm_key NULLS LAST, role DESC, arm;
