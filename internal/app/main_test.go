package app_test

import (
	"os"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/interviewapi/operator/test/pgtest"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	os.Exit(pgtest.Main(m))
}
