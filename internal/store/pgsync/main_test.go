package pgsync_test

import (
	"os"
	"testing"

	"github.com/interviewapi/operator/test/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
