-- The studies a question covers: a review's included studies (in its order) or all studies.
SELECT s.*
FROM studies s
LEFT JOIN review_studies rs ON rs.study_id = s.study_id AND rs.review_id = $review
WHERE $review IS NULL OR rs.review_id IS NOT NULL
ORDER BY s.study_id;
