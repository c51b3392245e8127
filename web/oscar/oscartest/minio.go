package oscartest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The fake MinIO's S3 API: requests signed with AWS Signature Version 4
// (an Authorization header) by the keys /system/config hands out, as a
// MinIO client would send them. It answers HEAD, DELETE and PUT of one
// object at /minio/<bucket>/<key>, the path-style address under the
// minio_provider.endpoint the fake reports (<fake URL>/minio), and the
// multipart-upload calls (minio_multipart.go).
//
// The signature is checked as MinIO checks it, with an implementation of
// its own (not the client's signer): credential scope (date, region
// MinIORegion, service s3), the signed headers (host, x-amz-date and
// x-amz-content-sha256 at least, and every x-amz-* header sent), the
// payload hash, a clock skew of at most 15 minutes, and the signature over
// the canonical request with the account's secret key. The answers are
// MinIO's: 403 InvalidAccessKeyId for an unknown access key, 403
// SignatureDoesNotMatch for a wrong secret or a tampered request, 403
// RequestTimeTooSkewed, 400 AuthorizationHeaderMalformed.
//
// Accounts and rights, modelled simply on OSCAR's MinIO policies
// (oscar-api.md §3.4, §3.5):
//
//   - the root account (MinIORootAccessKey, given to the Basic-auth admin)
//     may read, write and delete in every bucket;
//   - a bearer user's account (access key = their sub, secret provisioned
//     on their first /system call) may read the buckets they can see
//     (their own, restricted ones that list them, public ones) and write
//     (PUT, multipart uploads) and delete only in buckets they own or
//     restricted buckets that list them (the restricted group's policy
//     includes s3:PutObject and s3:DeleteObject); anything else is 403
//     AccessDenied. (Writes into another user's public bucket are refused:
//     the fake is stricter than a MinIO that might allow them, never
//     looser.)
//
// As in MinIO, DELETE of a key that does not exist answers 204; a missing
// bucket is 404 NoSuchBucket. A HEAD error has no body: its code is in the
// X-Minio-Error-Code header, as MinIO sends it.

// MinIORegion is the region of the fake MinIO (minio_provider.region).
const MinIORegion = "us-east-1"

// maxClockSkew is how far X-Amz-Date may be from the fake's clock.
const maxClockSkew = 15 * time.Minute

// s3Caller is the account that signed an S3 request.
type s3Caller struct {
	root bool
	sub  string
}

// minioHead handles HEAD /minio/{bucket}/{key...}: with a SigV4
// Authorization header, an object's metadata; without one, a presigned
// request as for GET.
func (s *Server) minioHead(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") == "" {
		s.minioGet(w, r)
		return
	}
	caller, ok := s.s3Auth(w, r)
	if !ok {
		return
	}
	exists, readable, o := s.readable(caller, r.PathValue("bucket"), r.PathValue("key"))
	switch {
	case !exists:
		minioHeadError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
	case !readable:
		minioHeadError(w, http.StatusForbidden, "AccessDenied", "Access Denied.")
	case o == nil:
		minioHeadError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	default:
		w.Header().Set("Content-Type", o.contentType)
		w.Header().Set("Content-Length", strconv.FormatInt(o.size(), 10))
		w.Header().Set("Last-Modified", o.modified.Format(http.TimeFormat))
		w.WriteHeader(http.StatusOK)
	}
}

// readable looks up bucketName/key for caller: whether the bucket exists, whether the caller may
// read it (the root account, or a user who can see the bucket), and the object (nil if missing).
func (s *Server) readable(caller *s3Caller, bucketName, key string) (exists, readable bool, o *object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, exists := s.buckets[bucketName]
	if !exists {
		return false, false, nil
	}
	return true, caller.root || canSee(&principal{sub: caller.sub}, b.visibility, b.owner, b.allowed), b.objects[key]
}

