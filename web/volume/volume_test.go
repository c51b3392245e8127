package volume

import (
	"math/big"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

func TestCheckName(t *testing.T) {
	for name, ok := range map[string]bool{
		"data": true, "a": true, "my-data-2": true, strings.Repeat("a", 63): true,
		"": false, "Data": false, "-data": false, "data-": false, "da_ta": false, "da.ta": false,
		strings.Repeat("a", 64): false, "new": false,
	} {
		if got := CheckName(name) == ""; got != ok {
			t.Errorf("CheckName(%q) valid = %v, want %v (%q)", name, got, ok, CheckName(name))
		}
	}
}

func TestCheckSize(t *testing.T) {
	q := &oscar.VolumeQuota{
		Disk:             &oscar.QuantityQuota{Max: "10Gi", Used: "8Gi"},
		Volumes:          &oscar.QuantityQuota{Max: "5", Used: "1"},
		MaxDiskPerVolume: "5Gi", MinDiskPerVolume: "100Mi",
	}
	for _, tc := range []struct {
		f     Form
		quota *oscar.VolumeQuota
		want  string // "" valid, else a word of the message
	}{
		{Form{Amount: "1", Unit: "Gi"}, nil, ""},
		{Form{Amount: "1.5", Unit: "Gi"}, nil, ""},
		{Form{Amount: "2G"}, nil, ""},
		{Form{Amount: "", Unit: "Gi"}, nil, "Enter the volume's size"},
		{Form{Amount: "abc", Unit: "Gi"}, nil, "number"},
		{Form{Amount: "1Gx"}, nil, "size such as"},
		{Form{Amount: "0", Unit: "Gi"}, nil, "more than zero"},
		{Form{Amount: "-1", Unit: "Gi"}, nil, "more than zero"},
		{Form{Amount: "1", Unit: "Xi"}, nil, "unit"},
		{Form{Amount: "100m"}, nil, "whole number"},
		{Form{Amount: "6", Unit: "Gi"}, q, "at most 5Gi per volume"},
		{Form{Amount: "50", Unit: "Mi"}, q, "at least 100Mi"},
		{Form{Amount: "3", Unit: "Gi"}, q, "left"},
		{Form{Amount: "2", Unit: "Gi"}, q, ""},
		{Form{Amount: "2", Unit: "Gi"}, &oscar.VolumeQuota{MaxDiskPerVolume: "NotFound"}, ""},
	} {
		got := CheckSize(tc.f, tc.quota)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("CheckSize(%+v) = %q, want %q", tc.f, got, tc.want)
		}
	}
	if CheckCount(q) != "" {
		t.Error("1 of 5 volumes: refused")
	}
	q.Volumes.Used = "5"
	if !strings.Contains(CheckCount(q), "delete one") {
		t.Errorf("5 of 5 volumes: %q", CheckCount(q))
	}
	if CheckCount(nil) != "" {
		t.Error("no quota: refused")
	}
}

func TestSplitSize(t *testing.T) {
	for in, want := range map[string][2]string{"2Gi": {"2", "Gi"}, "500Mi": {"500", "Mi"}, "1G": {"1G", ""}, "1.5Ti": {"1.5", "Ti"}, "": {"", ""}} {
		if a, u := SplitSize(in); a != want[0] || u != want[1] {
			t.Errorf("SplitSize(%q) = %q %q, want %v", in, a, u, want)
		}
		if f := (Form{Amount: want[0], Unit: want[1]}); f.Size() != in {
			t.Errorf("round trip of %q gave %q", in, f.Size())
		}
	}
}

