package oscar

import (
	"errors"
	"math/big"
	"strings"
)

// errQuantity is wrapped by every error of ParseQuantity.
var errQuantity = errors.New("not a Kubernetes quantity")

// IsQuantityError reports whether err came from ParseQuantity.
func IsQuantityError(err error) bool { return errors.Is(err, errQuantity) }

// maxQuantityLen bounds the text ParseQuantity reads; Kubernetes quantities are short.
const maxQuantityLen = 64

// maxExponent bounds the decimal exponent ("1e9"), so that a hostile value cannot make the exact
// arithmetic below expensive.
const maxExponent = 30

// ParseQuantity parses a Kubernetes resource quantity (the format of OSCAR's cpu and memory) into
// an exact number: "0.2" → 1/5, "200m" → 1/5, "256Mi" → 268435456, "1e3" → 1000, "1.5Gi",
// "+2k". The grammar is Kubernetes':
//
//	quantity  = [sign] number [suffix]
//	number    = digits | digits "." [digits] | "." digits
//	suffix    = binarySI | decimalSI | ("e" | "E") [sign] digits
//	binarySI  = "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"
//	decimalSI = "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"
//
// Surrounding spaces are not allowed (Kubernetes refuses them too).
func ParseQuantity(s string) (*big.Rat, error) {
	if s == "" {
		return nil, errQuantity
	}
	if len(s) > maxQuantityLen {
		return nil, errQuantity
	}
	i := 0
	neg := false
	if s[i] == '+' || s[i] == '-' {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[start:i]
	frac := ""
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[fs:i]
	}
	if intPart == "" && frac == "" {
		return nil, errQuantity
	}
	num, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return nil, errQuantity
	}
	v := new(big.Rat).SetFrac(num, powersOfTen[len(frac)]) // SetFrac copies the denominator
	mult, err := suffixValue(s[i:])
	if err != nil {
		return nil, err
	}
	v.Mul(v, mult)
	if neg {
		v.Neg(v)
	}
	return v, nil
}

// powersOfTen[n] is 10^n, for n up to maxQuantityLen (the most fraction digits a quantity can have).
// Shared: read only.
var powersOfTen = func() []*big.Int {
	p := make([]*big.Int, maxQuantityLen+1)
	for n := range p {
		p[n] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	}
	return p
}()

// siMultipliers are the multipliers of the binary and decimal SI suffixes (suffixPower), computed
// once. Shared: read only (ParseQuantity multiplies by them into a value of its own).
var siMultipliers = func() map[string]*big.Rat {
	m := map[string]*big.Rat{}
	for _, suf := range []string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "k", "M", "G", "T", "P", "E", "m", "u", "n"} {
		base, exp, _ := suffixPower(suf)
		r := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(base), big.NewInt(max(exp, -exp)), nil))
		if exp < 0 {
			r.Inv(r)
		}
		m[suf] = r
	}
	return m
}()

// suffixValue is the multiplier a suffix stands for. A SI suffix's is shared (siMultipliers): the
// caller must not change it.
func suffixValue(suf string) (*big.Rat, error) {
	pow := func(base, exp int64) *big.Rat {
		return new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(base), big.NewInt(exp), nil))
	}
	if m, ok := siMultipliers[suf]; ok {
		return m, nil
	}
	if suf[0] != 'e' && suf[0] != 'E' {
		return nil, errQuantity
	}
	exp := suf[1:]
	neg := false
	if exp != "" && (exp[0] == '+' || exp[0] == '-') {
		neg = exp[0] == '-'
		exp = exp[1:]
	}
	if exp == "" || len(exp) > 3 || strings.TrimLeft(exp, "0123456789") != "" {
		return nil, errQuantity
	}
	n := 0
	for _, c := range exp {
		n = n*10 + int(c-'0')
	}
	if n > maxExponent {
		return nil, errQuantity
	}
	m := pow(10, int64(n))
	if neg {
		m.Inv(m)
	}
	return m, nil
}

// suffixPower is the multiplier a binary or decimal SI suffix stands for, as base^exp: "Mi" is
// 2^20, "k" 10^3, "m" 10^-3, "" 10^0.
func suffixPower(suf string) (base, exp int64, ok bool) {
	switch suf {
	case "":
		return 10, 0, true
	case "Ki", "Mi", "Gi", "Ti", "Pi", "Ei":
		return 2, 10 * int64(strings.Index("KMGTPE", suf[:1])+1), true
	case "k", "M", "G", "T", "P", "E":
		return 10, 3 * int64(strings.Index("kMGTPE", suf)+1), true
	case "m", "u", "n":
		return 10, -3 * int64(strings.Index("mun", suf)+1), true
	}
	return 0, 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