// minioDelete handles DELETE /minio/{bucket}/{key...}: S3 DeleteObject,
// or AbortMultipartUpload with ?uploadId (minio_multipart.go).
func (s *Server) minioDelete(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Has("uploadId") {
		s.minioAbortUpload(w, r)
		return
	}
	caller, ok := s.s3Auth(w, r)
	if !ok {
		return
	}
	bucketName, key := r.PathValue("bucket"), r.PathValue("key")
	if key == "" {
		minioError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, exists := s.buckets[bucketName]
	if !exists {
		minioError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	if !caller.mayWrite(b) {
		minioError(w, http.StatusForbidden, "AccessDenied", "Access Denied.")
		return
	}
	// S3 semantics: deleting a key that does not exist succeeds too.
	delete(b.objects, key)
	w.WriteHeader(http.StatusNoContent)
}

// mayWrite reports whether the caller's MinIO policy lets them put and
// delete objects in b (see the rights above). s.mu must be held.
func (c *s3Caller) mayWrite(b *bucket) bool {
	return c.root || b.owner == c.sub || b.visibility == "restricted" && slices.Contains(b.allowed, c.sub)
}

// minioHeadError is an S3 error for a HEAD: no body, MinIO's headers.
func minioHeadError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Minio-Error-Code", code)
	w.Header().Set("X-Minio-Error-Desc", strconv.Quote(msg))
	w.WriteHeader(status)
}

// s3Fail answers an S3 request refusal: XML for most methods,
// headers only for HEAD.
func s3Fail(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	if r.Method == http.MethodHead {
		minioHeadError(w, status, code, msg)
		return
	}
	minioError(w, status, code, msg)
}

// s3Auth checks an AWS Signature Version 4 Authorization header. On
// failure it has written MinIO's answer.
func (s *Server) s3Auth(w http.ResponseWriter, r *http.Request) (*s3Caller, bool) {
	const algorithm = "AWS4-HMAC-SHA256"
	h := r.Header.Get("Authorization")
	if h == "" {
		s3Fail(w, r, http.StatusForbidden, "AccessDenied", "Access Denied.")
		return nil, false
	}
	rest, ok := strings.CutPrefix(h, algorithm+" ")
	if !ok {
		s3Fail(w, r, http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; only AWS4-HMAC-SHA256 is supported.")
		return nil, false
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	signed := strings.Split(fields["SignedHeaders"], ";")
	sig := fields["Signature"]
	if len(cred) < 5 || sig == "" || fields["SignedHeaders"] == "" {
		s3Fail(w, r, http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed.")
		return nil, false
	}
	n := len(cred)
	access, date, region, service, term := strings.Join(cred[:n-4], "/"), cred[n-4], cred[n-3], cred[n-2], cred[n-1]
	if region != MinIORegion {
		s3Fail(w, r, http.StatusBadRequest, "AuthorizationHeaderMalformed", fmt.Sprintf("The authorization header is malformed; the region '%s' is wrong; expecting '%s'.", region, MinIORegion))
		return nil, false
	}
	if service != "s3" || term != "aws4_request" {
		s3Fail(w, r, http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; the credential scope is not valid.")
		return nil, false
	}
	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, date) {
		s3Fail(w, r, http.StatusForbidden, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header.")
		return nil, false
	}
	if d := time.Since(t); d > maxClockSkew || d < -maxClockSkew {
		s3Fail(w, r, http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the server's time is too large.")
		return nil, false
	}
	if !slices.IsSorted(signed) {
		s3Fail(w, r, http.StatusBadRequest, "AuthorizationHeaderMalformed", "The authorization header is malformed; the signed headers are not sorted.")
		return nil, false
	}
	for _, need := range []string{"host", "x-amz-content-sha256", "x-amz-date"} {
		if !slices.Contains(signed, need) {
			s3Fail(w, r, http.StatusForbidden, "AccessDenied", "There were headers present in the request which were not signed.")
			return nil, false
		}
	}
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-amz-") && !slices.Contains(signed, l) {
			s3Fail(w, r, http.StatusForbidden, "AccessDenied", "There were headers present in the request which were not signed.")
			return nil, false
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s3Fail(w, r, http.StatusBadRequest, "IncompleteBody", "cannot read the body")
		return nil, false
	}
	r.Body = io.NopCloser(bytes.NewReader(body)) // for the handler
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if sum := sha256.Sum256(body); payload != "UNSIGNED-PAYLOAD" && payload != hex.EncodeToString(sum[:]) {
		s3Fail(w, r, http.StatusBadRequest, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
		return nil, false
	}

	caller := &s3Caller{}
	var secret string
	if access == MinIORootAccessKey {
		caller.root, secret = true, MinIORootSecretKey
	} else {
		s.mu.Lock()
		secret = s.minioUsers[access]
		s.mu.Unlock()
		caller.sub = access
	}
	if secret == "" {
		s3Fail(w, r, http.StatusForbidden, "InvalidAccessKeyId", "The Access Key Id you provided does not exist in our records.")
		return nil, false
	}

	canonical := strings.Join([]string{
		r.Method,
		s3Encode(r.URL.Path, false),
		canonicalQuery(r),
		canonicalHeaders(r, signed),
		strings.Join(signed, ";"),
		payload,
	}, "\n")
	scope := date + "/" + region + "/s3/aws4_request"
	sum := sha256.Sum256([]byte(canonical))
	toSign := algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+secret), date)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, "s3")
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(sig)) {
		s3Fail(w, r, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		return nil, false
	}
	return caller, true
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// s3Encode is SigV4's URI encoding: every byte but the unreserved
// characters A-Z a-z 0-9 - _ . ~ becomes %XX; slashes are kept unless
// encodeSlash (query names and values).
func s3Encode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		case c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// canonicalQuery is the sorted, encoded query string of a request.
func canonicalQuery(r *http.Request) string {
	var pairs []string
	for k, vs := range r.URL.Query() {
		for _, v := range vs {
			pairs = append(pairs, s3Encode(k, true)+"="+s3Encode(v, true))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// canonicalHeaders lists the signed headers as "name:value\n", values
// trimmed with inner runs of spaces folded, several values joined by ",".
func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		var v string
		if name == "host" {
			v = r.Host
		} else {
			vals := slices.Clone(r.Header.Values(name))
			for i := range vals {
				vals[i] = strings.Join(strings.Fields(vals[i]), " ")
			}
			v = strings.Join(vals, ",")
		}
		b.WriteString(name + ":" + v + "\n")
	}
	return b.String()
}
