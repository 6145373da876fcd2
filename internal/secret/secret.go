// Package secret seals values at rest (client secrets, tokens, passwords)
// with XChaCha20-Poly1305, the primitive GLPI uses for its secured fields.
//
// A sealed value reads "v1.<key id>.<base64url(nonce|ciphertext)>". The key
// id (the first 4 bytes of SHA-256 of the key) lets a keyring hold old keys
// beside the current one, so the key can be rotated: values sealed under an
// old key still open, and are re-sealed under the current one when written.
package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// KeySize is the size of a key in bytes.
const KeySize = chacha20poly1305.KeySize

const version = "v1"

var (
	// ErrWrongKey means the value was sealed under a key the keyring lacks.
	ErrWrongKey = errors.New("secret: value was sealed under another key (check OAUTHIMAP_SECRET_KEY)")
	// ErrTampered means the value does not authenticate: it was altered or truncated.
	ErrTampered = errors.New("secret: value is corrupt or was tampered with")
	// ErrFormat means the value is not a sealed value at all.
	ErrFormat = errors.New("secret: not a sealed value")
)

// Keyring seals under its first key and opens under any of them.
type Keyring struct {
	keys []key
}

type key struct {
	id   string
	mac  []byte // HMAC key derived from the key, never the key itself
	aead interface {
		Seal(dst, nonce, plaintext, additionalData []byte) []byte
		Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
		NonceSize() int
	}
}

// NewKeyring builds a keyring; the first key seals, all keys open.
func NewKeyring(current []byte, old ...[]byte) (*Keyring, error) {
	k := &Keyring{}
	for _, raw := range append([][]byte{current}, old...) {
		if len(raw) != KeySize {
			return nil, fmt.Errorf("secret: a key must be %d bytes, got %d", KeySize, len(raw))
		}
		aead, err := chacha20poly1305.NewX(raw)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		sum := sha256.Sum256(raw)
		derive := hmac.New(sha256.New, raw)
		derive.Write([]byte("oauthimap mac key"))
		k.keys = append(k.keys, key{id: hex.EncodeToString(sum[:4]), mac: derive.Sum(nil), aead: aead})
	}
	return k, nil
}

// Seal encrypts plaintext. The empty string stays empty, so "no secret set"
// needs no special column.
func (k *Keyring) Seal(plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	cur := k.keys[0]
	nonce := make([]byte, cur.aead.NonceSize(), cur.aead.NonceSize()+len(plaintext)+16)
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: %w", err)
	}
	out := cur.aead.Seal(nonce, nonce, []byte(plaintext), []byte(version+"."+cur.id))
	return version + "." + cur.id + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal.
func (k *Keyring) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != version {
		return "", ErrFormat
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return "", ErrFormat
	}
	for _, kk := range k.keys {
		if kk.id != parts[1] {
			continue
		}
		ns := kk.aead.NonceSize()
		if len(raw) < ns {
			return "", ErrTampered
		}
		pt, err := kk.aead.Open(nil, raw[:ns], raw[ns:], []byte(version+"."+kk.id))
		if err != nil {
			return "", ErrTampered
		}
		return string(pt), nil
	}
	return "", ErrWrongKey
}

// Sign returns an HMAC-SHA256 of msg for a purpose (so a signature made
// for one use never passes for another), under the current key.
func (k *Keyring) Sign(purpose, msg string) string {
	return base64.RawURLEncoding.EncodeToString(k.keys[0].sign(purpose, msg))
}

// Verify reports whether sig is Sign(purpose, msg) under any key of the
// ring (a rotated-out key still verifies what it signed).
func (k *Keyring) Verify(purpose, msg, sig string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	for _, kk := range k.keys {
		if hmac.Equal(raw, kk.sign(purpose, msg)) {
			return true
		}
	}
	return false
}

func (kk key) sign(purpose, msg string) []byte {
	m := hmac.New(sha256.New, kk.mac)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// NeedsReseal reports whether a sealed value was made under an old key.
func (k *Keyring) NeedsReseal(sealed string) bool {
	parts := strings.SplitN(sealed, ".", 3)
	return sealed != "" && (len(parts) != 3 || parts[1] != k.keys[0].id)
}

// ParseKey accepts a key as base64 (standard or URL, padded or not) or hex.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == KeySize {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == KeySize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("secret: the key must be %d bytes written as base64 or hex", KeySize)
}

// LoadOrCreateKey returns the key written in dir/secret.key, creating it
// with mode 0600 on first start. created tells the caller to say so.
func LoadOrCreateKey(dir string) (k []byte, created bool, err error) {
	path := filepath.Join(dir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("secret: %s: %w", path, err)
		}
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("secret: %w", err)
	}
	k = make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, false, fmt.Errorf("secret: %w", err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, false, fmt.Errorf("secret: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("secret: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("secret: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("secret: %w", err)
	}
	return k, true, nil
}
