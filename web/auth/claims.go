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
	h, p, err := ClaimsJSON(jwt)
	if err != nil {
		return nil, nil, err
	}
	if header, err = decodeObject(h); err != nil {
		return nil, nil, fmt.Errorf("auth: claims: header: %w", err)
	}
	if payload, err = decodeObject(p); err != nil {
		return nil, nil, fmt.Errorf("auth: claims: payload: %w", err)
	}
	return header, payload, nil
}

// ClaimsJSON returns a JWT's header and payload as the JSON objects they
// hold, byte for byte, WITHOUT verifying anything (see Claims): for showing
// them as the token has them, without decoding them into values first.
func ClaimsJSON(jwt string) (header, payload []byte, err error) {
	parts := strings.Split(strings.TrimSpace(jwt), ".")
	if len(parts) != 3 {
		return nil, nil, errors.New("auth: claims: not a JWT (want 3 dot-separated parts)")
	}
	if header, err = segmentObject(parts[0]); err != nil {
		return nil, nil, fmt.Errorf("auth: claims: header: %w", err)
	}
	if payload, err = segmentObject(parts[1]); err != nil {
		return nil, nil, fmt.Errorf("auth: claims: payload: %w", err)
	}
	return header, payload, nil
}

// segmentObject decodes one base64url segment and checks that it is one
// JSON object and nothing more.
func segmentObject(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	if !json.Valid(b) {
		return nil, errors.New("json: not one valid JSON value")
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, errors.New("json: not an object")
	}
	return b, nil
}

func decodeObject(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("json: %w", err)
	}
	return m, nil
}
