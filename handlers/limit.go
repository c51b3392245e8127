package handlers

import (
	"sync"
	"time"
)

// limiter is a fixed-window counter per key (client address), bounding sign-in attempts. It forgets
// old windows as it goes, so it cannot grow without bound.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	now    func() time.Time
	seen   map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(max int, per time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: per, now: now, seen: map[string]*window{}}
}

// allow counts one attempt for key and reports whether it is within the limit.
func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	if len(l.seen) > 10000 {
		for k, w := range l.seen {
			if t.Sub(w.start) >= l.window {
				delete(l.seen, k)
			}
		}
	}
	w := l.seen[key]
	if w == nil || t.Sub(w.start) >= l.window {
		w = &window{start: t}
		l.seen[key] = w
	}
	w.n++
	return w.n <= l.max
}
