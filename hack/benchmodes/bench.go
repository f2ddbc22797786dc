package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/interviewapi/operator/hack/loadgen/loadgen"
	"github.com/interviewapi/operator/hack/procstat"
	"github.com/interviewapi/operator/test/loopback"
)

// progressLog writes timestamped lines to the terminal.
type progressLog struct {
	mu sync.Mutex
	w  io.Writer
}

func newProgressLog(w io.Writer) *progressLog { return &progressLog{w: w} }

func (l *progressLog) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// bench is one benchmark run.
type bench struct {
	opts options
	log  *progressLog

	workDir     string
	bin         string
	databaseURL string
	// postgresData is the data folder of the throwaway cluster, "" for an external one.
	postgresData string
	// readSessions are read by the read workload and pgbench.
	readSessions []loadgen.Session
}

func (b *bench) run(ctx context.Context) (res results, err error) {
	o := b.opts
	res.Date = time.Now()
	res.Setup = setup{
		Duration: o.duration, Warmup: o.warmup, MixedMix: o.mixedMix.String(), ReadMix: readMix.String(),
		PoolSize: o.poolSize, MaxOverflow: o.maxOverflow, GeneratorLatency: o.generatorLatency,
		Sessions: o.sessions, PgMaxConnections: o.pgMaxConnections, PgbenchClients: o.pgbenchClients,
		EndpointDuration: o.endpointDuration, SweepDuration: o.sweepDuration,
	}
	res.Machine = describeMachine(ctx, o.pgBin)
	res.Script = sessionReadScript
	b.log.printf("machine: %s; load average %.2f", res.Machine, res.Machine.LoadStart)

	if b.workDir, err = os.MkdirTemp("", "interviewapi-bench."); err != nil {
		return res, fmt.Errorf("creating the work folder: %w", err)
	}
	defer func() {
		if o.keep || err != nil {
			b.log.printf("server logs and pgbench scripts kept in %s", b.workDir)
			return
		}
		_ = os.RemoveAll(b.workDir)
	}()

	b.bin = o.serverBin
	if b.bin == "" {
		b.log.printf("building bin/interviewapi-server")
		if b.bin, err = buildServer(ctx, "bin"); err != nil {
			return res, err
		}
	}

	b.databaseURL = o.databaseURL
	if b.databaseURL == "" {
		b.log.printf("starting a throwaway PostgreSQL (max_connections=%d)", o.pgMaxConnections)
		pg, err := startPostgres(ctx, "hack/postgres.sh", o.pgMaxConnections)
		if err != nil {
			return res, err
		}
		defer func() {
			if stopErr := pg.stop(); stopErr != nil {
				b.log.printf("stopping PostgreSQL: %v", stopErr)
			}
		}()
		b.databaseURL = pg.url
		b.postgresData = filepath.Join(pg.dir, "data")
	}
	b.log.printf("migrating %s", b.databaseURL)
	if err := migrate(ctx, b.bin, b.databaseURL); err != nil {
		return res, err
	}

	total := len(o.concurrencies) * len(o.modes)
	n := 0
	for _, c := range o.concurrencies {
		for _, mode := range o.modes {
			n++
			pt, err := b.point(ctx, fmt.Sprintf("[%d/%d] %s c=%d", n, total, mode, c), mode, c)
			if err != nil {
				return res, err
			}
			res.Points = append(res.Points, pt)
		}
		run, err := b.pgbench(ctx, c)
		if err != nil {
			return res, err
		}
		res.Pgbench = append(res.Pgbench, run)
	}
	if res.Sweep, err = b.sweep(ctx); err != nil {
		return res, err
	}
	res.Machine.LoadEnd = loadAverage()
	return res, nil
}

// pgbench runs the physical reference on the read sessions, after the rows of concurrency.
func (b *bench) pgbench(ctx context.Context, after int) (pgbenchRun, error) {
	o := b.opts
	run := pgbenchRun{After: after}
	b.log.printf("pgbench after the %d-client rows: the session read's statements, %d clients, %s", after, o.pgbenchClients, o.duration)
	ids := make([]string, len(b.readSessions))
	for i, s := range b.readSessions {
		ids[i] = s.ID
	}
	meter, err := b.meter(0)
	if err != nil {
		return run, err
	}
	beforeRun, err := meter.sample()
	if err != nil {
		return run, err
	}
	if run.Result, err = runPgbench(ctx, o.pgBin, b.databaseURL, b.workDir, sessionReadScript, ids, o.pgbenchClients, o.duration,
		func(line string) { b.log.printf("    pgbench %s", line) }); err != nil {
		return run, err
	}
	afterRun, err := meter.sample()
	if err != nil {
		return run, err
	}
	run.CPU = meter.between(beforeRun, afterRun)
	b.log.printf("pgbench: %.0f TPS, average latency %s ms, %d failed", run.Result.TPS, msText(run.Result.LatencyAvg), run.Result.Failed)
	return run, nil
}

