package main

// Accounts, API tokens and the audit trail on the command line, the audit
// key file, and the demo accounts.

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/auth"
	"sanbao/internal/demo"
	"sanbao/internal/region"
	"sanbao/internal/store"
	"sanbao/internal/web"
)

// The audit key seals the audit trail (HMAC-SHA256; see package audit): it
// lives outside the database, so that whoever holds only the database (or a
// backup of it) cannot rewrite the trail without detection. The server's
// anti-forgery key is derived from it.

// auditKeyPath is where the key file is: the flag, else
// SANBAO_AUDIT_KEY_FILE, else next to a SQLite file (sanbao.db →
// sanbao.db.audit-key), else (PostgreSQL) sanbao/audit.key in the user's
// configuration directory.
func auditKeyPath(dsn, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p := os.Getenv("SANBAO_AUDIT_KEY_FILE"); p != "" {
		return p, nil
	}
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return strings.TrimPrefix(dsn, "sqlite:") + ".audit-key", nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", apperr.New(apperr.Invalid, "找不到存放审计密钥的目录，请用 --audit-key 或环境变量 SANBAO_AUDIT_KEY_FILE 指定密钥文件")
	}
	return filepath.Join(dir, "sanbao", "audit.key"), nil
}

// useAuditKey reads the key file and sets the key on db. A missing file is
// created with a new random key, but only while the audit trail is empty:
// a trail sealed with a lost key must not silently continue under another.
func useAuditKey(ctx context.Context, db *store.DB, dsn, flagValue string, out io.Writer) ([]byte, error) {
	path, err := auditKeyPath(dsn, flagValue)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) < 32 {
			return nil, apperr.New(apperr.Invalid, "审计密钥文件%s格式不正确（应为至少64位十六进制数字）", path)
		}
		db.SetAuditKey(key)
		return key, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("审计密钥文件%s无法读取: %w", path, err)
	}
	head, err := db.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	if head.Seq > 0 {
		return nil, apperr.New(apperr.Invalid, "审计密钥文件%s不存在，但数据库中已有%d条审计记录：请恢复原密钥文件（或用 --audit-key 指定其位置），否则无法继续记录和核验", path, head.Seq)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("审计密钥文件%s无法创建: %w", path, err)
	}
	if _, err := fmt.Fprintln(f, hex.EncodeToString(key)); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	if out != nil {
		fmt.Fprintf(out, "已生成审计密钥 %s：请与数据库分开备份保管（丢失后无法核验审计记录）\n", path)
	}
	db.SetAuditKey(key)
	return key, nil
}

// deriveKey derives a key for another purpose from the audit key.
func deriveKey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("sanbao/" + purpose))
	return m.Sum(nil)
}

func keyFlag(fs *flag.FlagSet) *string {
	return fs.String("audit-key", "", "audit key file (env SANBAO_AUDIT_KEY_FILE; default: next to the SQLite file)")
}

// cliActor marks the command line's writes in the audit trail.
func cliActor(ctx context.Context) context.Context {
	return store.WithActor(ctx, store.Actor{Role: "system", IP: "cli"})
}

// subcommands runs the subcommand named by args[0].
func subcommands(ctx context.Context, e *env, name string, args []string, subs map[string]func(ctx context.Context, e *env, args []string) error, order []string) error {
	if len(args) == 0 || subs[args[0]] == nil {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintf(e.stdout, "usage: sanbao %s %s [flags]\n", name, strings.Join(order, "|"))
			return nil
		}
		fmt.Fprintf(e.stderr, "usage: sanbao %s %s [flags]\n", name, strings.Join(order, "|"))
		return errUsage
	}
	return subs[args[0]](ctx, e, args[1:])
}

