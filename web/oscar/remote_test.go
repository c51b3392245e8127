package oscar_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/storagetest"
)

var remoteFiles = map[string]string{
	"out/run1/result.txt": "result one",
	"out/run1/log.txt":    "log",
	"out/top.csv":         "a,b\n1,2\n",
	"other/secret.txt":    "x",
}

// names lists entries as "name" or "name/" for folders.
func names(es []oscar.RemoteEntry) string {
	var out []string
	for _, e := range es {
		n := e.Name
		if e.Dir {
			n += "/"
		}
		out = append(out, n)
	}
	return strings.Join(out, ",")
}

// TestRemoteBrowse lists and reads files on WebDAV, Onedata (CDMI) and S3 fakes with the
// credentials of a service's provider, which reach only the provider, in headers.
func TestRemoteBrowse(t *testing.T) {
	dav := storagetest.NewWebDAV(t, "alice", "dav-pass", remoteFiles)
	cdmi := storagetest.NewCDMI(t, "onedata-token", "space1", remoteFiles)
	s3 := storagetest.NewS3(t, "AKIATEST", "eu-west-1", remoteFiles)
	c := oscar.New(oscar.Options{Policy: testPolicy(), S3Endpoint: func(string) string { return s3.URL }})
	ctx := context.Background()
	tests := []struct {
		name    string
		p       oscar.ProviderEntry
		srv     *storagetest.Server
		dir     string
		want    string
		file    string
		secrets []string
	}{
		{"webdav", oscar.ProviderEntry{Kind: oscar.KindWebDAV, ID: "dcache", Fields: map[string]string{"hostname": dav.Host(), "login": "alice", "password": "dav-pass"}},
			dav, "out", "run1/,top.csv", "out/run1/result.txt", []string{"dav-pass"}},
		{"onedata", oscar.ProviderEntry{Kind: oscar.KindOnedata, ID: "egi", Fields: map[string]string{"oneprovider_host": cdmi.Host(), "token": "onedata-token", "space": "space1"}},
			cdmi, "out", "run1/,top.csv", "out/run1/result.txt", []string{"onedata-token"}},
		{"s3", oscar.ProviderEntry{Kind: oscar.KindS3, ID: "aws", Fields: map[string]string{"access_key": "AKIATEST", "secret_key": "s3-secret", "region": "eu-west-1"}},
			s3, "out", "run1/,top.csv", "out/run1/result.txt", []string{"s3-secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := c.RemoteList(ctx, tt.p, tt.dir)
			if err != nil {
				t.Fatalf("RemoteList = %v", err)
			}
			if names(es) != tt.want {
				t.Errorf("RemoteList(%q) = %s, want %s", tt.dir, names(es), tt.want)
			}
			for _, e := range es {
				if e.Name == "top.csv" && (e.Path != "out/top.csv" || (tt.name != "onedata" && e.Size != 8)) {
					t.Errorf("top.csv entry = %+v", e)
				}
			}
			sub, err := c.RemoteList(ctx, tt.p, "out/run1")
			if err != nil || names(sub) != "log.txt,result.txt" {
				t.Errorf("RemoteList(out/run1) = %s %v", names(sub), err)
			}
			body, _, err := c.RemoteGet(ctx, tt.p, tt.file)
			if err != nil {
				t.Fatalf("RemoteGet = %v", err)
			}
			got, _ := io.ReadAll(body)
			body.Close()
			if string(got) != "result one" {
				t.Errorf("RemoteGet = %q", got)
			}
			if tt.name == "s3" {
				// S3 has no folders: a prefix without keys is an empty listing.
				if es, err := c.RemoteList(ctx, tt.p, "out/nope"); err != nil || len(es) != 0 {
					t.Errorf("missing prefix = %v %v, want an empty listing", es, err)
				}
				if _, err := c.RemoteList(ctx, tt.p, "nobucket/x"); asError(t, err).Kind != oscar.NotFound {
					t.Errorf("missing bucket = %v, want NotFound", err)
				}
			} else if _, err := c.RemoteList(ctx, tt.p, "out/nope"); asError(t, err).Kind != oscar.NotFound {
				t.Errorf("missing folder = %v, want NotFound", err)
			}
			for _, r := range tt.srv.Requests() {
				for _, s := range tt.secrets {
					if strings.Contains(r.Path+r.Query, s) {
						t.Errorf("a credential in the URL: %s?%s", r.Path, r.Query)
					}
				}
				if r.Auth == "" {
					t.Errorf("%s %s without credentials", r.Method, r.Path)
				}
			}
		})
	}

	t.Run("wrong credentials", func(t *testing.T) {
		p := oscar.ProviderEntry{Kind: oscar.KindWebDAV, Fields: map[string]string{"hostname": dav.Host(), "login": "alice", "password": "wrong"}}
		_, err := c.RemoteList(ctx, p, "out")
		if oe := asError(t, err); oe.Kind != oscar.Forbidden || strings.Contains(oe.Error(), "wrong") {
			t.Errorf("wrong password = %v", err)
		}
	})
	t.Run("the policy applies to the provider's address", func(t *testing.T) {
		strict := oscar.New(oscar.Options{Policy: oscar.Policy{}})
		n := len(dav.Requests())
		p := oscar.ProviderEntry{Kind: oscar.KindWebDAV, Fields: map[string]string{"hostname": dav.Host(), "login": "alice", "password": "dav-pass"}}
		if _, err := strict.RemoteList(ctx, p, "out"); asError(t, err).Kind != oscar.Refused {
			t.Errorf("http on loopback under the strict policy = %v, want Refused", err)
		}
		p.Fields["hostname"] = "10.0.0.7"
		if _, err := strict.RemoteList(ctx, p, "out"); asError(t, err).Kind != oscar.Refused {
			t.Errorf("a private address = %v, want Refused", err)
		}
		if len(dav.Requests()) != n {
			t.Error("a refused address was called")
		}
	})
	t.Run("kinds that cannot be browsed", func(t *testing.T) {
		if _, err := c.RemoteList(ctx, oscar.ProviderEntry{Kind: oscar.KindRucio}, "x"); asError(t, err).Kind != oscar.BadInput {
			t.Errorf("rucio = %v", err)
		}
	})
}
