package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"sanbao/internal/audit"
)

// TestEveryAuditActionHasALabel reads the code that writes the audit trail
// (the store, the web layer and the command line) and checks that every
// action code it can record has a Chinese label in package audit, so that
// the audit pages never show a bare code: audit.ActX constants, constants
// and conversions of type audit.Action, and Action: "..." in a Change.
func TestEveryAuditActionHasALabel(t *testing.T) {
	fset := token.NewFileSet()
	// The values of package audit's constants, by name.
	consts := map[string]string{}
	af, err := parser.ParseFile(fset, filepath.Join("..", "audit", "audit.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range af.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	isAuditAction := func(e ast.Expr) bool {
		sel, ok := e.(*ast.SelectorExpr)
		if !ok {
			return false
		}
		x, ok := sel.X.(*ast.Ident)
		return ok && x.Name == "audit" && sel.Sel.Name == "Action"
	}
	str := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	used := map[string][]string{} // code → where
	use := func(code string, pos token.Pos) {
		used[code] = append(used[code], fset.Position(pos).String())
	}
	for _, dir := range []string{".", filepath.Join("..", "web"), filepath.Join("..", "..", "cmd", "sanbao")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			file, err := parser.ParseFile(fset, name, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr: // audit.ActSign
					if x, ok := n.X.(*ast.Ident); ok && x.Name == "audit" && isActConst(n.Sel.Name) {
						code, ok := consts[n.Sel.Name]
						if !ok {
							t.Errorf("%s: audit.%s is not a constant of package audit", fset.Position(n.Pos()), n.Sel.Name)
						}
						use(code, n.Pos())
					}
				case *ast.ValueSpec: // const ActX audit.Action = "x"
					if n.Type != nil && isAuditAction(n.Type) {
						for _, v := range n.Values {
							if s, ok := str(v); ok {
								use(s, v.Pos())
							}
						}
					}
				case *ast.CallExpr: // audit.Action("x")
					if isAuditAction(n.Fun) && len(n.Args) == 1 {
						if s, ok := str(n.Args[0]); ok {
							use(s, n.Pos())
						}
					}
				case *ast.KeyValueExpr: // Change{Action: "x"}
					if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Action" {
						if s, ok := str(n.Value); ok {
							use(s, n.Pos())
						}
					}
				}
				return true
			})
		}
	}
	var codes []string
	for c := range used {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		if a := audit.Action(c); !a.Known() || a.Label() == c {
			t.Errorf("audit action %q has no Chinese label in package audit (used at %s)", c, strings.Join(used[c], ", "))
		}
	}
	for _, want := range []string{"create", "update", "export", "run_rules", "sign"} {
		if used[want] == nil {
			t.Errorf("the scan did not find action %q: the test no longer sees the code it checks (%v)", want, codes)
		}
	}
}

// isActConst reports whether a name of package audit is one of its action
// constants (ActSign), not the type Action or the function Actions.
func isActConst(name string) bool {
	return len(name) > 3 && strings.HasPrefix(name, "Act") && name[3] >= 'A' && name[3] <= 'Z'
}
