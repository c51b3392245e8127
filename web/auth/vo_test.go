package auth_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/oscarconsole/oscar-console/web/auth"
)

func TestParseVOs(t *testing.T) {
	tests := []struct {
		name     string
		userinfo map[string]any
		want     []string
	}{
		{
			name: "EGI SP guide sample",
			userinfo: map[string]any{"entitlements": []any{
				"urn:mace:egi.eu:group:demo.fedcloud.egi.eu:role=member#aai.egi.eu",
				"urn:mace:egi.eu:group:demo.fedcloud.egi.eu:members:role=member#aai.egi.eu",
				"urn:mace:egi.eu:group:demo.fedcloud.egi.eu:vm_operator:role=member#aai.egi.eu",
			}},
			want: []string{"demo.fedcloud.egi.eu"},
		},
		{
			name: "several VOs and roles, sorted",
			userinfo: map[string]any{"entitlements": []any{
				"urn:mace:egi.eu:group:vo.example.org:role=member#aai.egi.eu",
				"urn:mace:egi.eu:group:project.vo.egi.eu:role=cloud_operator#aai.egi.eu",
				"urn:mace:egi.eu:group:cryoem.instruct-eric.eu:role=member#aai.egi.eu",
			}},
			want: []string{"cryoem.instruct-eric.eu", "project.vo.egi.eu", "vo.example.org"},
		},
		{
			name: "capabilities, GOCDB roles and legacy values ignored",
			userinfo: map[string]any{"entitlements": []any{
				"urn:mace:egi.eu:res:rcauth#aai.egi.eu",
				"urn:mace:egi.eu:res:vo.example.eu:act:read,write#aai.egi.eu",
				"urn:mace:egi.eu:goc.egi.eu:100453G0:CESGA:Site+Administrator@egi.eu",
				"urn:mace:egi.eu:aai.egi.eu:member@fedcloud.egi.eu",
				"urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu",
			}},
			want: []string{"vo.example.eu"},
		},
		{
			name: "wrong or missing authority ignored",
			userinfo: map[string]any{"entitlements": []any{
				"urn:mace:egi.eu:group:evil.vo:role=member#evil.example",
				"urn:mace:egi.eu:group:evil.vo:role=member#aai.egi.eu.evil.example",
				"urn:mace:egi.eu:group:nohash.vo:role=member",
				"urn:mace:egi.eu:group:empty.authority:role=member#",
			}},
			want: nil,
		},
		{
			name: "other namespaces ignored",
			userinfo: map[string]any{"entitlements": []any{
				"urn:geant:eosc-federation.eu:group:vo.example.eu:role=member#aai.egi.eu",
				"urn:mace:egi.eu:groups:vo.example.eu:role=member#aai.egi.eu",
				"urn:mace:egi.eu:group#aai.egi.eu",
				"urn:mace:egi.eu:group::role=member#aai.egi.eu",
				"urn:mace:egi.eu:group:role=member#aai.egi.eu",
				"",
			}},
			want: nil,
		},
		{
			name: "lower-cased and trimmed as OSCAR does",
			userinfo: map[string]any{"entitlements": []any{
				"  URN:MACE:EGI.EU:GROUP:VO.Example.EU:ROLE=member#AAI.EGI.EU ",
			}},
			want: []string{"vo.example.eu"},
		},
		{
			name: "no role, no subgroup: the VO itself",
			userinfo: map[string]any{"entitlements": []any{
				"urn:mace:egi.eu:group:vo.example.eu#aai.egi.eu",
			}},
			want: []string{"vo.example.eu"},
		},
		{
			name: "eduperson_entitlement when entitlements is absent",
			userinfo: map[string]any{"eduperson_entitlement": []any{
				"urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu",
			}},
			want: []string{"vo.example.eu"},
		},
		{
			name: "entitlements win over eduperson_entitlement",
			userinfo: map[string]any{
				"entitlements":          []any{"urn:mace:egi.eu:group:new.vo:role=member#aai.egi.eu"},
				"eduperson_entitlement": []any{"urn:mace:egi.eu:group:old.vo:role=member#aai.egi.eu"},
			},
			want: []string{"new.vo"},
		},
		{
			name: "empty entitlements fall back",
			userinfo: map[string]any{
				"entitlements":          []any{},
				"eduperson_entitlement": []any{"urn:mace:egi.eu:group:old.vo:role=member#aai.egi.eu"},
			},
			want: []string{"old.vo"},
		},
		{
			name: "single string and []string tolerated",
			userinfo: map[string]any{
				"entitlements":     "urn:mace:egi.eu:group:one.vo:role=member#aai.egi.eu",
				"group_membership": []string{"/two"},
			},
			want: []string{"one.vo", "two"},
		},
		{
			name: "group_membership with leading slash, merged and de-duplicated",
			userinfo: map[string]any{
				"entitlements":     []any{"urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu"},
				"group_membership": []any{"/vo.example.eu", "/ai4eosc/members", "", "/", 42},
			},
			want: []string{"ai4eosc/members", "vo.example.eu"},
		},
		{
			name:     "wrong types ignored",
			userinfo: map[string]any{"entitlements": 7, "group_membership": map[string]any{"a": "b"}},
			want:     nil,
		},
		{name: "nil", userinfo: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auth.ParseVOs(tt.userinfo); !slices.Equal(got, tt.want) {
				t.Errorf("ParseVOs = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIsVOMember(t *testing.T) {
	vos := []string{"demo.fedcloud.egi.eu", "vo.example.eu"}
	tests := []struct {
		name     string
		vos      []string
		required []string
		want     bool
	}{
		{"one of them", vos, []string{"other.vo", "vo.example.eu"}, true},
		{"case-insensitive", vos, []string{" VO.Example.EU "}, true},
		{"none", vos, []string{"other.vo"}, false},
		{"no VOs", nil, []string{"vo.example.eu"}, false},
		{"no restriction", vos, nil, true},
		{"blank restriction", nil, []string{"", " "}, true},
		{"prefix is not membership", vos, []string{"vo.example"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := auth.IsVOMember(tt.vos, tt.required); got != tt.want {
				t.Errorf("IsVOMember(%q, %q) = %t, want %t", tt.vos, tt.required, got, tt.want)
			}
		})
	}
}

// FuzzParseVOs checks the invariants of ParseVOs on arbitrary entitlement
// and group values: sorted, unique, non-empty, and every VO traceable to
// its input.
func FuzzParseVOs(f *testing.F) {
	for _, s := range []string{
		"urn:mace:egi.eu:group:vo.example.eu:role=member#aai.egi.eu",
		"urn:mace:egi.eu:group:demo.fedcloud.egi.eu:members:role=member#aai.egi.eu",
		"urn:mace:egi.eu:group:vo.example.eu#aai.egi.eu",
		"urn:mace:egi.eu:res:rcauth#aai.egi.eu",
		"urn:mace:egi.eu:goc.egi.eu:100453G0:CESGA:Site+Administrator@egi.eu",
		"urn:mace:egi.eu:group:evil:role=member#evil.example",
		"urn:mace:egi.eu:group:#aai.egi.eu#aai.egi.eu",
		"URN:MACE:EGI.EU:GROUP:X:ROLE=MEMBER#AAI.EGI.EU",
		"urn:mace:egi.eu:group:",
		"",
	} {
		f.Add(s, "/group")
	}
	f.Fuzz(func(t *testing.T, entitlement, group string) {
		got := auth.ParseVOs(map[string]any{
			"entitlements":     []any{entitlement},
			"group_membership": []any{group},
		})
		if !slices.IsSorted(got) {
			t.Errorf("not sorted: %q", got)
		}
		if len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("duplicates: %q", got)
		}
		low := strings.ToLower(entitlement)
		for _, vo := range got {
			if vo == "" {
				t.Errorf("empty VO in %q", got)
			}
			fromGroup := vo == strings.TrimLeft(strings.TrimSpace(group), "/")
			fromEntitlement := strings.Contains(low, ":"+vo) && strings.HasSuffix(strings.TrimSpace(low), "#aai.egi.eu") &&
				!strings.ContainsAny(vo, ":#")
			if !fromGroup && !fromEntitlement {
				t.Errorf("VO %q comes from neither %q nor %q", vo, entitlement, group)
			}
		}
		if len(got) > 2 {
			t.Errorf("two inputs gave %d VOs: %q", len(got), got)
		}
	})
}
