-- The registry's profile the index was built with (JSON).
SELECT profile FROM t_profile;
