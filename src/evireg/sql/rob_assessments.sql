-- Every risk-of-bias judgement (domains and overall) of an outcome ($outcome NULL: every outcome)
-- over a review's included studies ($review NULL: every study), for `evireg rob`.
SELECT r.study_id, r.outcome, r.tool, r.domain, r.domain_label, r.judgement, r.support, r.source_id,
       r.locator, r.assessor, r.assessed_on, r.overridden
FROM risk_of_bias r
WHERE ($outcome IS NULL OR r.outcome = $outcome)
  AND ($review IS NULL OR r.study_id IN (SELECT study_id FROM review_studies WHERE review_id = $review))
ORDER BY r.outcome, r.tool, r.study_id;
