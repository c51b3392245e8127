package oscartest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// maxRequestBody bounds what the fake reads of a request.
const maxRequestBody = 64 << 20

// ServeHTTP records the request, applies Latency and Fault, validates the
// request against the contract, serves it, and validates the response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody))
	if err != nil {
		writePlain(w, http.StatusBadRequest, "oscartest: cannot read body")
		return
	}
	s.record(r, body)
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if s.opts.Fault != nil && s.opts.Fault(w, r) {
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	// The fake MinIO is not part of the OSCAR contract.
	if strings.HasPrefix(r.URL.Path, "/minio/") {
		s.mux.ServeHTTP(w, r)
		return
	}
	// Deviation §0.4.6: /run is in the contract but only registered with a
	// serverless backend; otherwise gin answers 404.
	if strings.HasPrefix(r.URL.Path, "/run/") && !s.opts.ServerlessBackend {
		writePlain(w, http.StatusNotFound, "404 page not found")
		return
	}
	// Without VOLUME_ENABLE OSCAR does not register the volume routes.
	if strings.HasPrefix(r.URL.Path, "/system/volumes") && s.opts.NoVolumes {
		writePlain(w, http.StatusNotFound, "404 page not found")
		return
	}
	// Deviation §0.4.3: OSCAR registers the manager's log as /system/logs (gin redirects
	// /system/logs/ there) and answers JSON, not the contract's text.
	if r.URL.Path == "/system/logs/" && r.Method == http.MethodGet {
		http.Redirect(w, r, "/system/logs", http.StatusMovedPermanently)
		return
	}
	if r.URL.Path == "/system/logs" {
		s.serveManagerLogs(w, r)
		return
	}
	route, params, err := s.spec.router.FindRoute(r)
	if err != nil {
		// Not in the contract: gin has no such route either.
		writePlain(w, http.StatusNotFound, "404 page not found")
		return
	}
	invocation := route.Path == "/job/{serviceName}" || route.Path == "/run/{serviceName}"
	in := &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			// Deviation: the contract types /job and /run bodies as a JSON
			// string, but OSCAR passes any body (a MinIO event object, a
			// file) to the service untouched.
			ExcludeRequestBody: invocation,
		},
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		s.violate(true, r, err.Error())
		writePlain(w, http.StatusBadRequest, requestErrorText(route.Path, body, err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, r)
	if err := s.checkResponse(r, route, params, rec); err != nil {
		s.violate(false, r, err.Error())
		writePlain(w, http.StatusInternalServerError, "oscartest: the fake's response violates the OSCAR contract: "+err.Error())
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (s *Server) record(r *http.Request, body []byte) {
	rec := Recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: "none", Body: slices.Clone(body)}
	for k := range r.Header {
		rec.Headers = append(rec.Headers, k)
	}
	sort.Strings(rec.Headers)
	if h := r.Header.Get("Authorization"); h != "" {
		switch {
		case strings.HasPrefix(h, "Bearer "):
			rec.Auth, rec.Token = "bearer", strings.TrimPrefix(h, "Bearer ")
		case strings.HasPrefix(h, "Basic "):
			rec.Auth = "basic"
		default:
			rec.Auth = "other"
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rec)
}

func (s *Server) violate(request bool, r *http.Request, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, Violation{Request: request, Method: r.Method, Path: r.URL.Path, Err: msg})
}

// extraStatuses are statuses the real server answers that the contract
// does not list (oscar-api.md §0.4 item 2 and §1.2).
func extraStatus(method, path string, status int) bool {
	switch method + " " + path {
	case "POST /system/services":
		return status == http.StatusForbidden || status == http.StatusConflict
	case "GET /system/services/{serviceName}":
		return status == http.StatusBadRequest || status == http.StatusForbidden
	case "POST /job/{serviceName}":
		return status == http.StatusBadRequest || status == http.StatusForbidden || status == http.StatusBadGateway
	case "POST /system/buckets":
		return status == http.StatusForbidden
	case "DELETE /system/logs/{serviceName}/{jobName}":
		return status == http.StatusForbidden
	case "GET /system/metrics/{serviceName}":
		// getAuthorizedServiceForMetrics: an unknown service, or one a bearer caller may not see.
		return status == http.StatusForbidden || status == http.StatusNotFound
	case "POST /system/federation/{serviceName}", "PUT /system/federation/{serviceName}", "DELETE /system/federation/{serviceName}":
		return status == http.StatusForbidden
	}
	return false
}

// checkResponse validates one response of the fake against the contract,
// allowing only the documented deviations of the real server.
func (s *Server) checkResponse(r *http.Request, route *routers.Route, params map[string]string, rec *httptest.ResponseRecorder) error {
	status, body := rec.Code, rec.Body.Bytes()
	ct := rec.Header().Get("Content-Type")
	// /run answers with whatever the service's container sends.
	if route.Path == "/run/{serviceName}" {
		return nil
	}
	declared := route.Operation.Responses.Status(status)
	fromMiddleware := rec.Header().Get(middlewareHeader) != ""
	rec.Header().Del(middlewareHeader)
	if status >= 400 {
		// Deviation §0.4.1: error bodies are plain text (or empty), never
		// the JSON the contract's produces lists suggest.
		// OSCAR's metrics handlers are the exception: they write {"error": "..."} as JSON.
		if len(body) > 0 && !strings.HasPrefix(ct, "text/plain") && !jsonErrors(route.Path) {
			return fmt.Errorf("error body with Content-Type %q, want text/plain", ct)
		}
		if declared == nil && !fromMiddleware && !extraStatus(r.Method, route.Path, status) {
			return fmt.Errorf("status %d is not in the contract", status)
		}
		return nil
	}
	if declared == nil {
		return fmt.Errorf("status %d is not in the contract", status)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// Deviations §0.4.2 and §0.4.7: 201 with an empty body where the
		// contract names a string; 204s have no body by definition.
		if mt := declared.Value.Content.Get("application/json"); mt == nil || mt.Schema == nil || mt.Schema.Value.Type.Is("string") {
			return nil
		}
		// Deviation §0.4.8: an empty 200 when a bearer caller may not see
		// the service's jobs.
		if r.Method == http.MethodGet && route.Path == "/system/logs/{serviceName}" {
			return nil
		}
		return fmt.Errorf("empty %d body where the contract wants a document", status)
	}
	// OSCAR's federation changes answer the federation document of GET where the contract says
	// a string (pkg/handlers/federation.go: c.JSON(http.StatusOK, updated)).
	if route.Path == "/system/federation/{serviceName}" && r.Method != http.MethodGet && status == http.StatusOK {
		return checkFederationDoc(body)
	}
	// Deviation §0.4.5: the bucket list is null when there are none.
	if r.Method == http.MethodGet && route.Path == "/system/buckets" && bytes.Equal(bytes.TrimSpace(body), []byte("null")) {
		return nil
	}
	// Deviation: the contract's 200 for the breakdown is the CSV string (swag kept the last of
	// two @Success lines); OSCAR answers JSON by default, a types.MetricsBreakdownResponse.
	if route.Path == "/system/metrics/breakdown" && strings.HasPrefix(ct, "application/json") {
		return s.checkSchema("types.MetricsBreakdownResponse", body)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route},
		Status:                 status,
		Header:                 rec.Header(),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// requestErrorText is the 400 body for a request the contract refuses:
// for service bodies, gin's binding message as OSCAR sends it.
func requestErrorText(path string, body []byte, err error) string {
	if path == "/system/services" {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for _, f := range []string{"name", "image", "script"} {
				if _, ok := m[f]; !ok {
					return ginMessage(f, "required")
				}
			}
			if name, ok := m["name"].(string); ok && len(name) > 39 {
				return ginMessage("name", "max")
			}
			if name, ok := m["name"].(string); ok && name == "" {
				return ginMessage("name", "min")
			}
		}
	}
	return "oscartest: the request does not match the OSCAR contract: " + err.Error()
}

// ginMessage is gin's validation error text for a Service field.
func ginMessage(field, tag string) string {
	f := strings.ToUpper(field[:1]) + field[1:]
	return fmt.Sprintf("Key: 'Service.%s' Error:Field validation for '%s' failed on the '%s' tag", f, f, tag)
}

// jsonErrors reports whether OSCAR's handler of path writes its errors as JSON.
func jsonErrors(path string) bool {
	return strings.HasPrefix(path, "/system/metrics")
}

// serveManagerLogs serves GET /system/logs, which the contract does not list under that path
// (§0.4.3), and checks the answer against what OSCAR's MakeGetSystemLogsHandler writes: JSON
// {"logs": [...]} with exactly the fields of its executionLogEntry, or a plain-text error.
func (s *Server) serveManagerLogs(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	var problem string
	switch {
	case r.Method != http.MethodGet:
		problem = "" // gin: no such route; the mux answered 404 or 405
	case rec.Code >= 400:
		if len(body) > 0 && !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			problem = "error body is not text/plain"
		}
	default:
		// oscar.ManagerLogs has exactly the fields of OSCAR's executionLogEntry.
		var v oscar.ManagerLogs
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil || v.Logs == nil {
			problem = fmt.Sprintf("not OSCAR's {\"logs\": [...]}: %v", err)
		}
	}
	if problem != "" {
		s.violate(false, r, problem)
		writePlain(w, http.StatusInternalServerError, "oscartest: the fake's response is not what OSCAR answers: "+problem)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// checkSchema validates a JSON body against one of the contract's definitions.
func (s *Server) checkSchema(name string, body []byte) error {
	ref := s.spec.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("the contract has no definition %s", name)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return err
	}
	return ref.Value.VisitJSON(v)
}

// checkFederationDoc checks a federation change's answer: types.FederationResponse, nothing else.
func checkFederationDoc(body []byte) error {
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	var doc struct {
		Topology string `json:"topology"`
		Members  []struct {
			Type        string            `json:"type"`
			ClusterID   string            `json:"cluster_id"`
			ServiceName string            `json:"service_name"`
			URL         string            `json:"url"`
			SSLVerify   bool              `json:"ssl_verify"`
			Priority    int               `json:"priority"`
			Headers     map[string]string `json:"headers"`
		} `json:"members"`
	}
	if err := d.Decode(&doc); err != nil {
		return fmt.Errorf("federation answer is not a types.FederationResponse: %w", err)
	}
	return nil
}
