-- Every result the site's studies report, per arm, with its source, locator and derivation.
SELECT * FROM outcome_results WHERE study_id IN (SELECT unnest($ids))
ORDER BY study_id, outcome, subgroup_variable NULLS FIRST, subgroup_value NULLS FIRST, role DESC, arm_id;
