package plugin

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/watch"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// rewatchDelay spaces out watches when the server closes one, which it does routinely
// after a few minutes; no change is lost because the next watch starts where the last
// one stopped.
const rewatchDelay = time.Second

// instanceWatch calls emit with an InterviewAPI now and after each of its changes, until
// ctx ends. It survives closed watches and expired resource versions by watching again
// from the last version seen, or reading the object afresh.
type instanceWatch struct {
	in   *instances
	name string
	emit func(*iapiv1alpha1.InterviewAPI)

	resourceVersion string // where the next watch starts
	emitted         string // resource version last given to emit
}

// run returns nil when ctx ends (Ctrl-C or --timeout) and an error when the object
// cannot be read or is deleted.
func (w *instanceWatch) run(ctx context.Context) error {
	if err := w.refresh(ctx); err != nil {
		return err
	}
	for ctx.Err() == nil {
		stream, err := w.in.watchFrom(ctx, w.name, w.resourceVersion)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watch: %w", err)
		}
		expired, err := w.consume(ctx, stream)
		stream.Stop()
		if err != nil {
			return err
		}
		if expired {
			if err := w.refresh(ctx); err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(rewatchDelay):
		}
	}
	return nil
}

// refresh reads the object and emits it if it changed since the last emit.
func (w *instanceWatch) refresh(ctx context.Context) error {
	obj, err := w.in.get(ctx, w.name)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	w.seen(obj)
	return nil
}

// consume handles the events of one watch until it closes (false), its resource version
// expired (true), or ctx ends.
func (w *instanceWatch) consume(ctx context.Context, stream watch.Interface) (expired bool, err error) {
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case ev, ok := <-stream.ResultChan():
			if !ok {
				return false, nil
			}
			switch ev.Type {
			case watch.Added, watch.Modified:
				obj, isInstance := ev.Object.(*iapiv1alpha1.InterviewAPI)
				if !isInstance {
					return false, fmt.Errorf("watch interviewapi %q: unexpected object %T", w.name, ev.Object)
				}
				w.seen(obj)
			case watch.Bookmark:
				if m, err := meta.Accessor(ev.Object); err == nil {
					w.resourceVersion = m.GetResourceVersion()
				}
			case watch.Deleted:
				return false, fmt.Errorf("interviewapi %q in namespace %q was deleted", w.name, w.in.namespace)
			case watch.Error:
				err := apierrors.FromObject(ev.Object)
				if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
					return true, nil
				}
				return false, fmt.Errorf("watch interviewapi %q: %w", w.name, err)
			}
		}
	}
}

func (w *instanceWatch) seen(obj *iapiv1alpha1.InterviewAPI) {
	w.resourceVersion = obj.ResourceVersion
	if obj.ResourceVersion == w.emitted {
		return
	}
	w.emitted = obj.ResourceVersion
	w.emit(obj)
}
