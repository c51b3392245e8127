package auth

import "time"

// SetRetry shortens Run's retry intervals so tests of a provider that is
// down at start do not wait a second per attempt.
func SetRetry(p *Provider, first, max time.Duration) {
	p.retryMin, p.retryMax = first, max
}

// SetNow replaces the clock used for login-state age checks.
func SetNow(p *Provider, now func() time.Time) {
	p.now = now
}
