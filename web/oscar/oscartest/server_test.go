package oscartest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// do sends one raw request to the fake with Basic auth unless auth is set.
func do(t *testing.T, s *Server, method, path, contentType, body, auth string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	switch auth {
	case "":
		req.SetBasicAuth(DefaultBasicUser, DefaultBasicPassword)
	case "none":
	default:
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

const jsonCT = "application/json"

// TestRefusesWhatTheContractRefuses: requests the contract refuses get 400
// and are recorded as violations; valid ones are not.
func TestRefusesWhatTheContractRefuses(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	s.AddBucket("data", "cluster_admin", "private")
	tests := []struct {
		name, method, path, ct, body string
		wantText                     string
	}{
		{"missing image", "POST", "/system/services", jsonCT, `{"name":"a","script":"s"}`, "Field validation for 'Image' failed on the 'required' tag"},
		{"missing name", "POST", "/system/services", jsonCT, `{"image":"i","script":"s"}`, "Field validation for 'Name' failed on the 'required' tag"},
		{"name over 39", "POST", "/system/services", jsonCT, `{"name":"` + strings.Repeat("x", 40) + `","image":"i","script":"s"}`, "failed on the 'max' tag"},
		{"empty name", "POST", "/system/services", jsonCT, `{"name":"","image":"i","script":"s"}`, "failed on the 'min' tag"},
		{"not JSON", "POST", "/system/services", jsonCT, `name: a`, "does not match the OSCAR contract"},
		{"api_port as an integer", "POST", "/system/services", jsonCT, `{"name":"a","image":"i","script":"s","expose":{"api_port":8080}}`, "does not match the OSCAR contract"},
		{"input not an array", "PUT", "/system/services", jsonCT, `{"name":"a","image":"i","script":"s","input":{"path":"x"}}`, "does not match the OSCAR contract"},
		{"wrong content type", "POST", "/system/buckets", "text/plain", `{"bucket_name":"b"}`, "does not match the OSCAR contract"},
		{"no bucket body", "POST", "/system/buckets", jsonCT, ``, "does not match the OSCAR contract"},
		{"presign without operation", "POST", "/system/buckets/data/presign", jsonCT, `{"object_key":"k"}`, "does not match the OSCAR contract"},
		{"tailLines not a number", "GET", "/system/services/a/deployment/logs?tailLines=abc", "", "", "does not match the OSCAR contract"},
		{"all not a boolean", "DELETE", "/system/logs/a?all=maybe", "", "", "does not match the OSCAR contract"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.ResetViolations()
			status, body, _ := do(t, s, tt.method, tt.path, tt.ct, tt.body, "")
			if status != http.StatusBadRequest || !strings.Contains(body, tt.wantText) {
				t.Errorf("got %d %q, want 400 with %q", status, body, tt.wantText)
			}
			v := s.Violations()
			if len(v) != 1 || !v[0].Request || v[0].Path != strings.Split(tt.path, "?")[0] {
				t.Errorf("violations = %v, want one request violation", v)
			}
		})
	}
	s.ResetViolations()
	status, body, h := do(t, s, "POST", "/system/services", jsonCT, `{"name":"ok","image":"i","script":"s","expose":{"api_port":[8080]}}`, "")
	if status != http.StatusCreated || body != "" || h.Get("Content-Type") != "" {
		t.Errorf("valid create: %d %q %q, want 201 with an empty body", status, body, h.Get("Content-Type"))
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations after valid requests: %v", v)
	}
}

func TestRealServerBehaviours(t *testing.T) {
	s := NewT(t, Options{})
	tests := []struct {
		name, method, path, auth string
		wantStatus               int
		wantBody                 string
	}{
		{"no credentials", "GET", "/system/info", "none", 401, ""},
		{"basic auth on /job", "POST", "/job/x", "", 401, ""},
		{"no /run without a serverless backend", "POST", "/run/x", "Bearer " + strings.Repeat("a", 64), 404, "404 page not found"},
		{"unknown route", "GET", "/system/nothing", "", 404, "404 page not found"},
		{"the manager's log is /system/logs, JSON (oscar-api.md §0.4.3)", "GET", "/system/logs", "", 200, `{"logs":[]}`},
		{"no buckets is null", "GET", "/system/buckets", "", 200, "null"},
		{"missing service is an empty 404", "GET", "/system/services/none", "", 404, ""},
		{"health", "GET", "/health", "none", 200, "Ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, h := do(t, s, tt.method, tt.path, "", "", tt.auth)
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			if status == 401 && tt.auth == "none" && h.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if h.Get(middlewareHeader) != "" {
				t.Error("the internal middleware marker leaked")
			}
		})
	}
}

