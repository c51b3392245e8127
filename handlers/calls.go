package handlers

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// calls runs a page's independent outbound calls (OSCAR, the Hub, app templates, MinIO) at once: an
// errgroup (Wait, SetLimit and the context of newCalls as errgroup's) whose goroutines first take a
// stack large enough for such a call. The group is not embedded, so that no call starts through
// errgroup's own Go or TryGo.
//
// A new goroutine starts with a small stack (the runtime's average over all goroutines), and one
// OSCAR call through net/http's client, then JSON decoding, outgrows it two or three times, each
// time deep in the call, where the runtime copies and adjusts every frame on the stack. Growing
// it once, at the goroutine's start, copies one frame. On the service page (three calls at once)
// this took the process's CPU a view from 1.01 to 0.92 ms in a closed loop (docs/performance.md
// §0.11).
type calls struct{ g *errgroup.Group }

// newCalls is errgroup.WithContext for calls: ctx is cancelled when a call fails or Wait returns.
func newCalls(parent context.Context) (calls, context.Context) {
	g, ctx := errgroup.WithContext(parent)
	return calls{g}, ctx
}

// Go runs f on a new goroutine, as errgroup's Go does, with its stack grown first.
func (c calls) Go(f func() error) {
	c.g.Go(func() error {
		growStack()
		return f()
	})
}

// Wait waits for every call and returns the first error, as errgroup's Wait.
func (c calls) Wait() error { return c.g.Wait() }

// SetLimit bounds the calls running at once, as errgroup's SetLimit.
func (c calls) SetLimit(n int) { c.g.SetLimit(n) }

// callStack is the stack frame growStack asks for: with the few hundred bytes below it, the runtime
// doubles a new goroutine's stack to 16 KB, the largest size it keeps per CPU for reuse, and
// enough for an OSCAR call and its decoding (a CPU profile of the service page under load shows no
// growth after this one).
const callStack = 12 << 10

// growStack makes the calling goroutine's stack at least 16 KB in one step: its frame does not fit
// a small stack, so the runtime grows the stack before it runs, while the goroutine is shallow.
//
//go:noinline
func growStack() {
	var frame [callStack]byte
	keepFrame(frame[:])
}

// keepFrame keeps growStack's frame from being optimised away.
//
//go:noinline
func keepFrame([]byte) {}
