package framework

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// pollInterval is how often waits and watches read the API server.
const pollInterval = 200 * time.Millisecond

// Until polls cond until it returns true, returns an error, or timeout passes; the
// error on timeout names what was awaited and the last reason cond gave.
func Until(ctx context.Context, timeout time.Duration, what string, cond func(context.Context) (bool, string, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	last := "not checked yet"
	for {
		done, why, err := cond(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			return fmt.Errorf("waiting for %s: %w", what, err)
		case err == nil && done:
			return nil
		case err == nil:
			last = why
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: not reached within %s; last seen: %s", what, timeout, last)
		case <-t.C:
		}
	}
}

// WaitInstance polls an instance until cond holds for it and returns it. cond also
// says why it does not hold yet, which the timeout error repeats.
func WaitInstance(ctx context.Context, c client.Client, key types.NamespacedName, timeout time.Duration, what string,
	cond func(*iapiv1alpha1.InterviewAPI) (bool, string)) (*iapiv1alpha1.InterviewAPI, error) {
	var got *iapiv1alpha1.InterviewAPI
	err := Until(ctx, timeout, what, func(ctx context.Context) (bool, string, error) {
		in := &iapiv1alpha1.InterviewAPI{}
		if err := c.Get(ctx, key, in); err != nil {
			return false, err.Error(), nil
		}
		ok, why := cond(in)
		if ok {
			got = in
		}
		return ok, why + " [" + StatusLine(in) + "]", nil
	})
	return got, err
}

// Observation is an instance's status as seen at one moment.
type Observation struct {
	Time     time.Time
	Instance *iapiv1alpha1.InterviewAPI
}

// Watcher records every change of an instance's status in the background, for
// assertions over the whole course of a rollout (a step never goes back, nothing is
// promoted during an outage) and for printing the rollout live.
type Watcher struct {
	mu      sync.Mutex
	seen    []Observation
	changed chan struct{} // closed and replaced on every new observation
	cancel  context.CancelFunc
	done    chan struct{}
}

// Watch starts recording; onChange, when not nil, is called with each new status.
func Watch(ctx context.Context, c client.Client, key types.NamespacedName, onChange func(Observation)) *Watcher {
	ctx, cancel := context.WithCancel(ctx)
	w := &Watcher{cancel: cancel, done: make(chan struct{}), changed: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(pollInterval)
		defer t.Stop()
		lastVersion := ""
		for {
			in := &iapiv1alpha1.InterviewAPI{}
			if err := c.Get(ctx, key, in); err == nil && in.ResourceVersion != lastVersion {
				lastVersion = in.ResourceVersion
				o := Observation{Time: time.Now(), Instance: in}
				w.mu.Lock()
				w.seen = append(w.seen, o)
				close(w.changed)
				w.changed = make(chan struct{})
				w.mu.Unlock()
				if onChange != nil {
					onChange(o)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// Stop ends the recording.
func (w *Watcher) Stop() {
	w.cancel()
	<-w.done
}

// Observations returns what was recorded so far, oldest first.
func (w *Watcher) Observations() []Observation {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Observation(nil), w.seen...)
}

// WaitFor waits until an observation satisfies cond and returns it: the first one
// recorded, so that its time is when the state was first seen. cond also says why an
// observation does not satisfy it, which the timeout error repeats.
func (w *Watcher) WaitFor(ctx context.Context, timeout time.Duration, what string,
	cond func(*iapiv1alpha1.InterviewAPI) (bool, string)) (Observation, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	next, last := 0, "nothing observed yet"
	for {
		w.mu.Lock()
		seen, changed := w.seen[next:], w.changed
		next = len(w.seen)
		w.mu.Unlock()
		for _, o := range seen {
			ok, why := cond(o.Instance)
			if ok {
				return o, nil
			}
			last = why + " [" + StatusLine(o.Instance) + "]"
		}
		select {
		case <-ctx.Done():
			return Observation{}, fmt.Errorf("%s: not reached within %s; last seen: %s", what, timeout, last)
		case <-w.done:
			return Observation{}, fmt.Errorf("%s: the watch ended; last seen: %s", what, last)
		case <-changed:
		}
	}
}

// ErrNotSeen says that an awaited state never appeared in the observations.
var ErrNotSeen = errors.New("not observed")

// FirstTime is the time of the first observation satisfying cond.
func (w *Watcher) FirstTime(cond func(*iapiv1alpha1.InterviewAPI) bool) (time.Time, error) {
	for _, o := range w.Observations() {
		if cond(o.Instance) {
			return o.Time, nil
		}
	}
	return time.Time{}, ErrNotSeen
}
