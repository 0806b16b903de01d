-- Replace the stored registry profile (JSON) with the one the index is built from.
DELETE FROM t_profile;
INSERT INTO t_profile VALUES ($profile);
