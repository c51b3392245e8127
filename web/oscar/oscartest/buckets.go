package oscartest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

type bucket struct {
	name       string
	visibility string
	owner      string
	allowed    []string
	metadata   map[string]string
	objects    map[string]*object
}

type object struct {
	data        []byte
	generated   int64 // > 0: an object of this many bytes made on the fly (GeneratedByte), data unused
	contentType string
	modified    time.Time
	owner       string
}

// size is the object's length.
func (o *object) size() int64 {
	if o.generated > 0 {
		return o.generated
	}
	return int64(len(o.data))
}

// GeneratedByte is the byte at offset i of an object stored with PutGeneratedObject.
func GeneratedByte(i int64) byte { return byte('a' + i%26) }

// generatedReader yields the bytes of a generated object from offset off, without holding them.
type generatedReader struct{ off, end int64 }

func (g *generatedReader) Read(b []byte) (int, error) {
	if g.off >= g.end {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), g.end-g.off))
	for i := range n {
		b[i] = GeneratedByte(g.off + int64(i))
	}
	g.off += int64(n)
	return n, nil
}

// PutGeneratedObject stores an object of size bytes that the fake MinIO makes as it serves it
// (GeneratedByte), so that tests can download hundreds of megabytes without the fake holding them.
func (s *Server) PutGeneratedObject(bucketName, key string, size int64) {
	s.PutObjectData(bucketName, key, nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buckets[bucketName].objects[key].generated = size
}

// AddBucket creates a bucket owned by owner ("cluster_admin" for the Basic
// account) with the given visibility.
func (s *Server) AddBucket(name, owner, visibility string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buckets[name] = &bucket{name: name, owner: owner, visibility: visibility, objects: map[string]*object{},
		metadata: map[string]string{"owner": owner, "owner_name": owner, "from_service": "", "service": "false"}}
}

// PutObjectData stores an object, creating the bucket (owned by
// cluster_admin, private) if needed.
func (s *Server) PutObjectData(bucketName, key string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucketName]
	if !ok {
		b = &bucket{name: bucketName, owner: "cluster_admin", visibility: "private", objects: map[string]*object{},
			metadata: map[string]string{"owner": "cluster_admin"}}
		s.buckets[bucketName] = b
	}
	b.objects[key] = &object{data: slices.Clone(data), contentType: "application/octet-stream", modified: time.Now().UTC()}
}

// Object returns a stored object's content.
func (s *Server) Object(bucketName, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buckets[bucketName]
	if !ok {
		return nil, false
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, false
	}
	return slices.Clone(o.data), true
}

// BucketNames lists the buckets, sorted.
func (s *Server) BucketNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.buckets))
}

func (s *Server) ownedBuckets(uid string) int {
	n := 0
	for _, b := range s.buckets {
		if b.owner == uid {
			n++
		}
	}
	return n
}

func (b *bucket) doc() map[string]any {
	allowed := b.allowed
	if allowed == nil {
		allowed = []string{}
	}
	return map[string]any{"bucket_name": b.name, "visibility": b.visibility, "allowed_users": allowed, "owner": b.owner, "metadata": b.metadata}
}

// findBucket finds a bucket; when there is none it answers with status
// (OSCAR's differs by route) and returns nil.
func (s *Server) findBucket(w http.ResponseWriter, name string, status int) *bucket {
	b, ok := s.buckets[name]
	if !ok {
		writePlain(w, status, "The specified bucket does not exist")
		return nil
	}
	return b
}

// ownBucket is findBucket for a change only the bucket's owner (or the
// admin) may make: anyone else gets 403 "only the owner can <verb> a bucket".
func (s *Server) ownBucket(w http.ResponseWriter, p *principal, name string, status int, verb string) *bucket {
	b := s.findBucket(w, name, status)
	if b != nil && !p.basic && b.owner != p.sub {
		writePlain(w, http.StatusForbidden, "only the owner can "+verb+" a bucket")
		return nil
	}
	return b
}

