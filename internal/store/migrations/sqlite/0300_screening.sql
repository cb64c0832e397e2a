-- Screening (排查): the checklist, campaigns, visits with their photos, the
-- merged facts of each household's signed visits, the findings of the rules
-- and the runs that raised them.

-- Check items: the built-in checklist (county '') kept in step with
-- screening.Items by the store, and the items a county adds (county = its
-- 6 digits). item is the JSON of screening.CheckItem.
CREATE TABLE check_items (
    county     TEXT NOT NULL DEFAULT '',
    code       TEXT NOT NULL,
    dimension  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    item       TEXT NOT NULL,
    created_by INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (county, code)
);

-- Campaigns: intensive (集中排查, with dates) and routine (常态化排查, one per
-- county, always open). The region may be of any level, so a campaign is not
-- household data (a reference table on Citus).
CREATE TABLE campaigns (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('intensive', 'routine')),
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    start_date  TEXT NOT NULL DEFAULT '',
    end_date    TEXT NOT NULL DEFAULT '',
    dimensions  TEXT NOT NULL,
    created_by  INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX campaigns_routine ON campaigns (region_code) WHERE kind = 'routine';
CREATE INDEX campaigns_region ON campaigns (region_code, id);

-- Visits (入户走访), keyed by the UUID made where the visit is recorded. body
-- is the JSON of screening.Visit exactly as recorded (answers, facts, member
-- facts), so that the digest of a signed visit can be checked at any time.
-- signed_at is '' while the visit is a draft; a signed visit is never
-- updated again except to note the later visit that supersedes it.
CREATE TABLE visits (
    id            TEXT PRIMARY KEY,
    county        TEXT NOT NULL CHECK (length(county) = 6),
    household_id  INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns (id),
    cadre         TEXT NOT NULL,
    cadre_id      INTEGER NOT NULL DEFAULT 0,
    visited_at    TEXT NOT NULL,
    signed_by     TEXT NOT NULL DEFAULT '',
    signed_at     TEXT NOT NULL DEFAULT '',
    digest        TEXT NOT NULL DEFAULT '',
    supersedes    TEXT NOT NULL DEFAULT '',
    superseded_by TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX visits_household ON visits (household_id, signed_at);
CREATE INDEX visits_campaign ON visits (campaign_id, household_id) WHERE signed_at <> '';

-- Photos of visits, checked by content (JPEG, PNG or WebP, size-limited).
CREATE TABLE visit_photos (
    photo_key    TEXT PRIMARY KEY,
    county       TEXT NOT NULL CHECK (length(county) = 6),
    household_id INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    uploaded_by  INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL
);
CREATE INDEX visit_photos_household ON visit_photos (household_id);

-- The merged facts of a household's signed visits (screening.Merge), kept
-- up to date when a visit is signed, in the compact binary forms the rules
-- run reads: facts is screening.HouseholdFacts.MarshalBinary, member_facts
-- the store's encoding of []screening.MemberFacts, not_met the JSON of the
-- latest "does not meet" answers ('' when there are none).
CREATE TABLE household_facts (
    household_id   INTEGER PRIMARY KEY REFERENCES households (id) ON DELETE CASCADE,
    county         TEXT NOT NULL CHECK (length(county) = 6),
    facts          BLOB NOT NULL,
    member_facts   BLOB NOT NULL,
    not_met        TEXT NOT NULL DEFAULT '',
    last_visit_id  TEXT NOT NULL,
    last_signed_at TEXT NOT NULL,
    visits         INTEGER NOT NULL
);

-- Findings of the rules. An open finding is unique per county and key
-- (screening.FindingKey), so it is never raised twice; a run that no longer
-- finds it resolves it, and a later recurrence is a new finding. Findings
-- are derived data: no foreign key to households (a run writes tens of
-- thousands at once; the finding of a household that no longer exists is
-- resolved by the next run, which no longer finds it).
CREATE TABLE findings (
    id           INTEGER PRIMARY KEY,
    county       TEXT NOT NULL CHECK (length(county) = 6),
    finding_key  TEXT NOT NULL,
    household_id INTEGER NOT NULL,
    member_id    INTEGER NOT NULL DEFAULT 0,
    region_code  TEXT NOT NULL,
    rule         TEXT NOT NULL,
    item         TEXT NOT NULL DEFAULT '',
    dimension    TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    source       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    raised_at    TEXT NOT NULL,
    raised_run   INTEGER NOT NULL,
    resolved_at  TEXT NOT NULL DEFAULT '',
    resolved_run INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX findings_open ON findings (county, finding_key) WHERE status = 'open';
CREATE INDEX findings_region ON findings (status, region_code, id);
CREATE INDEX findings_household ON findings (household_id, id);

-- Runs of the rules over a region.
CREATE TABLE rule_runs (
    id          INTEGER PRIMARY KEY,
    county      TEXT NOT NULL CHECK (length(county) = 6),
    region_code TEXT NOT NULL,
    campaign_id INTEGER NOT NULL DEFAULT 0,
    dimensions  TEXT NOT NULL,
    ref_date    TEXT NOT NULL,
    households  INTEGER NOT NULL DEFAULT 0,
    members     INTEGER NOT NULL DEFAULT 0,
    findings    INTEGER NOT NULL DEFAULT 0,
    raised      INTEGER NOT NULL DEFAULT 0,
    kept        INTEGER NOT NULL DEFAULT 0,
    resolved    INTEGER NOT NULL DEFAULT 0,
    run_by      INTEGER NOT NULL DEFAULT 0,
    run_by_name TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE INDEX rule_runs_region ON rule_runs (region_code, id);

-- What the rules read of each member, as one integer: the expression is
-- store.memberPacked character for character, so that SQLite answers the
-- rules run's member query from this index alone, in household order.
CREATE INDEX members_screening ON members (household_id, id, region_code, (CAST(replace(birth_date, '-', '') AS BIGINT) * 4096
    + CASE health WHEN 'healthy' THEN 1 WHEN 'chronic' THEN 2 WHEN 'serious' THEN 3 ELSE 0 END
    + CASE schooling WHEN 'none' THEN 4 WHEN 'preschool' THEN 8 WHEN 'in_school' THEN 12 WHEN 'dropout' THEN 16
        WHEN 'unable' THEN 20 WHEN 'home_teaching' THEN 24 WHEN 'graduated' THEN 28 ELSE 0 END
    + CASE labour WHEN 'normal' THEN 32 WHEN 'weak' THEN 64 WHEN 'lost' THEN 96 WHEN 'none' THEN 128 ELSE 0 END
    + CASE WHEN disability_type <> 'none' THEN 256 ELSE 0 END
    + CASE WHEN disability_type <> 'none' AND disability_grade IN ('1', '2') THEN 512 ELSE 0 END
    + CASE WHEN medical_insured THEN 1024 ELSE 0 END));
