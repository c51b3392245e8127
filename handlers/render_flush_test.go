package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/oscarconsole/oscar-console/templates"
)

// A rendered page is sent whole before the handler returns: what the server still buffered (the
// last few KB) does not wait for the middleware's access log and metrics. The middleware here holds
// the handler's return until the client has read the whole page; without the flush the client
// would wait for the server's final flush, which comes only after that.
func TestRenderSendsThePageBeforeTheMiddlewareEnds(t *testing.T) {
	h := newHarness(t, nil)
	// A page of 5 to 7 KB, as the service and jobs pages are: the server's 4 KB buffer sends its
	// first part, and keeps the rest (less than the buffer) until it is flushed.
	rows := make([]templates.ServiceRow, 6)
	for i := range rows {
		rows[i] = templates.ServiceRow{Name: "svc-" + strconv.Itoa(i), URL: "/services/svc-" + strconv.Itoa(i), Image: strings.Repeat("i", 100)}
	}
	read := make(chan struct{})
	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			next.ServeHTTP(middleware.NewWrapResponseWriter(w, req.ProtoMajor), req) // as web/server's access log does
			select {
			case <-read:
			case <-time.After(5 * time.Second):
			}
		})
	})
	r.Get("/page", func(w http.ResponseWriter, req *http.Request) {
		_ = h.pages.render(w, req, http.StatusOK, templates.ServicesPage(templates.Layout{Title: "Services"}, templates.ServicesProps{Rows: rows, Total: len(rows), Filtered: len(rows)}))
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	start := time.Now()
	resp, err := http.Get(srv.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	close(read)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(resp.Header.Get("Content-Length")); n != len(body) || n < 5000 || n > 7000 {
		t.Fatalf("page of %d bytes, Content-Length %d: the test needs a page of 5 to 7 KB", len(body), n)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the page's last bytes came after %v, when the middleware let the handler end: not flushed by render", d)
	}
}
