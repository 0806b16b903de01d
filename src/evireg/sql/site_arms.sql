-- The arms of the site's studies, with the sources of their numbers.
SELECT * FROM arms WHERE study_id IN (SELECT unnest($ids)) ORDER BY study_id, role DESC, arm_id;
