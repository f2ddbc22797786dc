package notify

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// Defaults of a Dispatcher.
const (
	// DefaultCapacity is how many decisions may wait, all instances together. A
	// decision arriving at a full queue is dropped and reported, never waited for.
	DefaultCapacity = 1000
	// DefaultAttempts is how many times a delivery is tried.
	DefaultAttempts = 5
	// DefaultAttemptTimeout bounds one HTTP request.
	DefaultAttemptTimeout = 5 * time.Second
	// seenPerInstance is how many recent decision IDs of an instance are kept to
	// send each decision once.
	seenPerInstance = 256
)

// DefaultBackoff is the wait before each retry: 1s, 2s, 4s, 8s, with a tenth of jitter.
// With DefaultAttempts and DefaultAttemptTimeout a receiver that never answers holds
// its instance's later decisions for at most about 40s.
func DefaultBackoff() wait.Backoff {
	return wait.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.1, Steps: DefaultAttempts - 1, Cap: 30 * time.Second}
}

// Message is one decision for the receivers of one instance.
type Message struct {
	Instance types.NamespacedName
	Decision Decision
	Targets  []Target
}

// Failure is a decision a receiver did not get.
type Failure struct {
	Instance types.NamespacedName
	Decision Decision
	// Target is the receiver; the zero Target when the queue was full.
	Target Target
	// Dropped is true when the queue was full and nothing was sent.
	Dropped bool
	Err     error
}

// Observer counts what the dispatcher does (internal/opmetrics implements it).
type Observer interface {
	NotificationDelivered(namespace, name, typ string)
	NotificationRetried(namespace, name, typ string)
	NotificationFailed(namespace, name, typ string)
	NotificationDropped(namespace, name string)
	NotificationsQueued(n int)
}

// Options configure a Dispatcher; zero fields take the defaults.
type Options struct {
	Capacity       int
	Backoff        *wait.Backoff
	AttemptTimeout time.Duration
	// Client sends the requests; nil is a client that follows no redirect.
	Client *http.Client
	// Observer counts deliveries; nil counts nothing.
	Observer Observer
	// Report is told of every decision a receiver did not get (after the last
	// attempt, or at once when the queue is full). It must not block for long: it
	// runs on the instance's worker.
	Report func(Failure)
}

// Dispatcher delivers decisions asynchronously: Enqueue never blocks, the queue is
// bounded, each instance's decisions go out in order, each once.
type Dispatcher struct {
	opts    Options
	backoff wait.Backoff
	client  *http.Client

	mu      sync.Mutex
	ctx     context.Context // set by Start; nil before
	queues  map[types.NamespacedName]*instanceQueue
	queued  int
	workers sync.WaitGroup
}

// instanceQueue is one instance's waiting decisions and the IDs it has taken.
type instanceQueue struct {
	pending []Message
	running bool
	seen    map[string]bool
	order   []string
}

// NewDispatcher makes a dispatcher; it delivers once Start runs.
func NewDispatcher(opts Options) *Dispatcher {
	d := &Dispatcher{opts: opts, queues: map[types.NamespacedName]*instanceQueue{}}
	if d.opts.Capacity <= 0 {
		d.opts.Capacity = DefaultCapacity
	}
	if d.opts.AttemptTimeout <= 0 {
		d.opts.AttemptTimeout = DefaultAttemptTimeout
	}
	d.backoff = DefaultBackoff()
	if opts.Backoff != nil {
		d.backoff = *opts.Backoff
	}
	d.client = opts.Client
	if d.client == nil {
		d.client = newHTTPClient()
	}
	return d
}

// Enqueue queues a decision for its receivers and returns at once. It reports false
// when the decision was not queued: a repeat of one already taken (by its ID), or the
// queue is full (reported as a Failure with Dropped set).
func (d *Dispatcher) Enqueue(m Message) bool {
	if len(m.Targets) == 0 {
		return false
	}
	d.mu.Lock()
	q := d.queues[m.Instance]
	if q == nil {
		q = &instanceQueue{seen: map[string]bool{}}
		d.queues[m.Instance] = q
	}
	if q.seen[m.Decision.ID] {
		d.mu.Unlock()
		return false
	}
	if d.queued >= d.opts.Capacity {
		d.mu.Unlock()
		d.observe(func(o Observer) { o.NotificationDropped(m.Instance.Namespace, m.Instance.Name) })
		d.report(Failure{Instance: m.Instance, Decision: m.Decision, Dropped: true,
			Err: errors.New("the operator's notification queue is full")})
		return false
	}
	q.remember(m.Decision.ID)
	q.pending = append(q.pending, m)
	d.queued++
	n := d.queued
	d.startWorkerLocked(m.Instance, q)
	d.mu.Unlock()
	d.observe(func(o Observer) { o.NotificationsQueued(n) })
	return true
}

