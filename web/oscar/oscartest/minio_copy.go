package oscartest

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxCopySize is S3's largest object for one CopyObject (5 GiB); larger copies need UploadPartCopy.
const maxCopySize = 5 << 30

// minioCopy handles a signed PUT with an x-amz-copy-source header (S3 CopyObject): the source,
// "/<bucket>/<key>" URL-encoded, is copied to the request's bucket and key. The caller must be able
// to read the source (as for HEAD) and write the destination; answers are MinIO's.
func (s *Server) minioCopy(w http.ResponseWriter, r *http.Request) {
	caller, ok := s.writableBucket(w, r)
	if !ok {
		return
	}
	src, err := url.PathUnescape(r.Header.Get("X-Amz-Copy-Source"))
	srcBucket, srcKey, cut := strings.Cut(strings.TrimPrefix(src, "/"), "/")
	if err != nil || !cut || srcBucket == "" || srcKey == "" {
		minioError(w, http.StatusBadRequest, "InvalidArgument", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey.")
		return
	}
	exists, readable, o := s.readable(caller, srcBucket, srcKey)
	switch {
	case !exists:
		minioError(w, http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
		return
	case !readable:
		minioError(w, http.StatusForbidden, "AccessDenied", "Access Denied.")
		return
	case o == nil:
		minioError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		return
	case o.size() > maxCopySize:
		minioError(w, http.StatusBadRequest, "InvalidRequest", "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120")
		return
	case srcBucket == r.PathValue("bucket") && srcKey == r.PathValue("key"):
		minioError(w, http.StatusBadRequest, "InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
		return
	}
	s.mu.Lock()
	dst := s.buckets[r.PathValue("bucket")]
	c := *o
	c.modified, c.owner = time.Now().UTC(), caller.owner()
	dst.objects[r.PathValue("key")] = &c
	s.mu.Unlock()
	writeXML(w, http.StatusOK, struct {
		XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
		LastModified string   `xml:"LastModified"`
		ETag         string   `xml:"ETag"`
	}{LastModified: c.modified.Format(time.RFC3339), ETag: etagOf(c.data)})
}
