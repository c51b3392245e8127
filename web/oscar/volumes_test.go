package oscar_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
	"github.com/oscarconsole/oscar-console/web/oscar/oscartest"
)

func volumeNames(vs []oscar.ManagedVolume) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Name)
	}
	return out
}

func wantKind(t *testing.T, what string, err error, k oscar.Kind) *oscar.Error {
	t.Helper()
	var oe *oscar.Error
	if !errors.As(err, &oe) || oe.Kind != k {
		t.Fatalf("%s: err = %v, want kind %v", what, err, k)
	}
	return oe
}

// TestVolumesScopedPerCaller: each caller sees and deletes only its own namespace's volumes, as
// OSCAR's resolveVolumeCaller does.
func TestVolumesScopedPerCaller(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	v, err := e.c.CreateVolume(e.ctx, e.ep, alice(), oscar.VolumeCreateRequest{Name: "data", Size: "1Gi"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "data" || v.Size != "1Gi" || v.OwnerUser != "alice@egi.eu" || v.CreationMode != "api" || v.Status.Phase != "ready" {
		t.Errorf("created = %+v", v)
	}
	if _, err := e.c.CreateVolume(e.ctx, e.ep, bob(), oscar.VolumeCreateRequest{Name: "data", Size: "2Gi"}); err != nil {
		t.Fatalf("bob's own volume of the same name: %v", err)
	}
	for who, cr := range map[string]oscar.Creds{"alice": alice(), "bob": bob(), "admin": admin()} {
		vs, err := e.c.Volumes(e.ctx, e.ep, cr)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"data"}
		if who == "admin" {
			want = nil
		}
		if !slices.Equal(volumeNames(vs), want) {
			t.Errorf("%s sees %v, want %v", who, volumeNames(vs), want)
		}
	}
	got, err := e.c.Volume(e.ctx, e.ep, bob(), "data")
	if err != nil || got.Size != "2Gi" || got.OwnerUser != "bob@egi.eu" {
		t.Errorf("bob reads %+v, %v; want his own 2Gi volume", got, err)
	}
	wantKind(t, "admin reads alice's volume", func() error { _, err := e.c.Volume(e.ctx, e.ep, admin(), "data"); return err }(), oscar.NotFound)
	wantKind(t, "admin deletes alice's volume", e.c.DeleteVolume(e.ctx, e.ep, admin(), "data"), oscar.NotFound)
	if err := e.c.DeleteVolume(e.ctx, e.ep, bob(), "data"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Volume(e.ctx, e.ep, alice(), "data"); err != nil {
		t.Errorf("bob's delete took alice's volume: %v", err)
	}
}

func TestVolumeRefusals(t *testing.T) {
	e := setup(t, oscartest.Options{}, oscar.Options{})
	for _, tc := range []struct{ name, size, want string }{
		{"Bad_Name", "1Gi", "a volume name has"},
		{"ok", "1Gx", "positive size"},
		{"ok", "-1Gi", "positive size"},
	} {
		_, err := e.c.CreateVolume(e.ctx, e.ep, admin(), oscar.VolumeCreateRequest{Name: tc.name, Size: tc.size})
		oe := wantKind(t, tc.name+" "+tc.size, err, oscar.BadInput)
		if !containsFold(oe.UserMessage(), tc.want) {
			t.Errorf("%s %s: message %q, want %q", tc.name, tc.size, oe.UserMessage(), tc.want)
		}
	}
	if _, err := e.c.CreateVolume(e.ctx, e.ep, alice(), oscar.VolumeCreateRequest{Name: "dup", Size: "1Gi"}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.CreateVolume(e.ctx, e.ep, alice(), oscar.VolumeCreateRequest{Name: "dup", Size: "1Gi"})
	if oe := wantKind(t, "duplicate", err, oscar.BadInput); oe.Status != 409 {
		t.Errorf("duplicate status %d, want 409", oe.Status)
	}
	// Beyond the namespace's LimitRange: Kubernetes refuses, OSCAR answers 500 with its text.
	_, err = e.c.CreateVolume(e.ctx, e.ep, alice(), oscar.VolumeCreateRequest{Name: "huge", Size: "6Gi"})
	if oe := wantKind(t, "over quota", err, oscar.Server); !containsFold(oe.UserMessage(), "quota") {
		t.Errorf("over quota message %q", oe.UserMessage())
	}
	q, err := e.c.UserQuota(e.ctx, e.ep, alice())
	if err != nil {
		t.Fatal(err)
	}
	if q.Volumes == nil || q.Volumes.Volumes.Used != "1" || q.Volumes.Disk.Used != "1073741824" || q.Volumes.MaxDiskPerVolume != "5Gi" {
		t.Errorf("quota volumes = %+v", q.Volumes)
	}
}

// TestServiceVolumes: a service that sizes its volume creates it; one that names a volume attaches
// it; the volume cannot be deleted while attached, nor changed by PUT; deleting the creator takes
// the volume with it unless it is retained.
func TestServiceVolumes(t *testing.T) {
	e := setup(t, oscartest.Options{CreateDelay: -1}, oscar.Options{})
	mk := func(name string, v *oscar.ServiceVolume) error {
		return e.c.CreateService(e.ctx, e.ep, alice(), &oscar.Service{Name: name, Image: "img", Script: "echo", Volume: v})
	}
	if err := mk("maker", &oscar.ServiceVolume{Size: "1Gi", MountPath: "/data"}); err != nil {
		t.Fatal(err)
	}
	s, err := e.c.Service(e.ctx, e.ep, alice(), "maker", false)
	if err != nil {
		t.Fatal(err)
	}
	if s.Volume == nil || s.Volume.Name != "maker" || s.Volume.LifecyclePolicy != "delete" || s.VolumeStatus == nil || !s.VolumeStatus.Enabled || s.VolumeStatus.Name != "maker" {
		t.Errorf("service volume = %+v, status %+v", s.Volume, s.VolumeStatus)
	}
	if err := mk("user", &oscar.ServiceVolume{Name: "maker", MountPath: "/mnt/shared"}); err != nil {
		t.Fatal(err)
	}
	err = mk("lost", &oscar.ServiceVolume{Name: "nope", MountPath: "/mnt"})
	if oe := wantKind(t, "missing volume", err, oscar.BadInput); !containsFold(oe.UserMessage(), "does not exist") {
		t.Errorf("missing volume message %q", oe.UserMessage())
	}
	err = mk("again", &oscar.ServiceVolume{Name: "maker", Size: "1Gi", MountPath: "/mnt"})
	if oe := wantKind(t, "volume exists", err, oscar.BadInput); oe.Status != 409 {
		t.Errorf("volume exists: status %d", oe.Status)
	}
	err = mk("reserved", &oscar.ServiceVolume{Size: "1Gi", MountPath: "/oscar/config/x"})
	wantKind(t, "reserved path", err, oscar.BadInput)

	v, err := e.c.Volume(e.ctx, e.ep, alice(), "maker")
	if err != nil || v.Status.Phase != "in_use" || v.Status.AttachmentCount != 2 || v.CreatedByService != "maker" {
		t.Errorf("volume = %+v, %v", v, err)
	}
	oe := wantKind(t, "delete attached", e.c.DeleteVolume(e.ctx, e.ep, alice(), "maker"), oscar.BadInput)
	if !containsFold(oe.UserMessage(), "still used") {
		t.Errorf("attached message %q", oe.UserMessage())
	}
	s.Volume.MountPath = "/elsewhere"
	wantKind(t, "volume update", e.c.UpdateService(e.ctx, e.ep, alice(), s), oscar.BadInput)
	s.Volume.MountPath = "/data"
	if err := e.c.UpdateService(e.ctx, e.ep, alice(), s); err != nil {
		t.Fatalf("unchanged volume refused: %v", err)
	}
	for _, n := range []string{"user", "maker"} {
		if err := e.c.DeleteService(e.ctx, e.ep, alice(), n); err != nil {
			t.Fatal(err)
		}
	}
	wantKind(t, "volume after its creator", func() error { _, err := e.c.Volume(e.ctx, e.ep, alice(), "maker"); return err }(), oscar.NotFound)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
