package testpeer

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/oauthimap/oauthimap/internal/testpeer/selfsigned"
)

// SelfSigned makes a P-256 certificate for localhost and 127.0.0.1, valid
// for a day, and the pool that trusts it: the test servers' TLS identity.
func SelfSigned(t testing.TB, commonName string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	cert, pool, err := selfsigned.New(commonName)
	if err != nil {
		t.Fatalf("testpeer: %v", err)
	}
	return cert, pool
}
