package oscar

import (
	"cmp"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/minio/minio-go/v7/pkg/signer"
)

// Browsing the other storage providers a service declares (S3, Onedata, WebDAV/dCache), read-only,
// with the credentials the service's definition holds (GET /system/services/{name} gives them to
// whoever may read the service). Every call goes through the client's hardened http.Client, and
// each provider's address passes the same endpoint policy as an OSCAR endpoint (ParseEndpoint:
// https only unless the operator allows http, IP literal rules, the operator's allowlist); the
// dial-time address checks apply. Credentials go only to the provider, in headers, never in a URL,
// an error or a log line.

// opRemote is the Op of the errors of RemoteList and RemoteGet.
const opRemote = "read storage"

// maxRemoteListing caps a folder listing's answer.
const maxRemoteListing = 8 << 20

// RemoteEntry is one entry of a folder on a storage provider. Path is its full path as the
// provider names it (for S3, "bucket/key"); Size is -1 when the provider does not say.
type RemoteEntry struct {
	Name     string
	Path     string
	Dir      bool
	Size     int64
	Modified string
}

// remoteTarget is where and how to reach one provider.
type remoteTarget struct {
	kind   string
	base   string // scheme://host, checked by ParseEndpoint
	host   string
	fields map[string]string
	region string
}

// remoteTarget checks a provider's address against the policy.
func (c *Client) remoteTarget(p ProviderEntry) (*remoteTarget, error) {
	raw := ""
	switch p.Kind {
	case KindS3:
		raw = c.s3Endpoint(strings.TrimSpace(p.Fields["region"]))
	case KindOnedata:
		raw = p.Fields["oneprovider_host"]
	case KindWebDAV:
		raw = p.Fields["hostname"]
	default:
		return nil, &Error{Op: opRemote, Kind: BadInput, Message: "the console cannot browse " + ProviderLabel(p.Kind) + " storage"}
	}
	ep, err := ParseEndpoint(raw, c.policy)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), ErrEndpoint.Error()+": ")
		return nil, &Error{Op: opRemote, Kind: Refused, Message: msg, Err: err}
	}
	return &remoteTarget{kind: p.Kind, base: string(ep), host: ep.Host(), fields: p.Fields, region: p.Fields["region"]}, nil
}

// s3Endpoint is Amazon S3's endpoint for a region (Options.S3Endpoint in tests).
func (c *Client) s3Endpoint(region string) string {
	if c.s3URL != nil {
		return c.s3URL(region)
	}
	return "https://s3." + region + ".amazonaws.com"
}

// EscapePath escapes each segment of a slash-separated path for a URL (the slashes stay).
func EscapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// request builds a request for the provider, with its credentials in headers.
func (t *remoteTarget) request(ctx context.Context, method, rawPath string, query url.Values) (*http.Request, error) {
	u := t.base + rawPath
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return nil, &Error{Op: opRemote, Kind: Refused, Host: t.host, Message: "the request could not be built", Err: err}
	}
	setHeaders(req, "", "", "")
	switch t.kind {
	case KindWebDAV:
		req.SetBasicAuth(t.fields["login"], t.fields["password"])
	case KindOnedata:
		req.Header.Set("X-Auth-Token", t.fields["token"])
	case KindS3:
		req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		req = signer.SignV4(*req, t.fields["access_key"], t.fields["secret_key"], "", cmp.Or(t.region, defaultRegion))
	}
	return req, nil
}

