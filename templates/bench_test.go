package templates

import (
	"bytes"
	"context"
	"fmt"
	"strings"
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

// BenchmarkLayoutTemplate renders the document frame every page shares, with nothing in it.
func BenchmarkLayoutTemplate(b *testing.B) {
	l, _ := benchServicesProps()
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Page(l).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

// benchServiceProps is a service page with every section filled, as the load test's services are
// and more: a deployment, federation, storage providers, secrets, a mount and a script.
func benchServiceProps() (Layout, ServiceProps) {
	l, _ := benchServicesProps()
	l.Title, l.Nav, l.Path = "svc-0001", "services", "/services/svc-0001"
	p := ServiceProps{
		Name: "svc-0001",
		General: []KV{{Key: "Image", Value: "ghcr.io/grycap/cowsay:1.1"}, {Key: "CPU", Value: "0.5"}, {Key: "Memory", Value: "512Mi"},
			{Key: "Visibility", Value: "private"}, {Key: "Owner", Value: "cluster_admin"}, {Key: "Log level", Value: "INFO"},
			{Key: "Allowed users", Value: "—"}, {Key: "Image pull secrets", Value: "—"}},
		Deployment: DeploymentProps{Shown: true, Service: "svc-0001", State: "ready", StateClass: "ok", Since: "2026-12-07 10:00 UTC",
			Kind: "Exposed service", Ready: 1, Total: 1, Settled: true, RefreshURL: "/services/svc-0001"},
		Inputs:      []IORow{{Provider: "minio.default", Path: "svc-0001/input", Suffix: ".jpg", BrowseURL: "/buckets/svc-0001?prefix=input"}},
		Outputs:     []IORow{{Provider: "minio.default", Path: "svc-0001/output", BrowseURL: "/buckets/svc-0001?prefix=output"}},
		Mount:       &IORow{Provider: "webdav.dcache", Path: "/data/<shared>"},
		Providers:   []ProviderRow{{Kind: "WebDAV", ID: "dcache", Fields: []KV{{Key: "Hostname", Value: "dcache.example.org"}, {Key: "Login", Value: "jane"}, {Key: "Password", Value: "hidden", Secret: true}}}},
		Variables:   []KV{{Key: "MODEL", Value: "m1"}, {Key: "THRESHOLD", Value: `0.5 "strict"`}},
		Secrets:     []string{"API_KEY"},
		Annotations: []KV{{Key: "oscar.grycap.net/note", Value: "a & b"}},
		Labels:      []KV{{Key: "team", Value: "t1"}},
		Script:      "#!/bin/sh\necho \"$INPUT_FILE_PATH\" > \"$TMP_OUTPUT_DIR/out.txt\"\n",
		Token:       "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		ShowURL:     "/services/svc-0001?token=show#token", HideURL: "/services/svc-0001#token",
		JobURL: "https://oscar.example.org/job/svc-0001", RunURL: "https://oscar.example.org/run/svc-0001",
		CurlJob: `curl -X POST -H "Authorization: Bearer $OSCAR_SERVICE_TOKEN" --data-binary @input.jpg https://oscar.example.org/job/svc-0001`,
		CurlRun: `curl -X POST -H "Authorization: Bearer $OSCAR_SERVICE_TOKEN" --data-binary @input.jpg https://oscar.example.org/run/svc-0001`,
		Summary: JobSummary{Available: true, Succeeded: 3, Failed: 1, Running: 1, Total: 5},
		Federation: &FederationSection{Topology: "star", Props: []KV{{Key: "Topology", Value: "star"}, {Key: "Delegation", Value: "static"}},
			Members: []FederationMemberRow{{Type: "oscar", ClusterID: "c2", ServiceName: "svc-0001", Endpoint: "https://c2.example.org", Priority: "1", State: "unknown", Note: "not <reported>"}}},
		EditURL: "/services/svc-0001/edit/general", ExportURL: "/services/svc-0001/fdl", JobsURL: "/services/svc-0001/jobs",
		InvokeURL: "/services/svc-0001/invoke", DeleteURL: "/services/svc-0001/delete",
	}
	return l, p
}

// BenchmarkServiceTemplate renders one service's page (layout included).
func BenchmarkServiceTemplate(b *testing.B) {
	l, p := benchServiceProps()
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := ServicePage(l, p).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}

// benchTokenProps is the token page of an EGI Check-in session: a JWT of Check-in's size, its
// decoded parts and UserInfo pretty-printed, the snippets.
func benchTokenProps() (Layout, TokenProps) {
	l, _ := benchServicesProps()
	l.Title, l.Nav, l.Path = "Token", "token", "/token"
	tok := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + strings.Repeat("eyJzdWIiOiIxMjM0NTY3ODkwQGVnaS5ldSIsImV4cCI6MTc2NTAwMDAwMH0", 14) + ".sig-" + strings.Repeat("abcdef0123", 30)
	payload := "{\n  \"iss\": \"https://aai.egi.eu/auth/realms/egi\",\n  \"sub\": \"1234567890@egi.eu\",\n  \"aud\": \"oscar-console\",\n  \"exp\": 1765000000,\n  \"iat\": 1764996400,\n  \"scope\": \"openid profile email eduperson_entitlement\",\n  \"voperson_id\": \"1234567890@egi.eu\"\n}"
	userinfo := "{\n  \"sub\": \"1234567890@egi.eu\",\n  \"name\": \"Jane Researcher\",\n  \"email\": \"jane@example.org\",\n  \"entitlements\": [\n" +
		strings.Repeat("    \"urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu\",\n", 12) + "    \"urn:mace:egi.eu:group:vo.access.egi.eu:role=member#aai.egi.eu\"\n  ]\n}"
	p := TokenProps{Endpoint: "https://oscar.example.org", ProviderName: "EGI Check-in", AccessToken: tok,
		ExpiresAt: "2026-12-07 21:00 UTC", ExpiresISO: "2026-12-07T21:00:00Z", MinutesLeft: 42,
		Issuer: "https://aai.egi.eu/auth/realms/egi", Subject: "1234567890@egi.eu", VOPersonID: "1234567890@egi.eu",
		Scopes: []string{"openid", "profile", "email", "eduperson_entitlement"},
		VOs:    []TokenVO{{Name: "vo.example.eu", Accepted: true}, {Name: "vo.access.egi.eu"}}, ClusterVOs: []string{"vo.example.eu"}, ClusterVOsKnown: true,
		HeaderJSON: "{\n  \"alg\": \"RS256\",\n  \"typ\": \"JWT\"\n}", PayloadJSON: payload, UserInfoJSON: userinfo, CanRefresh: true,
		ExportSnippet:   "export OSCAR_TOKEN='" + tok + "'",
		InfoSnippet:     `curl -H "Authorization: Bearer $OSCAR_TOKEN" https://oscar.example.org/system/info`,
		UserInfoSnippet: `curl -H "Authorization: Bearer $OSCAR_TOKEN" https://aai.egi.eu/auth/realms/egi/protocol/openid-connect/userinfo`,
		AgentGenSnippet: "oidc-gen --pub --issuer https://aai.egi.eu/auth/realms/egi --scope \"openid profile email eduperson_entitlement\" egi",
		AgentTokSnippet: "export OSCAR_TOKEN=$(oidc-token egi)", CLISnippet: "oscar-cli cluster add egi https://oscar.example.org --oidc-token \"$OSCAR_TOKEN\"",
		AgentAccount: "egi", TokenPortalURL: "https://aai.egi.eu/token"}
	return l, p
}

// BenchmarkTokenTemplate renders the token page (layout included).
func BenchmarkTokenTemplate(b *testing.B) {
	l, p := benchTokenProps()
	var buf bytes.Buffer
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := TokenPage(l, p).Render(ctx, &buf); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
