-- The studies a review includes, in the review's order.
SELECT study_id FROM review_studies WHERE review_id = $review ORDER BY position, study_id;
