package web

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openapiJSON describes the JSON API; TestOpenAPIMatchesRoutes keeps it true.
//
//go:embed openapi.json
var openapiJSON []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openapiJSON)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
