-- The risk-of-bias judgements of the site's studies, with their support.
SELECT * FROM risk_of_bias WHERE study_id IN (SELECT unnest($ids))
ORDER BY study_id, outcome, tool, domain = 'overall', domain;
