package bucket

import (
	"strings"
	"testing"
)

func TestCheckVisibility(t *testing.T) {
	tests := []struct {
		vis, users string
		wantUsers  string
		wantErrs   string
	}{
		{"private", "", "", ""},
		{"private", "a@egi.eu", "", ""}, // users only matter for a restricted bucket
		{"public", "", "", ""},
		{"restricted", "a@egi.eu\nb@egi.eu, a@egi.eu", "a@egi.eu,b@egi.eu", ""},
		{"restricted", "", "", "allowed_users"},
		{"restricted", "<script>", "", "allowed_users"},
		{"secret", "", "", "visibility"},
	}
	for _, tt := range tests {
		users, errs := CheckVisibility(tt.vis, tt.users)
		var keys []string
		for k := range errs {
			keys = append(keys, k)
		}
		if strings.Join(keys, ",") != tt.wantErrs || (tt.wantErrs == "" && strings.Join(users, ",") != tt.wantUsers) {
			t.Errorf("CheckVisibility(%q, %q) = %v %v", tt.vis, tt.users, users, errs)
		}
	}
}

func TestCheckFolderName(t *testing.T) {
	valid := func(s string) bool { return !strings.Contains(s, "..") }
	if key, msg := CheckFolderName("a/", " /new/sub/ ", valid); key != "a/new/sub/" || msg != "" {
		t.Errorf("valid = %q %q", key, msg)
	}
	for _, bad := range []string{"", "  ", "a//b", "..", `x\y`} {
		if key, msg := CheckFolderName("", bad, valid); key != "" || msg == "" {
			t.Errorf("CheckFolderName(%q) = %q %q, want a message", bad, key, msg)
		}
	}
}

func TestCheckMoveTarget(t *testing.T) {
	valid := func(s string) bool { return !strings.Contains(s, "..") }
	if key, msg := CheckMoveTarget("a.txt", " /b/a.txt", valid); key != "b/a.txt" || msg != "" {
		t.Errorf("valid = %q %q", key, msg)
	}
	for _, bad := range []string{"", "dir/", "a//b", "../x", "a.txt"} {
		if key, msg := CheckMoveTarget("a.txt", bad, valid); key != "" || msg == "" {
			t.Errorf("CheckMoveTarget(%q) = %q %q, want a message", bad, key, msg)
		}
	}
}

func TestRemotePaths(t *testing.T) {
	if p, ok := CleanRemotePath("/out/run 1/"); !ok || p != "out/run 1" {
		t.Errorf("CleanRemotePath = %q %v", p, ok)
	}
	for _, bad := range []string{"out/../other", "a//b", "a/./b", "a\x00b", `a\b`} {
		if _, ok := CleanRemotePath(bad); ok {
			t.Errorf("CleanRemotePath(%q) accepted", bad)
		}
	}
	roots := []string{"out", "data/in"}
	for p, want := range map[string]bool{"out": true, "out/x": true, "outside": false, "data": false, "data/in/y": true, "other": false} {
		if Within(roots, p) != want {
			t.Errorf("Within(%q) = %v", p, !want)
		}
	}
	if !Browsable("onedata") || Browsable("minio") || Browsable("rucio") {
		t.Error("Browsable")
	}
}
