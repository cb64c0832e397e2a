package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
	"sanbao/internal/ledger"
)

// MaxEvidenceBytes bounds one evidence file (a phone photo is 2–6 MB).
const MaxEvidenceBytes = 10 << 20

// EvidenceFile is a stored photo or document of a problem. The bytes are
// read separately (EvidenceData).
type EvidenceFile struct {
	Key         string    `json:"key"`
	ProblemID   int64     `json:"problem_id"`
	Kind        string    `json:"kind"` // ledger.EvidencePhoto or ledger.EvidenceFile
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	UploadedBy  int64     `json:"uploaded_by,omitempty"`
	Uploader    string    `json:"uploader"`
	CreatedAt   time.Time `json:"created_at"`
	Submitted   bool      `json:"submitted"` // attached to a submission
}

// evidenceTypes are the accepted contents, by what the bytes say (never by
// the name or the client's Content-Type). Scripts, HTML and SVG are refused.
var evidenceTypes = map[string]struct{ kind, ext string }{
	"image/jpeg":      {ledger.EvidencePhoto, ".jpg"},
	"image/png":       {ledger.EvidencePhoto, ".png"},
	"image/gif":       {ledger.EvidencePhoto, ".gif"},
	"image/webp":      {ledger.EvidencePhoto, ".webp"},
	"image/heic":      {ledger.EvidencePhoto, ".heic"},
	"application/pdf": {ledger.EvidenceFile, ".pdf"},
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": {ledger.EvidenceFile, ".docx"},
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":       {ledger.EvidenceFile, ".xlsx"},
	"application/msword":       {ledger.EvidenceFile, ".doc"},
	"application/vnd.ms-excel": {ledger.EvidenceFile, ".xls"},
	"text/plain":               {ledger.EvidenceFile, ".txt"},
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// SniffEvidence decides from the bytes what a file is: its content type and
// evidence kind (photo for images, file for documents). The name only tells
// Word from Excel inside the containers they share. Anything else is refused
// with a Chinese reason.
func SniffEvidence(name string, data []byte) (contentType, kind string, err error) {
	if len(data) == 0 {
		return "", "", apperr.Field("file", "文件", "文件为空")
	}
	if len(data) > MaxEvidenceBytes {
		return "", "", &apperr.Error{Code: apperr.TooLarge, Message: "文件超过10MB上限"}
	}
	ext := strings.ToLower(path.Ext(name))
	ct := http.DetectContentType(data)
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	switch {
	case len(data) >= 12 && string(data[4:8]) == "ftyp" && isHEIF(string(data[8:12])):
		ct = "image/heic"
	case bytes.HasPrefix(data, oleMagic):
		ct = "application/msword"
		if ext == ".xls" || ext == ".et" {
			ct = "application/vnd.ms-excel"
		}
	case ct == "application/zip":
		head := data[:min(len(data), 4096)]
		switch {
		case !bytes.Contains(head, []byte("[Content_Types].xml")):
			ct = "application/zip"
		case bytes.Contains(data, []byte("word/")):
			ct = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		case bytes.Contains(data, []byte("xl/")):
			ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		}
	case ct == "text/plain" && ext != ".txt":
		ct = "" // text is accepted only as a .txt file
	}
	t, ok := evidenceTypes[ct]
	if !ok {
		return "", "", apperr.Field("file", "文件", "文件类型不支持：照片请用JPG、PNG、GIF、WEBP或HEIC，文件请用PDF、Word、Excel或TXT")
	}
	return ct, t.kind, nil
}

func isHEIF(brand string) bool {
	switch brand {
	case "heic", "heix", "hevc", "heim", "heis", "mif1", "msf1":
		return true
	}
	return false
}

// cleanFileName keeps the last path element of a name, without control
// characters or quotes, at most 100 characters, with an extension that
// matches the content.
func cleanFileName(name, contentType string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '"' || r == '/' || r == '<' || r == '>' {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "" {
		name = "材料"
	}
	want := evidenceTypes[contentType].ext
	if ext := strings.ToLower(path.Ext(name)); ext != want && !(want == ".jpg" && ext == ".jpeg") {
		name += want
	}
	if r := []rune(name); len(r) > 100 {
		name = string(r[len(r)-100:])
	}
	return name
}

func newKey() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// AddEvidenceFile stores a photo or document for a problem inside the scope
// and returns it with the key a submission names it by. The type is decided
// from the bytes (SniffEvidence).
func (db *DB) AddEvidenceFile(ctx context.Context, sc Scope, problemID int64, name string, data []byte, by ledger.Actor) (*EvidenceFile, error) {
	var f *EvidenceFile
	err := db.write(ctx, func(tx *Tx) error {
		lo, hi, err := sc.bounds()
		if err != nil {
			return err
		}
		var county, state, region, number string
		err = tx.queryRow(`SELECT county, state, region_code, number FROM problems WHERE id = ? AND region_code >= ? AND region_code < ?`,
			problemID, lo, hi).Scan(&county, &state, &region, &number)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoProblem
		}
		if err != nil {
			return err
		}
		if ledger.State(state).Terminal() {
			return apperr.New(apperr.Conflict, "问题当前状态为「%s」，不能上传整改材料", ledger.State(state).Label())
		}
		// The type after the scope: a problem outside it is "not found"
		// whatever is sent.
		ct, kind, err := SniffEvidence(name, data)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		f = &EvidenceFile{Key: newKey(), ProblemID: problemID, Kind: kind, Name: cleanFileName(name, ct), ContentType: ct,
			Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), UploadedBy: by.AccountID, Uploader: by.Name, CreatedAt: db.now()}
		_, err = tx.exec(`INSERT INTO evidence_files (key, problem_id, county, kind, name, content_type, size, sha256, data,
			uploaded_by, uploader, created_at, submitted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.Key, problemID, county, f.Kind, f.Name, f.ContentType, f.Size, f.SHA256, data, f.UploadedBy, f.Uploader, ts(f.CreatedAt), false)
		if err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActCreate, Object: "evidence", ObjectID: f.Key, Region: region,
			Detail: fmt.Sprintf("问题%s上传整改材料：%s（%d字节）", number, f.Name, f.Size), New: f})
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

const evidenceCols = `e.key, e.problem_id, e.kind, e.name, e.content_type, e.size, e.sha256, e.uploaded_by, e.uploader, e.created_at, e.submitted`

func scanEvidence(sc scanner) (*EvidenceFile, error) {
	var f EvidenceFile
	var at string
	if err := sc.Scan(&f.Key, &f.ProblemID, &f.Kind, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &f.UploadedBy, &f.Uploader, &at, &f.Submitted); err != nil {
		return nil, err
	}
	f.CreatedAt = parseTS(at)
	return &f, nil
}

// EvidenceData returns a stored file and its bytes, if its problem is inside
// the scope.
func (db *DB) EvidenceData(ctx context.Context, sc Scope, key string) (*EvidenceFile, []byte, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, nil, err
	}
	var data []byte
	row := db.queryRow(ctx, `SELECT `+evidenceCols+`, e.data FROM evidence_files e JOIN problems p ON p.id = e.problem_id
		WHERE e.key = ? AND p.region_code >= ? AND p.region_code < ?`, key, lo, hi)
	f, err := scanEvidence(scanFunc(func(dest ...any) error { return row.Scan(append(dest, &data)...) }))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, apperr.New(apperr.NotFound, "材料不存在")
	}
	if err != nil {
		return nil, nil, translate(err)
	}
	return f, data, nil
}

// EvidenceFiles lists the files of a problem inside the scope.
func (db *DB) EvidenceFiles(ctx context.Context, sc Scope, problemID int64) ([]EvidenceFile, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT `+evidenceCols+` FROM evidence_files e JOIN problems p ON p.id = e.problem_id
		WHERE e.problem_id = ? AND p.region_code >= ? AND p.region_code < ? ORDER BY e.id`, problemID, lo, hi)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []EvidenceFile{}
	for rows.Next() {
		f, err := scanEvidence(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, *f)
	}
	return out, translate(rows.Err())
}

// SubmitProblem hands the rectification in for acceptance. Photos and files
// are named by the keys AddEvidenceFile returned: each must belong to this
// problem, and a photo must be an image. Their kind and name are taken from
// the stored file when not given.
func (db *DB) SubmitProblem(ctx context.Context, sc Scope, id int64, in ledger.Submission, by ledger.Actor) (*ledger.Problem, error) {
	return db.act(ctx, sc, id, func(tx *Tx, p *ledger.Problem, now time.Time) error {
		var v apperr.Validation
		var keys []any
		for i := range in.Evidence {
			e := &in.Evidence[i]
			e.Key = strings.TrimSpace(e.Key)
			if e.Key == "" {
				continue
			}
			var kind, name string
			var owner int64
			err := tx.queryRow(`SELECT kind, name, problem_id FROM evidence_files WHERE key = ?`, e.Key).Scan(&kind, &name, &owner)
			switch {
			case errors.Is(err, sql.ErrNoRows) || (err == nil && owner != p.ID):
				v.Add("evidence", ledger.FieldLabel("evidence"), "第%d项材料不存在，请重新上传", i+1)
				continue
			case err != nil:
				return err
			}
			if strings.TrimSpace(e.Kind) == "" {
				e.Kind = kind
			}
			if k, _ := ledger.EvidenceKind.Parse(strings.TrimSpace(e.Kind)); k == ledger.EvidencePhoto && kind != ledger.EvidencePhoto {
				v.Add("evidence", ledger.FieldLabel("evidence"), "第%d项「%s」不是照片", i+1, name)
			}
			if strings.TrimSpace(e.Name) == "" {
				e.Name = name
			}
			keys = append(keys, e.Key)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if _, err := p.Submit(in, by, now); err != nil {
			return err
		}
		if len(keys) > 0 {
			_, err := tx.exec(`UPDATE evidence_files SET submitted = ? WHERE problem_id = ? AND key IN (`+placeholders(len(keys))+`)`,
				append([]any{true, p.ID}, keys...)...)
			return err
		}
		return nil
	})
}
