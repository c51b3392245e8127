package oscartest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The fake MinIO's writes with a SigV4 Authorization header: PutObject and
// the S3 multipart-upload API a MinIO client uses for a stream of unknown
// length, at /minio/<bucket>/<key>:
//
//	POST   ?uploads                 CreateMultipartUpload
//	PUT    ?partNumber=N&uploadId=I UploadPart
//	POST   ?uploadId=I              CompleteMultipartUpload
//	DELETE ?uploadId=I              AbortMultipartUpload
//
// Every call is checked like the other S3 calls (s3Auth: signature, payload
// hash, clock) and needs write rights in the bucket (s3Caller.mayWrite).
// The fake refuses what MinIO refuses: an upload ID it does not know, or
// one started for another bucket or key (404 NoSuchUpload); a part number
// outside 1..10000 (400 InvalidArgument); a completion that lists no part
// (400 MalformedXML), lists parts out of ascending order (400
// InvalidPartOrder), names a part it has not received or with another
// ETag (400 InvalidPart), or has a part other than the last smaller than
// MinIOMinPartSize (400 EntityTooSmall). A completed or aborted upload is
// gone: its ID is unknown from then on.

// MinIOMinPartSize is S3's (and MinIO's) smallest part of a multipart
// upload, except the last.
const MinIOMinPartSize = 5 << 20

// minioMaxParts is S3's largest part number.
const minioMaxParts = 10000

// multipartUpload is an S3 multipart upload in progress.
type multipartUpload struct {
	bucket, key string
	contentType string
	parts       map[int]*uploadedPart
}

// uploadedPart is one part received; a part sent again replaces it.
type uploadedPart struct {
	data []byte
	etag string // quoted, as S3 sends it
}

// owner is the object owner recorded for the caller's writes.
func (c *s3Caller) owner() string {
	if c.root {
		return "cluster_admin"
	}
	return c.sub
}

// MultipartUploads returns how many multipart uploads are in progress
// (started, neither completed nor aborted).
func (s *Server) MultipartUploads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.uploads)
}

// writableBucket authenticates an S3 write and checks that the bucket
// exists and the caller may write in it; on failure it has answered.
func (s *Server) writableBucket(w http.ResponseWriter, r *http.Request) (*s3Caller, bool) {
	caller, ok := s.s3Auth(w, r)
	if !ok {
		return nil, false
	}
	if r.PathValue("key") == "" {
		minioError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		return nil, false
	}
	s.mu.Lock()
	b, exists := s.buckets[r.PathValue("bucket")]
	writable := exists && caller.mayWrite(b)
	s.mu.Unlock()
	switch {
	case !exists:
		minioError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
	case !writable:
		minioError(w, http.StatusForbidden, "AccessDenied", "Access Denied.")
	default:
		return caller, true
	}
	return nil, false
}

