-- Double extraction (see evireg/extraction.py). Run on every index build, including the
-- incremental ones that start from a copy of the previous index, so drop what is there first.
DROP VIEW IF EXISTS adjudications;
DROP VIEW IF EXISTS extraction_agreement;
DROP VIEW IF EXISTS extraction_fields;
DROP VIEW IF EXISTS extractions;
DROP TABLE IF EXISTS t_adjudications;
DROP TABLE IF EXISTS t_extraction_fields;
DROP TABLE IF EXISTS t_extractions;

-- One row per valid extraction file (invalid ones are reported by `evireg validate`, not indexed).
CREATE TABLE t_extractions (study_id VARCHAR, extractor VARCHAR, extracted_on DATE, file VARCHAR);

-- One row per non-null field of an extraction, keyed as `evireg compare` keys it. match_key is
-- the normalised JSON value that decides agreement (computed in Python, the one definition).
CREATE TABLE t_extraction_fields (
    study_id VARCHAR, extractor VARCHAR, field_no INTEGER, field_path VARCHAR, value VARCHAR,
    match_key VARCHAR, source_id VARCHAR, locator VARCHAR
);

CREATE TABLE t_adjudications (
    study_id VARCHAR, field_path VARCHAR, extractor_a VARCHAR, extractor_b VARCHAR, choice VARCHAR,
    chosen_extractor VARCHAR, value VARCHAR, reason VARCHAR, adjudicator VARCHAR, adjudicated_on DATE
);

CREATE VIEW extractions AS
SELECT study_id, extractor, extracted_on, file FROM t_extractions;

CREATE VIEW extraction_fields AS
SELECT study_id, field_path, extractor, value, source_id, locator
FROM t_extraction_fields;

-- One row per study and pair of its extractors (extractor_a < extractor_b). A field only one
-- of the two has is compared and counts as a disagreement, as in `evireg compare`.
CREATE VIEW extraction_agreement AS
WITH pairs AS (
    SELECT a.study_id, a.extractor AS extractor_a, b.extractor AS extractor_b
    FROM t_extractions a
    JOIN t_extractions b ON b.study_id = a.study_id AND a.extractor < b.extractor
), fields AS (
    SELECT p.study_id, p.extractor_a, p.extractor_b, f.field_path,
           max(f.match_key) FILTER (WHERE f.extractor = p.extractor_a) AS key_a,
           max(f.match_key) FILTER (WHERE f.extractor = p.extractor_b) AS key_b
    FROM pairs p
    JOIN t_extraction_fields f
      ON f.study_id = p.study_id AND f.extractor IN (p.extractor_a, p.extractor_b)
    GROUP BY ALL
)
SELECT study_id, extractor_a, extractor_b,
       count(*) AS fields_compared,
       count(*) FILTER (WHERE key_a = key_b) AS fields_agreeing,
       count(*) FILTER (WHERE key_a = key_b) / count(*) AS agreement_rate,
       coalesce(list(field_path ORDER BY field_path) FILTER (WHERE key_a IS DISTINCT FROM key_b),
                []::VARCHAR[]) AS disagreements
FROM fields
GROUP BY ALL;

-- Each adjudicated disagreement: what was chosen (a, b or a given value), by whom and why.
CREATE VIEW adjudications AS
SELECT study_id, field_path, extractor_a, extractor_b, choice, chosen_extractor, value, reason,
       adjudicator, adjudicated_on
FROM t_adjudications;