func TestMinIODownGluesTwoMessages(t *testing.T) {
	s := NewT(t, Options{MinIODown: true})
	status, body, h := do(t, s, "GET", "/system/buckets", "", "", "")
	if status != 500 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
		!strings.Contains(body, "%!(EXTRA") || !strings.Contains(body, ")Error reading buckets") {
		t.Errorf("got %d %q", status, body)
	}
}

// TestResponseCheck: the fake's own answers are held to the contract.
func TestResponseCheck(t *testing.T) {
	s := NewT(t, Options{})
	tests := []struct {
		name, method, path string
		status             int
		ct, body           string
		wantErr            bool
	}{
		{"valid info", "GET", "/system/info", 200, jsonCT, `{"version":"v4"}`, false},
		{"info with a number for a string", "GET", "/system/info", 200, jsonCT, `{"version":4}`, true},
		{"service list with a bad member", "GET", "/system/services", 200, jsonCT, `[{"name":"a","image":"i","script":"s","expose":{"api_port":1}}]`, true},
		{"JSON error body", "GET", "/system/info", 401, jsonCT, `{"error":"x"}`, true},
		{"plain error body", "GET", "/system/info", 401, "text/plain", `no`, false},
		{"undeclared status", "GET", "/system/info", 500, "text/plain", `boom`, true},
		{"documented extra status", "POST", "/system/services", 409, "text/plain", `secret exists`, false},
		{"empty 201 on create", "POST", "/system/services", 201, "", ``, false},
		{"null bucket list", "GET", "/system/buckets", 200, jsonCT, `null`, false},
		{"null service list", "GET", "/system/services", 200, jsonCT, `null`, true},
		{"empty jobs body", "GET", "/system/logs/a", 200, "", ``, false},
		{"empty info body", "GET", "/system/info", 200, "", ``, true},
		{"text job log", "GET", "/system/logs/a/b", 200, "text/plain; charset=utf-8", "line\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			route, params, err := s.spec.router.FindRoute(r)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			if tt.ct != "" {
				rec.Header().Set("Content-Type", tt.ct)
			}
			rec.WriteHeader(tt.status)
			rec.WriteString(tt.body)
			err = s.checkResponse(r, route, params, rec)
			if (err != nil) != tt.wantErr {
				t.Errorf("checkResponse = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestFindSpecPathEnv(t *testing.T) {
	t.Setenv(SpecEnv, "/nonexistent/oscar.yaml")
	if p, err := FindSpecPath(); err != nil || p != "/nonexistent/oscar.yaml" {
		t.Errorf("FindSpecPath = %q, %v", p, err)
	}
	if _, err := LoadSpec(""); err == nil {
		t.Error("LoadSpec of a missing file succeeded")
	}
}

func TestRunRefusesBasicAuth(t *testing.T) {
	s := NewT(t, Options{ServerlessBackend: true})
	if err := s.PutService(`{"name":"svc","image":"i","script":"s","visibility":"public"}`); err != nil {
		t.Fatal(err)
	}
	if status, _, _ := do(t, s, "POST", "/run/svc", "text/plain", "x", ""); status != http.StatusUnauthorized {
		t.Errorf("basic auth on /run: %d, want 401", status)
	}
	if status, body, _ := do(t, s, "POST", "/run/svc", "text/plain", "hello", "Bearer "+s.ServiceToken("svc")); status != http.StatusOK || body != "hello" {
		t.Errorf("service token on /run: %d %q, want 200 and the echo", status, body)
	}
}
