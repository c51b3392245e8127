package oscartest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// s3Call sends a request signed with the root keys by minio-go's signer,
// with query and body (nil: none), to /minio/data/<key>.
func s3Call(t *testing.T, s *Server, method, key string, query url.Values, body []byte, after func(*http.Request)) s3Answer {
	t.Helper()
	return s3Send(t, s, method, "data", key, MinIORootAccessKey, MinIORootSecretKey, MinIORegion, func(r *http.Request) {
		r.URL.RawQuery = strings.ReplaceAll(query.Encode(), "+", "%20")
		if body != nil {
			sum := sha256.Sum256(body)
			r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
	}, after)
}

// between returns the text between open and close in s.
func between(s, open, close string) string {
	_, rest, _ := strings.Cut(s, open)
	v, _, _ := strings.Cut(rest, close)
	return v
}

// startUpload creates a multipart upload of data/<key> and returns its ID.
func startUpload(t *testing.T, s *Server, key string) string {
	t.Helper()
	a := s3Call(t, s, http.MethodPost, key, url.Values{"uploads": {""}}, nil, nil)
	id := between(a.body, "<UploadId>", "</UploadId>")
	if a.status != http.StatusOK || id == "" {
		t.Fatalf("CreateMultipartUpload = %d\n%s", a.status, a.body)
	}
	return id
}

// putPart uploads one part and returns its ETag.
func putPart(t *testing.T, s *Server, key, id string, num int, data []byte) string {
	t.Helper()
	a := s3Call(t, s, http.MethodPut, key, url.Values{"partNumber": {fmt.Sprint(num)}, "uploadId": {id}}, data, nil)
	if a.status != http.StatusOK || a.header.Get("ETag") == "" {
		t.Fatalf("UploadPart %d = %d %q", num, a.status, a.code())
	}
	return a.header.Get("ETag")
}

// completeDoc is a CompleteMultipartUpload body listing (number, ETag) pairs.
func completeDoc(parts ...any) []byte {
	var b strings.Builder
	b.WriteString("<CompleteMultipartUpload>")
	for i := 0; i < len(parts); i += 2 {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", parts[i], parts[i+1])
	}
	b.WriteString("</CompleteMultipartUpload>")
	return []byte(b.String())
}

// TestMinIOMultipartUpload: a multipart upload signed as minio-go signs it
// stores the parts joined, in order; the upload is gone afterwards.
func TestMinIOMultipartUpload(t *testing.T) {
	s := NewT(t, Options{})
	s.AddBucket("data", "cluster_admin", "private")
	p1 := bytes.Repeat([]byte("a"), MinIOMinPartSize)
	p2 := []byte("the short last part")
	id := startUpload(t, s, "in/x y.bin")
	// Parts may arrive in any order; the completion lists them in order.
	e2 := putPart(t, s, "in/x y.bin", id, 2, p2)
	e1 := putPart(t, s, "in/x y.bin", id, 1, p1)
	if n := s.MultipartUploads(); n != 1 {
		t.Errorf("uploads in progress = %d, want 1", n)
	}
	if _, ok := s.Object("data", "in/x y.bin"); ok {
		t.Error("the object exists before the upload is completed")
	}
	a := s3Call(t, s, http.MethodPost, "in/x y.bin", url.Values{"uploadId": {id}}, completeDoc(1, e1, 2, e2), nil)
	if a.status != http.StatusOK || !strings.Contains(a.body, "<CompleteMultipartUploadResult") {
		t.Fatalf("CompleteMultipartUpload = %d\n%s", a.status, a.body)
	}
	if got, _ := s.Object("data", "in/x y.bin"); !bytes.Equal(got, append(p1, p2...)) {
		t.Errorf("object = %d bytes, want the two parts joined (%d)", len(got), len(p1)+len(p2))
	}
	if n := s.MultipartUploads(); n != 0 {
		t.Errorf("uploads in progress after completion = %d, want 0", n)
	}
	// A completed upload is gone.
	if a := s3Call(t, s, http.MethodPut, "in/x y.bin", url.Values{"partNumber": {"3"}, "uploadId": {id}}, []byte("x"), nil); a.status != http.StatusNotFound || a.code() != "NoSuchUpload" {
		t.Errorf("UploadPart after completion = %d %q, want 404 NoSuchUpload", a.status, a.code())
	}
}

// TestMinIOMultipartRefusals: the fake refuses what MinIO refuses, and a
// refused completion stores nothing.
func TestMinIOMultipartRefusals(t *testing.T) {
	s := NewT(t, Options{})
	s.AddBucket("data", "cluster_admin", "private")
	big := bytes.Repeat([]byte("b"), MinIOMinPartSize)
	small := []byte("small")
	tests := []struct {
		name       string
		send       func(id string, etags map[int]string) s3Answer
		wantStatus int
		wantCode   string
	}{
		{"unknown upload ID", func(string, map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPut, "k", url.Values{"partNumber": {"1"}, "uploadId": {"no-such-id"}}, small, nil)
		}, http.StatusNotFound, "NoSuchUpload"},
		{"upload ID of another key", func(id string, _ map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPut, "other", url.Values{"partNumber": {"1"}, "uploadId": {id}}, small, nil)
		}, http.StatusNotFound, "NoSuchUpload"},
		{"part number 0", func(id string, _ map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPut, "k", url.Values{"partNumber": {"0"}, "uploadId": {id}}, small, nil)
		}, http.StatusBadRequest, "InvalidArgument"},
		{"part number 10001", func(id string, _ map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPut, "k", url.Values{"partNumber": {"10001"}, "uploadId": {id}}, small, nil)
		}, http.StatusBadRequest, "InvalidArgument"},
		{"part with a bad signature", func(id string, _ map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPut, "k", url.Values{"partNumber": {"1"}, "uploadId": {id}}, small, func(r *http.Request) {
				r.URL.RawQuery = url.Values{"partNumber": {"2"}, "uploadId": {id}}.Encode() // replayed as another part
			})
		}, http.StatusForbidden, "SignatureDoesNotMatch"},
		{"part whose body is not the one signed", func(id string, _ map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPut, "k", url.Values{"partNumber": {"1"}, "uploadId": {id}}, small, func(r *http.Request) {
				r.Body = io.NopCloser(strings.NewReader("other"))
			})
		}, http.StatusBadRequest, "XAmzContentSHA256Mismatch"},
		{"parts out of order", func(id string, e map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPost, "k", url.Values{"uploadId": {id}}, completeDoc(2, e[2], 1, e[1]), nil)
		}, http.StatusBadRequest, "InvalidPartOrder"},
		{"a part listed twice", func(id string, e map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPost, "k", url.Values{"uploadId": {id}}, completeDoc(1, e[1], 1, e[1]), nil)
		}, http.StatusBadRequest, "InvalidPartOrder"},
		{"a part never sent", func(id string, e map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPost, "k", url.Values{"uploadId": {id}}, completeDoc(1, e[1], 4, e[2]), nil)
		}, http.StatusBadRequest, "InvalidPart"},
		{"a wrong ETag", func(id string, e map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPost, "k", url.Values{"uploadId": {id}}, completeDoc(1, e[2], 2, e[2]), nil)
		}, http.StatusBadRequest, "InvalidPart"},
		{"a small part before the last", func(id string, e map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPost, "k", url.Values{"uploadId": {id}}, completeDoc(1, e[1], 3, e[3], 5, e[1]), nil)
		}, http.StatusBadRequest, "EntityTooSmall"},
		{"no parts", func(id string, _ map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPost, "k", url.Values{"uploadId": {id}}, completeDoc(), nil)
		}, http.StatusBadRequest, "MalformedXML"},
		{"completion signed for another upload", func(id string, e map[int]string) s3Answer {
			return s3Call(t, s, http.MethodPost, "k", url.Values{"uploadId": {id}}, completeDoc(1, e[1], 2, e[2]), func(r *http.Request) {
				r.URL.RawQuery = url.Values{"uploadId": {"x" + id}}.Encode()
			})
		}, http.StatusForbidden, "SignatureDoesNotMatch"},
		{"abort of an unknown upload", func(string, map[int]string) s3Answer {
			return s3Call(t, s, http.MethodDelete, "k", url.Values{"uploadId": {"no-such-id"}}, nil, nil)
		}, http.StatusNotFound, "NoSuchUpload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := startUpload(t, s, "k")
			etags := map[int]string{1: putPart(t, s, "k", id, 1, big), 2: putPart(t, s, "k", id, 2, small), 3: putPart(t, s, "k", id, 3, small)}
			// Part 5 reuses part 1's content (and so its ETag) to reach EntityTooSmall.
			putPart(t, s, "k", id, 5, big)
			a := tt.send(id, etags)
			if a.status != tt.wantStatus || a.code() != tt.wantCode {
				t.Errorf("answer = %d %q, want %d %q\n%s", a.status, a.code(), tt.wantStatus, tt.wantCode, a.body)
			}
			if _, ok := s.Object("data", "k"); ok {
				t.Error("a refused upload stored the object")
			}
			// The refused request did not end the upload; aborting it does.
			if a := s3Call(t, s, http.MethodDelete, "k", url.Values{"uploadId": {id}}, nil, nil); a.status != http.StatusNoContent {
				t.Errorf("AbortMultipartUpload = %d %q, want 204", a.status, a.code())
			}
			if n := s.MultipartUploads(); n != 0 {
				t.Errorf("uploads in progress after the abort = %d, want 0", n)
			}
		})
	}
}

