-- Every record id in the index with the file that holds it.
SELECT 'study:' || study_id, file FROM t_studies
UNION ALL
SELECT 'review:' || review_id, file FROM t_reviews;
