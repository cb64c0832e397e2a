package web_test

import (
	"os"
	"testing"

	"sanbao/internal/web/webtest"
)

func TestMain(m *testing.M) {
	webtest.CheapHashes()
	os.Exit(m.Run())
}