// TestMinIOWriteRights: writes (PutObject, multipart uploads) need the
// rights deletes need; a user's keys cannot write into another user's
// bucket.
func TestMinIOWriteRights(t *testing.T) {
	s := NewT(t, Options{OIDCGroups: []string{"vo"}, Tokens: func(tok string) (string, []string, bool) {
		return tok + "@egi.eu", []string{"vo"}, tok != ""
	}})
	for _, tok := range []string{"alice", "bob"} {
		if st, _, _ := do(t, s, http.MethodGet, "/system/config", "", "", "Bearer "+tok); st != http.StatusOK {
			t.Fatalf("config for %s = %d", tok, st)
		}
	}
	s.AddBucket("alice-private", "alice@egi.eu", "private")
	s.AddBucket("alice-public", "alice@egi.eu", "public")
	sign := func(access, secret string, query url.Values, body []byte, bucket string) s3Answer {
		return s3Send(t, s, map[bool]string{true: http.MethodPut, false: http.MethodPost}[body != nil], bucket, "k", access, secret, MinIORegion, func(r *http.Request) {
			r.URL.RawQuery = query.Encode()
			if body != nil {
				sum := sha256.Sum256(body)
				r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
				r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			}
		}, nil)
	}
	alice, bob := s.MinIOSecret("alice@egi.eu"), s.MinIOSecret("bob@egi.eu")
	if a := sign("alice@egi.eu", alice, nil, []byte("mine"), "alice-private"); a.status != http.StatusOK {
		t.Errorf("owner's PutObject = %d %q, want 200", a.status, a.code())
	}
	if got, _ := s.Object("alice-private", "k"); string(got) != "mine" {
		t.Errorf("object = %q", got)
	}
	for _, bucket := range []string{"alice-private", "alice-public"} {
		if a := sign("bob@egi.eu", bob, nil, []byte("theirs"), bucket); a.status != http.StatusForbidden || a.code() != "AccessDenied" {
			t.Errorf("PutObject into %s by another user = %d %q, want 403 AccessDenied", bucket, a.status, a.code())
		}
		if a := sign("bob@egi.eu", bob, url.Values{"uploads": {""}}, nil, bucket); a.status != http.StatusForbidden || a.code() != "AccessDenied" {
			t.Errorf("CreateMultipartUpload in %s by another user = %d %q, want 403 AccessDenied", bucket, a.status, a.code())
		}
	}
	if got, _ := s.Object("alice-private", "k"); string(got) != "mine" {
		t.Errorf("object after refused writes = %q", got)
	}
	if n := s.MultipartUploads(); n != 0 {
		t.Errorf("refused creations left %d uploads", n)
	}
}