// minioDown answers a bucket route when MinIO is unreachable, with a body
// of two glued messages as OSCAR writes it.
func (s *Server) minioDown(w http.ResponseWriter) bool {
	if !s.opts.MinIODown {
		return false
	}
	writeRaw(w, http.StatusInternalServerError,
		"Error getting credentials for MinIO user: %!(EXTRA string=dial tcp 10.43.0.9:9000: connect: connection refused)",
		"Error reading buckets: dial tcp 10.43.0.9:9000: connect: connection refused")
	return true
}

// listBuckets handles GET /system/buckets; "null" when there are none.
func (s *Server) listBuckets(w http.ResponseWriter, r *http.Request, p *principal) {
	var names []string
	for n, b := range s.buckets {
		if canSee(p, b.visibility, b.owner, b.allowed) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var out []map[string]any // nil encodes as null, as OSCAR does
	for _, n := range names {
		out = append(out, s.buckets[n].doc())
	}
	writeJSON(w, http.StatusOK, out)
}

type bucketBody struct {
	Name         string   `json:"bucket_name"`
	Visibility   string   `json:"visibility"`
	AllowedUsers []string `json:"allowed_users"`
}

// createBucket handles POST /system/buckets ("bucket" or "bucket/folder").
func (s *Server) createBucket(w http.ResponseWriter, r *http.Request, p *principal) {
	var in bucketBody
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writePlain(w, http.StatusBadRequest, "invalid request body")
		return
	}
	name, folder, _ := strings.Cut(strings.Trim(in.Name, " /"), "/")
	if !regexp.MustCompile(bucketNameRE).MatchString(name) {
		writePlain(w, http.StatusBadRequest, fmt.Sprintf("InvalidBucketName: the bucket name %q is not valid", name))
		return
	}
	vis := in.Visibility
	switch vis {
	case "":
		vis = "private"
	case "private", "public", "restricted":
	default:
		writePlain(w, http.StatusBadRequest, fmt.Sprintf("invalid visibility %q", vis))
		return
	}
	b, exists := s.buckets[name]
	if exists && (folder == "" || b.owner != p.uid() && !p.basic) {
		writePlain(w, http.StatusInternalServerError, fmt.Sprintf("the bucket %q already exists", name))
		return
	}
	if !exists {
		if s.opts.MaxBuckets > 0 && s.ownedBuckets(p.uid()) >= s.opts.MaxBuckets {
			writePlain(w, http.StatusForbidden, fmt.Sprintf("bucket quota exceeded: the maximum number of buckets (%d) has been reached", s.opts.MaxBuckets))
			return
		}
		b = &bucket{name: name, owner: p.uid(), visibility: vis, allowed: in.AllowedUsers, objects: map[string]*object{},
			metadata: map[string]string{"owner": p.uid(), "owner_name": p.uid(), "from_service": "", "service": "false"}}
		s.buckets[name] = b
	}
	if folder != "" {
		b.objects[strings.TrimSuffix(folder, "/")+"/"] = &object{contentType: "application/x-directory", modified: time.Now().UTC(), owner: p.uid()}
	}
	w.WriteHeader(http.StatusCreated)
}

// updateBucket handles PUT /system/buckets: visibility and allowed users.
func (s *Server) updateBucket(w http.ResponseWriter, r *http.Request, p *principal) {
	var in bucketBody
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writePlain(w, http.StatusInternalServerError, "invalid request body")
		return
	}
	b := s.ownBucket(w, p, in.Name, http.StatusInternalServerError, "change")
	if b == nil {
		return
	}
	if b.metadata["service"] == "true" {
		writePlain(w, http.StatusForbidden, "the bucket belongs to a service; change the service's visibility instead")
		return
	}
	switch in.Visibility {
	case "private", "public", "restricted":
		b.visibility = in.Visibility
	case "":
	default:
		writePlain(w, http.StatusInternalServerError, fmt.Sprintf("invalid visibility %q", in.Visibility))
		return
	}
	b.allowed = in.AllowedUsers
	w.WriteHeader(http.StatusNoContent)
}

