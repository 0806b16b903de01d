-- Each characteristic value of the site's studies, with where it was read.
SELECT * FROM study_characteristics WHERE study_id IN (SELECT unnest($ids))
ORDER BY study_id, characteristic;
