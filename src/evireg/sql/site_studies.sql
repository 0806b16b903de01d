-- The site's study pages: each study of the list, with its citation and characteristics.
SELECT * FROM studies WHERE study_id IN (SELECT unnest($ids)) ORDER BY study_id;