// readBucket handles GET /system/buckets/{bucket}: one page of objects,
// the continuation token is the last key of the previous page.
func (s *Server) readBucket(w http.ResponseWriter, r *http.Request, p *principal) {
	b := s.findBucket(w, r.PathValue("bucket"), http.StatusInternalServerError)
	if b == nil {
		return
	}
	if !canSee(p, b.visibility, b.owner, b.allowed) {
		writePlain(w, http.StatusForbidden, fmt.Sprintf("User %s doesn't have permission to access this bucket", p.sub))
		return
	}
	keys := make([]string, 0, len(b.objects))
	var used int64
	for k, o := range b.objects {
		keys = append(keys, k)
		used += o.size()
	}
	sort.Strings(keys)
	after := r.URL.Query().Get("page")
	start := sort.SearchStrings(keys, after)
	if after != "" && start < len(keys) && keys[start] == after {
		start++
	}
	end := min(start+s.opts.JobListingLimit, len(keys))
	objs := []map[string]any{}
	for _, k := range keys[start:end] {
		o := b.objects[k]
		objs = append(objs, map[string]any{"object_name": k, "size_bytes": o.size(), "owner": o.owner, "last_modified": o.modified.Format(time.RFC3339)})
	}
	out := b.doc()
	out["objects"] = objs
	out["storage_usage"] = map[string]any{"used": strconv.FormatInt(used, 10), "used_bytes": used, "objects": len(keys)}
	out["returned_items"] = len(objs)
	out["is_truncated"] = end < len(keys)
	if end < len(keys) {
		out["next_page"] = keys[end-1]
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteBucket handles DELETE /system/buckets/{bucket}.
func (s *Server) deleteBucket(w http.ResponseWriter, r *http.Request, p *principal) {
	b := s.ownBucket(w, p, r.PathValue("bucket"), http.StatusNotFound, "delete")
	if b == nil {
		return
	}
	delete(s.buckets, b.name)
	w.WriteHeader(http.StatusNoContent)
}

type presignBody struct {
	ObjectKey    string            `json:"object_key"`
	Operation    string            `json:"operation"`
	ExpiresIn    *int              `json:"expires_in"`
	ContentType  string            `json:"content_type"`
	ExtraHeaders map[string]string `json:"extra_headers"`
}

// presign handles POST /system/buckets/{bucket}/presign. The URL points at
// the fake MinIO on the same server.
func (s *Server) presign(w http.ResponseWriter, r *http.Request) {
	p := s.authSystem(w, r)
	if p == nil || s.minioDown(w) {
		return
	}
	var in presignBody
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writePlain(w, http.StatusBadRequest, "invalid request body")
		return
	}
	exp := 900
	if in.ExpiresIn != nil {
		exp = *in.ExpiresIn
	}
	if exp < 1 || exp > 604800 {
		writePlain(w, http.StatusBadRequest, "expires_in must be between 1 and 604800 seconds")
		return
	}
	key := strings.TrimLeft(in.ObjectKey, "/")
	if key == "" {
		writePlain(w, http.StatusBadRequest, "object_key is required")
		return
	}
	method := ""
	switch in.Operation {
	case "upload":
		method = http.MethodPut
	case "download":
		method = http.MethodGet
	default:
		writePlain(w, http.StatusBadRequest, "operation must be upload or download")
		return
	}
	name := r.PathValue("bucket")
	s.mu.Lock()
	b, ok := s.buckets[name]
	if !ok {
		s.mu.Unlock()
		writePlain(w, http.StatusNotFound, "The specified bucket does not exist")
		return
	}
	visible := canSee(p, b.visibility, b.owner, b.allowed)
	s.mu.Unlock()
	if !visible {
		writePlain(w, http.StatusForbidden, fmt.Sprintf("User %s doesn't have permission to access this bucket", p.sub))
		return
	}
	expires := time.Now().Add(time.Duration(exp) * time.Second).UTC().Truncate(time.Second)
	q := url.Values{}
	q.Set("X-Amz-Expires", strconv.FormatInt(expires.Unix(), 10))
	q.Set("X-Amz-Owner", p.uid())
	q.Set("X-Amz-Signature", s.sign(method, name, key, q.Get("X-Amz-Expires"), p.uid()))
	headers := map[string]string{}
	for k, v := range in.ExtraHeaders {
		headers[k] = v
	}
	if in.ContentType != "" && method == http.MethodPut {
		headers["Content-Type"] = in.ContentType
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"object_key": key, "operation": in.Operation, "method": method,
		"url":        s.URL() + "/minio/" + url.PathEscape(name) + "/" + escapeKey(key) + "?" + q.Encode(),
		"expires_at": expires.Format(time.RFC3339), "headers": headers,
	})
}

