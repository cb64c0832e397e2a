package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/region"
)

// ImportJob is an import started from the web interface, running in the
// background of the server. Its row outlives the page that started it.
type ImportJob struct {
	ID         int64     `json:"id"`
	County     string    `json:"county"`
	RegionCode string    `json:"region_code"`
	AccountID  int64     `json:"account_id"`
	Username   string    `json:"username"`
	FileName   string    `json:"file_name"`
	FileSize   int64     `json:"file_size"`
	Options    string    `json:"options"`
	Status     string    `json:"status"`
	Phase      string    `json:"phase"`
	RowsDone   int64     `json:"rows_done"`
	RowsTotal  int64     `json:"rows_total"`
	Message    string    `json:"message"`
	Result     string    `json:"-"` // JSON, as the importer reported it
	HasErrors  bool      `json:"has_errors"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

// Import job statuses.
const (
	JobRunning = "running" // reading, checking or writing
	JobDone    = "done"    // imported (or, for a dry run, checked without problems)
	JobRefused = "refused" // rows were refused: the error workbook says which
	JobFailed  = "failed"  // the file could not be read, or the import was interrupted
)

// JobStatusLabel is a status in Chinese.
func JobStatusLabel(s string) string {
	switch s {
	case JobRunning:
		return "进行中"
	case JobDone:
		return "已完成"
	case JobRefused:
		return "有错误"
	case JobFailed:
		return "未完成"
	}
	return s
}

// CreateImportJob records a job starting in a region of the scope.
func (db *DB) CreateImportJob(ctx context.Context, sc Scope, j *ImportJob) error {
	if !sc.Contains(j.RegionCode) {
		return apperr.New(apperr.NotFound, "区域%s不在您的管辖范围内", j.RegionCode)
	}
	if region.LevelOf(j.RegionCode) >= region.County {
		j.County = region.CountyOf(j.RegionCode)
	}
	now := db.now()
	j.Status, j.CreatedAt, j.UpdatedAt = JobRunning, now, now
	return db.write(ctx, func(tx *Tx) error {
		return tx.queryRow(`INSERT INTO import_jobs (county, region_code, account_id, username, file_name, file_size, options,
			status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			j.County, j.RegionCode, j.AccountID, j.Username, j.FileName, j.FileSize, j.Options, j.Status, ts(now), ts(now)).Scan(&j.ID)
	})
}

// ImportJobProgress records how far a running job has got (and that it is
// alive). On SQLite the import holds the database's one writer for its
// whole length, so the server keeps live progress in memory instead.
func (db *DB) ImportJobProgress(ctx context.Context, id int64, phase string, done, total int64) error {
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE import_jobs SET phase = ?, rows_done = ?, rows_total = ?, updated_at = ? WHERE id = ? AND status = ?`,
			phase, done, total, ts(db.now()), id, JobRunning)
		return err
	})
}

// FinishImportJob records the end of a job: its status, a Chinese message,
// the result (JSON) and the error workbook (nil if none).
func (db *DB) FinishImportJob(ctx context.Context, id int64, status, message, result string, rowsDone int64, errorsXLSX []byte) error {
	now := ts(db.now())
	return db.write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE import_jobs SET status = ?, phase = '', message = ?, result = ?, errors = ?, rows_done = ?,
			updated_at = ?, finished_at = ? WHERE id = ?`, status, message, result, errorsXLSX, rowsDone, now, now, id)
		return err
	})
}

// InterruptImportJob marks a job still "running" that has not reported
// since before as failed: its server stopped (its transaction was rolled
// back, nothing was imported). It reports whether it did.
func (db *DB) InterruptImportJob(ctx context.Context, id int64, before time.Time) (bool, error) {
	var n int64
	now := ts(db.now())
	err := db.write(ctx, func(tx *Tx) error {
		res, err := tx.exec(`UPDATE import_jobs SET status = ?, message = ?, updated_at = ?, finished_at = ?
			WHERE id = ? AND status = ? AND updated_at < ?`, JobFailed, "导入中断（服务器重启或停止），数据未作任何改动，请重新导入", now, now, id, JobRunning, ts(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n > 0, err
}

const importJobCols = `id, county, region_code, account_id, username, file_name, file_size, options, status, phase,
	rows_done, rows_total, message, result, errors IS NOT NULL, created_at, updated_at, finished_at`

func scanImportJob(sc interface{ Scan(...any) error }) (*ImportJob, error) {
	var j ImportJob
	var created, updated, finished string
	if err := sc.Scan(&j.ID, &j.County, &j.RegionCode, &j.AccountID, &j.Username, &j.FileName, &j.FileSize, &j.Options,
		&j.Status, &j.Phase, &j.RowsDone, &j.RowsTotal, &j.Message, &j.Result, &j.HasErrors, &created, &updated, &finished); err != nil {
		return nil, err
	}
	j.CreatedAt, j.UpdatedAt = parseTS(created), parseTS(updated)
	if finished != "" {
		j.FinishedAt = parseTS(finished)
	}
	return &j, nil
}

// ImportJob returns a job of a region in the scope.
func (db *DB) ImportJob(ctx context.Context, sc Scope, id int64) (*ImportJob, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	j, err := scanImportJob(db.queryRow(ctx, `SELECT `+importJobCols+` FROM import_jobs
		WHERE id = ? AND region_code >= ? AND region_code < ?`, id, lo, hi))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "导入记录不存在")
	}
	return j, translate(err)
}

// ImportJobs lists the newest jobs of regions in the scope.
func (db *DB) ImportJobs(ctx context.Context, sc Scope, limit int) ([]*ImportJob, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	rows, err := db.query(ctx, `SELECT `+importJobCols+` FROM import_jobs WHERE region_code >= ? AND region_code < ?
		ORDER BY id DESC LIMIT ?`, lo, hi, limit)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []*ImportJob
	for rows.Next() {
		j, err := scanImportJob(rows)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, j)
	}
	return out, translate(rows.Err())
}

// ImportJobErrors returns a job's error workbook (NotFound if it has none).
func (db *DB) ImportJobErrors(ctx context.Context, sc Scope, id int64) ([]byte, error) {
	j, err := db.ImportJob(ctx, sc, id)
	if err != nil {
		return nil, err
	}
	var b []byte
	if err := db.queryRow(ctx, `SELECT errors FROM import_jobs WHERE id = ?`, j.ID).Scan(&b); err != nil {
		return nil, translate(err)
	}
	if b == nil {
		return nil, apperr.New(apperr.NotFound, "该次导入没有错误明细")
	}
	return b, nil
}