func TestRefusal(t *testing.T) {
	for _, tc := range []struct {
		err          error
		field, words string
		ok           bool
	}{
		{&oscar.Error{Kind: oscar.BadInput, Status: 409, Message: "a volume with this name already exists"}, FieldName, "already exists", true},
		{&oscar.Error{Kind: oscar.BadInput, Status: 400, Message: "a volume name has at most 63 lower-case letters"}, FieldName, "A volume name", true},
		{&oscar.Error{Kind: oscar.BadInput, Status: 400, Message: "the volume size must be a positive size such as 1Gi"}, FieldSize, "The volume size", true},
		{&oscar.Error{Kind: oscar.Server, Status: 500, Message: "the volume does not fit in your volume quota"}, FieldSize, "quota", true},
		{&oscar.Error{Kind: oscar.BadInput, Status: 400, Message: "something else"}, "", "Something else", true},
		{&oscar.Error{Kind: oscar.Unreachable}, "", "", false},
		{&oscar.Error{Kind: oscar.Server, Status: 500, Message: "etcd is down"}, "", "", false},
	} {
		f, m, ok := Refusal(tc.err)
		if f != tc.field || ok != tc.ok || !strings.Contains(m, tc.words) {
			t.Errorf("Refusal(%v) = %q %q %v, want %q %q %v", tc.err, f, m, ok, tc.field, tc.words, tc.ok)
		}
	}
}

func TestUsersAndSort(t *testing.T) {
	svcs := []oscar.Service{
		{Name: "zeta", Volume: &oscar.ServiceVolume{Name: "data", MountPath: "/z"}},
		{Name: "alpha", Volume: &oscar.ServiceVolume{Name: "data", MountPath: "/a"}},
		{Name: "maker", Volume: &oscar.ServiceVolume{Size: "1Gi", MountPath: "/m"}},
		{Name: "plain"},
	}
	u := Users(svcs, "")
	other := append(svcs, oscar.Service{Name: "elsewhere", Namespace: "oscar-svc-bob", Volume: &oscar.ServiceVolume{Name: "data", MountPath: "/b"}})
	if got := Users(other, "oscar-svc")["data"]; len(got) != 2 {
		t.Errorf("a service of another namespace counts as a user: %+v", got)
	}
	if got := u["data"]; len(got) != 2 || got[0] != (Use{"alpha", "/a"}) || got[1].Service != "zeta" {
		t.Errorf("users of data = %+v", got)
	}
	if got := u["maker"]; len(got) != 1 || got[0].MountPath != "/m" {
		t.Errorf("an unnamed created volume is named after its service: %+v", u)
	}
	vs := []oscar.ManagedVolume{{Name: "b", Size: "2Gi"}, {Name: "data", Size: "512Mi"}, {Name: "a", Size: "junk"}, {Name: "maker", Size: "1G"}}
	names := func() string {
		var n []string
		for _, v := range vs {
			n = append(n, v.Name)
		}
		return strings.Join(n, ",")
	}
	for _, tc := range []struct {
		key  string
		desc bool
		want string
	}{
		{"name", false, "a,b,data,maker"},
		{"name", true, "maker,data,b,a"},
		{"size", false, "data,maker,b,a"},
		{"size", true, "b,maker,data,a"},
		{"services", true, "data,maker,b,a"},
	} {
		Sort(vs, u, tc.key, tc.desc)
		if names() != tc.want {
			t.Errorf("sort %s desc=%v = %s, want %s", tc.key, tc.desc, names(), tc.want)
		}
	}
}

func TestHumanAndMountPath(t *testing.T) {
	for in, want := range map[int64]string{0: "0 B", 1536: "1.5 KiB", 8 << 30: "8 GiB"} {
		if got := Human(big.NewRat(in, 1)); got != want {
			t.Errorf("Human(%d) = %q, want %q", in, got, want)
		}
	}
	for p, ok := range map[string]bool{"/data": true, "/mnt/x": true, "": false, "data": false, "/oscar/config": false, "/oscar/bin/x": false, "/oscar/data": true} {
		if got := CheckMountPath(p) == ""; got != ok {
			t.Errorf("CheckMountPath(%q) valid = %v", p, got)
		}
	}
}
