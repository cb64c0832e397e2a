-- The problem ledger (问题台账, 002 附件1) and its workflow (004 §四): one row
-- per problem with the template's fields, its state and the open stage's
-- clock; the append-only history (one row per ledger.Event); progress
-- entries; extensions; evidence files; and the problem numbers per county
-- and year. Every table carries county (the Citus distribution key).

-- problem_numbers hands out the sequence of 141121-2024-00017.
CREATE TABLE problem_numbers (
    county TEXT NOT NULL CHECK (length(county) = 6),
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (county, year)
);

CREATE TABLE problems (
    id               INTEGER PRIMARY KEY,
    county           TEXT NOT NULL CHECK (length(county) = 6),
    region_code      TEXT NOT NULL CHECK (length(region_code) = 12),
    number           TEXT NOT NULL,
    household_id     INTEGER NOT NULL DEFAULT 0,
    description      TEXT NOT NULL,
    dimension        TEXT NOT NULL,
    source           TEXT NOT NULL,
    source_ref       TEXT NOT NULL DEFAULT '',
    severity         TEXT NOT NULL DEFAULT '',
    task_force       TEXT NOT NULL DEFAULT '',
    lead_unit        TEXT NOT NULL DEFAULT '',
    supporting_units TEXT NOT NULL DEFAULT '',   -- names joined by 、
    owner            TEXT NOT NULL DEFAULT '',
    measures         TEXT NOT NULL DEFAULT '',
    deadline         TEXT NOT NULL DEFAULT '',   -- last day, YYYY-MM-DD
    result           TEXT NOT NULL DEFAULT '',
    remarks          TEXT NOT NULL DEFAULT '',
    explanation      TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL,
    stage            TEXT NOT NULL DEFAULT '',   -- key of the open stage, '' when none
    stage_due        TEXT NOT NULL DEFAULT '~',   -- its due instant (ts), '~' when none (sorts last)
    flagged_due      TEXT NOT NULL DEFAULT '',   -- = stage_due once that stage is on the accountability list
    stages           TEXT NOT NULL,              -- JSON []deadline.Stage
    submissions      TEXT NOT NULL DEFAULT '[]', -- JSON []ledger.Submission
    flags            TEXT NOT NULL DEFAULT '[]', -- JSON []ledger.Flag
    accountable      INTEGER NOT NULL DEFAULT 0,
    flagged_at       TEXT NOT NULL DEFAULT '',   -- latest flag (ts)
    rejections       INTEGER NOT NULL DEFAULT 0,
    reopens          INTEGER NOT NULL DEFAULT 0,
    created_by       INTEGER NOT NULL DEFAULT 0, -- account id of the reporter
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    closed_at        TEXT NOT NULL DEFAULT '',
    version          INTEGER NOT NULL DEFAULT 1,
    UNIQUE (county, number)
);
CREATE UNIQUE INDEX problems_source_ref ON problems (county, source, source_ref) WHERE source_ref <> '';
-- The list's indexes (store.ProblemFilter.from chooses one on SQLite). The
-- indexes of the common filters carry the other filter columns after id, so
-- that a second filter and the count are answered from the index alone.
CREATE INDEX problems_region ON problems (region_code, id);
CREATE INDEX problems_due ON problems (stage_due, region_code, flagged_due);
CREATE INDEX problems_stage ON problems (stage, stage_due, region_code);
CREATE INDEX problems_state ON problems (state, region_code, id, stage_due);
CREATE INDEX problems_result ON problems (result, region_code, id);
CREATE INDEX problems_dimension ON problems (dimension, region_code, id, result, state, stage_due, accountable);
CREATE INDEX problems_lead_unit ON problems (lead_unit, region_code, id, result, state, stage_due, accountable);
CREATE INDEX problems_task_force ON problems (task_force, region_code, id, result, state, stage_due, accountable);
CREATE INDEX problems_accountable ON problems (accountable, region_code, id);
CREATE INDEX problems_flagged ON problems (accountable, flagged_at, id);
CREATE INDEX problems_created ON problems (created_at);
CREATE INDEX problems_closed ON problems (closed_at);
CREATE INDEX problems_household ON problems (household_id);

-- The history: one row per ledger.Event, never updated nor deleted.
CREATE TABLE problem_events (
    id         INTEGER PRIMARY KEY,
    problem_id INTEGER NOT NULL REFERENCES problems (id),
    county     TEXT NOT NULL CHECK (length(county) = 6),
    seq        INTEGER NOT NULL,
    at         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL,
    actor_id   INTEGER NOT NULL DEFAULT 0,
    actor_name TEXT NOT NULL,
    actor_role TEXT NOT NULL DEFAULT '',
    actor_unit TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '{}',  -- JSON map of field codes to values
    evidence   TEXT NOT NULL DEFAULT '[]',  -- JSON []ledger.Evidence
    UNIQUE (problem_id, seq)
);
CREATE TRIGGER problem_events_no_update BEFORE UPDATE ON problem_events
BEGIN SELECT RAISE(ABORT, 'problem_events is append-only'); END;
CREATE TRIGGER problem_events_no_delete BEFORE DELETE ON problem_events
BEGIN SELECT RAISE(ABORT, 'problem_events is append-only'); END;

-- 整改进展: what was actually done, with its day and author.
CREATE TABLE problem_progress (
    id          INTEGER PRIMARY KEY,
    problem_id  INTEGER NOT NULL REFERENCES problems (id),
    county      TEXT NOT NULL CHECK (length(county) = 6),
    day         TEXT NOT NULL,               -- YYYY-MM-DD
    text        TEXT NOT NULL,
    author_id   INTEGER NOT NULL DEFAULT 0,
    author_name TEXT NOT NULL,
    author_role TEXT NOT NULL DEFAULT '',
    author_unit TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL
);
CREATE INDEX problem_progress_problem ON problem_progress (problem_id, id);

-- Extensions decided collectively under a county leader (004 §四(一)2).
CREATE TABLE problem_extensions (
    id            INTEGER PRIMARY KEY,
    problem_id    INTEGER NOT NULL REFERENCES problems (id),
    county        TEXT NOT NULL CHECK (length(county) = 6),
    leader        TEXT NOT NULL,
    decided_on    TEXT NOT NULL,             -- YYYY-MM-DD
    reason        TEXT NOT NULL,
    new_deadline  TEXT NOT NULL,             -- YYYY-MM-DD
    plan          TEXT NOT NULL,
    prev_deadline TEXT NOT NULL DEFAULT '',  -- YYYY-MM-DD
    at            TEXT NOT NULL,
    by_id         INTEGER NOT NULL DEFAULT 0,
    by_name       TEXT NOT NULL,
    by_role       TEXT NOT NULL DEFAULT '',
    by_unit       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX problem_extensions_problem ON problem_extensions (problem_id, id);

-- Evidence files (photos, documents), kept in the database so that a
-- submission and its files are written in one transaction and backed up
-- together. Type checked from the content on upload.
CREATE TABLE evidence_files (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    problem_id   INTEGER NOT NULL REFERENCES problems (id),
    county       TEXT NOT NULL CHECK (length(county) = 6),
    kind         TEXT NOT NULL CHECK (kind IN ('photo', 'file')),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  INTEGER NOT NULL DEFAULT 0,
    uploader     TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    submitted    INTEGER NOT NULL DEFAULT 0   -- attached to a submission
);
CREATE INDEX evidence_files_problem ON evidence_files (problem_id, id);
