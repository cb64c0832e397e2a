package store_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/clock"
	"sanbao/internal/registry"
	"sanbao/internal/store"
	"sanbao/internal/store/storetest"
)

func TestMain(m *testing.M) {
	// Cheap hashes: the tests check behaviour, not cost.
	auth.PasswordParams = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	os.Exit(m.Run())
}

var t0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

// eachRaw runs fn on SQLite and PostgreSQL with, besides the store, a plain
// database/sql handle on the same database (to tamper with it).
func eachRaw(t *testing.T, fn func(t *testing.T, db *store.DB, raw *sql.DB, rebind func(string) string)) {
	open := func(t *testing.T, dsn, driver, rawDSN string, rebind func(string) string) {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		raw, err := sql.Open(driver, rawDSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		fn(t, db, raw, rebind)
	}
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "raw.db")
		open(t, path, "sqlite3", "file:"+path+"?_busy_timeout=10000", func(s string) string { return s })
	})
	t.Run("postgres", func(t *testing.T) {
		url := storetest.PostgresURL(t)
		open(t, url, "pgx", url, func(s string) string {
			n := 0
			var b strings.Builder
			for _, c := range s {
				if c == '?' {
					n++
					b.WriteString("$" + string(rune('0'+n)))
					continue
				}
				b.WriteRune(c)
			}
			return b.String()
		})
	})
}

func mustAccount(t *testing.T, db *store.DB, by *auth.Account, username string, role auth.Role, code string) *auth.Account {
	t.Helper()
	a := &auth.Account{Username: username, DisplayName: "测试" + username, Role: role, RegionCode: code}
	if role == auth.RoleDepartment {
		a.Department = auth.DeptEducation
	}
	if err := db.CreateAccount(ctx, by, a, "secret-"+username+"-9"); err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	return a
}

