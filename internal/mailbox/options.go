package mailbox

import (
	"crypto/x509"
	"time"
)

// DefaultIdleRestart is how often Idle re-issues IDLE. RFC 2177 lets a server
// drop a client idle for 30 minutes; 20 keeps well clear of that and of NAT
// boxes that forget quiet connections.
const DefaultIdleRestart = 20 * time.Minute

// Option tunes Dial.
type Option func(*options)

type options struct {
	rootCAs     *x509.CertPool
	idleRestart time.Duration
	folder      string
	rec         *recorder // only Diagnose records the protocol, and it redacts
}

// WithRootCAs validates the server certificate against pool instead of the
// system roots (a private CA, or a test server's self-signed certificate).
func WithRootCAs(pool *x509.CertPool) Option { return func(o *options) { o.rootCAs = pool } }

// WithIdleRestart sets how often Idle ends and re-issues IDLE.
func WithIdleRestart(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.idleRestart = d
		}
	}
}

// WithFolder names the folder Diagnose selects; Dial ignores it.
func WithFolder(name string) Option { return func(o *options) { o.folder = name } }

func buildOptions(opts []Option) *options {
	o := &options{idleRestart: DefaultIdleRestart}
	for _, opt := range opts {
		opt(o)
	}
	return o
}