// remember keeps the newest seenPerInstance IDs.
func (q *instanceQueue) remember(id string) {
	q.seen[id] = true
	q.order = append(q.order, id)
	if len(q.order) > seenPerInstance {
		delete(q.seen, q.order[0])
		q.order = q.order[1:]
	}
}

// Forget drops an instance's waiting decisions and remembered IDs (it was deleted).
func (d *Dispatcher) Forget(key types.NamespacedName) {
	d.mu.Lock()
	defer d.mu.Unlock()
	q := d.queues[key]
	if q == nil {
		return
	}
	d.queued -= len(q.pending)
	q.pending = nil
	if !q.running {
		delete(d.queues, key)
	}
}

// Queued is how many decisions wait, all instances together.
func (d *Dispatcher) Queued() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.queued
}

// Start delivers until ctx is done, then waits for the workers to stop (a delivery in
// progress is cancelled). It implements controller-runtime's manager.Runnable.
func (d *Dispatcher) Start(ctx context.Context) error {
	d.mu.Lock()
	d.ctx = ctx
	for key, q := range d.queues {
		d.startWorkerLocked(key, q)
	}
	d.mu.Unlock()
	<-ctx.Done()
	d.workers.Wait()
	return nil
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: only the leader makes
// decisions, so only the leader sends them.
func (d *Dispatcher) NeedLeaderElection() bool { return true }

func (d *Dispatcher) startWorkerLocked(key types.NamespacedName, q *instanceQueue) {
	if d.ctx == nil || q.running || len(q.pending) == 0 || d.ctx.Err() != nil {
		return
	}
	q.running = true
	d.workers.Add(1)
	go d.work(d.ctx, key, q)
}

// work delivers an instance's decisions one after the other until none waits.
func (d *Dispatcher) work(ctx context.Context, key types.NamespacedName, q *instanceQueue) {
	defer d.workers.Done()
	for {
		d.mu.Lock()
		if len(q.pending) == 0 || ctx.Err() != nil {
			// The queue stays, with the IDs it has taken, until Forget.
			q.running = false
			d.mu.Unlock()
			return
		}
		m := q.pending[0]
		q.pending = q.pending[1:]
		d.mu.Unlock()

		for _, t := range m.Targets {
			d.deliver(ctx, m, t)
		}

		d.mu.Lock()
		d.queued--
		n := d.queued
		d.mu.Unlock()
		d.observe(func(o Observer) { o.NotificationsQueued(n) })
	}
}

// deliver sends one decision to one receiver, retrying with back-off.
func (d *Dispatcher) deliver(ctx context.Context, m Message, t Target) {
	log := logf.FromContext(ctx).WithValues("namespace", m.Instance.Namespace, "name", m.Instance.Name,
		"decision", m.Decision.Reason, "id", m.Decision.ID, "receiver", t.String())
	backoff := d.backoff
	var err error
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, d.opts.AttemptTimeout)
		err = post(actx, d.client, t, m.Decision)
		cancel()
		if err == nil {
			d.observe(func(o Observer) { o.NotificationDelivered(m.Instance.Namespace, m.Instance.Name, t.Type) })
			log.V(1).Info("decision delivered", "attempt", attempt)
			return
		}
		if errors.Is(err, errPermanent) || backoff.Steps < 1 || ctx.Err() != nil {
			break
		}
		wait := backoff.Step()
		log.Info("delivery failed; retrying", "attempt", attempt, "retryIn", wait.String(), "error", err.Error())
		d.observe(func(o Observer) { o.NotificationRetried(m.Instance.Namespace, m.Instance.Name, t.Type) })
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
		case <-timer.C:
		}
		if ctx.Err() != nil {
			break
		}
	}
	if ctx.Err() != nil && !errors.Is(err, errPermanent) {
		// The operator is stopping: the decision is lost with the queue, which is
		// not kept across restarts (docs/rollouts.md says so).
		log.Info("operator stopping; decision not delivered", "error", err.Error())
	}
	d.observe(func(o Observer) { o.NotificationFailed(m.Instance.Namespace, m.Instance.Name, t.Type) })
	d.report(Failure{Instance: m.Instance, Decision: m.Decision, Target: t, Err: err})
}

func (d *Dispatcher) observe(f func(Observer)) {
	if d.opts.Observer != nil {
		f(d.opts.Observer)
	}
}

func (d *Dispatcher) report(f Failure) {
	if d.opts.Report != nil {
		d.opts.Report(f)
	}
}
