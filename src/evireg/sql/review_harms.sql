-- The harms of a review's studies, per study, harm and arm, in the review's order; a study that
-- records no harm gives one row with what was searched (not_reported).
SELECT rs.position, rs.study_id, h.harm_no, h.term, h.seriousness, h.who, h.arm_id AS arm, a.role,
       h.participants, h.events, h.at_risk, h.quote, h.source_id, h.locator, h.derivation, h.reason,
       NULL AS not_reported
FROM review_studies rs JOIN t_harms h USING (study_id) LEFT JOIN t_arms a USING (study_id, arm_id)
WHERE rs.review_id = $review
UNION ALL
SELECT rs.position, rs.study_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, n.reason
FROM review_studies rs JOIN t_harms_not_reported n USING (study_id)
WHERE rs.review_id = $review
ORDER BY position, study_id, harm_no NULLS LAST, role DESC, arm;
