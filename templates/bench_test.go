package templates

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// benchServicesProps is a services list page as a signed-in user sees it: 25 rows of 100 services,
// every column filled, a mix of states.
func benchServicesProps() (Layout, ServicesProps) {
	l := Layout{Title: "Services", Nav: "services", SignedIn: true, UserName: "Jane Researcher", AuthKind: "oidc",
		Endpoint: "https://oscar.example.org", Recent: []string{"https://oscar.example.org", "https://other.example.org"},
		RequestID: "0123456789abcdef", Version: "bench", Path: "/services"}
	p := ServicesProps{Sort: "name", Dir: "asc", Total: 100, Filtered: 100, ClearURL: "/services",
		Pager: Pager{Page: 1, Pages: 4, From: 1, To: 25, Total: 100, NextURL: "/services?page=2", LastURL: "/services?page=4"}}
	for _, c := range []string{"Name", "Image", "CPU", "Memory", "Visibility", "Owner", "State"} {
		p.Columns = append(p.Columns, SortColumn{Label: c, Href: "/services?sort=" + c, AriaSort: "none"})
	}
	states := []struct{ state, class string }{{"Ready", "ok"}, {"Pending", "warn"}, {"Failed", "bad"}, {"Stopped", "off"}}
	for i := range 25 {
		st := states[i%len(states)]
		p.Rows = append(p.Rows, ServiceRow{Name: fmt.Sprintf("svc-%04d", i), URL: fmt.Sprintf("/services/svc-%04d", i),
			Image: fmt.Sprintf("ghcr.io/grycap/cowsay:1.%d", i), CPU: "0.5", Memory: "512Mi", Visibility: "private",
			Owner: "cluster_admin", Mine: i%3 == 0, State: st.state, StateClass: st.class, Reason: "", Kind: []string{"", "exposed"}[i%2]})
	}
	return l, p
}

// BenchmarkServicesTemplate renders the services list page (layout included) into a buffer: the
// template's own cost, without handlers or HTTP (docs/performance.md).
func BenchmarkServicesTemplate(b *testing.B) {
	l, p := benchServicesProps()
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := ServicesPage(l, p).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
