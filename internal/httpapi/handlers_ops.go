package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/interviewapi/operator/internal/poolstats"
)

// healthJSON is the body of GET /health; .async_database.status, .enabled and .mode are
// what the seed's runbook reads.
type healthJSON struct {
	Status        string            `json:"status"` // healthy or unhealthy
	Version       string            `json:"version"`
	AsyncDatabase asyncDatabaseJSON `json:"async_database"`
}

type asyncDatabaseJSON struct {
	Enabled   bool                 `json:"enabled"` // the async engine is active
	Mode      string               `json:"mode"`    // sync or async
	Status    string               `json:"status"`  // the pool's health, or unavailable
	Reasons   []string             `json:"reasons"`
	Reachable bool                 `json:"reachable"`
	Schema    string               `json:"schema"` // ready or pending
	Pool      poolstats.PoolStatus `json:"pool"`
	WarmUp    warmUpJSON           `json:"pool_warm_up"`
}

// warmUpJSON is where the pool's warm-up is (store.WarmUp). /health only reports it:
// a pod whose pool is warming is healthy, only not ready yet (/readyz). Why a warm-up
// gave up stays in the log, like every driver detail.
type warmUpJSON struct {
	State  string `json:"state"` // warming, warm or gave_up
	Opened int    `json:"opened"`
	Size   int    `json:"size"`
}

// databaseUnavailable is async_database.status when the database does not answer.
const databaseUnavailable = "unavailable"

// health serves GET /health: the database engine and its pool, with a probe of the
// database that does not use (or wait for) the pool.
func (h *handlers) health(c *gin.Context) {
	snap := h.deps.Pool.Snapshot()
	db := asyncDatabaseJSON{
		Enabled: snap.Mode == "async", Mode: snap.Mode, Status: snap.Health.Status,
		Reasons: snap.Health.Reasons, Reachable: true, Schema: "ready", Pool: snap.Pool,
	}
	w := h.deps.Lifecycle.PoolWarmUp()
	db.WarmUp = warmUpJSON{State: w.State.String(), Opened: w.Opened, Size: w.Size}
	if err := h.deps.Lifecycle.SchemaReady(); err != nil {
		db.Schema = "pending"
	}
	status, code := "healthy", http.StatusOK
	if err := h.deps.Prober.Ping(contextOf(c)); err != nil {
		db.Reachable, db.Status = false, databaseUnavailable
		db.Reasons = append([]string{"database did not answer the probe"}, db.Reasons...)
		status, code = "unhealthy", http.StatusServiceUnavailable
	}
	c.JSON(code, healthJSON{Status: status, Version: h.deps.Version, AsyncDatabase: db})
}

// livez serves GET /livez: the process answers. It never touches the database, so that
// a database outage does not get every pod restarted.
func (h *handlers) livez(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "alive"})
}

// readyz serves GET /readyz: ready when not shutting down, migrated, past the pool's
// warm-up, and the database answers the probe within its short deadline. While the
// engine opens its Size connections the pod stays out of its Service, so that no
// request waits for connection set-up (docs/architecture.md, "Readiness"); a warm-up
// that gave up (the database was down at start) leaves the answer to the probe, so a
// pod never stays unready for good.
func (h *handlers) readyz(c *gin.Context) {
	notReady := func(reason string) {
		respondError(c, h.deps.Log, &notReadyError{code: "not_ready", message: reason})
	}
	if h.deps.Lifecycle.Draining() {
		notReady("shutting down")
		return
	}
	if err := h.deps.Lifecycle.SchemaReady(); err != nil {
		notReady(err.Error())
		return
	}
	if w := h.deps.Lifecycle.PoolWarmUp(); !w.Finished() {
		notReady(w.String())
		return
	}
	if err := h.deps.Prober.Ping(contextOf(c)); err != nil {
		notReady("database unavailable")
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// monitoringDatabase serves GET /monitoring/database.
func (h *handlers) monitoringDatabase(c *gin.Context) {
	if !h.deps.MonitoringEnabled {
		respondError(c, h.deps.Log, &requestError{status: http.StatusNotFound, code: "monitoring_disabled",
			message: "database monitoring is disabled (ASYNC_DATABASE_MONITORING_ENABLED=false)"})
		return
	}
	c.JSON(http.StatusOK, h.deps.Pool.Snapshot())
}
