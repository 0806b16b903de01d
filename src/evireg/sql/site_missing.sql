-- What the site's studies do not report, and why.
SELECT * FROM missing_data WHERE study_id IN (SELECT unnest($ids))
ORDER BY study_id, outcome, subgroup_value NULLS FIRST, what;
