// Package apperr defines Sanbao's one application error type.
//
// Every error that reaches a user carries a Code (mapped to an HTTP status in
// one table, in package web) and a Chinese message that names the row, the
// field and the reason. Internal causes are kept in Err for the log and are
// never shown.
package apperr

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error. The HTTP mapping lives in web.statusOf.
type Code string

const (
	Invalid         Code = "invalid"         // bad input: a field, a row, a file
	NotFound        Code = "not_found"       // absent, or outside the caller's scope
	Conflict        Code = "conflict"        // duplicate, or a state that forbids the action
	Unauthenticated Code = "unauthenticated" // no or expired session/token
	Forbidden       Code = "forbidden"       // authenticated but the role may not do this
	TooLarge        Code = "too_large"       // upload or field over its limit
	RateLimited     Code = "rate_limited"    // throttled (login)
	Unavailable     Code = "unavailable"     // a dependency is down
	Internal        Code = "internal"        // a bug or an I/O failure: logged, not shown
)

// FieldError is one problem with one field (of one row, for files).
type FieldError struct {
	Row     int    `json:"row,omitempty"` // 1-based data row in a file; 0 for forms
	Field   string `json:"field"`         // code name of the field, e.g. "id_number"
	Label   string `json:"label"`         // Chinese name of the field, e.g. "身份证号"
	Message string `json:"message"`       // Chinese reason
}

func (f FieldError) String() string {
	var b strings.Builder
	if f.Row > 0 {
		fmt.Fprintf(&b, "第%d行", f.Row)
	}
	if f.Label != "" {
		fmt.Fprintf(&b, "「%s」", f.Label)
	} else if f.Field != "" {
		fmt.Fprintf(&b, "「%s」", f.Field)
	}
	b.WriteString(f.Message)
	return b.String()
}

// Error is the application error.
type Error struct {
	Code    Code
	Message string       // Chinese, safe to show
	Fields  []FieldError // per-field detail for Invalid
	Err     error        // internal cause, logged only
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	for _, f := range e.Fields {
		b.WriteString("; ")
		b.WriteString(f.String())
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a Chinese message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an Invalid error about one field.
func Field(field, label, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	fe := FieldError{Field: field, Label: label, Message: msg}
	return &Error{Code: Invalid, Message: fe.String(), Fields: []FieldError{fe}}
}

// Wrap marks err as internal, keeping it for the log.
func Wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	return &Error{Code: Internal, Message: "系统内部错误，请稍后重试", Err: fmt.Errorf(format+": %w", append(args, err)...)}
}

// CodeOf returns the code of err: Internal for anything not an *Error.
func CodeOf(err error) Code {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return Internal
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// MessageOf returns the message to show a user. Internal errors never leak.
func MessageOf(err error) string {
	var ae *Error
	if errors.As(err, &ae) && ae.Code != Internal {
		return ae.Message
	}
	return "系统内部错误，请稍后重试"
}

// FieldsOf returns the per-field detail of err, if any.
func FieldsOf(err error) []FieldError {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Fields
	}
	return nil
}

// Validation collects field errors and becomes one Invalid error.
type Validation struct {
	Row    int
	fields []FieldError
}

// Add records a problem with a field.
func (v *Validation) Add(field, label, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Row: v.Row, Field: field, Label: label, Message: fmt.Sprintf(format, args...)})
}

// Has reports whether the field already has a problem.
func (v *Validation) Has(field string) bool {
	for _, f := range v.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Fields returns what was collected.
func (v *Validation) Fields() []FieldError { return v.fields }

// Err returns nil when nothing was added, otherwise an Invalid error.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	parts := make([]string, len(v.fields))
	for i, f := range v.fields {
		parts[i] = f.String()
	}
	return &Error{Code: Invalid, Message: strings.Join(parts, "；"), Fields: append([]FieldError(nil), v.fields...)}
}