func entries(t *testing.T, db *store.DB, f store.AuditFilter) []audit.Entry {
	t.Helper()
	f.Limit = 500
	p, err := db.AuditEntries(ctx, store.Everywhere, f)
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

func TestAccountsManagedWithinRegion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		cli := store.WithActor(ctx, store.Actor{Role: "system", IP: "cli"})
		admin := mustAccount(t, db, nil, "county-admin", auth.RoleAdmin, "141121000000")
		actx := store.WithActor(ctx, store.ActorOf(admin, "10.0.0.1"))
		cadre := mustAccount(t, db, admin, "cadre1", auth.RoleVillageCadre, village)
		if cadre.ID == 0 || cadre.RegionCode != village {
			t.Fatalf("created %+v", cadre)
		}
		// Refusals, each with the right code (and field).
		for _, tc := range []struct {
			name  string
			by    *auth.Account
			a     auth.Account
			pw    string
			code  apperr.Code
			field string
		}{
			{"taken username", admin, auth.Account{Username: "CADRE1", DisplayName: "重名", Role: auth.RoleVillageCadre, RegionCode: village}, "good-pass-123", apperr.Conflict, "username"},
			{"weak password", admin, auth.Account{Username: "weak", DisplayName: "弱", Role: auth.RoleVillageCadre, RegionCode: village}, "password123", apperr.Invalid, "password"},
			{"wrong level", admin, auth.Account{Username: "lvl", DisplayName: "级", Role: auth.RoleVillageCadre, RegionCode: "141121104000"}, "good-pass-123", apperr.Invalid, "region_code"},
			{"unknown village", admin, auth.Account{Username: "nov", DisplayName: "无", Role: auth.RoleVillageCadre, RegionCode: "141121104299"}, "good-pass-123", apperr.Invalid, "region_code"},
			{"out of region", admin, auth.Account{Username: "far", DisplayName: "远", Role: auth.RoleTownship, RegionCode: "141122100000"}, "good-pass-123", apperr.NotFound, ""},
			{"peer admin", admin, auth.Account{Username: "peer", DisplayName: "同级", Role: auth.RoleAdmin, RegionCode: "141121000000"}, "good-pass-123", apperr.Forbidden, ""},
			{"by a cadre", cadre, auth.Account{Username: "xx1", DisplayName: "村", Role: auth.RoleVillageCadre, RegionCode: village}, "good-pass-123", apperr.Forbidden, ""},
		} {
			a := tc.a
			err := db.CreateAccount(actx, tc.by, &a, tc.pw)
			if !apperr.Is(err, tc.code) {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
				continue
			}
			if tc.field != "" && (len(apperr.FieldsOf(err)) == 0 || apperr.FieldsOf(err)[0].Field != tc.field) {
				t.Errorf("%s: fields %+v, want %s", tc.name, apperr.FieldsOf(err), tc.field)
			}
		}
		// A township admin may make a township auditor but not see the county's accounts.
		tadmin := mustAccount(t, db, admin, "town-admin", auth.RoleAdmin, "141121104000")
		mustAccount(t, db, tadmin, "town-cadre", auth.RoleVillageCadre, "141121104202")
		if _, err := db.Account(ctx, store.ScopeOf(tadmin.RegionCode), admin.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("township admin read the county admin: %v", err)
		}
		if err := db.SetAccountDisabled(actx, tadmin, admin.ID, true); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("township admin disabled the county admin: %v", err)
		}
		if err := db.SetAccountDisabled(actx, admin, admin.ID, true); !apperr.Is(err, apperr.NotFound) && !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("admin disabled itself: %v", err)
		}
		list, err := db.ListAccounts(ctx, store.ScopeOf("141121104000"), store.AccountFilter{})
		if err != nil || len(list) != 3 {
			t.Fatalf("township list: %d %v", len(list), err)
		}
		for _, a := range list {
			if !strings.HasPrefix(a.RegionCode, "141121104") || a.RegionName == "" {
				t.Fatalf("listed %+v", a)
			}
		}
		if l, _ := db.ListAccounts(ctx, store.ScopeOf("141121000000"), store.AccountFilter{Q: "测试cad"}); len(l) != 1 {
			t.Fatalf("search by name: %d", len(l))
		}

		// Update: role and region move together, both inside the admin's region.
		up := *cadre
		up.Role, up.RegionCode, up.DisplayName = auth.RoleTownship, "141121104000", "<b>新名</b>"
		old, err := db.UpdateAccount(actx, admin, &up)
		if err != nil || old.Role != auth.RoleVillageCadre {
			t.Fatalf("update: %v %+v", err, old)
		}
		up.RegionCode = "141122100000"
		if _, err := db.UpdateAccount(actx, admin, &up); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("moved out of region: %v", err)
		}
		// Disable ends sessions; reset password unlocks.
		_, secret, err := db.Login(cli, "cadre1", "secret-cadre1-9", auth.DefaultLoginPolicy, "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetAccountDisabled(actx, admin, cadre.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionAccount(ctx, secret); !apperr.Is(err, apperr.Unauthenticated) {
			t.Fatalf("session of a disabled account: %v", err)
		}
		if _, _, err := db.Login(cli, "cadre1", "secret-cadre1-9", auth.DefaultLoginPolicy, "test"); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("login of a disabled account: %v", err)
		}
		if err := db.SetAccountDisabled(actx, admin, cadre.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := db.ResetPassword(actx, admin, cadre.ID, "brand-new-77"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Login(cli, "cadre1", "brand-new-77", auth.DefaultLoginPolicy, "test"); err != nil {
			t.Fatalf("login after reset: %v", err)
		}
		// Each step is in the trail, by the administrator, with masked old/new values.
		got := map[audit.Action]int{}
		for _, e := range entries(t, db, store.AuditFilter{Object: "account", ObjectID: itoa(cadre.ID)}) {
			got[e.Action]++
			if e.Action == audit.ActUpdate {
				if e.Actor != "county-admin" || e.IP != "10.0.0.1" || !strings.Contains(string(e.New), "<b>新名</b>") || !strings.Contains(string(e.Old), "village_cadre") {
					t.Fatalf("update entry %+v", e)
				}
				if strings.Contains(string(e.New), "password") {
					t.Fatal("password hash in the trail")
				}
			}
		}
		for _, a := range []audit.Action{audit.ActCreate, audit.ActUpdate, audit.ActAccountDisable, audit.ActAccountEnable, audit.ActPasswordReset, audit.ActLogin} {
			if got[a] == 0 {
				t.Errorf("no %s entry: %v", a, got)
			}
		}
	})
}

func TestLoginLockoutAndSessionExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		clk := clock.NewManual(t0)
		db.Clock = clk
		mustAccount(t, db, nil, "cadre", auth.RoleVillageCadre, village)
		web := store.WithActor(ctx, store.Actor{IP: "192.0.2.7"})
		pol := auth.LoginPolicy{MaxFailures: 3, LockFor: 15 * time.Minute}

		if _, _, err := db.Login(web, "nobody", "whatever1", pol, ""); err != store.ErrBadLogin {
			t.Fatalf("unknown user: %v", err)
		}
		for i := 1; i <= 3; i++ {
			_, _, err := db.Login(web, "cadre", "wrong-pass-1", pol, "")
			want := apperr.Unauthenticated
			if i == 3 {
				want = apperr.RateLimited
			}
			if !apperr.Is(err, want) {
				t.Fatalf("failure %d: %v, want %s", i, err, want)
			}
		}
		// Locked: even the right password is refused, without being checked.
		if _, _, err := db.Login(web, "cadre", "secret-cadre-9", pol, ""); !apperr.Is(err, apperr.RateLimited) || !strings.Contains(apperr.MessageOf(err), "锁定") {
			t.Fatalf("during the lock: %v", err)
		}
		clk.Advance(15*time.Minute + time.Second)
		acc, secret, err := db.Login(web, "cadre", "secret-cadre-9", pol, "Mozilla")
		if err != nil || acc.Username != "cadre" || !auth.WellFormedSecret(secret) {
			t.Fatalf("after the lock: %v", err)
		}
		a2, _ := db.AccountByUsername(ctx, "cadre")
		if a2.FailedLogins != 0 || !a2.LockedUntil.IsZero() || !a2.LastLoginAt.Equal(clk.Now().Truncate(time.Microsecond)) {
			t.Fatalf("counters after success: %+v", a2)
		}
		var fails, locks int
		for _, e := range entries(t, db, store.AuditFilter{}) {
			switch e.Action {
			case audit.ActLoginFailed:
				fails++
				if e.IP != "192.0.2.7" {
					t.Fatalf("failed login without the address: %+v", e)
				}
			case audit.ActLockout:
				locks++
			}
		}
		if fails != 5 || locks != 1 {
			t.Fatalf("trail: %d failed logins, %d lockouts", fails, locks)
		}

		// Idle expiry: used every 20 minutes the session lives; 31 idle minutes end it.
		for i := 0; i < 3; i++ {
			clk.Advance(20 * time.Minute)
			if _, _, err := db.SessionAccount(ctx, secret); err != nil {
				t.Fatalf("session after %d×20 min: %v", i+1, err)
			}
		}
		clk.Advance(auth.SessionIdle + time.Second)
		if _, _, err := db.SessionAccount(ctx, secret); err != store.ErrSessionExpired {
			t.Fatalf("idle session: %v", err)
		}
		// Absolute expiry: a session used all day still ends after 12 hours.
		_, secret, err = db.Login(web, "cadre", "secret-cadre-9", pol, "")
		if err != nil {
			t.Fatal(err)
		}
		start := clk.Now()
		for clk.Now().Sub(start) < auth.SessionAbsolute-20*time.Minute {
			clk.Advance(20 * time.Minute)
			if _, _, err := db.SessionAccount(ctx, secret); err != nil {
				t.Fatalf("session at %v: %v", clk.Now().Sub(start), err)
			}
		}
		clk.Advance(20 * time.Minute)
		if _, _, err := db.SessionAccount(ctx, secret); err != store.ErrSessionExpired {
			t.Fatalf("session past the absolute limit: %v", err)
		}
		// Logout ends the session and is recorded; purge removes the expired.
		_, secret, _ = db.Login(web, "cadre", "secret-cadre-9", pol, "")
		if err := db.Logout(web, secret); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionAccount(ctx, secret); err != store.ErrSessionExpired {
			t.Fatalf("after logout: %v", err)
		}
		if len(entries(t, db, store.AuditFilter{Action: audit.ActLogout})) != 1 {
			t.Fatal("logout not recorded")
		}
		_, _, _ = db.Login(web, "cadre", "secret-cadre-9", pol, "")
		clk.Advance(auth.SessionAbsolute)
		if n, err := db.PurgeSessions(ctx); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		// Changing one's own password ends the other sessions.
		a, s1, _ := db.Login(web, "cadre", "secret-cadre-9", pol, "")
		_, s2, _ := db.Login(web, "cadre", "secret-cadre-9", pol, "")
		if err := db.ChangePassword(web, a.ID, "wrong-one-1", "another-pass-5", auth.HashSecret(s1)); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("change with a wrong current password: %v", err)
		}
		if err := db.ChangePassword(web, a.ID, "secret-cadre-9", "another-pass-5", auth.HashSecret(s1)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.SessionAccount(ctx, s1); err != nil {
			t.Fatalf("the changing session ended: %v", err)
		}
		if _, _, err := db.SessionAccount(ctx, s2); err == nil {
			t.Fatal("another session survived a password change")
		}
	})
}

func TestAPITokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		clk := clock.NewManual(t0)
		db.Clock = clk
		admin := mustAccount(t, db, nil, "admin", auth.RoleAdmin, "141121000000")
		dept := mustAccount(t, db, admin, "edu", auth.RoleDepartment, "141121000000")
		far := mustAccount(t, db, nil, "far", auth.RoleTownship, "141122100000")
		if _, _, err := db.IssueToken(ctx, admin, far.ID, "x", time.Time{}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("token for an account outside the region: %v", err)
		}
		if _, _, err := db.IssueToken(ctx, admin, dept.ID, " ", time.Time{}); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("token without a purpose: %v", err)
		}
		plain, tok, err := db.IssueToken(ctx, admin, dept.ID, "学籍比对", clk.Now().Add(24*time.Hour))
		if err != nil || !auth.WellFormedAPIToken(plain) || !strings.HasPrefix(plain, strings.TrimSuffix(tok.Hint, "…")) {
			t.Fatalf("issue: %v %q %+v", err, plain, tok)
		}
		acc, _, err := db.TokenAccount(ctx, plain)
		if err != nil || acc.ID != dept.ID {
			t.Fatalf("token account: %v", err)
		}
		if _, _, err := db.TokenAccount(ctx, plain+"x"); err != store.ErrBadToken {
			t.Fatalf("bad token: %v", err)
		}
		list, _ := db.Tokens(ctx, store.ScopeOf("141121000000"), 0)
		if len(list) != 1 || list[0].LastUsedAt.IsZero() || list[0].Username != "edu" {
			t.Fatalf("tokens: %+v", list)
		}
		if l, _ := db.Tokens(ctx, store.ScopeOf("141122000000"), 0); len(l) != 0 {
			t.Fatal("tokens listed outside the region")
		}
		clk.Advance(25 * time.Hour)
		if _, _, err := db.TokenAccount(ctx, plain); err != store.ErrBadToken {
			t.Fatalf("expired token: %v", err)
		}
		plain, tok, _ = db.IssueToken(ctx, admin, dept.ID, "长期", time.Time{})
		if err := db.RevokeToken(ctx, admin, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.TokenAccount(ctx, plain); err != store.ErrBadToken {
			t.Fatalf("revoked token: %v", err)
		}
		if len(entries(t, db, store.AuditFilter{Action: audit.ActTokenRevoke})) != 1 || len(entries(t, db, store.AuditFilter{Action: audit.ActTokenIssue})) != 2 {
			t.Fatal("token issue/revoke not recorded")
		}
	})
}

