package handlers

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

// The list's links carry its query: each one read back gives the same filter, sort and page, and
// the address is what url.Values.Encode gives, defaults left out.
func TestServiceQueryURL(t *testing.T) {
	for _, tt := range []struct {
		q    serviceQuery
		page int
		want string
	}{
		{serviceQuery{sort: "name", dir: "asc"}, 1, "/services"},
		{serviceQuery{sort: "name", dir: "asc"}, 3, "/services?page=3"},
		{serviceQuery{q: "a b&c=d/é", mine: true, kind: "exposed", sort: "memory", dir: "desc"}, 2,
			"/services?dir=desc&kind=exposed&mine=1&page=2&q=a+b%26c%3Dd%2F%C3%A9&sort=memory"},
	} {
		if got := tt.q.url(tt.page); got != tt.want {
			t.Errorf("%+v page %d: %s, want %s", tt.q, tt.page, got, tt.want)
		}
	}
	for _, q := range []string{"", "x", "svc 1", "100%", "#frag", "?&="} {
		for _, mine := range []bool{false, true} {
			for _, kind := range []string{"", "event", "exposed", "kserve"} {
				for _, k := range serviceSortKeys() {
					for _, dir := range []string{"asc", "desc"} {
						for _, page := range []int{1, 2, 7} {
							in := serviceQuery{q: q, mine: mine, kind: kind, sort: k.key, dir: dir, page: page}
							link := in.url(page)
							u, err := url.Parse(link)
							if err != nil || u.Path != "/services" {
								t.Fatalf("%+v: %q is not a services link (%v)", in, link, err)
							}
							if want := "/services"; len(u.Query()) > 0 {
								want += "?" + u.Query().Encode()
								if link != want {
									t.Fatalf("%+v: %q, want %q", in, link, want)
								}
							}
							if got := readServiceQuery(httptest.NewRequest("GET", link, nil)); got != in {
								t.Fatalf("%q read back as %+v, want %+v", link, got, in)
							}
						}
					}
				}
			}
		}
	}
}
