package loadgen

import (
	"math/rand/v2"
	"sync"
)

// Session is an interview session created by parse-jd: what analyze-answer and the
// session read need to address it.
type Session struct {
	ID          string   `json:"session_id"`
	QuestionIDs []string `json:"question_ids"`
}

// sessionPoolSize bounds the sessions a run remembers; the oldest are forgotten first, so
// reads spread over recent sessions as they would in production.
const sessionPoolSize = 4096

// sessionPool is the set of sessions the workers pick from. It is shared by every worker;
// a mutex is cheap next to an HTTP round trip.
type sessionPool struct {
	mu   sync.RWMutex
	all  ring
	asks ring // sessions with at least one question
}

type ring struct {
	items []Session
	next  int
}

func (r *ring) add(s Session) {
	if len(r.items) < sessionPoolSize {
		r.items = append(r.items, s)
		return
	}
	r.items[r.next] = s
	r.next = (r.next + 1) % sessionPoolSize
}

func (r *ring) pick(rng *rand.Rand) (Session, bool) {
	if len(r.items) == 0 {
		return Session{}, false
	}
	return r.items[rng.IntN(len(r.items))], true
}

func newSessionPool(initial []Session) *sessionPool {
	p := &sessionPool{}
	for _, s := range initial {
		p.add(s)
	}
	return p
}

func (p *sessionPool) add(s Session) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.all.add(s)
	if len(s.QuestionIDs) > 0 {
		p.asks.add(s)
	}
}

// session picks any known session.
func (p *sessionPool) session(rng *rand.Rand) (Session, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.all.pick(rng)
}

// question picks a session and one of its questions.
func (p *sessionPool) question(rng *rand.Rand) (sessionID, questionID string, ok bool) {
	p.mu.RLock()
	s, ok := p.asks.pick(rng)
	p.mu.RUnlock()
	if !ok {
		return "", "", false
	}
	return s.ID, s.QuestionIDs[rng.IntN(len(s.QuestionIDs))], true
}
