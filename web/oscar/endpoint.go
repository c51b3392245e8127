package oscar

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// MaxEndpointLen is the longest endpoint URL ParseEndpoint accepts.
const MaxEndpointLen = 512

// Endpoint is a normalised OSCAR base URL: lower-case scheme and host,
// optional port (default ports removed), optional path prefix, no trailing
// slash, no userinfo, query or fragment. Only ParseEndpoint makes one that
// the Client accepts; its string form is safe to show and to log.
type Endpoint string

// String returns the endpoint URL.
func (e Endpoint) String() string { return string(e) }

// Host returns the host (and port, if any) for display.
func (e Endpoint) Host() string {
	u, err := url.Parse(string(e))
	if err != nil {
		return ""
	}
	return u.Host
}

// Policy is the operator's endpoint policy. The zero Policy is the strict
// default: https only, public addresses only, any host name.
type Policy struct {
	// AllowPrivate permits loopback, private, link-local (including cloud
	// metadata), CGNAT and other non-public addresses
	// (CONSOLE_ALLOW_PRIVATE_ENDPOINTS=true).
	AllowPrivate bool
	// AllowHTTP permits plain http endpoints
	// (CONSOLE_ALLOW_HTTP_ENDPOINTS=true).
	AllowHTTP bool
	// Allowed, when not empty, is the only set of hosts the console may
	// call (CONSOLE_ALLOWED_ENDPOINTS): exact host names or "*.suffix",
	// which matches any name ending in ".suffix" (not "suffix" itself).
	Allowed []string
}

// ParseAllowlist splits a comma-separated CONSOLE_ALLOWED_ENDPOINTS value
// into lower-case entries, dropping blanks.
func ParseAllowlist(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		f = strings.TrimSuffix(f, ".")
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// ErrEndpoint is wrapped by every error ParseEndpoint returns.
var ErrEndpoint = errors.New("oscar: invalid endpoint")

// ParseEndpoint checks a user-typed OSCAR URL against the policy and
// returns it normalised. A URL without a scheme is taken as https. The
// returned error wraps ErrEndpoint and says in plain words what is wrong;
// it is safe to show to the user (a userinfo part is never echoed).
//
// ParseEndpoint refuses IP literals that the policy refuses, but host names
// are only resolved when the client dials, where the same address rules are
// enforced again (see Client).
func ParseEndpoint(raw string, p Policy) (Endpoint, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", fmt.Errorf("%w: the address is empty", ErrEndpoint)
	}
	if len(raw) > MaxEndpointLen {
		return "", fmt.Errorf("%w: the address is longer than %d characters", ErrEndpoint, MaxEndpointLen)
	}
	for _, r := range raw {
		if r <= ' ' || r == 0x7f || r > 0x7e {
			return "", fmt.Errorf("%w: the address contains spaces, control or non-ASCII characters", ErrEndpoint)
		}
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: the address is not a URL", ErrEndpoint)
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "https":
	case "http":
		if !p.AllowHTTP {
			return "", fmt.Errorf("%w: only https addresses are allowed", ErrEndpoint)
		}
	default:
		return "", fmt.Errorf("%w: the address must start with https://", ErrEndpoint)
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return "", fmt.Errorf("%w: the address must not contain a user name or password", ErrEndpoint)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", fmt.Errorf("%w: the address must not contain a query (?...)", ErrEndpoint)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return "", fmt.Errorf("%w: the address must not contain a fragment (#...)", ErrEndpoint)
	}
	if u.Opaque != "" {
		return "", fmt.Errorf("%w: the address is not a URL", ErrEndpoint)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return "", fmt.Errorf("%w: the address has no host name", ErrEndpoint)
	}
	if strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("%w: the port is empty", ErrEndpoint)
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if port != "" {
		n, ok := parsePort(port)
		if !ok {
			return "", fmt.Errorf("%w: the port must be a number from 1 to 65535", ErrEndpoint)
		}
		if (scheme == "https" && n == 443) || (scheme == "http" && n == 80) {
			port = ""
		} else {
			port = fmt.Sprint(n)
		}
	}

	var hostPart string
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" {
			return "", fmt.Errorf("%w: IPv6 zones are not allowed", ErrEndpoint)
		}
		if !p.AllowPrivate {
			if why := refusedAddr(ip); why != "" {
				return "", fmt.Errorf("%w: %s addresses are not allowed", ErrEndpoint, why)
			}
		}
		host = ip.String()
		hostPart = host
		if ip.Is6() {
			hostPart = "[" + host + "]"
		}
	} else {
		if strings.ContainsAny(u.Host, "[]") {
			return "", fmt.Errorf("%w: the IP address is not valid", ErrEndpoint)
		}
		if !validHostname(host) {
			return "", fmt.Errorf("%w: %q is not a valid host name", ErrEndpoint, host)
		}
		if looksNumeric(host) {
			// Forms like 2130706433 or 0x7f.1 that some resolvers read as IPv4.
			return "", fmt.Errorf("%w: %q is not a valid host name", ErrEndpoint, host)
		}
		hostPart = host
	}
	if !hostAllowed(host, p.Allowed) {
		return "", fmt.Errorf("%w: the host %s is not in the list of allowed OSCAR endpoints", ErrEndpoint, host)
	}

	prefix, err := cleanPrefix(u.EscapedPath())
	if err != nil {
		return "", err
	}
	out := scheme + "://" + hostPart
	if port != "" {
		out += ":" + port
	}
	out += prefix
	// Adding the default scheme can push an address over the limit; check
	// the normalised form so that normalising again gives the same result.
	if len(out) > MaxEndpointLen {
		return "", fmt.Errorf("%w: the address is longer than %d characters", ErrEndpoint, MaxEndpointLen)
	}
	return Endpoint(out), nil
}