// TestAuditTrailOfRegistryWrites: each registry write leaves its entry in the
// same transaction (a refused write leaves none), with masked personal data,
// and the trail is scoped by region.
func TestAuditTrailOfRegistryWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		cadre := &auth.Account{ID: 7, Username: "cadre", Role: auth.RoleVillageCadre}
		c := store.WithActor(ctx, store.ActorOf(cadre, "198.51.100.4"))
		sc := store.ScopeOf(village)
		h := &registry.Household{RegionCode: village, Number: "A1", Category: "lifted", Phone: "13912345678"}
		head := person("王建国", "head", time.Date(1970, 5, 1, 0, 0, 0, 0, time.UTC), 11)
		if err := db.CreateHousehold(c, sc, h, []registry.Member{head}); err != nil {
			t.Fatal(err)
		}
		before := entries(t, db, store.AuditFilter{})
		if len(before) != 2 {
			t.Fatalf("create wrote %d entries", len(before))
		}
		// A refused write leaves no entry.
		if err := db.CreateHousehold(c, sc, &registry.Household{RegionCode: village, Number: "A1", Category: "lifted"}, nil); err == nil {
			t.Fatal("duplicate number accepted")
		}
		if n := len(entries(t, db, store.AuditFilter{})); n != 2 {
			t.Fatalf("refused write left entries: %d", n)
		}
		got, _ := db.Household(ctx, sc, h.ID)
		m := got.Members[0]
		m.Health = "chronic"
		m.IDNumber = person("王建国", "head", time.Date(1970, 5, 1, 0, 0, 0, 0, time.UTC), 13).IDNumber
		if _, err := db.UpdateMember(c, sc, &m); err != nil {
			t.Fatal(err)
		}
		es := entries(t, db, store.AuditFilter{Object: "member", ObjectID: itoa(m.ID)})
		if len(es) != 2 || es[0].Action != audit.ActUpdate {
			t.Fatalf("member entries: %+v", es)
		}
		var oldV, newV map[string]any
		json.Unmarshal(es[0].Old, &oldV)
		json.Unmarshal(es[0].New, &newV)
		if oldV["health"] != "healthy" || newV["health"] != "chronic" || len(newV) != 2 {
			t.Fatalf("diff: old %v new %v", oldV, newV)
		}
		if s, _ := newV["id_number"].(string); !strings.Contains(s, "****") || strings.Contains(string(es[0].New), m.IDNumber) {
			t.Fatalf("ID number not masked in the trail: %s", es[0].New)
		}
		if es[0].Actor != "cadre" || es[0].ActorID != 7 || es[0].Role != "village_cadre" || es[0].IP != "198.51.100.4" || es[0].Region != village {
			t.Fatalf("entry: %+v", es[0])
		}
		got.Phone = "13800001111"
		if _, err := db.UpdateHousehold(c, sc, got); err != nil {
			t.Fatal(err)
		}
		e := entries(t, db, store.AuditFilter{Object: "household", Action: audit.ActUpdate})[0]
		if !strings.Contains(string(e.New), "138****1111") || strings.Contains(string(e.New), "13800001111") {
			t.Fatalf("phone not masked: %s", e.New)
		}
		// Scoped: another village's auditor sees none of it; the township's sees all.
		p, _ := db.AuditEntries(ctx, store.ScopeOf("141121104202"), store.AuditFilter{})
		if len(p.Items) != 0 {
			t.Fatalf("other village sees %d entries", len(p.Items))
		}
		p, _ = db.AuditEntries(ctx, store.ScopeOf("141121104000"), store.AuditFilter{Actor: "cadre", Limit: 2})
		if len(p.Items) != 2 || p.Next == 0 {
			t.Fatalf("township page: %d next %d", len(p.Items), p.Next)
		}
		p2, _ := db.AuditEntries(ctx, store.ScopeOf("141121104000"), store.AuditFilter{Actor: "cadre", Limit: 2, Before: p.Next})
		if len(p2.Items) != 2 || p2.Items[0].Seq >= p.Items[1].Seq {
			t.Fatalf("second page: %+v", p2.Items)
		}
		if p, _ := db.AuditEntries(ctx, store.Everywhere, store.AuditFilter{From: t0.Add(time.Hour)}); len(p.Items) != 0 {
			t.Fatal("date filter")
		}
		// A bulk load is one entry.
		n0 := len(entries(t, db, store.AuditFilter{}))
		err := db.BulkLoad(c, func(l *store.Loader) error {
			return l.Add([]*registry.Household{
				{County: "141121", RegionCode: village, Number: "B1", Category: "ordinary", Members: []registry.Member{person("李一", "head", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), 31)}},
				{County: "141121", RegionCode: "141121104202", Number: "B2", Category: "ordinary"},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		es = entries(t, db, store.AuditFilter{})
		if len(es) != n0+1 || es[0].Action != audit.ActImport || es[0].Region != "141121104000" || !strings.Contains(es[0].Detail, "2户1人") {
			t.Fatalf("bulk entry: %+v", es[0])
		}
		if _, n, err := db.VerifyAudit(ctx); err != nil || n != int64(len(es)) {
			t.Fatalf("verify: %d %v", n, err)
		}
	})
}

