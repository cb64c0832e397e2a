-- Regions: the five levels of division codes (12 digits).
CREATE TABLE regions (
    code   TEXT PRIMARY KEY CHECK (length(code) = 12),
    name   TEXT NOT NULL,
    level  INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    parent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX regions_parent ON regions (parent, code);

-- Households: every household-level table carries county (6 digits), the
-- distribution key on Citus.
CREATE TABLE households (
    id               INTEGER PRIMARY KEY,
    county           TEXT NOT NULL CHECK (length(county) = 6),
    region_code      TEXT NOT NULL REFERENCES regions (code),
    number           TEXT NOT NULL,
    category         TEXT NOT NULL CHECK (category IN ('lifted', 'monitored', 'ordinary')),
    monitor_type     TEXT NOT NULL DEFAULT '',
    relocated        INTEGER NOT NULL DEFAULT 0,
    housing_priority TEXT NOT NULL DEFAULT '',
    dibao            INTEGER NOT NULL DEFAULT 0,
    dibao_tier       TEXT NOT NULL DEFAULT '',
    tekun            INTEGER NOT NULL DEFAULT 0,
    phone            TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    UNIQUE (county, number)
);
CREATE INDEX households_region ON households (region_code, id);
CREATE INDEX households_number ON households (number);

CREATE TABLE members (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    county           TEXT NOT NULL CHECK (length(county) = 6),
    region_code      TEXT NOT NULL,
    id_number        TEXT NOT NULL UNIQUE CHECK (length(id_number) = 18),
    name             TEXT NOT NULL,
    sex              TEXT NOT NULL,
    birth_date       TEXT NOT NULL,
    relation         TEXT NOT NULL,
    disability_type  TEXT NOT NULL DEFAULT 'none',
    disability_grade TEXT NOT NULL DEFAULT '0',
    health           TEXT NOT NULL DEFAULT 'healthy',
    schooling        TEXT NOT NULL DEFAULT 'none',
    school           TEXT NOT NULL DEFAULT '',
    labour           TEXT NOT NULL DEFAULT 'none',
    medical_insured  INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX members_household ON members (household_id);
CREATE INDEX members_name ON members (name, region_code);
