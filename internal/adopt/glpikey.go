package adopt

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/chacha20poly1305"
)

// GLPIKey is the key of a GLPI installation (config/glpicrypt.key): it
// opens the values GLPI encrypts, sodium's XChaCha20-Poly1305-IETF with a
// random 24-byte nonce that is also the additional data, stored as
// base64(nonce || ciphertext).
type GLPIKey struct {
	key []byte
}

// ErrGLPIDecrypt means a value does not open with the key: the wrong key,
// or a damaged value.
var ErrGLPIDecrypt = errors.New("does not decrypt with this glpicrypt.key")

// ReadGLPIKey reads glpicrypt.key: the 32 raw bytes GLPI writes (a
// base64 copy of them is accepted too).
func ReadGLPIKey(path string) (*GLPIKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("GLPI key: %w", err)
	}
	return ParseGLPIKey(b)
}

// ParseGLPIKey checks a key's bytes.
func ParseGLPIKey(b []byte) (*GLPIKey, error) {
	if len(b) != chacha20poly1305.KeySize {
		t := bytes.TrimSpace(b)
		d, err := base64.StdEncoding.DecodeString(string(t))
		if err != nil || len(d) != chacha20poly1305.KeySize {
			return nil, fmt.Errorf("GLPI key: %d bytes, want the %d of a glpicrypt.key", len(b), chacha20poly1305.KeySize)
		}
		b = d
	}
	return &GLPIKey{key: bytes.Clone(b)}, nil
}

// Decrypt opens a value GLPI encrypted; "" stays "".
func (k *GLPIKey) Decrypt(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(raw) < chacha20poly1305.NonceSizeX+chacha20poly1305.Overhead {
		return "", ErrGLPIDecrypt
	}
	aead, err := chacha20poly1305.NewX(k.key)
	if err != nil {
		return "", err
	}
	nonce := raw[:chacha20poly1305.NonceSizeX]
	plain, err := aead.Open(nil, nonce, raw[chacha20poly1305.NonceSizeX:], nonce)
	if err != nil {
		return "", ErrGLPIDecrypt
	}
	return string(plain), nil
}