// TestAuditVerifyCatchesTampering edits, then deletes, rows of the real
// audit table and expects verification to name the entry.
func TestAuditVerifyCatchesTampering(t *testing.T) {
	eachRaw(t, func(t *testing.T, db *store.DB, raw *sql.DB, rebind func(string) string) {
		db.SetAuditKey([]byte("0123456789abcdef0123456789abcdef"))
		seed(t, db)
		for i := 0; i < 6; i++ {
			if err := db.Record(ctx, store.Change{Action: audit.ActExport, Object: "household", Region: village, Detail: "导出" + itoa(int64(i))}); err != nil {
				t.Fatal(err)
			}
		}
		head, n, err := db.VerifyAudit(ctx)
		if err != nil || n != 6 || head.Seq != 6 {
			t.Fatalf("clean chain: %v %d %+v", err, n, head)
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := raw.Exec(rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		var chainErr *audit.ChainError
		// Edit entry 3.
		exec(`UPDATE audit_log SET detail = ? WHERE seq = ?`, "导出99", 3)
		if _, _, err := db.VerifyAudit(ctx); !errors.As(err, &chainErr) || chainErr.Seq != 3 || chainErr.Problem != audit.Edited {
			t.Fatalf("edited entry: %v", err)
		}
		exec(`UPDATE audit_log SET detail = ? WHERE seq = ?`, "导出2", 3)
		if _, _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatalf("restored: %v", err)
		}
		// Recomputing the hash without the key does not help.
		e := entries(t, db, store.AuditFilter{})[3] // seq 3 (newest first: 6,5,4,3)
		e.Detail = "导出99"
		h, _ := audit.NewChain(nil).Hash(e)
		exec(`UPDATE audit_log SET detail = ?, hash = ? WHERE seq = ?`, "导出99", h, 3)
		if _, _, err := db.VerifyAudit(ctx); !errors.As(err, &chainErr) || chainErr.Seq != 3 {
			t.Fatalf("rehashed entry: %v", err)
		}
		exec(`UPDATE audit_log SET detail = ?, hash = ? WHERE seq = ?`, "导出2", entries(t, db, store.AuditFilter{})[2].PrevHash, 3)
		if _, _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatalf("restored: %v", err)
		}
		// Deleting the newest entries is caught by the head record.
		exec(`DELETE FROM audit_log WHERE seq >= ?`, 5)
		if _, _, err := db.VerifyAudit(ctx); !errors.As(err, &chainErr) || chainErr.Problem != audit.Truncated || chainErr.Seq != 5 {
			t.Fatalf("truncated chain: %v", err)
		}
		// Deleting one in the middle is named.
		exec(`DELETE FROM audit_log WHERE seq = ?`, 2)
		if _, _, err := db.VerifyAudit(ctx); !errors.As(err, &chainErr) || chainErr.Seq != 2 || chainErr.Problem != audit.Missing || !strings.Contains(chainErr.Message, "第2条") {
			t.Fatalf("deleted entry: %v", err)
		}
	})
}

func TestSummaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		county := store.ScopeOf("141121000000")
		for i, v := range []struct{ village, cat, mt string }{{village, "lifted", ""}, {village, "monitored", "marginal"}, {"141121104202", "ordinary", ""}} {
			h := &registry.Household{RegionCode: v.village, Number: "S" + itoa(int64(i)), Category: v.cat, MonitorType: v.mt}
			if err := db.CreateHousehold(ctx, county, h, []registry.Member{person("张"+string(rune('甲'+i)), "head", time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), 40+i)}); err != nil {
				t.Fatal(err)
			}
		}
		s, err := db.Summary(ctx, county, "141121104")
		if err != nil || s.Households != 3 || s.Members != 3 || s.ByCategory["lifted"] != 1 || s.ByMonitorType["marginal"] != 1 || s.Region.Name != "刘胡兰镇" {
			t.Fatalf("summary: %v %+v", err, s)
		}
		if _, err := db.Summary(ctx, store.ScopeOf(village), "141121104000"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("summary above the scope: %v", err)
		}
		kids, err := db.ChildSummaries(ctx, county, "141121104000")
		if err != nil || len(kids) != 2 || kids[0].Households != 2 || kids[1].Households != 1 || kids[0].Name != "东堡村" {
			t.Fatalf("children: %v %+v", err, kids)
		}
		kids, err = db.ChildSummaries(ctx, county, "141121000000")
		if err != nil || len(kids) < 10 {
			t.Fatalf("townships: %v %d", err, len(kids))
		}
		for _, k := range kids {
			if (k.Code == "141121104000") != (k.Households == 3) {
				t.Fatalf("township counts: %+v", k)
			}
		}
	})
}

func itoa(n int64) string { return strings.TrimSpace(jsonNumber(n)) }

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestAuditConcurrentWriters: writers appending at the same time (several
// connections on PostgreSQL) leave one chain without gaps or forks.
func TestAuditConcurrentWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		db.SetAuditKey([]byte("0123456789abcdef0123456789abcdef"))
		const writers, each = 8, 10
		errs := make(chan error, writers)
		for w := 0; w < writers; w++ {
			go func(w int) {
				var err error
				for i := 0; i < each && err == nil; i++ {
					err = db.Record(ctx, store.Change{Action: audit.ActExport, Object: "household", Detail: "并发" + itoa(int64(w))})
				}
				errs <- err
			}(w)
		}
		for w := 0; w < writers; w++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		head, n, err := db.VerifyAudit(ctx)
		if err != nil || n != writers*each || head.Seq != writers*each {
			t.Fatalf("chain after concurrent writes: %v, %d entries, head %d", err, n, head.Seq)
		}
	})
}