// minioPutSigned handles a PUT of one object signed with an Authorization
// header (S3 PutObject).
func (s *Server) minioPutSigned(w http.ResponseWriter, r *http.Request) {
	caller, ok := s.writableBucket(w, r)
	if !ok {
		return
	}
	data, _ := io.ReadAll(r.Body) // s3Auth has read and checked it
	if !s.storeObject(r.PathValue("bucket"), r.PathValue("key"), data, r.Header.Get("Content-Type"), caller.owner()) {
		minioError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	w.Header().Set("ETag", etagOf(data))
	w.WriteHeader(http.StatusOK)
}

// minioPost handles POST /minio/{bucket}/{key...}: CreateMultipartUpload
// (?uploads) or CompleteMultipartUpload (?uploadId).
func (s *Server) minioPost(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Has("uploads"):
		s.minioCreateUpload(w, r)
	case q.Has("uploadId"):
		s.minioCompleteUpload(w, r)
	default:
		minioError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
}

// minioCreateUpload starts a multipart upload.
func (s *Server) minioCreateUpload(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.writableBucket(w, r); !ok {
		return
	}
	bucketName, key := r.PathValue("bucket"), r.PathValue("key")
	id := randomHex(24)
	s.mu.Lock()
	s.uploads[id] = &multipartUpload{bucket: bucketName, key: key, contentType: r.Header.Get("Content-Type"), parts: map[int]*uploadedPart{}}
	s.mu.Unlock()
	writeXML(w, http.StatusOK, struct {
		XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
		Bucket   string   `xml:"Bucket"`
		Key      string   `xml:"Key"`
		UploadID string   `xml:"UploadId"`
	}{Bucket: bucketName, Key: key, UploadID: id})
}

// upload returns the upload named by ?uploadId for this bucket and key;
// on failure it has answered. s.mu must be held.
func (s *Server) upload(w http.ResponseWriter, r *http.Request) (string, *multipartUpload, bool) {
	id := r.URL.Query().Get("uploadId")
	u, ok := s.uploads[id]
	if !ok || u.bucket != r.PathValue("bucket") || u.key != r.PathValue("key") {
		minioError(w, http.StatusNotFound, "NoSuchUpload", "The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
		return "", nil, false
	}
	return id, u, true
}

// minioUploadPart stores one part of a multipart upload.
func (s *Server) minioUploadPart(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.writableBucket(w, r); !ok {
		return
	}
	num, err := strconv.Atoi(r.URL.Query().Get("partNumber"))
	if err != nil || num < 1 || num > minioMaxParts {
		minioError(w, http.StatusBadRequest, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive")
		return
	}
	data, _ := io.ReadAll(r.Body) // s3Auth has read and checked it
	s.mu.Lock()
	defer s.mu.Unlock()
	_, u, ok := s.upload(w, r)
	if !ok {
		return
	}
	p := &uploadedPart{data: data, etag: etagOf(data)}
	u.parts[num] = p
	w.Header().Set("ETag", p.etag)
	w.WriteHeader(http.StatusOK)
}

// minioCompleteUpload joins the listed parts into the object.
func (s *Server) minioCompleteUpload(w http.ResponseWriter, r *http.Request) {
	caller, ok := s.writableBucket(w, r)
	if !ok {
		return
	}
	var doc struct {
		Parts []struct {
			PartNumber int    `xml:"PartNumber"`
			ETag       string `xml:"ETag"`
		} `xml:"Part"`
	}
	body, _ := io.ReadAll(r.Body) // s3Auth has read and checked it
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Parts) == 0 {
		minioError(w, http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema.")
		return
	}
	s.mu.Lock()
	id, u, ok := s.upload(w, r)
	if !ok {
		s.mu.Unlock()
		return
	}
	// As MinIO, the order of the whole list is checked before any part.
	for i := 1; i < len(doc.Parts); i++ {
		if doc.Parts[i].PartNumber <= doc.Parts[i-1].PartNumber {
			s.mu.Unlock()
			minioError(w, http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.")
			return
		}
	}
	var data bytes.Buffer
	for i, p := range doc.Parts {
		got := u.parts[p.PartNumber]
		if got == nil || strings.Trim(got.etag, `"`) != strings.Trim(p.ETag, `"`) {
			s.mu.Unlock()
			minioError(w, http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.")
			return
		}
		if i < len(doc.Parts)-1 && len(got.data) < MinIOMinPartSize {
			s.mu.Unlock()
			minioError(w, http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
			return
		}
		data.Write(got.data)
	}
	delete(s.uploads, id)
	s.mu.Unlock()
	if !s.storeObject(u.bucket, u.key, data.Bytes(), u.contentType, caller.owner()) {
		minioError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	}
	writeXML(w, http.StatusOK, struct {
		XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
		Bucket  string   `xml:"Bucket"`
		Key     string   `xml:"Key"`
		ETag    string   `xml:"ETag"`
	}{Bucket: u.bucket, Key: u.key, ETag: fmt.Sprintf(`"%s-%d"`, strings.Trim(etagOf(data.Bytes()), `"`), len(doc.Parts))})
}

// minioAbortUpload drops a multipart upload and its parts.
func (s *Server) minioAbortUpload(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.writableBucket(w, r); !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _, ok := s.upload(w, r)
	if !ok {
		return
	}
	delete(s.uploads, id)
	w.WriteHeader(http.StatusNoContent)
}

// etagOf is S3's ETag of a single-part body: its quoted MD5.
func etagOf(data []byte) string {
	sum := md5.Sum(data)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// writeXML writes an S3 XML document.
func writeXML(w http.ResponseWriter, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		minioError(w, http.StatusInternalServerError, "InternalError", "oscartest: encode: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(b)
}
