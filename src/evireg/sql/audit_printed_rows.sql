-- Every study row a review's analyses printed, in the order printed.
SELECT analysis_id, position, study_id, label, subgroup, estimate_text, ci_low_text, ci_high_text,
       weight_text, locator
FROM printed_rows
WHERE review_id = $review
ORDER BY analysis_id, position;
