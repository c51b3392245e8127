package wizard

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// seedDraft is a draft with something in every list, as a user would have it midway.
func seedDraft() *Draft {
	d := FromService(oscar.Service{
		Name: "seed", Image: "img", Script: "\n#!/bin/sh\necho seed\n", CPU: "0.5", Memory: "1Gi", LogLevel: "DEBUG",
		Environment: &oscar.Environment{Variables: map[string]string{"A": "1"}, Secrets: map[string]string{"S": "secret"}},
		Labels:      map[string]string{"team": "blue"},
		Input:       []oscar.StorageIOConfig{{StorageProvider: "minio", Path: "seed/in", Suffix: []string{"jpg"}}},
		Output:      []oscar.StorageIOConfig{{StorageProvider: "onedata.dh", Path: "out", Options: "--kept"}},
		StorageProviders: &oscar.StorageProviders{
			Onedata: map[string]*oscar.OnedataProvider{"dh": {OneproviderHost: "op.example.org", Token: "tok", Space: "sp"}},
			WebDAV:  map[string]*oscar.WebDAVProvider{"dc": {Hostname: "dc.example.org", Login: "l", Password: "pw"}},
		},
		ClusterID: "here",
		Clusters:  map[string]oscar.Cluster{"eu": {Endpoint: "https://eu.example.org", AuthUser: "u", AuthPassword: "pw", SSLVerify: true}},
		Federation: &oscar.Federation{Topology: "star", Delegation: "random", ReschedulerThreshold: 5,
			Members: []oscar.Replica{{Type: "oscar", ClusterID: "eu", ServiceName: "seed-eu", SSLVerify: true, Headers: map[string]string{"X": "h"}}}},
	}, "new")
	d.Visited = nil
	// Save every step once, as a user clicking through does: the draft is then in the form's own
	// terms ("minio" reads minio.default).
	env := fuzzEnv()
	for _, st := range Steps()[:len(Steps())-1] {
		if v, err := renderForm(d, st, env); err == nil {
			ParseStep(d, st, Form{Values: v}, env)
		}
	}
	return d
}

func fuzzEnv() Env {
	return Env{FeaturesKnown: true, Basic: true, Features: oscar.Features{GPU: true, VOs: []string{"vo.a.eu"}}}
}

// renderForm renders a step of d and reads its form back as a browser without JavaScript
// would submit it.
func renderForm(d *Draft, step string, env Env) (url.Values, error) {
	props, err := Props(Ref{Mode: d.Mode, Name: d.Service.Name}, d, step, env, nil)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := templates.WizardPage(templates.Layout{Title: "fuzz"}, props).Render(context.Background(), &buf); err != nil {
		return nil, err
	}
	doc, err := goquery.NewDocumentFromReader(&buf)
	if err != nil {
		return nil, err
	}
	v, ok := formValues(doc, formSel)
	if !ok {
		return nil, fmt.Errorf("step %s has no wizard form", step)
	}
	return v, nil
}

func renderedForm(t *testing.T, d *Draft, step string, env Env) url.Values {
	t.Helper()
	v, err := renderForm(d, step, env)
	if err != nil {
		t.Fatalf("render %s: %v", step, err)
	}
	return v
}

