package store

import (
	"context"
	"path/filepath"
	"testing"
)

// The history is append-only in the database itself: an UPDATE or DELETE of
// problem_events is refused by a trigger, whatever the code above does.
func TestProblemEventsAppendOnly(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO problems (id, county, region_code, number, description, dimension, source, state, stages, created_at, updated_at)
		VALUES (1, '141121', '141121104201', 'N1', 'x', 'water', 'visit', 'reported', '[]', 't', 't')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO problem_events (problem_id, county, seq, at, kind, state, actor_name)
		VALUES (1, '141121', 1, 't', 'reported', 'reported', 'a')`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE problem_events SET note = 'changed'`, `DELETE FROM problem_events`} {
		if _, err := db.w.ExecContext(ctx, q); err == nil {
			t.Errorf("%s was allowed", q)
		}
	}
}
