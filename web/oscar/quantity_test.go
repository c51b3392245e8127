package oscar

import (
	"math/big"
	"strings"
	"testing"
)

func TestParseQuantity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // big.Rat string, "" for an error
	}{
		{"0.2", "1/5"},
		{"200m", "1/5"},
		{"1", "1"},
		{"1.0", "1"},
		{".5", "1/2"},
		{"5.", "5"},
		{"256Mi", "268435456"},
		{"1Gi", "1073741824"},
		{"1.5Gi", "1610612736"},
		{"512M", "512000000"},
		{"2k", "2000"},
		{"1e3", "1000"},
		{"1E3", "1000"},
		{"1e-3", "1/1000"},
		{"+2", "2"},
		{"-1", "-1"},
		{"100n", "1/10000000"},
		{"3u", "3/1000000"},
		{"1Ei", "1152921504606846976"},
		{"1E", "1000000000000000000"},
		// The services list sorts by these (formerly a float parser of its own in handlers).
		{"1024", "1024"},
		{"1G", "1000000000"},
		{"500M", "500000000"},
		{"100m", "1/10"},
		{"2", "2"},
		{"1Zi", ""},
		{"abc", ""},
		{"lots", ""},
		{"1K", ""}, // Kubernetes writes kilo as k
		{"", ""},
		{"Mi", ""},
		{"1 Mi", ""},
		{" 1", ""},
		{"1mi", ""},
		{"1MB", ""},
		{"1.2.3", ""},
		{"1e", ""},
		{"1e99", ""},
		{"--1", ""},
		{".", ""},
		{"1Kii", ""},
		{strings.Repeat("9", 80), ""},
	} {
		got, err := ParseQuantity(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseQuantity(%q) = %v, want an error", tc.in, got)
			} else if !IsQuantityError(err) {
				t.Errorf("ParseQuantity(%q) error %v is not a quantity error", tc.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseQuantity(%q): %v", tc.in, err)
			continue
		}
		if got.RatString() != tc.want {
			t.Errorf("ParseQuantity(%q) = %s, want %s", tc.in, got.RatString(), tc.want)
		}
	}
}

func FuzzQuantity(f *testing.F) {
	for _, s := range []string{"0.2", "200m", "256Mi", "1.5Gi", "1e3", "-1", ".5", "1E", "9e-30", "1e31", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseQuantity(s)
		if err != nil {
			if v != nil {
				t.Fatalf("ParseQuantity(%q) returned a value with an error", s)
			}
			return
		}
		// A quantity without a sign means the same as with "+", and "-" negates it.
		if s[0] != '+' && s[0] != '-' && len(s) < maxQuantityLen {
			neg, err := ParseQuantity("-" + s)
			if err != nil {
				t.Fatalf("ParseQuantity(-%q): %v", s, err)
			}
			if new(big.Rat).Neg(neg).Cmp(v) != 0 {
				t.Fatalf("-%q = %s, want -(%s)", s, neg.RatString(), v.RatString())
			}
		}
		// Plain decimals agree with big.Rat's own parser.
		if strings.Trim(s, "+-0123456789.") == "" && strings.Count(s, ".") <= 1 {
			ref, ok := new(big.Rat).SetString(s)
			if ok && ref.Cmp(v) != 0 {
				t.Fatalf("ParseQuantity(%q) = %s, big.Rat says %s", s, v.RatString(), ref.RatString())
			}
		}
	})
}
