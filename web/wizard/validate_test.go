package wizard

import (
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

func TestReservedServiceNamesRefused(t *testing.T) {
	for _, tc := range []struct {
		name     string
		reserved bool
	}{{"new", true}, {"import", true}, {"delete", true}, {"newer", false}, {"cowsay", false}} {
		p := newProblems()
		validateGeneral(&Draft{Mode: "new", Service: oscar.Service{Name: tc.name}}, Env{}, p)
		if _, got := p.errs["name"]; got != tc.reserved {
			t.Errorf("service name %q: refused = %v (%q), want %v", tc.name, got, p.errs["name"], tc.reserved)
		}
	}
}
