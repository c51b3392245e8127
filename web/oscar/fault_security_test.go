package oscar_test

// Fault injection of issue 11 at the client level: an OSCAR that refuses
// connections, hangs before or in the middle of its answer, fails, answers
// garbage or truncated JSON, streams an endless body, or redirects to
// another host. Each case checks the error's Kind, that the words for the
// user name the endpoint, and that no goroutine outlives the call
// (goleak, after the fake has closed its connections).

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// noLeak checks, when the test ends and after every cleanup registered
// later (the fakes closing their connections) has run, that no goroutine
// started during the test is still running.
func noLeak(t *testing.T) {
	t.Helper()
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

// waitGone blocks until the client hangs up, so that a hanging fake never
// outlives the test either.
func waitGone(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func TestFault_OSCARFaultsGiveClassifiedErrorsAndLeakNothing(t *testing.T) {
	evilHits := atomic.Int32{}
	evilAuth := atomic.Int32{}
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		if r.Header.Get("Authorization") != "" {
			evilAuth.Add(1)
		}
	}))
	t.Cleanup(evil.Close)

	fast := oscar.Options{Timeout: 150 * time.Millisecond, SlowTimeout: 150 * time.Millisecond, ConnectTimeout: 500 * time.Millisecond}
	tests := []struct {
		name   string
		fault  func(http.ResponseWriter, *http.Request) bool
		opts   oscar.Options
		want   oscar.Kind
		phrase string // in UserMessage
	}{
		{"500 with a doubled plain-text body", func(w http.ResponseWriter, _ *http.Request) bool {
			http.Error(w, "Error getting credentials for MinIO user: %!(EXTRA string=boom)Error reading buckets", 500)
			return true
		}, oscar.Options{}, oscar.Server, "failed. OSCAR said: Error getting credentials for MinIO user."},
		{"garbage instead of JSON", answer(200, "application/json", "<html><body>Sign in</body></html>"), oscar.Options{},
			oscar.Garbage, "could not read"},
		{"JSON cut short", answer(200, "application/json", `[{"name":"grey","image":"ghcr.io/x","scr`), oscar.Options{},
			oscar.Garbage, "could not read"},
		{"connection dropped mid-body", func(w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("Content-Length", "5000")
			w.WriteHeader(200)
			_, _ = w.Write([]byte(`[{"name":"grey",`))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler) // closes the connection without finishing the body
		}, oscar.Options{}, oscar.Unreachable, "could not be reached"},
		{"connection closed before any answer", func(w http.ResponseWriter, _ *http.Request) bool {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
			return true
		}, oscar.Options{}, oscar.Unreachable, "could not be reached"},
		{"endless body", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte(strings.Repeat(`{"name":"x","image":"i","script":"s"},`, 100))
			_, _ = w.Write([]byte("["))
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					break
				}
			}
			return true
		}, oscar.Options{MaxBody: 64 << 10}, oscar.TooLarge, "too large"},
		{"no answer in time", func(w http.ResponseWriter, r *http.Request) bool {
			waitGone(r)
			return true
		}, fast, oscar.Timeout, "did not answer in time"},
		{"headers then silence", func(w http.ResponseWriter, r *http.Request) bool {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			_, _ = w.Write([]byte("["))
			w.(http.Flusher).Flush()
			waitGone(r)
			return true
		}, fast, oscar.Timeout, "did not answer in time"},
		{"redirect to another host", func(w http.ResponseWriter, r *http.Request) bool {
			http.Redirect(w, r, evil.URL+"/steal?token=abc", http.StatusTemporaryRedirect)
			return true
		}, oscar.Options{}, oscar.Redirect, "answered with a redirect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			noLeak(t)
			e := setupLoose(t, oscartest.Options{Fault: tt.fault}, tt.opts)
			_, err := e.c.Services(e.ctx, e.ep, alice(), false)
			// The list page's streamed decoding classifies every fault the same way.
			if _, serr := e.c.ServiceSummaries(e.ctx, e.ep, alice(), false); asError(t, serr).Kind != tt.want {
				t.Errorf("ServiceSummaries: kind = %v, want %v (%v)", asError(t, serr).Kind, tt.want, serr)
			}
			oe := asError(t, err)
			if oe.Kind != tt.want {
				t.Fatalf("kind = %v, want %v (%v)", oe.Kind, tt.want, err)
			}
			um := oe.UserMessage()
			if !strings.Contains(um, e.ep.Host()) || !strings.Contains(um, tt.phrase) {
				t.Errorf("UserMessage() = %q, want the host %s and %q", um, e.ep.Host(), tt.phrase)
			}
			if strings.Contains(um+err.Error(), "alice-token") || strings.Contains(um+err.Error(), "token=abc") {
				t.Errorf("a secret reached the error: %q / %v", um, err)
			}
			// The slow path (service creation) is bounded the same way.
			if tt.want == oscar.Timeout {
				err := e.c.CreateService(e.ctx, e.ep, alice(), minimal("slow"))
				if k := kindOf(t, err); k != oscar.Timeout {
					t.Errorf("CreateService kind = %v, want Timeout", k)
				}
			}
		})
	}
	if n := evilHits.Load(); n != 0 {
		t.Errorf("the redirect target got %d requests (%d with Authorization), want none", n, evilAuth.Load())
	}
}

// TestFault_RefusedConnection: nothing listens at the endpoint.
func TestFault_RefusedConnection(t *testing.T) {
	noLeak(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	pol := oscar.Policy{AllowPrivate: true, AllowHTTP: true}
	ep, err := oscar.ParseEndpoint("http://"+addr, pol)
	if err != nil {
		t.Fatal(err)
	}
	c := oscar.New(oscar.Options{Policy: pol})
	_, err = c.Services(t.Context(), ep, alice(), false)
	oe := asError(t, err)
	if oe.Kind != oscar.Unreachable || !strings.Contains(oe.Message, "refused") {
		t.Fatalf("error = %v (kind %v), want Unreachable, connection refused", err, oe.Kind)
	}
	if um := oe.UserMessage(); um != "OSCAR at "+addr+" could not be reached." {
		t.Errorf("UserMessage() = %q", um)
	}
	if !oe.Down() {
		t.Error("Down() = false for a refused connection")
	}
}

// TestFault_ErrorsAreErrorsAs checks that every fault above is an
// *oscar.Error reachable with errors.As through wrapping, which is what
// the handlers' error page relies on.
func TestFault_ErrorsAreErrorsAs(t *testing.T) {
	noLeak(t)
	e := setupLoose(t, oscartest.Options{Fault: answer(503, "text/plain", "down for maintenance")}, oscar.Options{})
	_, err := e.c.Info(e.ctx, e.ep, admin())
	wrapped := errors.Join(errors.New("handlers: list"), err)
	var oe *oscar.Error
	if !errors.As(wrapped, &oe) || oe.Kind != oscar.Server || oe.Message != "down for maintenance" {
		t.Fatalf("errors.As(%v) = %+v", wrapped, oe)
	}
}
