-- A review's published claims in the order the review file gives them.
SELECT claim_id, analysis_id, subgroup_value, estimate_text, ci_low_text, ci_high_text, z_text,
       p_text, k, participants, source_id, locator, chi2_text, i2_text, tau2_text
FROM claims
WHERE review_id = $review
ORDER BY position;