// passwordFrom returns --password, a line of stdin (--password-stdin), or a
// generated password (generated reports which).
func passwordFrom(e *env, given string, fromStdin bool) (pw string, generated bool, err error) {
	switch {
	case given != "" && fromStdin:
		return "", false, apperr.New(apperr.Invalid, "--password 与 --password-stdin 只能用一个")
	case given != "":
		return given, false, nil
	case fromStdin:
		in := e.stdin
		if in == nil {
			in = os.Stdin
		}
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && line == "" {
			return "", false, apperr.New(apperr.Invalid, "未能从标准输入读到密码")
		}
		return strings.TrimRight(line, "\r\n"), false, nil
	}
	return web.GeneratePassword(), true, nil
}

type userFlags struct {
	dsn, key *string
}

func userFlagSet(e *env, name, usageLine string) (*flag.FlagSet, userFlags) {
	fs := flagSet(e, name, usageLine)
	return fs, userFlags{dsn: dbFlag(fs, e), key: keyFlag(fs)}
}

func (u userFlags) open(ctx context.Context, e *env) (*store.DB, error) {
	db, _, err := openDBKey(ctx, *u.dsn, *u.key, e.stdout)
	return db, err
}

func userAdd(ctx context.Context, e *env, args []string) error {
	fs, uf := userFlagSet(e, "user add", "--username U --name 姓名 --role ROLE --region CODE [--department D] [--password P | --password-stdin]")
	var a auth.Account
	var role, dept, password string
	var stdin bool
	fs.StringVar(&a.Username, "username", "", "login name: 3–32 of a–z 0–9 . _ -")
	fs.StringVar(&a.DisplayName, "name", "", "the person's name (姓名)")
	fs.StringVar(&role, "role", "", "role: "+roleCodes())
	fs.StringVar(&a.RegionCode, "region", "", "region code (2, 4, 6, 9 or 12 digits) the account belongs to")
	fs.StringVar(&dept, "department", "", "department of a department account: "+deptCodes())
	fs.StringVar(&a.Phone, "phone", "", "phone (optional)")
	fs.StringVar(&password, "password", "", "password (default: generate one and print it)")
	fs.BoolVar(&stdin, "password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fs, args); err != nil {
		return err
	}
	var ok bool
	if a.Role, ok = auth.ParseRole(role); !ok {
		return apperr.Field("role", "角色", "“%s”不是有效的角色，应为：%s", role, roleCodes())
	}
	if dept != "" {
		if a.Department, ok = auth.ParseDepartment(dept); !ok {
			return apperr.Field("department", "部门", "“%s”不是有效的部门，应为：%s", dept, deptCodes())
		}
	}
	pw, generated, err := passwordFrom(e, password, stdin)
	if err != nil {
		return err
	}
	db, err := uf.open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CreateAccount(cliActor(ctx), nil, &a, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已新增账号 %s（%s，%s，%s）\n", a.Username, a.DisplayName, a.Role.Label(), a.RegionCode)
	if generated {
		fmt.Fprintf(e.stdout, "初始密码：%s（只显示这一次，请转交本人并提醒登录后修改）\n", pw)
	}
	return nil
}

func roleCodes() string {
	var out []string
	for _, r := range auth.Roles() {
		out = append(out, string(r)+"("+r.Label()+")")
	}
	return strings.Join(out, ", ")
}

func deptCodes() string {
	var out []string
	for _, d := range auth.Departments() {
		out = append(out, string(d)+"("+d.Label()+")")
	}
	return strings.Join(out, ", ")
}

func userList(ctx context.Context, e *env, args []string) error {
	fs, uf := userFlagSet(e, "user list", "[--region CODE] [--role ROLE]")
	reg := fs.String("region", "", "only accounts in this region's subtree")
	role := fs.String("role", "", "only accounts of this role")
	if err := parse(fs, args); err != nil {
		return err
	}
	f := store.AccountFilter{Region: *reg, Limit: 500}
	if *role != "" {
		r, ok := auth.ParseRole(*role)
		if !ok {
			return apperr.Field("role", "角色", "“%s”不是有效的角色", *role)
		}
		f.Role = r
	}
	db, err := uf.open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\t用户名\t姓名\t角色\t区划\t状态\t最近登录")
	for {
		rows, err := db.ListAccounts(ctx, store.Everywhere, f)
		if err != nil {
			return err
		}
		for _, a := range rows {
			state := "正常"
			switch {
			case a.Disabled:
				state = "已停用"
			case a.Locked(time.Now()):
				state = "已锁定"
			}
			role := a.Role.Label()
			if a.Department != "" {
				role += "（" + a.Department.Label() + "）"
			}
			last := "-"
			if !a.LastLoginAt.IsZero() {
				last = a.LastLoginAt.Local().Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s %s\t%s\t%s\n", a.ID, a.Username, a.DisplayName, role, a.RegionCode, a.RegionName, state, last)
		}
		if len(rows) < f.Limit {
			break
		}
		f.Offset += f.Limit
	}
	return tw.Flush()
}

// userByName opens the database and finds an account.
func userByName(ctx context.Context, e *env, uf userFlags, username string) (*store.DB, *auth.Account, error) {
	if username == "" {
		return nil, nil, apperr.Field("username", "用户名", "请用 --username 指定账号")
	}
	db, err := uf.open(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	a, err := db.AccountByUsername(ctx, username)
	if err != nil {
		db.Close()
		return nil, nil, apperr.New(apperr.NotFound, "账号%s不存在", username)
	}
	return db, a, nil
}

func userSetDisabled(disabled bool) func(ctx context.Context, e *env, args []string) error {
	name := "enable"
	if disabled {
		name = "disable"
	}
	return func(ctx context.Context, e *env, args []string) error {
		fs, uf := userFlagSet(e, "user "+name, "--username U")
		username := fs.String("username", "", "the account")
		if err := parse(fs, args); err != nil {
			return err
		}
		db, a, err := userByName(ctx, e, uf, *username)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.SetAccountDisabled(cliActor(ctx), nil, a.ID, disabled); err != nil {
			return err
		}
		if disabled {
			fmt.Fprintf(e.stdout, "账号 %s 已停用，其登录已全部退出\n", a.Username)
		} else {
			fmt.Fprintf(e.stdout, "账号 %s 已启用\n", a.Username)
		}
		return nil
	}
}

func userResetPassword(ctx context.Context, e *env, args []string) error {
	fs, uf := userFlagSet(e, "user reset-password", "--username U [--password P | --password-stdin]")
	username := fs.String("username", "", "the account")
	password := fs.String("password", "", "new password (default: generate one and print it)")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parse(fs, args); err != nil {
		return err
	}
	pw, generated, err := passwordFrom(e, *password, *stdin)
	if err != nil {
		return err
	}
	db, a, err := userByName(ctx, e, uf, *username)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.ResetPassword(cliActor(ctx), nil, a.ID, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "账号 %s 的密码已重置并解除锁定，其登录已全部退出\n", a.Username)
	if generated {
		fmt.Fprintf(e.stdout, "新密码：%s（只显示这一次）\n", pw)
	}
	return nil
}

func userUnlock(ctx context.Context, e *env, args []string) error {
	fs, uf := userFlagSet(e, "user unlock", "--username U")
	username := fs.String("username", "", "the account")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, a, err := userByName(ctx, e, uf, *username)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.UnlockAccount(cliActor(ctx), nil, a.ID); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "账号 %s 已解除锁定\n", a.Username)
	return nil
}

func tokenIssue(ctx context.Context, e *env, args []string) error {
	fs, uf := userFlagSet(e, "token issue", "--username U --name 用途 [--days N]")
	username := fs.String("username", "", "the account the client acts as (its role and region)")
	name := fs.String("name", "", "what the token is for, e.g. 教育局学籍比对")
	days := fs.Int("days", 365, "days until the token expires (0: never)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *days < 0 {
		return apperr.Field("days", "有效天数", "不能为负数")
	}
	db, a, err := userByName(ctx, e, uf, *username)
	if err != nil {
		return err
	}
	defer db.Close()
	var expires time.Time
	if *days > 0 {
		expires = time.Now().Add(time.Duration(*days) * 24 * time.Hour)
	}
	plain, tok, err := db.IssueToken(cliActor(ctx), nil, a.ID, *name, expires)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "已为 %s 签发接口令牌（编号 %d，%s）：\n%s\n令牌只显示这一次；客户端请求时加请求头 Authorization: Bearer <令牌>\n",
		a.Username, tok.ID, expiryText(tok.ExpiresAt), plain)
	return nil
}

func expiryText(t time.Time) string {
	if t.IsZero() {
		return "长期有效"
	}
	return "有效期至 " + t.Local().Format("2006-01-02")
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	fs, uf := userFlagSet(e, "token revoke", "--id N")
	id := fs.Int64("id", 0, "the token's number (sanbao token list)")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := uf.open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeToken(cliActor(ctx), nil, *id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "令牌 %d 已吊销\n", *id)
	return nil
}

func tokenList(ctx context.Context, e *env, args []string) error {
	fs, uf := userFlagSet(e, "token list", "[--username U]")
	username := fs.String("username", "", "only this account's tokens")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := uf.open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	var id int64
	if *username != "" {
		a, err := db.AccountByUsername(ctx, *username)
		if err != nil {
			return apperr.New(apperr.NotFound, "账号%s不存在", *username)
		}
		id = a.ID
	}
	toks, err := db.Tokens(ctx, store.Everywhere, id)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "编号\t账号\t用途\t令牌\t签发\t状态\t最近使用")
	now := time.Now()
	for _, t := range toks {
		state := expiryText(t.ExpiresAt)
		switch {
		case !t.RevokedAt.IsZero():
			state = "已吊销"
		case !t.Active(now):
			state = "已过期"
		}
		used := "-"
		if !t.LastUsedAt.IsZero() {
			used = t.LastUsedAt.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s %s\t%s\t%s\n", t.ID, t.Username, t.Name, t.Hint, t.CreatedAt.Local().Format("2006-01-02"), t.CreatedBy, state, used)
	}
	return tw.Flush()
}

// anchorFlags collects --anchor SEQ:HASH.
type anchorFlags []audit.Head

func (a *anchorFlags) String() string { return fmt.Sprint(*a) }

func (a *anchorFlags) Set(s string) error {
	seq, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n < 1 || len(hash) != 64 {
		return errors.New("want SEQ:HASH, e.g. 1024:9f2c…(64 hex digits)")
	}
	*a = append(*a, audit.Head{Seq: n, Hash: strings.ToLower(hash)})
	return nil
}

func auditVerify(ctx context.Context, e *env, args []string) error {
	fs, uf := userFlagSet(e, "audit verify", "[--anchor SEQ:HASH ...]")
	var anchors anchorFlags
	fs.Var(&anchors, "anchor", "a head recorded outside the database (repeatable): the chain must reach it unchanged")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, err := uf.open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	head, n, err := db.VerifyAudit(ctx, anchors...)
	var ce *audit.ChainError
	if errors.As(err, &ce) {
		return apperr.New(apperr.Conflict, "审计记录校验失败：%s（已核验%d条完好的记录，至第%d条）", ce.Message, n, head.Seq)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "审计记录完整：共%d条，哈希链无断裂。\n链头：%d:%s\n（可将链头抄录保存在数据库以外，日后用 --anchor 核验记录未被整体改写或截断）\n", n, head.Seq, head.Hash)
	return nil
}

func init() {
	register(command{"user", "manage accounts (sanbao user add|list|disable|enable|reset-password|unlock)", func(ctx context.Context, e *env, args []string) error {
		return subcommands(ctx, e, "user", args, map[string]func(context.Context, *env, []string) error{
			"add": userAdd, "list": userList, "disable": userSetDisabled(true), "enable": userSetDisabled(false),
			"reset-password": userResetPassword, "unlock": userUnlock,
		}, []string{"add", "list", "disable", "enable", "reset-password", "unlock"})
	}})
	register(command{"token", "API tokens (sanbao token issue|revoke|list)", func(ctx context.Context, e *env, args []string) error {
		return subcommands(ctx, e, "token", args, map[string]func(context.Context, *env, []string) error{
			"issue": tokenIssue, "revoke": tokenRevoke, "list": tokenList,
		}, []string{"issue", "revoke", "list"})
	}})
	register(command{"audit", "the audit trail (sanbao audit verify)", func(ctx context.Context, e *env, args []string) error {
		return subcommands(ctx, e, "audit", args, map[string]func(context.Context, *env, []string) error{
			"verify": auditVerify,
		}, []string{"verify"})
	}})
}

// Demo accounts: one per role, at sensible places of the demo county.

type demoAccount struct {
	username, name string
	role           auth.Role
	dept           auth.Department
	region         string // code, or "village" for the first village of 刘胡兰镇
}

var demoAccounts = []demoAccount{
	{"demo-village", "王村干", auth.RoleVillageCadre, "", "village"},
	{"demo-team", "李队员", auth.RoleWorkTeam, "", "village"},
	{"demo-town", "张乡干", auth.RoleTownship, "", demo.County + "104"},
	{"demo-edu", "赵教育", auth.RoleDepartment, auth.DeptEducation, demo.County},
	{"demo-county", "刘衔接", auth.RoleCountyOffice, "", demo.County},
	{"demo-city", "陈市级", auth.RoleCityViewer, "", demo.County[:4]},
	{"demo-province", "杨省级", auth.RoleProvinceViewer, "", demo.County[:2]},
	{"demo-auditor", "孙审计", auth.RoleAuditor, "", demo.County},
	{"demo-admin", "周管理", auth.RoleAdmin, "", demo.County},
}

// ensureDemoAccounts creates the demo accounts that do not exist yet and
// prints every one (passwords only when just created).
func ensureDemoAccounts(ctx context.Context, db *store.DB, out io.Writer) error {
	township := demo.County + "104000"
	kids, err := db.Children(ctx, township)
	if err != nil {
		return err
	}
	village := ""
	for _, k := range kids {
		if k.Level == region.Village {
			village = k.Code
			break
		}
	}
	fmt.Fprintln(out, "\n演示账号：")
	for _, d := range demoAccounts {
		code := d.region
		if code == "village" {
			if village == "" {
				continue
			}
			code = village
		}
		code, _ = region.Normalize(code)
		pw := "已设置"
		if _, err := db.AccountByUsername(ctx, d.username); apperr.Is(err, apperr.NotFound) {
			p := web.GeneratePassword()
			a := &auth.Account{Username: d.username, DisplayName: d.name, Role: d.role, Department: d.dept, RegionCode: code}
			if err := db.CreateAccount(cliActor(ctx), nil, a, p); err != nil {
				return err
			}
			pw = p
		} else if err != nil {
			return err
		}
		role := d.role.Label()
		if d.dept != "" {
			role += "（" + d.dept.Label() + "）"
		}
		names, _ := db.RegionPath(ctx, code)
		where := code
		if len(names) > 0 {
			where = names[len(names)-1].Name
		}
		fmt.Fprintf(out, "  %-14s 密码 %-14s %s，%s\n", d.username, pw, role, where)
	}
	fmt.Fprintln(out, "  密码只在账号新建时显示；忘记可用 sanbao user reset-password --username <用户名> 重置")
	return nil
}

// benchToken makes (once) a county-office account for benchmarks and issues
// it a token valid for a day.
func benchToken(ctx context.Context, db *store.DB) (string, error) {
	a, err := db.AccountByUsername(ctx, "bench-county")
	if apperr.Is(err, apperr.NotFound) {
		a = &auth.Account{Username: "bench-county", DisplayName: "性能测试", Role: auth.RoleCountyOffice, RegionCode: demo.County + "000000"}
		err = db.CreateAccount(cliActor(ctx), nil, a, web.GeneratePassword())
	}
	if err != nil {
		return "", err
	}
	plain, _, err := db.IssueToken(cliActor(ctx), nil, a.ID, "性能测试", time.Now().Add(24*time.Hour))
	return plain, err
}

// bearerTransport adds a bearer token to every request.
type bearerTransport struct {
	token string
	next  http.RoundTripper
}

func (t bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return t.next.RoundTrip(r)
}
