-- Nothing to do on SQLite: every connection already learns of other connections' commits
-- through PRAGMA data_version (see src/stores/changes.rs). The version exists so both trees
-- keep the same numbers.
SELECT 1;
