-- Department cross-check (部门筛查预警, 003 §四(一)5): roster uploads, the
-- rows each upload could not match, the latest roster facts per kind and
-- village, alerts pushed to villages with their verification, and files of
-- proof. Every table carries county (the Citus distribution key).

-- One row per uploaded roster file: a round of the cross-check.
CREATE TABLE roster_uploads (
    id              INTEGER PRIMARY KEY,
    county          TEXT NOT NULL CHECK (length(county) = 6),
    department      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    account_id      INTEGER NOT NULL DEFAULT 0,
    account_name    TEXT NOT NULL DEFAULT '',
    file_name       TEXT NOT NULL,
    file_sha256     TEXT NOT NULL,
    file_size       INTEGER NOT NULL,
    format          TEXT NOT NULL,
    encoding        TEXT NOT NULL DEFAULT '',
    header          TEXT NOT NULL DEFAULT '[]',  -- JSON: the file's header row, for the error workbook
    uploaded_at     TEXT NOT NULL,
    year            INTEGER NOT NULL DEFAULT 0,
    rows_total      INTEGER NOT NULL DEFAULT 0,
    rows_matched    INTEGER NOT NULL DEFAULT 0,
    rows_unknown    INTEGER NOT NULL DEFAULT 0,
    rows_invalid    INTEGER NOT NULL DEFAULT 0,
    subjects        INTEGER NOT NULL DEFAULT 0,
    alerts_new      INTEGER NOT NULL DEFAULT 0,
    alerts_seen     INTEGER NOT NULL DEFAULT 0,
    alerts_kept     INTEGER NOT NULL DEFAULT 0,
    alerts_resolved INTEGER NOT NULL DEFAULT 0,
    duration_ms     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX roster_uploads_county ON roster_uploads (county, department, id);

-- Rows of an upload that were not matched: invalid, or about nobody of the
-- county's registry. Reported to the uploader, never dropped; kept in
-- chunks of up to 1,000 rows in row order (a county roster can have tens of
-- thousands of rows of people the rural registry does not hold).
CREATE TABLE roster_rejects (
    upload_id INTEGER NOT NULL REFERENCES roster_uploads (id),
    county    TEXT NOT NULL CHECK (length(county) = 6),
    chunk     INTEGER NOT NULL,
    first_row INTEGER NOT NULL,
    rows      INTEGER NOT NULL,
    data      BLOB NOT NULL,  -- gzip of the rows, row number, reason, message and cells (store.encodeRejects)
    PRIMARY KEY (upload_id, chunk)
);

-- The latest roster of each kind, as facts: one encoded block of
-- crosscheck.State per village (crosscheck.Match.Snapshot).
CREATE TABLE roster_facts (
    county    TEXT NOT NULL CHECK (length(county) = 6),
    kind      TEXT NOT NULL,
    village   TEXT NOT NULL CHECK (length(village) = 12),
    upload_id INTEGER NOT NULL REFERENCES roster_uploads (id),
    data      BLOB NOT NULL,
    PRIMARY KEY (county, kind, village)
);
-- Screening reads a village's facts of every kind (RosterOverlay).
CREATE INDEX roster_facts_village ON roster_facts (county, village);

-- Alerts pushed to villages.
CREATE TABLE alerts (
    id                   INTEGER PRIMARY KEY,
    county               TEXT NOT NULL CHECK (length(county) = 6),
    region_code          TEXT NOT NULL CHECK (length(region_code) = 12),  -- the village
    household_id         INTEGER NOT NULL DEFAULT 0,
    member_id            INTEGER NOT NULL DEFAULT 0,
    subject              TEXT NOT NULL,   -- m<member>, h<household>, v<village>
    rule                 TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    department           TEXT NOT NULL,
    dimension            TEXT NOT NULL,
    evidence             TEXT NOT NULL,   -- JSON []screening.Evidence
    fingerprint          TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('pushed', 'confirmed', 'dismissed', 'resolved')),
    upload_id            INTEGER NOT NULL REFERENCES roster_uploads (id),
    last_upload_id       INTEGER NOT NULL,
    pushed_at            TEXT NOT NULL,
    due_at               TEXT NOT NULL,   -- the verification stage's due instant (policy.Verify1)
    done_at              TEXT NOT NULL DEFAULT '',
    verified_at          TEXT NOT NULL DEFAULT '',
    verified_by          INTEGER NOT NULL DEFAULT 0,
    verified_by_name     TEXT NOT NULL DEFAULT '',
    findings             TEXT NOT NULL DEFAULT '',
    reason               TEXT NOT NULL DEFAULT '',
    proof                TEXT NOT NULL DEFAULT '',
    monitoring_candidate INTEGER NOT NULL DEFAULT 0,
    problem_id           INTEGER NOT NULL DEFAULT 0,
    resolved_at          TEXT NOT NULL DEFAULT '',
    resolved_upload_id   INTEGER NOT NULL DEFAULT 0,
    resolved_note        TEXT NOT NULL DEFAULT '',
    updated_at           TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1
);
-- One open alert per county, rule and subject: uploading a roster again
-- does not duplicate it.
CREATE UNIQUE INDEX alerts_open ON alerts (county, rule, subject) WHERE state IN ('pushed', 'confirmed');
CREATE INDEX alerts_rule ON alerts (county, rule, subject, id);
CREATE INDEX alerts_region ON alerts (region_code, id);
CREATE INDEX alerts_state ON alerts (state, region_code, id);
CREATE INDEX alerts_upload ON alerts (upload_id);
CREATE INDEX alerts_department ON alerts (county, department, id);

CREATE TABLE alert_attachments (
    id           INTEGER PRIMARY KEY,
    alert_id     INTEGER NOT NULL REFERENCES alerts (id),
    county       TEXT NOT NULL CHECK (length(county) = 6),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX alert_attachments_alert ON alert_attachments (alert_id);
