package main

import "github.com/interviewapi/operator/internal/store"

// sessionReadScript is what the server runs for GET /api/v1/sessions/:id, taken from the
// store's own constants so that pgbench replays exactly the server's statements. The
// three are independent and the async engine sends them as one pgx.Batch, so pgbench
// pipelines them too: the reference is the best the async engine could do.
var sessionReadScript = pgbenchScript{
	Statements: []string{store.SQLSession, store.SQLSessionQuestions, store.SQLSessionAnalyses},
	Pipeline:   true,
}