// meter returns a CPU meter of serverPID (0: none) and of the throwaway cluster.
func (b *bench) meter(serverPID int) (cpuMeter, error) {
	m := cpuMeter{serverPID: serverPID}
	if b.postgresData != "" {
		pid, err := postmasterPID(b.postgresData)
		if err != nil {
			return m, fmt.Errorf("finding PostgreSQL's postmaster: %w", err)
		}
		m.postmasterPID = pid
	}
	return m, nil
}

// point measures one mode at one concurrency on a fresh server.
func (b *bench) point(ctx context.Context, label, mode string, concurrency int) (pt point, err error) {
	o := b.opts
	pt = point{Mode: mode, Concurrency: concurrency, Load: loadAverage()}
	settings := serverSettings{databaseURL: b.databaseURL, async: mode == "async", poolSize: o.poolSize, maxOverflow: o.maxOverflow, generatorLatency: o.generatorLatency}
	b.log.printf("%s: starting the server (load average %.2f)", label, pt.Load)
	srv, prof, err := b.startServer(ctx, settings, fmt.Sprintf("%s-%d", mode, concurrency))
	if err != nil {
		return pt, err
	}
	defer func() {
		if stopErr := srv.stop(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()

	if b.readSessions == nil {
		if err := b.seedReadSessions(ctx, label, srv.url); err != nil {
			return pt, err
		}
	}
	if o.warmup > 0 {
		if _, err := b.load(ctx, label+" warm-up", srv.url, o.mixedMix, nil, concurrency, o.warmup); err != nil {
			return pt, err
		}
	}

	meter, err := b.meter(srv.pid())
	if err != nil {
		return pt, err
	}
	profName := fmt.Sprintf("%s-c%d", mode, concurrency)
	waitProfile := prof.start(ctx, profName+"-mixed", o.duration)
	if err := b.measureMixed(ctx, label, srv, meter, &pt); err != nil {
		return pt, err
	}
	if err := waitProfile(); err != nil {
		return pt, err
	}
	read, err := b.measure(ctx, label+" read", srv.url, meter, prof, profName+"-read", readMix, b.readSessions, concurrency, o.duration)
	if err != nil {
		return pt, err
	}
	pt.Read, pt.ReadCPU = read.Summary, read.CPU
	if o.endpointDuration > 0 {
		// analyze-answer gets sessions of its own, created before the measurement, so
		// that neither the seeding nor the read sessions' rows enter its figures.
		answered, err := loadgen.Seed(ctx, loadgen.Config{BaseURL: srv.url, Concurrency: 4}, o.sessions)
		if err != nil {
			return pt, fmt.Errorf("%s: seeding sessions for analyze-answer: %w", label, err)
		}
		for _, ep := range []struct {
			op       loadgen.Op
			sessions []loadgen.Session
		}{{loadgen.OpParseJD, nil}, {loadgen.OpAnalyzeAnswer, answered}} {
			ph, err := b.measure(ctx, label+" "+string(ep.op), srv.url, meter, prof, profName+"-"+string(ep.op),
				loadgen.Mix{{Op: ep.op, Weight: 1}}, ep.sessions, concurrency, o.endpointDuration)
			if err != nil {
				return pt, err
			}
			pt.Endpoints = append(pt.Endpoints, ph)
		}
	}
	select {
	case <-srv.exited:
		return pt, fmt.Errorf("%s: the server exited during the run (%v); log: %s", label, srv.waitErr, srv.logPath)
	default:
	}
	b.log.printf("%s: mixed %.0f ok req/s p99 %s ms errors %d; read %.0f ok req/s p99 %s ms errors %d; peak RSS %s MiB",
		label, pt.Mixed.OKRPS, msText(pt.Mixed.Latency.P99), pt.Mixed.Errors,
		pt.Read.OKRPS, msText(pt.Read.Latency.P99), pt.Read.Errors, mibText(pt.HWM))
	return pt, nil
}

// startServer starts a server with settings, with its pprof listener when profiles are
// taken; name tells its log apart.
func (b *bench) startServer(ctx context.Context, settings serverSettings, name string) (*server, *profiler, error) {
	var prof *profiler
	if b.opts.profileDir != "" {
		port, err := loopback.FreePort()
		if err != nil {
			return nil, nil, err
		}
		settings.pprofAddr = fmt.Sprintf("127.0.0.1:%d", port)
		prof = &profiler{dir: b.opts.profileDir, addr: settings.pprofAddr}
	}
	srv, err := startServer(ctx, b.bin, settings, filepath.Join(b.workDir, "server-"+name+".log"))
	return srv, prof, err
}

// measure runs one workload on the server at url and returns it with the CPU it cost,
// profiling the server meanwhile when prof is set.
func (b *bench) measure(ctx context.Context, label, url string, meter cpuMeter, prof *profiler, profName string,
	mix loadgen.Mix, sessions []loadgen.Session, concurrency int, d time.Duration) (phase, error) {
	ph := phase{Op: mix[0].Op}
	before, err := meter.sample()
	if err != nil {
		return ph, err
	}
	waitProfile := prof.start(ctx, profName, d)
	if ph.Summary, err = b.load(ctx, label, url, mix, sessions, concurrency, d); err != nil {
		return ph, err
	}
	after, err := meter.sample()
	if err != nil {
		return ph, err
	}
	ph.CPU = meter.between(before, after)
	if err := waitProfile(); err != nil {
		return ph, err
	}
	b.log.printf("%s: server CPU %.3f ms per request", label, float64(serverCPUPerRequest(ph.Summary, ph.CPU))/float64(time.Millisecond))
	return ph, nil
}

// measureMixed runs the mixed workload on srv and records, besides the load generator's
// summary, the server's memory, the CPU shares and the pool counters of the phase.
func (b *bench) measureMixed(ctx context.Context, label string, srv *server, meter cpuMeter, pt *point) error {
	poolBefore, err := scrapePool(ctx, srv.url)
	if err != nil {
		return err
	}
	cpuBefore, err := meter.sample()
	if err != nil {
		return err
	}
	sampler := procstat.StartMemorySampler(srv.pid(), 200*time.Millisecond)
	pt.Mixed, err = b.load(ctx, label+" mixed", srv.url, b.opts.mixedMix, nil, pt.Concurrency, b.opts.duration)
	peak, sampleErr := sampler.Finish()
	if err != nil {
		return err
	}
	if sampleErr != nil {
		return fmt.Errorf("sampling the server's memory: %w", sampleErr)
	}
	cpuAfter, err := meter.sample()
	if err != nil {
		return err
	}
	poolAfter, err := scrapePool(ctx, srv.url)
	if err != nil {
		return err
	}
	mem, err := procstat.ReadMemory(srv.pid())
	if err != nil {
		return fmt.Errorf("reading the server's memory: %w", err)
	}
	pt.PeakRSS, pt.HWM = peak, mem.HWM
	pt.CPU, pt.Pool = meter.between(cpuBefore, cpuAfter), poolAfter.sub(poolBefore)
	return nil
}

// analysesPerReadSession is how many answers each read session gets, so that the read
// returns a session as it looks mid-interview: questions and some analysed answers.
const analysesPerReadSession = 3

// seedReadSessions creates the sessions of the read workload and pgbench, with a few
// analysed answers each. The mixed workload never touches them (it seeds its own), so
// that every read returns the same rows from the first point to the last.
func (b *bench) seedReadSessions(ctx context.Context, label, url string) error {
	n := b.opts.sessions
	b.log.printf("%s: creating %d sessions with %d answers each for the read workload", label, n, analysesPerReadSession)
	sessions, err := loadgen.Seed(ctx, loadgen.Config{BaseURL: url, Concurrency: 4}, n)
	if err != nil {
		return err
	}
	for _, s := range sessions {
		answers, err := loadgen.Run(ctx, loadgen.Config{
			BaseURL: url, Concurrency: 1, Requests: analysesPerReadSession,
			Mix: loadgen.Mix{{Op: loadgen.OpAnalyzeAnswer, Weight: 1}}, Sessions: []loadgen.Session{s},
		})
		if err != nil {
			return fmt.Errorf("answering the questions of session %s: %w", s.ID, err)
		}
		if answers.Errors > 0 {
			return fmt.Errorf("answering the questions of session %s: %s", s.ID, errorText(answers))
		}
	}
	b.readSessions = sessions
	return nil
}

// load runs the generator in-process against the server; the driver's own memory is not
// what is measured, so sharing its process costs nothing but CPU, which a separate
// process would cost as well. sessions, when set, are the only ones read; otherwise the
// generator creates its own.
func (b *bench) load(ctx context.Context, label, url string, mix loadgen.Mix, sessions []loadgen.Session, concurrency int, d time.Duration) (loadgen.Summary, error) {
	b.log.printf("%s: %d clients for %s", label, concurrency, d)
	s, err := loadgen.Run(ctx, loadgen.Config{
		BaseURL:     url,
		Concurrency: concurrency,
		Duration:    d,
		Mix:         mix,
		Sessions:    sessions,
		Progress:    5 * time.Second,
		OnProgress:  func(p loadgen.Progress) { b.log.printf("    %s", p) },
		Seed:        uint64(concurrency),
	})
	if err != nil {
		return s, fmt.Errorf("%s: %w", label, err)
	}
	if s.Requests == 0 {
		return s, errors.New(label + ": no request completed")
	}
	if s.Errors > 0 {
		b.log.printf("    %s: %s", label, errorText(s))
	}
	return s, nil
}
