package handlers

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// TestServicePageHidesEverySecretField sets every Secret and Account field of every kind in
// oscar.ProviderKinds to a marker: the service page's props never carry one, and say "hidden".
func TestServicePageHidesEverySecretField(t *testing.T) {
	for _, k := range oscar.ProviderKinds() {
		t.Run(k.Kind, func(t *testing.T) {
			fields, markers := map[string]string{}, []string{}
			for _, f := range k.Fields {
				fields[f.Key] = "plain.example.org"
				if f.Secret || f.Account {
					fields[f.Key] = "MARKER-" + k.Kind + "-" + f.Key
					markers = append(markers, fields[f.Key])
				}
			}
			sp := &oscar.StorageProviders{}
			sp.Add(k.Kind, "x", fields)
			props := buildServiceProps(&oscar.Service{Name: "svc", StorageProviders: sp}, "https://oscar.example.org")
			text := fmt.Sprintf("%+v", props)
			for _, m := range markers {
				if strings.Contains(text, m) {
					t.Errorf("service page props hold %s: %s", m, text)
				}
			}
			if len(props.Providers) != 1 || props.Providers[0].Kind != k.Label || !strings.Contains(text, "hidden") {
				t.Errorf("providers = %+v, want one %s row with hidden credentials", props.Providers, k.Label)
			}
		})
	}
}