func escapeKey(key string) string {
	parts := strings.Split(key, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

func (s *Server) sign(method, bucket, key, exp, owner string) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "%s\n%s\n%s\n%s\n%s", method, bucket, key, exp, owner)
	return hex.EncodeToString(m.Sum(nil))
}

// minioError writes an S3-style XML error.
func minioError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message></Error>`, code, msg)
}

// checkSignature verifies a presigned request; on failure it has written
// the answer.
func (s *Server) checkSignature(w http.ResponseWriter, r *http.Request) (bucketName, key, owner string, ok bool) {
	bucketName, key = r.PathValue("bucket"), r.PathValue("key")
	q := r.URL.Query()
	exp, owner := q.Get("X-Amz-Expires"), q.Get("X-Amz-Owner")
	want := s.sign(r.Method, bucketName, key, exp, owner)
	if !hmac.Equal([]byte(want), []byte(q.Get("X-Amz-Signature"))) {
		minioError(w, http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
		return "", "", "", false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || time.Now().Unix() > n {
		minioError(w, http.StatusForbidden, "AccessDenied", "Request has expired")
		return "", "", "", false
	}
	return bucketName, key, owner, true
}

// minioPut handles PUT /minio/{bucket}/{key...}: an S3 UploadPart
// (?partNumber&uploadId, minio_multipart.go), a PutObject signed with an
// Authorization header (minio.go's rules), or an upload through a
// presigned URL.
func (s *Server) minioPut(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Has("uploadId") || q.Has("partNumber"):
		s.minioUploadPart(w, r)
		return
	case r.Header.Get("Authorization") != "" && r.Header.Get("X-Amz-Copy-Source") != "":
		s.minioCopy(w, r)
		return
	case r.Header.Get("Authorization") != "":
		s.minioPutSigned(w, r)
		return
	}
	bucketName, key, owner, ok := s.checkSignature(w, r)
	if !ok {
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		minioError(w, http.StatusBadRequest, "IncompleteBody", "cannot read the body")
		return
	}
	if !s.storeObject(bucketName, key, data, r.Header.Get("Content-Type"), owner) {
		minioError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// storeObject stores an object, reporting false when the bucket does not
// exist. An object in a service's MinIO input folder creates a job, as
// MinIO's webhook to /job does.
func (s *Server) storeObject(bucketName, key string, data []byte, ct, owner string) bool {
	s.mu.Lock()
	b, exists := s.buckets[bucketName]
	if !exists {
		s.mu.Unlock()
		return false
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	b.objects[key] = &object{data: data, contentType: ct, modified: time.Now().UTC(), owner: owner}
	var triggered []string
	for name, sv := range s.services {
		for _, in := range sv.view().Input {
			if kind, id := splitProvider(in.StorageProvider); kind != "minio" || id != "default" {
				continue
			}
			if strings.HasPrefix(bucketName+"/"+key, strings.TrimSuffix(in.Path, "/")+"/") {
				triggered = append(triggered, name)
			}
		}
	}
	s.mu.Unlock()
	for _, name := range triggered {
		s.SetJobs(name, Job{Name: jobName(name), Status: "Pending", Owner: owner, Log: "INPUT_FILE_PATH=" + key + "\n"})
	}
	return true
}

// minioGet returns an object through a presigned URL.
func (s *Server) minioGet(w http.ResponseWriter, r *http.Request) {
	bucketName, key, _, ok := s.checkSignature(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	var o *object
	if b, exists := s.buckets[bucketName]; exists {
		o = b.objects[key]
	}
	s.mu.Unlock()
	if o == nil {
		minioError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	}
	w.Header().Set("Content-Type", o.contentType)
	w.Header().Set("Content-Length", strconv.FormatInt(o.size(), 10))
	if o.generated > 0 {
		_, _ = io.Copy(w, &generatedReader{end: o.generated})
		return
	}
	_, _ = w.Write(o.data)
}
