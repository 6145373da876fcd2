package secret

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ring(t *testing.T, b byte, old ...[]byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(bytes.Repeat([]byte{b}, KeySize), old...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTrip(t *testing.T) {
	k := ring(t, 1)
	for _, pt := range []string{"client-secret~value", "ü€😀", strings.Repeat("x", 10000)} {
		s, err := k.Seal(pt)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(s, pt) {
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := k.Open(s)
		if err != nil || got != pt {
			t.Fatalf("got %q, %v, want %q", got, err, pt)
		}
		s2, _ := k.Seal(pt)
		if s2 == s {
			t.Fatal("two seals of one value must differ (random nonce)")
		}
	}
	if s, _ := k.Seal(""); s != "" {
		t.Fatalf("empty must stay empty, got %q", s)
	}
}

func TestWrongKeyAndTamper(t *testing.T) {
	k := ring(t, 1)
	s, _ := k.Seal("refresh-token")
	if _, err := ring(t, 2).Open(s); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("got %v, want ErrWrongKey", err)
	}
	// flip one byte of the ciphertext
	b := []byte(s)
	i := len(b) - 5
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	if _, err := k.Open(string(b)); !errors.Is(err, ErrTampered) {
		t.Fatalf("got %v, want ErrTampered", err)
	}
	// a sealed value whose key id is rewritten to pretend to be another key's
	other := ring(t, 2)
	forged := strings.Replace(s, k.keys[0].id, other.keys[0].id, 1)
	if _, err := other.Open(forged); !errors.Is(err, ErrTampered) {
		t.Fatalf("got %v, want ErrTampered", err)
	}
	for _, bad := range []string{"plain text", "v1.abcd", "v2.x.y", "v1.abcd.!!!"} {
		if _, err := k.Open(bad); !errors.Is(err, ErrFormat) {
			t.Errorf("Open(%q) got %v, want ErrFormat", bad, err)
		}
	}
}

func TestRotation(t *testing.T) {
	oldKey := bytes.Repeat([]byte{7}, KeySize)
	old := ring(t, 7)
	s, _ := old.Seal("password")
	k := ring(t, 9, oldKey)
	got, err := k.Open(s)
	if err != nil || got != "password" {
		t.Fatalf("got %q %v", got, err)
	}
	if !k.NeedsReseal(s) {
		t.Fatal("a value under the old key needs resealing")
	}
	s2, _ := k.Seal("password")
	if k.NeedsReseal(s2) {
		t.Fatal("a value under the current key needs no resealing")
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, created, err := LoadOrCreateKey(dir)
	if err != nil || !created || len(k1) != KeySize {
		t.Fatalf("got %d bytes created=%v err=%v", len(k1), created, err)
	}
	st, _ := os.Stat(filepath.Join(dir, "secret.key"))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("got mode %v, want 0600", st.Mode().Perm())
	}
	k2, created, err := LoadOrCreateKey(dir)
	if err != nil || created || !bytes.Equal(k1, k2) {
		t.Fatalf("second load: created=%v err=%v same=%v", created, err, bytes.Equal(k1, k2))
	}
	if _, err := ParseKey("too-short"); err == nil {
		t.Fatal("a short key must be refused")
	}
}

func TestSignVerify(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, KeySize), bytes.Repeat([]byte{2}, KeySize)
	old, _ := NewKeyring(oldKey)
	rotated, _ := NewKeyring(newKey, oldKey)
	other, _ := NewKeyring(bytes.Repeat([]byte{3}, KeySize))
	sig := old.Sign("form", "hello")
	switch {
	case !old.Verify("form", "hello", sig):
		t.Fatal("a signature does not verify under its own key")
	case !rotated.Verify("form", "hello", sig):
		t.Fatal("a signature by a rotated-out key does not verify")
	case old.Verify("form", "hellO", sig), old.Verify("other purpose", "hello", sig), other.Verify("form", "hello", sig):
		t.Fatal("a signature verifies for another message, purpose or key")
	case old.Verify("form", "hello", sig+"A"), old.Verify("form", "hello", ""):
		t.Fatal("a damaged signature verifies")
	}
	if strings.Contains(sig, base64.RawURLEncoding.EncodeToString(oldKey)[:8]) {
		t.Fatal("the signature shows the key")
	}
}
