-- The file a review was read from (relative to the registry folder): its certainty ratings are
-- read from the record itself.
SELECT file FROM t_reviews WHERE review_id = $review;
