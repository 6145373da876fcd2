package mailbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// Report is the outcome of Diagnose: what was tried, what the wire carried
// (credentials redacted), and, on failure, what it means and what to do.
type Report struct {
	OK          bool
	Steps       []Step
	Transcript  []Line
	Class       ErrorClass
	Explanation string
	Remedy      string
}

// Step is one phase of the connection.
type Step struct {
	Name     string // connect, tls, greeting, capabilities, authenticate, select, logout
	OK       bool
	Detail   string
	Duration time.Duration
}

// Diagnose performs a real connection the way a collect would: connect, TLS,
// greeting, CAPABILITY, authentication, SELECT of the folder (WithFolder, or
// INBOX), LOGOUT. Each phase is bounded by cfg.Timeout. It never returns an
// error: a failure is part of the Report.
func Diagnose(ctx context.Context, cfg Config, opts ...Option) Report {
	rec := newRecorder()
	o := buildOptions(opts)
	o.rec = rec
	var r Report
	fail := func(name string, d time.Duration, err error) Report {
		r.Steps = append(r.Steps, Step{Name: name, Detail: err.Error(), Duration: d})
		r.Transcript = rec.Lines()
		r.Class = Classify(err)
		r.Explanation = fmt.Sprintf("The %s step failed: %v", name, err)
		r.Remedy = Remedy(r.Class)
		return r
	}
	if err := cfg.Validate(); err != nil {
		return fail("configuration", 0, err)
	}

	cctx, cancel := context.WithTimeout(ctx, cfg.timeout())
	defer cancel()
	s, err := connect(cctx, cfg, o)
	if err != nil {
		return failConnect(&r, cfg, s.marks, err, fail)
	}
	r.connectSteps(cfg, o, s, rec.Lines())

	step := func(name string, f func(context.Context) (string, error)) bool {
		sctx, cancel := context.WithTimeout(ctx, cfg.timeout())
		defer cancel()
		defer s.guard(sctx)()
		t := time.Now()
		detail, err := f(sctx)
		if err != nil {
			s.c.Close()
			fail(name, time.Since(t), s.wrap(sctx, name, err))
			return false
		}
		r.Steps = append(r.Steps, Step{Name: name, OK: true, Detail: detail, Duration: time.Since(t)})
		return true
	}
	ok := step("capabilities", func(context.Context) (string, error) {
		caps, err := s.c.Capability().Wait()
		if err != nil {
			return "", err
		}
		return capList(caps), nil
	}) && step("authenticate", func(ctx context.Context) (string, error) {
		if err := s.authenticate(ctx); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s as %s accepted", cfg.Auth.Mechanism, cfg.Auth.User), nil
	}) && step("select", func(ctx context.Context) (string, error) {
		mb, err := s.Select(ctx, o.folder)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s: %d messages, UIDVALIDITY %d, UIDNEXT %d", mb.Name, mb.Messages, mb.UIDValidity, mb.UIDNext), nil
	}) && step("logout", func(context.Context) (string, error) {
		return "", s.c.Logout().Wait()
	})
	s.c.Close()
	if !ok {
		return r
	}
	r.OK = true
	r.Transcript = rec.Lines()
	r.Explanation = "The connection, the login and the folder all work."
	return r
}

// failConnect reports which of connect, tls and greeting failed, from the
// phases connect got through.
func failConnect(r *Report, cfg Config, m marks, err error, fail func(string, time.Duration, error) Report) Report {
	t0 := m.start
	switch {
	case m.dialed.IsZero():
		return fail("connect", time.Since(t0), err)
	case cfg.Security != SecurityNone && m.tls.IsZero():
		r.Steps = append(r.Steps, Step{Name: "connect", OK: true, Detail: "TCP connection to " + cfg.Addr(), Duration: m.dialed.Sub(t0)})
		return fail("tls", time.Since(m.dialed), err)
	default:
		r.Steps = append(r.Steps, Step{Name: "connect", OK: true, Detail: "TCP connection to " + cfg.Addr(), Duration: m.dialed.Sub(t0)})
		return fail("greeting", time.Since(m.dialed), err)
	}
}

// connectSteps turns the phases of a successful connect into steps.
func (r *Report) connectSteps(cfg Config, o *options, s *Session, wire []Line) {
	m := s.marks
	r.Steps = append(r.Steps, Step{Name: "connect", OK: true, Detail: "TCP connection to " + cfg.Addr(), Duration: m.dialed.Sub(m.start)})
	greetingFrom := m.dialed
	if cfg.Security != SecurityNone {
		from := m.dialed
		if cfg.Security == SecuritySTARTTLS {
			from = m.greeted // STARTTLS runs after the greeting
		}
		cs, _ := s.TLS()
		r.Steps = append(r.Steps, Step{Name: "tls", OK: true, Detail: tlsDetail(cfg, o, cs), Duration: m.tls.Sub(from)})
		if cfg.Security == SecuritySSL {
			greetingFrom = m.tls
		}
	}
	greeting := "server ready"
	for _, l := range wire {
		if l.Dir == DirReceived {
			greeting = l.Text
			break
		}
	}
	r.Steps = append(r.Steps, Step{Name: "greeting", OK: true, Detail: greeting, Duration: m.greeted.Sub(greetingFrom)})
}

// tlsDetail describes the handshake and whether the certificate is trusted,
// checked even when validation is off, so the report can say what turning
// validation on would do.
func tlsDetail(cfg Config, o *options, cs tls.ConnectionState) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
	if len(cs.PeerCertificates) == 0 {
		return b.String()
	}
	leaf := cs.PeerCertificates[0]
	fmt.Fprintf(&b, "; certificate %q issued by %q, valid until %s", leaf.Subject.String(), leaf.Issuer.String(), leaf.NotAfter.UTC().Format(time.DateOnly))
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, verr := leaf.Verify(x509.VerifyOptions{DNSName: cfg.Host, Roots: o.rootCAs, Intermediates: inter})
	switch {
	case verr == nil:
		b.WriteString("; certificate trusted")
	case cfg.ValidateCert:
		fmt.Fprintf(&b, "; certificate NOT trusted: %v", verr)
	default:
		fmt.Fprintf(&b, "; certificate NOT trusted (%v), accepted only because validation is off", verr)
	}
	return b.String()
}
