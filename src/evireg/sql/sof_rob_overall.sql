-- The overall risk-of-bias judgement of each study assessed for an outcome (GRADE's risk of bias).
SELECT study_id, judgement
FROM risk_of_bias
WHERE outcome = $outcome AND domain = 'overall'
ORDER BY study_id;