// hostAllowed reports whether host matches the operator allowlist; an empty
// list allows every host.
func hostAllowed(host string, allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	host = strings.ToLower(host)
	for _, a := range allowed {
		a = strings.ToLower(strings.TrimSpace(a))
		if suffix, ok := strings.CutPrefix(a, "*."); ok {
			if suffix != "" && strings.HasSuffix(host, "."+suffix) {
				return true
			}
			continue
		}
		if host == strings.Trim(a, "[]") {
			return true
		}
	}
	return false
}

func parsePort(s string) (int, bool) {
	if s == "" || len(s) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1 && n <= 65535
}

// validHostname checks RFC 1123 host name syntax (letters, digits and
// hyphens, labels of 1..63 characters, total at most 253).
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			ok := c == '-' || c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
			if !ok {
				return false
			}
		}
	}
	return true
}

// looksNumeric reports whether the last label of h is all digits or a hex
// number, which no DNS top-level domain is, but which inet_aton-style
// parsers turn into an IPv4 address.
func looksNumeric(h string) bool {
	labels := strings.Split(h, ".")
	last := labels[len(labels)-1]
	if strings.HasPrefix(last, "0x") {
		return true
	}
	for _, c := range last {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cleanPrefix normalises the optional path prefix: no trailing slash, no
// empty, "." or ".." segments, only unreserved characters.
func cleanPrefix(p string) (string, error) {
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "", nil
	}
	for _, seg := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("%w: the path must not contain empty, \".\" or \"..\" parts", ErrEndpoint)
		}
		for _, c := range seg {
			ok := c == '-' || c == '_' || c == '.' || c == '~' ||
				(c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
			if !ok {
				return "", fmt.Errorf("%w: the path may only contain letters, digits, '-', '_', '.' and '~'", ErrEndpoint)
			}
		}
	}
	return p, nil
}

// refusedAddr returns why ip must not be dialled under the strict policy,
// or "" if it is a public address. The refused ranges are those that are not
// globally routable or that reach the console's own host or network: cloud
// metadata at 169.254.169.254 is link-local. IPv4-mapped,
// IPv4-compatible, NAT64 and 6to4 IPv6 addresses are judged by the IPv4
// address they carry.
func refusedAddr(ip netip.Addr) string {
	ip = ip.WithZone("")
	if !ip.IsValid() {
		return "invalid"
	}
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	switch {
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local (cloud metadata)"
	case ip.IsMulticast():
		return "multicast"
	}
	if ip.Is4() {
		b := ip.As4()
		switch {
		case b[0] == 0:
			return "unspecified"
		case b[0] == 100 && b[1]&0xc0 == 64:
			return "carrier-grade NAT"
		case b[0] == 192 && b[1] == 0 && b[2] == 0, b[0] == 198 && b[1]&0xfe == 18, b[0] >= 240:
			return "reserved"
		}
		return ""
	}
	b := ip.As16()
	switch {
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return "site-local"
	case b[0] == 0x01 && isZero(b[1:8]):
		return "discard"
	case isZero(b[:12]):
		// Deprecated IPv4-compatible ::a.b.c.d: never a real OSCAR.
		return "reserved"
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && isZero(b[4:12]):
		// NAT64 64:ff9b::/96.
		return refusedAddr(netip.AddrFrom4([4]byte(b[12:16])))
	case b[0] == 0x20 && b[1] == 0x02:
		// 6to4 2002:aabb:ccdd::/48.
		return refusedAddr(netip.AddrFrom4([4]byte(b[2:6])))
	}
	return ""
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// checkDialAddr is the dial-time check: addr is the "ip:port" the dialer is
// about to connect to, after name resolution.
func checkDialAddr(p Policy, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return &refusedError{addr: addr, why: "unparsable"}
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return &refusedError{addr: addr, why: "unparsable"}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return &refusedError{addr: addr, why: "unparsable"}
	}
	if p.AllowPrivate {
		return nil
	}
	if why := refusedAddr(ip); why != "" {
		return &refusedError{addr: ip.String(), why: why}
	}
	return nil
}

// refusedError is returned from the dialer when the endpoint policy refuses
// the resolved address; it becomes an *Error of Kind Refused.
type refusedError struct {
	addr string
	why  string
}

func (e *refusedError) Error() string {
	return fmt.Sprintf("oscar: refusing to connect to %s address %s", e.why, e.addr)
}

// IsRefusedAddress reports whether err is, or wraps, the dialer's refusal
// of an address under the endpoint policy.
func IsRefusedAddress(err error) bool {
	var r *refusedError
	return errors.As(err, &r)
}
