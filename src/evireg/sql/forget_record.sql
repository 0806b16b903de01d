-- Remove every row of the given record ids (records replaced by an incremental update).
DELETE FROM t_studies WHERE study_id IN (SELECT unnest($ids));
DELETE FROM t_characteristics WHERE study_id IN (SELECT unnest($ids));
DELETE FROM t_arms WHERE study_id IN (SELECT unnest($ids));
DELETE FROM t_results WHERE study_id IN (SELECT unnest($ids));
DELETE FROM t_effects WHERE study_id IN (SELECT unnest($ids));
DELETE FROM t_not_reported WHERE study_id IN (SELECT unnest($ids));
DELETE FROM t_risk_of_bias WHERE study_id IN (SELECT unnest($ids));
DELETE FROM t_harms WHERE study_id IN (SELECT unnest($ids));
DELETE FROM t_harms_not_reported WHERE study_id IN (SELECT unnest($ids));
DELETE FROM t_reviews WHERE review_id IN (SELECT unnest($ids));
DELETE FROM t_review_studies WHERE review_id IN (SELECT unnest($ids));
DELETE FROM t_analyses WHERE review_id IN (SELECT unnest($ids));
DELETE FROM t_claims WHERE review_id IN (SELECT unnest($ids));
DELETE FROM t_printed_rows WHERE review_id IN (SELECT unnest($ids));
DELETE FROM t_sources WHERE owner_id IN (SELECT unnest($ids));