// FuzzParseWizardForm posts arbitrary forms to each step. Reading a form must never panic, and
// must be stable: rendering the step from the draft and posting that form back, as a browser
// does when the user presses Next without touching anything, changes nothing.
func FuzzParseWizardForm(f *testing.F) {
	f.Add(uint8(0), "name=grayify&image=img&script=echo+hi%0D%0A&cpu=0.5&memory=1Gi&log_level=debug&environment.variables%5B0%5D.key=A&environment.variables%5B0%5D.value=1")
	f.Add(uint8(0), "environment.secrets%5B0%5D.row=2&environment.secrets%5B0%5D.key=S&environment.secrets%5B0%5D.value=&labels%5B3%5D.key=x&labels%5B3%5D.value=y&allowed_users=a+b%0Ac&visibility=restricted&alpine=true&enable_gpu=true&image_pull_secrets=a,b")
	f.Add(uint8(1), "storage_providers%5B0%5D.provider=onedata&storage_providers%5B0%5D.row=3&storage_providers%5B0%5D.id=dh&storage_providers%5B0%5D.oneprovider_host=https%3A%2F%2Fop.example.org%2F&storage_providers%5B0%5D.token=")
	f.Add(uint8(1), "storage_providers%5B1%5D.provider=minio&storage_providers%5B1%5D.id=m&storage_providers%5B1%5D.verify=true&storage_providers%5B7%5D.provider=ftp&add=provider&provider=rucio")
	f.Add(uint8(2), "input%5B0%5D.storage_provider=MINIO&input%5B0%5D.path=+%2Fa%2Fb%2F+&input%5B0%5D.suffix=jpg,+png;gif&remove=input%5B0%5D")
	f.Add(uint8(3), "output%5B0%5D.storage_provider=onedata.dh&output%5B0%5D.path=x&output%5B1%5D.storage_provider=s3&output%5B1%5D.prefix=%00%01&add=output")
	f.Add(uint8(0), "script=%0A%0Aleading+newlines&environment.variables%5B0%5D.value=line%0Dbreak&name=%FF%FE")
	f.Add(uint8(0), "synchronous.min_scale=1&synchronous.max_scale=x&ephemeral_storage_request=2Gi&isolation_level=user&interlink_node_name=vk&image_prefetch=true")
	f.Add(uint8(1), "mount.storage_provider=minio&mount.path=%2Fbucket%2Ffolder%2F")
	f.Add(uint8(1), "federation.topology=mesh&federation.rescheduler_threshold=x&federation.members%5B0%5D.row=9&federation.members%5B0%5D.type=endpoint&federation.members%5B0%5D.url=http%3A%2F%2Fh&federation.members%5B0%5D.priority=-2&clusters%5B0%5D.row=8&clusters%5B0%5D.id=eu&clusters%5B0%5D.auth_password=&add=federation.members")
	f.Add(uint8(1), "clusters%5B3%5D.id=us&clusters%5B3%5D.endpoint=https%3A%2F%2Fus&clusters%5B3%5D.ssl_verify=true&remove=federation.members%5B0%5D&add=clusters")
	f.Add(uint8(4), "expose.enabled=true&expose.api_port=8888,+80&expose.nodePort=0+x&expose.min_scale=&expose.auth_type=FORWARD&expose.health_path=%2Fh")
	f.Add(uint8(4), "kserve.enabled=true&kserve.type=llm_inference&kserve.storage_uri=hf%3A%2F%2Fm&kserve.env=A%3D1%0Ab&kserve.args=--x%0A--y&kserve.max_scale=2")
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		step := Steps()[int(which)%(len(Steps())-1)]
		values, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		env := fuzzEnv()
		d := seedDraft()
		ParseStep(d, step, Form{Values: values}, env)
		RowAction(d, step, values)
		Validate(d, Review, env)
		_ = d.Build()

		raw, err := d.Marshal()
		if err != nil {
			t.Fatalf("marshal Draft: %v", err)
		}
		again, err := Unmarshal(raw)
		if err != nil {
			t.Fatalf("unmarshal Draft: %v", err)
		}
		for _, st := range Steps() {
			form := renderedForm(t, d, st, env)
			if st == Review {
				continue
			}
			ParseStep(again, st, Form{Values: form}, env)
		}
		after, err := again.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, after) {
			t.Fatalf("posting the rendered form back changed the Draft:\nbefore %s\nafter  %s", raw, after)
		}
	})
}

// BenchmarkWizardStepRender renders each step of a full draft, as the handlers do.
func BenchmarkWizardStepRender(b *testing.B) {
	env := fuzzEnv()
	d := seedDraft()
	for _, step := range Steps() {
		b.Run(step, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				props, err := Props(Ref{Mode: ModeNew}, d, step, env, Validate(d, step, env))
				if err != nil {
					b.Fatal(err)
				}
				var buf bytes.Buffer
				if err := templates.WizardPage(templates.Layout{Title: "bench"}, props).Render(context.Background(), &buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
