-- Imports of the household register started from the web interface: the
-- job's state survives a page reload (and tells, after a restart, that an
-- import was interrupted: its one transaction was rolled back). The error
-- workbook of a refused file is kept with the job.
CREATE TABLE import_jobs (
    id          INTEGER PRIMARY KEY,
    county      TEXT NOT NULL DEFAULT '',      -- 6 digits when the import's region is a county or below
    region_code TEXT NOT NULL,                 -- the import's region: the account's, or narrower
    account_id  INTEGER NOT NULL,
    username    TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_size   INTEGER NOT NULL,
    options     TEXT NOT NULL DEFAULT '',      -- skip_invalid, dry_run, sheet=…
    status      TEXT NOT NULL,                 -- running, done, refused, failed
    phase       TEXT NOT NULL DEFAULT '',
    rows_done   INTEGER NOT NULL DEFAULT 0,
    rows_total  INTEGER NOT NULL DEFAULT 0,
    message     TEXT NOT NULL DEFAULT '',      -- Chinese summary or reason
    result      TEXT NOT NULL DEFAULT '',      -- JSON of the result
    errors      BLOB,                          -- the error workbook (XLSX), if rows were refused
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX import_jobs_region ON import_jobs (region_code, id);
