-- The harms the site's studies report, per adverse event and arm, with the statement's quote.
SELECT * FROM adverse_events WHERE study_id IN (SELECT unnest($ids))
ORDER BY study_id, term, role DESC NULLS LAST, arm;
