package session

import (
	"context"
	"net/http/httptest"
	"testing"
)

// benchmarkRoundTrip measures what every signed-in page costs: Load the session named by the cookie,
// then Save it (which re-reads the stored copy to merge tokens, then writes).
func benchmarkRoundTrip(b *testing.B, m *Manager, backend Backend) {
	c := saveNew(b, m, realisticData())
	blob, err := backend.Get(context.Background(), backendKey(CookieID(c.Value)))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := newRequest(c)
		s, err := m.Load(r)
		if err != nil {
			b.Fatal(err)
		}
		if s.IsNew() {
			b.Fatal("session did not load")
		}
		if err := m.Save(httptest.NewRecorder(), r, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(blob)), "bytes/session")
}

func BenchmarkFileRoundTrip(b *testing.B) {
	m, backend := newFileManager(b, nil)
	benchmarkRoundTrip(b, m, backend)
}

func BenchmarkRedisRoundTrip(b *testing.B) {
	url, _, _ := startRedis(b)
	backend := newRedisBackend(b, url)
	benchmarkRoundTrip(b, newManager(b, backend, nil), backend)
}
