-- Indexes for the region summaries (home page, region tree), so that
-- counting a county's households by category and type, and its members,
-- are index-only range scans instead of reading every row.
CREATE INDEX households_region_category ON households (region_code, category, monitor_type);

-- A partial index, used only by queries that repeat its condition (the
-- summaries write "AND relation <> ''", true of every member). A plain index
-- on region_code would also be chosen by SQLite's planner for the name
-- search of a whole county (name range AND region range) instead of
-- members_name, and that search would read every member of the county
-- (measured: p95 from 20 ms to 500 ms at 300,000 households).
CREATE INDEX members_region_count ON members (region_code) WHERE relation <> '';
