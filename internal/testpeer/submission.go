package testpeer

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/submission/smtptest"
)

const submissionInstall = "apt-get install dovecot-submissiond dovecot-lmtpd"

// StartDovecotSubmission starts a Dovecot like StartDovecot that also runs
// its SMTP submission service (test-peers.md section 7, setup A2): a client
// logs in with XOAUTH2 or OAUTHBEARER checked against introspectURL, or
// with Password, and Dovecot relays what it accepts to a small SMTP sink in
// this process, which hands it to Dovecot's LMTP socket before answering 250.
// So when a send returns, the message is in the recipient's INBOX, readable
// over IMAP.
//
// Like Dovecot 2.3's real submission-login, it refuses an AUTH line over
// about 1 KB: a real-size token must be sent after the 334 continuation.
func StartDovecotSubmission(t testing.TB, introspectURL string) *Dovecot {
	t.Helper()
	for _, bin := range []string{"/usr/lib/dovecot/submission", "/usr/lib/dovecot/submission-login", "/usr/lib/dovecot/lmtp"} {
		LookPath(t, bin, submissionInstall)
	}
	d := &Dovecot{subAddr: FreeAddr(t), subTLSAddr: FreeAddr(t)}
	// The sink comes first: its port goes into submission_relay_port, and
	// Dovecot connects to it only after a client's AUTH succeeded.
	sink := smtptest.Start(t, smtptest.Options{NoAuth: true, Mechanisms: []string{}, MaxLine: 1 << 20,
		Relay: func(m smtptest.Message) error { return lmtpDeliver(d.dir+"/run/lmtp", m) }})
	d.relayPort = sink.Port()
	return startDovecot(t, introspectURL, d)
}

// SubmissionAddr is the submission listener (port 587's role), which
// offers STARTTLS.
func (d *Dovecot) SubmissionAddr() string { return d.subAddr }

// SubmissionTLSAddr is the implicit TLS submission listener (port 465's role).
func (d *Dovecot) SubmissionTLSAddr() string { return d.subTLSAddr }

// submissionConfig is the part of dovecot.conf that runs submission and
// LMTP, empty when the instance has no submission service.
func (d *Dovecot) submissionConfig(chroot string) string {
	if d.subAddr == "" {
		return ""
	}
	_, port, _ := net.SplitHostPort(d.subAddr)
	_, tlsPort, _ := net.SplitHostPort(d.subTLSAddr)
	return fmt.Sprintf(`
protocols = imap submission lmtp
hostname = localhost
submission_relay_host = 127.0.0.1
submission_relay_port = %d
submission_relay_trusted = no
submission_max_mail_size = 10M
service submission-login {
%s  inet_listener submission {
    address = 127.0.0.1
    port = %s
  }
  inet_listener submissions {
    address = 127.0.0.1
    port = %s
    ssl = yes
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
`, d.relayPort, chroot, port, tlsPort)
}

// lmtpDeliver hands a message to Dovecot's LMTP socket (RFC 2033): LHLO,
// then MAIL, RCPT and DATA, and one reply per recipient after the data.
func lmtpDeliver(socket string, m smtptest.Message) error {
	conn, err := net.DialTimeout("unix", socket, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(conn)
	reply := func() (string, error) {
		var last string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return "", err
			}
			last = strings.TrimRight(line, "\r\n")
			if len(last) < 4 || last[3] != '-' {
				return last, nil
			}
		}
	}
	step := func(cmd, want string) error {
		if cmd != "" {
			if _, err := conn.Write([]byte(cmd + "\r\n")); err != nil {
				return err
			}
		}
		line, err := reply()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, want) {
			return fmt.Errorf("lmtp %q: %s", cmd, line)
		}
		return nil
	}
	if err := step("", "220"); err != nil {
		return err
	}
	if err := step("LHLO localhost", "250"); err != nil {
		return err
	}
	if err := step("MAIL FROM:<"+m.From+">", "250"); err != nil {
		return err
	}
	for _, to := range m.To {
		if err := step("RCPT TO:<"+to+">", "250"); err != nil {
			return err
		}
	}
	if err := step("DATA", "354"); err != nil {
		return err
	}
	var body bytes.Buffer
	for _, line := range strings.SplitAfter(string(m.Data), "\n") {
		if strings.HasPrefix(line, ".") {
			body.WriteByte('.')
		}
		body.WriteString(line)
	}
	body.WriteString(".\r\n")
	if _, err := conn.Write(body.Bytes()); err != nil {
		return err
	}
	for range m.To {
		if err := step("", "250"); err != nil {
			return err
		}
	}
	_ = step("QUIT", "221")
	return nil
}
