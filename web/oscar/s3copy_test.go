package oscar_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

// TestMoveObject renames objects with the caller's MinIO keys: a copy inside MinIO, then the
// original's delete; never over an existing object, never where the caller may not write.
func TestMoveObject(t *testing.T) {
	tests := []struct {
		name     string
		creds    oscar.Creds
		bucket   string
		from, to string
		wantKind oscar.Kind
		wantErr  bool
		wantMsg  string
		wantIs   error
	}{
		{"owner renames", alice(), "alice-private", "out/a.txt", "out/b.txt", 0, false, "", nil},
		{"owner moves to a folder, escapes", alice(), "alice-private", "out/a.txt", "new dir/é+&.txt", 0, false, "", nil},
		{"admin anywhere", admin(), "alice-private", "out/a.txt", "a.txt", 0, false, "", nil},
		{"target exists", alice(), "alice-private", "out/a.txt", "out/keep.txt", oscar.BadInput, true, "already exists", oscar.ErrTargetExists},
		{"missing source", alice(), "alice-private", "out/nope.txt", "out/b.txt", oscar.NotFound, true, "does not exist", nil},
		{"another user's public bucket", bob(), "alice-public", "out/a.txt", "out/b.txt", oscar.Forbidden, true, "may not move", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, oscartest.Options{}, oscar.Options{Policy: testPolicy()})
			e.srv.AddBucket("alice-private", "alice@egi.eu", "private")
			e.srv.AddBucket("alice-public", "alice@egi.eu", "public")
			for _, b := range []string{"alice-private", "alice-public"} {
				e.srv.PutObjectData(b, "out/a.txt", []byte("data"))
				e.srv.PutObjectData(b, "out/keep.txt", []byte("keep"))
			}
			err := e.c.MoveObject(e.ctx, e.ep, tt.creds, tt.bucket, tt.from, tt.to)
			if tt.wantErr {
				oe := asError(t, err)
				if oe.Kind != tt.wantKind || !strings.Contains(oe.Message, tt.wantMsg) {
					t.Errorf("MoveObject = %v (kind %v), want %v saying %q", err, oe.Kind, tt.wantKind, tt.wantMsg)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("MoveObject = %v, want errors.Is %v", err, tt.wantIs)
				}
				if got, _ := e.srv.Object(tt.bucket, "out/keep.txt"); string(got) != "keep" {
					t.Error("an existing object was overwritten")
				}
				if _, ok := e.srv.Object(tt.bucket, "out/a.txt"); !ok && tt.from == "out/a.txt" {
					t.Error("the original is gone after a failed move")
				}
				return
			}
			if err != nil {
				t.Fatalf("MoveObject = %v", err)
			}
			if got, ok := e.srv.Object(tt.bucket, tt.to); !ok || string(got) != "data" {
				t.Errorf("moved object = %q %v", got, ok)
			}
			if _, ok := e.srv.Object(tt.bucket, tt.from); ok {
				t.Error("the original is still there")
			}
			for _, r := range minioRequests(e.srv) {
				if r.Auth != "other" || r.Query != "" {
					t.Errorf("MinIO request %s %s not SigV4-signed", r.Method, r.Path)
				}
			}
		})
	}
}
