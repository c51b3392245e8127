package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

const (
	// MinKeyLen is the shortest session key accepted (256 bits).
	MinKeyLen = 32
	// sealVersion is the first byte of every stored value, so the format can change later.
	sealVersion = 1
	// hkdfInfo separates the encryption key from any other use of the console's session key.
	hkdfInfo = "oscar-console session store v1 aes-256-gcm"
)

var errOpen = errors.New("session: stored value failed authentication")

// sealer encrypts stored sessions with AES-256-GCM. The first key encrypts; every key is tried when
// decrypting, so a key can be rotated by putting the new one first and keeping the old one second until
// the longest session lifetime has passed.
type sealer struct {
	aeads []cipher.AEAD
}

func newSealer(keys [][]byte) (*sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("session: no session key")
	}
	s := &sealer{}
	for i, k := range keys {
		if len(k) < MinKeyLen {
			return nil, fmt.Errorf("session: session key %d is %d bytes, want at least %d", i+1, len(k), MinKeyLen)
		}
		// Derive the AES key rather than use the configured secret directly: the secret may be longer
		// than 32 bytes, and the derived key is useless for anything but this store.
		dk, err := hkdf.Key(sha256.New, k, nil, hkdfInfo, 32)
		if err != nil {
			return nil, fmt.Errorf("session: derive key: %w", err)
		}
		block, err := aes.NewCipher(dk)
		if err != nil {
			return nil, fmt.Errorf("session: cipher: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("session: cipher: %w", err)
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// overhead is the number of bytes seal adds to the plaintext.
func (s *sealer) overhead() int {
	a := s.aeads[0]
	return 1 + a.NonceSize() + a.Overhead()
}

// seal encrypts plain for storage under key. The key is the additional data, so a value copied to
// another session's key does not decrypt.
func (s *sealer) seal(key string, plain []byte) []byte {
	a := s.aeads[0]
	out := make([]byte, 1+a.NonceSize(), s.overhead()+len(plain))
	out[0] = sealVersion
	rand.Read(out[1:]) // crypto/rand.Read never fails (Go 1.24+)
	return a.Seal(out, out[1:1+a.NonceSize()], plain, []byte(key))
}

// open decrypts a value written by seal under key with any of the keys.
func (s *sealer) open(key string, blob []byte) ([]byte, error) {
	plain, _, err := s.openIndex(key, blob)
	return plain, err
}

// openIndex is open that also tells which key opened the value (0 is the primary key), so that a
// value sealed with an older key can be rewritten under the primary one.
func (s *sealer) openIndex(key string, blob []byte) ([]byte, int, error) {
	if len(blob) < 1 || blob[0] != sealVersion {
		return nil, -1, errOpen
	}
	for i, a := range s.aeads {
		ns := a.NonceSize()
		if len(blob) < 1+ns+a.Overhead() {
			continue
		}
		if plain, err := a.Open(nil, blob[1:1+ns], blob[1+ns:], []byte(key)); err == nil {
			return plain, i, nil
		}
	}
	return nil, -1, errOpen
}
