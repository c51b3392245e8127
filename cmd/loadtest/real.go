package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Bounds of a run against a real OSCAR (-oscar): somebody's cluster is on the other end.
const (
	realMaxUsers       = 50
	realDefaultUsers   = 10
	realMaxRequests    = 20000
	realDefaultRequest = 1000
	realMaxBody        = 32 << 20
)

// realOSCAR forwards the console's calls to a real OSCAR endpoint with the operator's account, read
// only: GET and HEAD pass, anything else is refused here, so a load run never changes the cluster.
// The front of upstream times each call, so the report gives OSCAR's own latency for the calls the
// pages made beside the pages' latency.
type realOSCAR struct {
	base   *url.URL
	auth   string // the operator's account, as an Authorization header
	client *http.Client
}

// newRealOSCAR checks the endpoint (loopback unless allowRemote) and reads the password file.
func newRealOSCAR(raw, user, passwordFile string, allowRemote bool) (*realOSCAR, error) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
		return nil, fmt.Errorf("loadtest: -oscar %q: an http(s) base URL without user or query", raw)
	}
	if !allowRemote && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("loadtest: -oscar %s is not on this machine; add -allow-remote to load a remote OSCAR (bounded by -users, -requests and -duration)", u.Host)
	}
	if user == "" || passwordFile == "" {
		return nil, fmt.Errorf("loadtest: -oscar needs -user and -password-file (OSCAR's basic-auth account)")
	}
	b, err := os.ReadFile(passwordFile)
	if err != nil {
		return nil, fmt.Errorf("loadtest: -password-file: %w", err)
	}
	pass := strings.TrimRight(string(b), "\r\n")
	if pass == "" {
		return nil, fmt.Errorf("loadtest: -password-file is empty")
	}
	return &realOSCAR{
		base: u,
		auth: basicHeader(user, pass),
		// The console's own hardened transport: no proxy, no redirects, timeouts. The operator
		// named this endpoint, so private addresses and plain http are theirs to choose.
		client: oscar.HardenedHTTPClient(oscar.Policy{AllowPrivate: true, AllowHTTP: true}, 5*time.Second, 30*time.Second),
	}, nil
}

// ServeHTTP forwards one read-only call.
func (o *realOSCAR) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "the load test only reads from a real OSCAR", http.StatusMethodNotAllowed)
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, o.base.String()+r.URL.RequestURI(), nil)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	req.Header.Set("Authorization", o.auth)
	if a := r.Header.Get("Accept"); a != "" {
		req.Header.Set("Accept", a)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		http.Error(w, "OSCAR did not answer", http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for _, k := range []string{"Content-Type", "Content-Length"} {
		if v := resp.Header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(resp.Body, realMaxBody))
}

// serviceNames lists the services the account sees, in name order.
func (o *realOSCAR) serviceNames(ctx context.Context) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.base.String()+"/system/services", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", o.auth)
	resp, err := o.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadtest: OSCAR at %s did not answer: %w", o.base.Host, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("loadtest: OSCAR at %s answered %s to the service list (check -user and -password-file)", o.base.Host, resp.Status)
	}
	var list []struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, realMaxBody)).Decode(&list); err != nil {
		return nil, fmt.Errorf("loadtest: OSCAR's service list: %w", err)
	}
	names := make([]string, 0, len(list))
	for _, s := range list {
		names = append(names, s.Name)
	}
	slices.Sort(names)
	return names, nil
}

// realUsers makes n basic-auth users whose home services are the cluster's, spread evenly. With no
// service, the service and jobs pages answer 404 and drop out of the mix.
func realUsers(n int, names []string) []simUser {
	users := make([]simUser, n)
	for i := range users {
		users[i] = simUser{index: i, sub: basicUserName(i)}
		for k := range min(homeServices, len(names)) {
			users[i].home = append(users[i].home, names[(i+k)%len(names)])
		}
		if len(names) == 0 {
			users[i].home = []string{"no-service"}
		}
	}
	return users
}

// opName groups calls by what they ask OSCAR: the path with names replaced, so that
// "/system/services/a" and "/system/services/b" are one operation.
func opName(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range segs {
		if i >= 2 && !slices.Contains([]string{"deployment", "logs", "presign", "jobs", "exposed"}, segs[i]) {
			segs[i] = "{}"
		}
	}
	return method + " /" + strings.Join(segs, "/")
}