// do sends a request to the provider; a status outside 2xx becomes an *Error (404 NotFound, 401 and
// 403 Forbidden), and a redirect is never followed.
func (c *Client) remoteDo(ctx context.Context, t *remoteTarget, req *http.Request) (*http.Response, error) {
	start := c.now()
	resp, err := c.fast.Do(req)
	if err != nil {
		c.record(ctx, Endpoint(t.base), opRemote, req, 0, start)
		return nil, transportError(opRemote, t.host, err)
	}
	c.record(ctx, Endpoint(t.base), opRemote, req, resp.StatusCode, start)
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return resp, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, &Error{Op: opRemote, Kind: Redirect, Status: resp.StatusCode, Host: t.host, Message: "the storage answered with a redirect"}
	}
	e := statusError(opRemote, t.host, resp.StatusCode, nil, "")
	switch resp.StatusCode {
	case http.StatusNotFound:
		e.Kind, e.Message = NotFound, "the folder or file does not exist"
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Kind, e.Message = Forbidden, "the storage did not accept the service's credentials for this path"
	}
	return nil, e
}

// RemoteList lists one folder (dir, a slash-separated path; for S3 "bucket/prefix") of a provider,
// folders first, then by name.
func (c *Client) RemoteList(ctx context.Context, p ProviderEntry, dir string) ([]RemoteEntry, error) {
	t, err := c.remoteTarget(p)
	if err != nil {
		return nil, err
	}
	dir = strings.Trim(dir, "/")
	var out []RemoteEntry
	switch t.kind {
	case KindWebDAV:
		out, err = c.listWebDAV(ctx, t, dir)
	case KindOnedata:
		out, err = c.listCDMI(ctx, t, dir)
	case KindS3:
		out, err = c.listS3(ctx, t, dir)
	}
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Dir != out[j].Dir {
			return out[i].Dir
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// RemoteGet opens one file of a provider; the caller closes the body. size is -1 when unknown.
func (c *Client) RemoteGet(ctx context.Context, p ProviderEntry, file string) (io.ReadCloser, int64, error) {
	t, err := c.remoteTarget(p)
	if err != nil {
		return nil, 0, err
	}
	file = strings.Trim(file, "/")
	var rawPath string
	switch t.kind {
	case KindWebDAV:
		rawPath = "/" + EscapePath(file)
	case KindOnedata:
		rawPath = "/cdmi/" + EscapePath(t.fields["space"]) + "/" + EscapePath(file)
	case KindS3:
		rawPath = "/" + s3utils.EncodePath(file)
	}
	req, err := t.request(ctx, http.MethodGet, rawPath, nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.remoteDo(ctx, t, req)
	if err != nil {
		return nil, 0, err
	}
	return resp.Body, resp.ContentLength, nil
}

// fetchListing sends a listing request and reads its answer, capped.
func (c *Client) fetchListing(ctx context.Context, t *remoteTarget, req *http.Request) ([]byte, error) {
	resp, err := c.remoteDo(ctx, t, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, tooLarge, err := readCapped(resp.Body, maxRemoteListing)
	if err != nil {
		return nil, transportError(opRemote, t.host, err)
	}
	if tooLarge {
		return nil, &Error{Op: opRemote, Kind: TooLarge, Host: t.host, Message: "the folder listing is too large to show"}
	}
	return data, nil
}

// badListing is the error for an answer the console cannot read.
func badListing(t *remoteTarget) error {
	return &Error{Op: opRemote, Kind: Garbage, Host: t.host, Message: "the storage's folder listing could not be read"}
}

// listWebDAV lists a WebDAV collection with PROPFIND (Depth: 1).
func (c *Client) listWebDAV(ctx context.Context, t *remoteTarget, dir string) ([]RemoteEntry, error) {
	self := "/"
	if dir != "" {
		self = "/" + EscapePath(dir) + "/"
	}
	req, err := t.request(ctx, "PROPFIND", self, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Depth", "1")
	data, err := c.fetchListing(ctx, t, req)
	if err != nil {
		return nil, err
	}
	var ms struct {
		Responses []struct {
			Href string `xml:"href"`
			Prop struct {
				Collection *struct{} `xml:"resourcetype>collection"`
				Length     string    `xml:"getcontentlength"`
				Modified   string    `xml:"getlastmodified"`
			} `xml:"propstat>prop"`
		} `xml:"response"`
	}
	if err := xml.Unmarshal(data, &ms); err != nil {
		return nil, badListing(t)
	}
	var out []RemoteEntry
	for _, r := range ms.Responses {
		u, err := url.Parse(r.Href)
		if err != nil {
			continue
		}
		p := strings.Trim(u.Path, "/")
		if p == dir || !strings.HasPrefix(p, strings.TrimPrefix(dir+"/", "/")) {
			continue // the collection itself, or an entry outside it
		}
		e := RemoteEntry{Name: path.Base(p), Path: p, Dir: r.Prop.Collection != nil, Size: -1}
		if n, err := strconv.ParseInt(r.Prop.Length, 10, 64); err == nil {
			e.Size = n
		}
		if tm, err := http.ParseTime(r.Prop.Modified); err == nil {
			e.Modified = tm.UTC().Format(time.RFC3339)
		}
		out = append(out, e)
	}
	return out, nil
}

// listCDMI lists a Onedata folder through CDMI (a container's children; names of folders end in
// "/"; CDMI gives no sizes there).
func (c *Client) listCDMI(ctx context.Context, t *remoteTarget, dir string) ([]RemoteEntry, error) {
	rawPath := "/cdmi/" + EscapePath(t.fields["space"]) + "/"
	if dir != "" {
		rawPath += EscapePath(dir) + "/"
	}
	req, err := t.request(ctx, http.MethodGet, rawPath, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-CDMI-Specification-Version", "1.1.1")
	req.Header.Set("Accept", "application/cdmi-container")
	data, err := c.fetchListing(ctx, t, req)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Children []string `json:"children"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, badListing(t)
	}
	var out []RemoteEntry
	for _, ch := range doc.Children {
		name := strings.TrimSuffix(ch, "/")
		if name == "" || strings.Contains(name, "/") || name == "." || name == ".." {
			continue
		}
		p := strings.TrimPrefix(dir+"/"+name, "/")
		out = append(out, RemoteEntry{Name: name, Path: p, Dir: strings.HasSuffix(ch, "/"), Size: -1})
	}
	return out, nil
}

// listS3 lists "bucket/prefix" with ListObjectsV2 (delimiter "/", first 1000 keys).
func (c *Client) listS3(ctx context.Context, t *remoteTarget, dir string) ([]RemoteEntry, error) {
	bucket, prefix, _ := strings.Cut(dir, "/")
	if bucket == "" {
		return nil, &Error{Op: opRemote, Kind: BadInput, Host: t.host, Message: "the path names no bucket"}
	}
	if prefix != "" {
		prefix += "/"
	}
	q := url.Values{"list-type": {"2"}, "delimiter": {"/"}, "prefix": {prefix}}
	req, err := t.request(ctx, http.MethodGet, "/"+s3utils.EncodePath(bucket), q)
	if err != nil {
		return nil, err
	}
	data, err := c.fetchListing(ctx, t, req)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Contents []struct {
			Key          string `xml:"Key"`
			Size         int64  `xml:"Size"`
			LastModified string `xml:"LastModified"`
		} `xml:"Contents"`
		Prefixes []string `xml:"CommonPrefixes>Prefix"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, badListing(t)
	}
	var out []RemoteEntry
	for _, p := range doc.Prefixes {
		if name := strings.TrimSuffix(strings.TrimPrefix(p, prefix), "/"); name != "" {
			out = append(out, RemoteEntry{Name: name, Path: bucket + "/" + strings.TrimSuffix(p, "/"), Dir: true, Size: -1})
		}
	}
	for _, o := range doc.Contents {
		if name := strings.TrimPrefix(o.Key, prefix); name != "" && !strings.HasSuffix(name, "/") {
			out = append(out, RemoteEntry{Name: name, Path: bucket + "/" + o.Key, Size: o.Size, Modified: o.LastModified})
		}
	}
	return out, nil
}
