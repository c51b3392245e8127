package main

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// samples collects durations from many goroutines.
type samples struct {
	mu sync.Mutex
	d  []time.Duration
}

func newSamples() *samples { return &samples{d: make([]time.Duration, 0, 1<<16)} }

func (s *samples) add(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

func (s *samples) reset() {
	s.mu.Lock()
	s.d = s.d[:0]
	s.mu.Unlock()
}

// snapshot returns a sorted copy.
func (s *samples) snapshot() []time.Duration {
	s.mu.Lock()
	out := slices.Clone(s.d)
	s.mu.Unlock()
	slices.Sort(out)
	return out
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of sorted, or 0 when it is
// empty. Nearest rank: the smallest value with at least p% of the values at or below it.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// dist is the summary of one distribution.
type dist struct {
	N                        int
	Mean, P50, P95, P99, Max time.Duration
}

func summarize(sorted []time.Duration) dist {
	d := dist{N: len(sorted)}
	if len(sorted) == 0 {
		return d
	}
	var sum time.Duration
	for _, v := range sorted {
		sum += v
	}
	d.Mean = sum / time.Duration(len(sorted))
	d.P50 = percentile(sorted, 50)
	d.P95 = percentile(sorted, 95)
	d.P99 = percentile(sorted, 99)
	d.Max = sorted[len(sorted)-1]
	return d
}

// ms formats a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func (d dist) String() string {
	if d.N == 0 {
		return "no samples"
	}
	return fmt.Sprintf("n=%d mean=%s p50=%s p95=%s p99=%s max=%s ms", d.N, ms(d.Mean), ms(d.P50), ms(d.P95), ms(d.P99), ms(d.Max))
}
