-- A county's first import builds the registry's secondary indexes after its
-- rows instead of row by row (store.ImportTx, "bulk load"): sorting a
-- million keys once costs a fraction of a million random inserts. Every
-- such index must therefore be droppable, and an inline UNIQUE on a column
-- is not (SQLite's sqlite_autoindex_*): members is rebuilt with the ID
-- number's uniqueness as a named index. The table's columns, constraints and
-- rows are unchanged.
--
-- members_household goes: members_screening begins with household_id and
-- serves every lookup by household (and the cascade from households).
CREATE TABLE members_new (
    id               INTEGER PRIMARY KEY,
    household_id     INTEGER NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    county           TEXT NOT NULL CHECK (length(county) = 6),
    region_code      TEXT NOT NULL,
    id_number        TEXT NOT NULL CHECK (length(id_number) = 18),
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
INSERT INTO members_new SELECT id, household_id, county, region_code, id_number, name, sex, birth_date, relation,
    disability_type, disability_grade, health, schooling, school, labour, medical_insured, created_at, updated_at
    FROM members;
DROP TABLE members;
ALTER TABLE members_new RENAME TO members;
CREATE UNIQUE INDEX members_id_number ON members (id_number);
CREATE INDEX members_name ON members (name, region_code);
CREATE INDEX members_region_count ON members (region_code) WHERE relation <> '';
-- As in 0300_screening.sql, character for character (store.memberPacked).
CREATE INDEX members_screening ON members (household_id, id, region_code, (CAST(replace(birth_date, '-', '') AS BIGINT) * 4096
    + CASE health WHEN 'healthy' THEN 1 WHEN 'chronic' THEN 2 WHEN 'serious' THEN 3 ELSE 0 END
    + CASE schooling WHEN 'none' THEN 4 WHEN 'preschool' THEN 8 WHEN 'in_school' THEN 12 WHEN 'dropout' THEN 16
        WHEN 'unable' THEN 20 WHEN 'home_teaching' THEN 24 WHEN 'graduated' THEN 28 ELSE 0 END
    + CASE labour WHEN 'normal' THEN 32 WHEN 'weak' THEN 64 WHEN 'lost' THEN 96 WHEN 'none' THEN 128 ELSE 0 END
    + CASE WHEN disability_type <> 'none' THEN 256 ELSE 0 END
    + CASE WHEN disability_type <> 'none' AND disability_grade IN ('1', '2') THEN 512 ELSE 0 END
    + CASE WHEN medical_insured THEN 1024 ELSE 0 END));
