SELECT value FROM meta WHERE key = 'registry_hash';
