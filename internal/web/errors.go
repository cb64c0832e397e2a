package web

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"sanbao/internal/apperr"
)

// statusOf is the one table from application error codes to HTTP statuses.
var statusOf = map[apperr.Code]int{
	apperr.Invalid:         http.StatusUnprocessableEntity,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusConflict,
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.TooLarge:        http.StatusRequestEntityTooLarge,
	apperr.RateLimited:     http.StatusTooManyRequests,
	apperr.Unavailable:     http.StatusServiceUnavailable,
	apperr.Internal:        http.StatusInternalServerError,
}

// Status returns the HTTP status of an error.
func Status(err error) int {
	if st, ok := statusOf[apperr.CodeOf(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

var errInternal = apperr.New(apperr.Internal, "系统内部错误，请稍后重试")

// errorBody is the JSON form of an error.
type errorBody struct {
	Error struct {
		Code    apperr.Code         `json:"code"`
		Message string              `json:"message"`
		Fields  []apperr.FieldError `json:"fields,omitempty"`
	} `json:"error"`
}

// writeError answers a JSON error; internal causes go to the log only.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := apperr.CodeOf(err)
	if code == apperr.Internal || code == apperr.Unavailable {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var body errorBody
	body.Error.Code = code
	body.Error.Message = apperr.MessageOf(err)
	if code != apperr.Internal {
		body.Error.Fields = apperr.FieldsOf(err)
	}
	writeJSON(w, Status(err), body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.Encode(v)
}

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// readJSON decodes a JSON body into v, refusing unknown fields and bodies
// over the limit with Chinese messages.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errorsAs(err, &mbe) {
			return apperr.New(apperr.TooLarge, "请求内容超过%d字节上限", maxJSONBody)
		}
		var ute *json.UnmarshalTypeError
		if errorsAs(err, &ute) {
			return apperr.Field(ute.Field, ute.Field, "类型不正确（应为%s）", jsonKind(ute.Type.Kind().String()))
		}
		return &apperr.Error{Code: apperr.Invalid, Message: "请求内容不是有效的JSON：" + err.Error()}
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "字符串"
	case "bool":
		return "true或false"
	case "int", "int64", "float64":
		return "数字"
	case "slice":
		return "数组"
	}
	return k
}
