package handlers

import (
	"errors"
	"io"
	"strconv"
	"sync"
	"time"
)

// Bounds of what object uploads may hold (issue 15, item 3).
const (
	// UploadPartSize is the buffer one upload of unknown length holds: the part size of its S3
	// multipart upload. Always set explicitly: a client's default part size for an unknown length
	// is hundreds of MiB. 16 MiB parts reach 156 GiB within S3's 10,000 parts.
	UploadPartSize = 16 << 20
	// DefaultUploadBuffer is the default of Settings.UploadBuffer (CONSOLE_UPLOAD_BUFFER): four
	// uploads of unknown length at once, well inside the chart's 256 MiB memory limit.
	DefaultUploadBuffer = 4 * UploadPartSize
	// spoolChunk is the step in which a spooled upload takes budget as its bytes arrive.
	spoolChunk = 1 << 20
	// uploadRetryAfter is the Retry-After of a refusal for lack of budget.
	uploadRetryAfter = 30 * time.Second
)

// uploadBudget bounds the bytes every upload in this process holds at once: the part buffers of
// multipart uploads (memory) and the spool files of the presigned fallback (disk) count against
// one total, so concurrent uploads can neither fill the memory nor the disk. It never waits: an
// upload that does not find its share is refused at once (uploadsBusy).
type uploadBudget struct {
	total int64

	mu   sync.Mutex
	used int64
	peak int64 // the most ever held at once, for tests and operators' curiosity
}

func newUploadBudget(total int64) *uploadBudget {
	if total <= 0 {
		total = DefaultUploadBuffer
	}
	return &uploadBudget{total: total}
}

// take reserves n bytes, reporting false (and reserving nothing) when that would exceed the total.
func (b *uploadBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.total-b.used {
		return false
	}
	b.used += n
	b.peak = max(b.peak, b.used)
	return true
}

// give returns n bytes taken before.
func (b *uploadBudget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if b.used < 0 {
		panic("handlers: upload budget given back more than was taken")
	}
}

// usage returns the bytes held now and the most held at once so far.
func (b *uploadBudget) usage() (used, peak int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.peak
}

// errUploadsBusy is the refusal of an upload that found no budget left.
var errUploadsBusy = errors.New("handlers: upload budget exhausted")

// errSpoolTooLarge is the refusal of a spooled upload larger than the whole budget.
var errSpoolTooLarge = errors.New("handlers: upload larger than the spool budget")

// busyError is a refusal for lack of capacity: a 503 page with Retry-After.
type busyError struct {
	title, msg string
	retry      time.Duration
	err        error
}

func (e *busyError) Error() string { return "handlers: 503 " + e.title + ": " + e.err.Error() }
func (e *busyError) Unwrap() error { return e.err }

// retryAfter is the Retry-After header's value, in whole seconds.
func (e *busyError) retryAfter() string { return strconv.Itoa(max(1, int(e.retry/time.Second))) }

// uploadsBusy is the page of an upload refused because other uploads hold the budget.
func uploadsBusy() error {
	return &busyError{title: "The console is busy with other uploads",
		msg:   "The console is passing other large uploads to storage right now and cannot take this file too. Nothing was stored: try again in a minute.",
		retry: uploadRetryAfter, err: errUploadsBusy}
}

// spoolWriter writes a spooled upload to its file, taking budget in spoolChunk steps as bytes
// arrive. Its owner gives everything back with release.
type spoolWriter struct {
	w      io.Writer
	budget *uploadBudget
	held   int64 // budget taken
	n      int64 // bytes written
}

func (s *spoolWriter) Write(p []byte) (int, error) {
	if need := s.n + int64(len(p)) - s.held; need > 0 {
		step := (need + spoolChunk - 1) / spoolChunk * spoolChunk
		if s.held+step > s.budget.total {
			return 0, errSpoolTooLarge
		}
		if !s.budget.take(step) {
			return 0, errUploadsBusy
		}
		s.held += step
	}
	n, err := s.w.Write(p)
	s.n += int64(n)
	return n, err
}

// release gives back the budget the spool took.
func (s *spoolWriter) release() {
	s.budget.give(s.held)
	s.held = 0
}
