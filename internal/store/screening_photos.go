package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	_ "image/jpeg" // registers the JPEG decoder for DecodeConfig
	_ "image/png"  // registers the PNG decoder for DecodeConfig
	"strconv"
	"time"

	"sanbao/internal/apperr"
	"sanbao/internal/audit"
)

// Limits of a visit photo.
const (
	MaxPhotoBytes = 8 << 20 // 8 MiB: a phone camera's JPEG
	MaxPhotoSide  = 12000   // pixels, each side
)

// Photo is a stored visit photo. Data is only filled by Photo.
type Photo struct {
	Key         string    `json:"key"`
	HouseholdID int64     `json:"household_id"`
	ContentType string    `json:"content_type"` // image/jpeg, image/png or image/webp
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
	Data        []byte    `json:"-"`
}

// SniffPhoto decides a photo's type from its content alone (never from a
// name or a header the client sent): JPEG, PNG or WebP, within the size
// limits, with a readable header for JPEG and PNG. It returns the MIME type
// and the file extension.
func SniffPhoto(data []byte) (contentType, ext string, err error) {
	if len(data) == 0 {
		return "", "", apperr.Field("photo", "照片", "文件为空")
	}
	if len(data) > MaxPhotoBytes {
		return "", "", &apperr.Error{Code: apperr.TooLarge, Message: "照片超过" + strconv.Itoa(MaxPhotoBytes>>20) + "MB上限，请压缩后重新上传"}
	}
	bad := apperr.Field("photo", "照片", "只能上传JPEG、PNG或WebP格式的照片")
	switch {
	case len(data) > 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		contentType, ext = "image/jpeg", "jpg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		contentType, ext = "image/png", "png"
	case len(data) >= 16 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		// RIFF size covers the rest of the file; the first chunk is a VP8 one.
		if size := binary.LittleEndian.Uint32(data[4:8]); int64(size)+8 != int64(len(data)) {
			return "", "", apperr.Field("photo", "照片", "WebP文件不完整")
		}
		if c := string(data[12:16]); c != "VP8 " && c != "VP8L" && c != "VP8X" {
			return "", "", bad
		}
		return "image/webp", "webp", nil
	default:
		return "", "", bad
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", "", apperr.Field("photo", "照片", "图片文件已损坏，无法读取")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxPhotoSide || cfg.Height > MaxPhotoSide {
		return "", "", apperr.Field("photo", "照片", "图片尺寸%d×%d超出范围（每边不超过%d像素）", cfg.Width, cfg.Height, MaxPhotoSide)
	}
	return contentType, ext, nil
}

// PutPhoto stores a photo taken at a household in the scope and returns it
// (without Data). Its key is made from the household and the content's
// hash, so uploading the same photo twice stores it once.
func (db *DB) PutPhoto(ctx context.Context, sc Scope, householdID int64, data []byte, by int64) (*Photo, error) {
	var p *Photo
	now := db.now()
	err := db.write(ctx, func(tx *Tx) error {
		h, err := householdTx(tx, sc, householdID) // out of scope: NotFound, whatever was sent
		if err != nil {
			return err
		}
		ct, ext, err := SniffPhoto(data)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		hexSum := hex.EncodeToString(sum[:])
		p = &Photo{Key: strconv.FormatInt(householdID, 10) + "-" + hexSum[:32] + "." + ext, HouseholdID: householdID,
			ContentType: ct, Size: int64(len(data)), SHA256: hexSum}
		var created string
		err = tx.queryRow(`SELECT created_at FROM visit_photos WHERE photo_key = ?`, p.Key).Scan(&created)
		if err == nil {
			p.CreatedAt = parseTS(created)
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		p.CreatedAt = now
		_, err = tx.exec(`INSERT INTO visit_photos (photo_key, county, household_id, content_type, size, sha256, data, uploaded_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, p.Key, h.County, householdID, p.ContentType, p.Size, p.SHA256, data, by, ts(now))
		if err != nil {
			return err
		}
		return tx.audit(Change{Action: audit.ActCreate, Object: "visit_photo", ObjectID: p.Key, Region: h.RegionCode,
			Detail: "上传走访照片（" + h.Number + "）", New: p})
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Photo returns a stored photo with its data, if its household is in the
// scope.
func (db *DB) Photo(ctx context.Context, sc Scope, key string) (*Photo, error) {
	lo, hi, err := sc.bounds()
	if err != nil {
		return nil, err
	}
	p := &Photo{Key: key}
	var created string
	err = db.queryRow(ctx, `SELECT p.household_id, p.content_type, p.size, p.sha256, p.data, p.created_at
		FROM visit_photos p JOIN households h ON h.id = p.household_id
		WHERE p.photo_key = ? AND h.region_code >= ? AND h.region_code < ?`, key, lo, hi).
		Scan(&p.HouseholdID, &p.ContentType, &p.Size, &p.SHA256, &p.Data, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "照片不存在")
	}
	if err != nil {
		return nil, translate(err)
	}
	p.CreatedAt = parseTS(created)
	return p, nil
}
