// Package storagetest has fake storage servers for tests of the console's read-only browsing of a
// service's other storage providers: WebDAV (dCache), Onedata's CDMI and Amazon S3. Each serves a
// fixed set of files (path → content; folders are implied by the paths), checks the credentials the
// real service would check, and records what it was asked. They are small models of the protocols,
// written for these tests: PROPFIND with Depth 1, CDMI container GET, ListObjectsV2 with a "/"
// delimiter, and GET of a file.
package storagetest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is one fake storage server.
type Server struct {
	*httptest.Server
	files map[string]string

	mu   sync.Mutex
	reqs []Request
}

// Request is what the fake received: method, path, raw query and the credentials' header.
type Request struct {
	Method, Path, Query string
	Auth                string // Authorization or X-Auth-Token
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

func (s *Server) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := r.Header.Get("Authorization")
	if a == "" {
		a = r.Header.Get("X-Auth-Token")
	}
	s.reqs = append(s.reqs, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: a})
}

// Host is the server's host:port with its scheme (http://127.0.0.1:port): the console accepts a
// scheme in a host field only where the policy allows http, as in tests.
func (s *Server) Host() string { return s.URL }

// children lists the entries right below dir ("" for the root): files and implied folders.
func (s *Server) children(dir string) (files, dirs []string) {
	prefix := ""
	if dir != "" {
		prefix = dir + "/"
	}
	seen := map[string]bool{}
	for p := range s.files {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok || rest == "" {
			continue
		}
		if d, _, deeper := strings.Cut(rest, "/"); deeper {
			if !seen[d] {
				seen[d] = true
				dirs = append(dirs, d)
			}
			continue
		}
		files = append(files, rest)
	}
	slices.Sort(files)
	slices.Sort(dirs)
	return files, dirs
}

// isDir reports whether dir is a folder of the fake (the root always is).
func (s *Server) isDir(dir string) bool {
	if dir == "" {
		return true
	}
	for p := range s.files {
		if strings.HasPrefix(p, dir+"/") {
			return true
		}
	}
	return false
}

// NewWebDAV starts a WebDAV server with HTTP Basic authentication (login, password).
func NewWebDAV(t *testing.T, login, password string, files map[string]string) *Server {
	s := &Server{files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		if u, p, ok := r.BasicAuth(); !ok || u != login || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="dCache"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		p := strings.Trim(r.URL.Path, "/")
		switch r.Method {
		case "PROPFIND":
			if r.Header.Get("Depth") != "1" {
				http.Error(w, "Depth infinity is not supported", http.StatusForbidden)
				return
			}
			if !s.isDir(p) {
				http.NotFound(w, r)
				return
			}
			files, dirs := s.children(p)
			var b strings.Builder
			b.WriteString(`<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:">`)
			entry := func(href string, dir bool, size int) {
				rt, cl := "", ""
				if dir {
					rt = "<d:collection/>"
				} else {
					cl = "<d:getcontentlength>" + strconv.Itoa(size) + "</d:getcontentlength>"
				}
				fmt.Fprintf(&b, `<d:response><d:href>%s</d:href><d:propstat><d:prop><d:resourcetype>%s</d:resourcetype>%s<d:getlastmodified>%s</d:getlastmodified></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`,
					(&url.URL{Path: href}).EscapedPath(), rt, cl, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Format(http.TimeFormat))
			}
			base := "/"
			if p != "" {
				base = "/" + p + "/"
			}
			entry(base, true, 0)
			for _, d := range dirs {
				entry(base+d+"/", true, 0)
			}
			for _, f := range files {
				entry(base+f, false, len(s.files[path.Join(p, f)]))
			}
			b.WriteString(`</d:multistatus>`)
			w.Header().Set("Content-Type", "application/xml; charset=utf-8")
			w.WriteHeader(http.StatusMultiStatus)
			_, _ = w.Write([]byte(b.String()))
		case http.MethodGet:
			s.serveFile(w, r, p)
		default:
			http.Error(w, "read-only", http.StatusMethodNotAllowed)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, p string) {
	data, ok := s.files[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write([]byte(data))
}

// NewCDMI starts a Oneprovider's CDMI interface for one space, with token authentication
// (X-Auth-Token).
func NewCDMI(t *testing.T, token, space string, files map[string]string) *Server {
	s := &Server{files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		if r.Header.Get("X-Auth-Token") != token {
			http.Error(w, `{"error":"invalid token"}`, http.StatusUnauthorized)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.Path, "/cdmi/"+space)
		if !ok || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		p := strings.Trim(rest, "/")
		if strings.HasSuffix(r.URL.Path, "/") {
			if r.Header.Get("X-CDMI-Specification-Version") == "" {
				http.Error(w, "not a CDMI container request", http.StatusBadRequest)
				return
			}
			if !s.isDir(p) {
				http.Error(w, `{"error":"no such container"}`, http.StatusNotFound)
				return
			}
			files, dirs := s.children(p)
			var children []string
			for _, d := range dirs {
				children = append(children, d+"/")
			}
			children = append(children, files...)
			w.Header().Set("Content-Type", "application/cdmi-container")
			_ = json.NewEncoder(w).Encode(map[string]any{"objectType": "application/cdmi-container", "objectName": path.Base(p) + "/", "children": children})
			return
		}
		s.serveFile(w, r, p)
	}))
	t.Cleanup(s.Close)
	return s
}

// NewS3 starts an S3 endpoint for the files (paths "bucket/key"), accepting requests signed with
// AWS Signature Version 4 by accessKey (the signature's structure and credential are checked; the
// signature itself is not recomputed).
func NewS3(t *testing.T, accessKey, region string, files map[string]string) *Server {
	s := &Server{files: files}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		a := r.Header.Get("Authorization")
		if !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential="+accessKey+"/") || !strings.Contains(a, "/"+region+"/s3/aws4_request") ||
			!strings.Contains(a, "Signature=") || r.Header.Get("X-Amz-Date") == "" || r.URL.Query().Has("X-Amz-Signature") {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<Error><Code>InvalidAccessKeyId</Code><Message>The AWS Access Key Id you provided does not exist in our records.</Message></Error>`))
			return
		}
		p := strings.TrimPrefix(r.URL.Path, "/")
		bucket, key, _ := strings.Cut(p, "/")
		if key != "" {
			s.serveFile(w, r, p)
			return
		}
		q := r.URL.Query()
		if q.Get("list-type") != "2" || q.Get("delimiter") != "/" || !s.isDir(bucket) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>`))
			return
		}
		type content struct {
			Key          string `xml:"Key"`
			Size         int    `xml:"Size"`
			LastModified string `xml:"LastModified"`
		}
		type prefix struct {
			Prefix string `xml:"Prefix"`
		}
		doc := struct {
			XMLName  xml.Name  `xml:"ListBucketResult"`
			Name     string    `xml:"Name"`
			Prefix   string    `xml:"Prefix"`
			Contents []content `xml:"Contents"`
			Common   []prefix  `xml:"CommonPrefixes"`
		}{Name: bucket, Prefix: q.Get("prefix")}
		dir := strings.TrimSuffix(bucket+"/"+q.Get("prefix"), "/")
		files, dirs := s.children(dir)
		for _, d := range dirs {
			doc.Common = append(doc.Common, prefix{q.Get("prefix") + d + "/"})
		}
		for _, f := range files {
			doc.Contents = append(doc.Contents, content{q.Get("prefix") + f, len(s.files[dir+"/"+f]), "2026-01-02T03:04:05.000Z"})
		}
		w.Header().Set("Content-Type", "application/xml")
		_ = xml.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(s.Close)
	return s
}
