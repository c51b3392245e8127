package handlers

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sync/errgroup"
)

func TestCallsRunEveryCallAndReportTheFirstError(t *testing.T) {
	g, ctx := newCalls(context.Background())
	var ran atomic.Int32
	boom := errors.New("boom")
	for i := range 5 {
		g.Go(func() error {
			ran.Add(1)
			if i == 2 {
				return boom
			}
			return nil
		})
	}
	if err := g.Wait(); !errors.Is(err, boom) {
		t.Fatalf("Wait = %v, want %v", err, boom)
	}
	if ran.Load() != 5 {
		t.Fatalf("%d calls ran, want 5", ran.Load())
	}
	if ctx.Err() == nil {
		t.Fatal("the calls' context is not cancelled after a call failed")
	}
}

func TestCallsKeepTheirLimit(t *testing.T) {
	g, _ := newCalls(context.Background())
	g.SetLimit(2)
	var now, most atomic.Int32
	for range 8 {
		g.Go(func() error {
			n := now.Add(1)
			for {
				m := most.Load()
				if n <= m || most.CompareAndSwap(m, n) {
					break
				}
			}
			runtime.Gosched()
			now.Add(-1)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if m := most.Load(); m > 2 {
		t.Fatalf("%d calls ran at once under a limit of 2", m)
	}
}

// stackGrowth is how many bytes of goroutine stacks n goroutines started by start hold while
// they wait.
func stackGrowth(n int, start func(func())) uint64 {
	runtime.GC()
	runtime.GC() // stack spans left free are returned at the end of a cycle
	var ready, release sync.WaitGroup
	ready.Add(n)
	release.Add(1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var done sync.WaitGroup
	done.Add(n)
	for range n {
		start(func() {
			defer done.Done()
			ready.Done()
			release.Wait()
		})
	}
	ready.Wait()
	runtime.ReadMemStats(&after)
	release.Done()
	done.Wait()
	return after.StackInuse - before.StackInuse
}

func TestCallsStartWithAGrownStack(t *testing.T) {
	const n = 256
	plain := stackGrowth(n, func(f func()) { go f() })
	grown := stackGrowth(n, func(f func()) {
		g := calls{new(errgroup.Group)}
		g.Go(func() error { f(); return nil })
	})
	t.Logf("%d goroutines hold %d KB of stack started plainly, %d KB started by calls", n, plain>>10, grown>>10)
	if want := uint64(n * 16 << 10); grown < want*3/4 {
		t.Fatalf("%d goroutines started by calls hold %d KB of stack, want about %d KB (16 KB each)", n, grown>>10, want>>10)
	}
}
