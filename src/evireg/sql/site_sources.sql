-- The sources of the site's studies, each with the links a reader follows to it.
SELECT * FROM sources WHERE study_id IN (SELECT unnest($ids)) ORDER BY study_id, source_id;
