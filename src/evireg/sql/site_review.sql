-- The review a site publishes: its citation and printed totals.
SELECT * FROM reviews WHERE review_id = $review;
