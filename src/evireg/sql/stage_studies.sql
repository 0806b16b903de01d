-- Flatten validated study records into the tables. $path names a JSON Lines file whose lines are
-- {"file": <registry file>, "s": <the record as JSON>}; the records were validated by evireg's
-- models before they were written there, so this only reshapes.
CREATE TEMP TABLE staged AS
SELECT file, s FROM read_json($path, format = 'newline_delimited', maximum_object_size = 16777216,
  columns = {file: 'VARCHAR', s: 'STRUCT(
    id VARCHAR,
    citation STRUCT(authors VARCHAR[], "year" INTEGER, title VARCHAR, journal VARCHAR, volume VARCHAR,
                    issue VARCHAR, pages VARCHAR, pmid VARCHAR, doi VARCHAR, registration VARCHAR),
    sources STRUCT(id VARCHAR, kind VARCHAR, citation VARCHAR, pmid VARCHAR, doi VARCHAR, url VARCHAR,
                   accessed DATE)[],
    design STRUCT(kind VARCHAR, randomised BOOLEAN, blinding VARCHAR, control_type VARCHAR,
                  prospective BOOLEAN, description VARCHAR,
                  provenance STRUCT(source VARCHAR, locator VARCHAR), review_discrepancy VARCHAR),
    country VARCHAR,
    population STRUCT(rmc_type VARCHAR, min_prior_losses INTEGER, description VARCHAR),
    intervention STRUCT(description VARCHAR, product VARCHAR, dose VARCHAR, timing VARCHAR),
    comparator STRUCT(description VARCHAR),
    arms STRUCT(id VARCHAR, "role" VARCHAR, label VARCHAR,
                n_randomised STRUCT("value" INTEGER, source VARCHAR, locator VARCHAR, derivation VARCHAR,
                                    formula VARCHAR, reason VARCHAR),
                n_analysed STRUCT("value" INTEGER, source VARCHAR, locator VARCHAR, derivation VARCHAR,
                                  formula VARCHAR, reason VARCHAR))[],
    outcomes STRUCT(outcome VARCHAR, subgroup STRUCT(variable VARCHAR, "value" VARCHAR),
                    definition VARCHAR, denominator VARCHAR, source VARCHAR, locator VARCHAR,
                    derivation VARCHAR, notes VARCHAR,
                    arms STRUCT(arm VARCHAR, events INTEGER, total INTEGER, percent VARCHAR,
                                events_formula VARCHAR, total_formula VARCHAR)[],
                    alternatives STRUCT(source VARCHAR, locator VARCHAR, derivation VARCHAR, note VARCHAR,
                                        arms STRUCT(arm VARCHAR, events INTEGER, total INTEGER,
                                                    percent VARCHAR, events_formula VARCHAR,
                                                    total_formula VARCHAR)[])[])[],
    not_reported STRUCT(outcome VARCHAR, subgroup STRUCT(variable VARCHAR, "value" VARCHAR), reason VARCHAR)[],
    notes VARCHAR)'});
