-- A finding turned into a problem of the rectification ledger keeps the
-- problem's id (0 while it is not in the ledger), so that lists show the
-- link and the finding is never turned into a second problem. No foreign
-- key: findings are derived data (see 0300_screening) and the problem is
-- also found by its origin (problems.source_ref = 'finding:<id>').
ALTER TABLE findings ADD COLUMN problem_id INTEGER NOT NULL DEFAULT 0;
