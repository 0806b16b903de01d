-- Which studies of a question's scope pass each of evireg's own sensitivity filters, in one
-- query. review/analysis.py puts analysis_scope.sql where the scope marker is, and one
-- `, coalesce((<filter>), false) AS f<i>` per filter where the flags marker is (evireg's text, not
-- the user's; a filter unknown for a study does not pass it, as in a WHERE clause).
SELECT study_id /*flags*/ FROM (/*scope*/) AS scope;
