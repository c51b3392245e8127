package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Claims decodes a JWT's header and payload WITHOUT verifying anything. It
// is for displaying a token the console already trusts (the token page);
// never base a decision on its result. Numbers are kept as json.Number so
// exp and iat print as integers.
func Claims(jwt string) (header, payload map[string]any, err error) {
	parts := strings.Split(strings.TrimSpace(jwt), ".")
	if len(parts) != 3 {
		return nil, nil, errors.New("auth: claims: not a JWT (want 3 dot-separated parts)")
	}
	if header, err = decodeSegment(parts[0]); err != nil {
		return nil, nil, fmt.Errorf("auth: claims: header: %w", err)
	}
	if payload, err = decodeSegment(parts[1]); err != nil {
		return nil, nil, fmt.Errorf("auth: claims: payload: %w", err)
	}
	return header, payload, nil
}

func decodeSegment(s string) (map[string]any, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	if m == nil {
		return nil, errors.New("json: not an object")
	}
	if dec.More() {
		return nil, errors.New("json: trailing data")
	}
	return m, nil
}
