package testpeer

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const dovecotInstall = "apt-get install dovecot-core dovecot-imapd"

// Dovecot is a private Dovecot 2.3 on loopback: XOAUTH2 and OAUTHBEARER
// checked by token introspection against a URL the test owns, and PLAIN/LOGIN
// with one static password for any user (Password). Users exist on first
// use; mail lives in Maildirs under a temporary directory.
type Dovecot struct {
	// Password logs any user in with LOGIN or AUTHENTICATE PLAIN.
	Password string

	t       testing.TB
	bin     string
	dir     string
	conf    string
	addr    string // plain, STARTTLS offered
	tlsAddr string // implicit TLS
	pool    *x509.CertPool

	// the submission service, when started by StartDovecotSubmission
	subAddr, subTLSAddr string
	relayPort           int

	mu  sync.Mutex
	cmd *exec.Cmd
}

// StartDovecot starts a Dovecot whose oauth2 passdb POSTs token=... to
// introspectURL (RFC 7662: it wants {"active":true,"username":EMAIL}). It
// stops at t.Cleanup and prints its log when the test failed.
func StartDovecot(t testing.TB, introspectURL string) *Dovecot {
	t.Helper()
	return startDovecot(t, introspectURL, &Dovecot{})
}

func startDovecot(t testing.TB, introspectURL string, d *Dovecot) *Dovecot {
	t.Helper()
	bin := LookPath(t, "dovecot", dovecotInstall)
	LookPath(t, "doveadm", dovecotInstall)
	// Not t.TempDir: when run as root Dovecot's mail processes are "nobody",
	// who must traverse the directory, and TempDir is 0700 under a 0700 parent.
	dir, err := os.MkdirTemp("", "oauthimap-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d.t, d.bin, d.dir, d.conf = t, bin, dir, filepath.Join(dir, "dovecot.conf")
	if d.addr == "" { // (a test may hand a taken one)
		d.addr = FreeAddr(t)
	}
	d.tlsAddr, d.Password = FreeAddr(t), randomHex(12)
	d.pool = writeCert(t, dir)
	if err := d.writeConfig(introspectURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Stop()
		if t.Failed() {
			t.Logf("dovecot log:\n%s", d.Log())
		}
	})
	// A port taken between FreeAddr and Dovecot's listen: new ports, again.
	for try := 1; ; try++ {
		err := d.launch()
		if err == nil {
			return d
		}
		if !errors.Is(err, errPortTaken) || try == 5 {
			t.Fatal(err)
		}
		d.Stop()
		t.Logf("dovecot: a port was taken, starting again on others:\n%s", d.Log())
		d.addr, d.tlsAddr = FreeAddr(t), FreeAddr(t)
		if d.subAddr != "" {
			d.subAddr, d.subTLSAddr = FreeAddr(t), FreeAddr(t)
		}
		_ = os.Remove(filepath.Join(d.dir, "dovecot.log"))
		if err := d.writeConfig(introspectURL); err != nil {
			t.Fatal(err)
		}
	}
}

// Addr is the plain listener, which offers STARTTLS.
func (d *Dovecot) Addr() string { return d.addr }

// TLSAddr is the implicit TLS listener.
func (d *Dovecot) TLSAddr() string { return d.tlsAddr }

// CertPool trusts the server's certificate (issued for 127.0.0.1 and localhost).
func (d *Dovecot) CertPool() *x509.CertPool { return d.pool }

// Conf is the configuration file, for doveadm -c.
func (d *Dovecot) Conf() string { return d.conf }

// Log returns Dovecot's log so far.
func (d *Dovecot) Log() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	return string(b)
}

// Deliver stores raw in user's folder without SMTP (doveadm save), creating
// the user on first use. It takes about 15 ms.
func (d *Dovecot) Deliver(t testing.TB, user, folder string, raw []byte) {
	t.Helper()
	d.doveadm(t, raw, "save", "-u", user, "-m", folder)
}

// CreateFolder creates folder in user's mailbox.
func (d *Dovecot) CreateFolder(t testing.TB, user, folder string) {
	t.Helper()
	d.doveadm(t, nil, "mailbox", "create", "-u", user, folder)
}

func (d *Dovecot) doveadm(t testing.TB, stdin []byte, args ...string) {
	t.Helper()
	cmd := exec.Command("doveadm", append([]string{"-c", d.conf}, args...)...)
	cmd.Stdin = bytes.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("doveadm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Stop ends Dovecot and waits for it, so an outage can be simulated;
// Restart brings it back on the same ports. With a client logged in, a
// SIGTERM to the master alone takes Dovecot 2.3 10 s, so its whole process
// group (its own, see start) is signalled: SIGTERM to every process ends it
// in tens of milliseconds, SIGKILL follows if not.
func (d *Dovecot) Stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cmd == nil {
		return
	}
	pid := d.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(1500 * time.Millisecond):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-done
	}
	// The master is gone; make sure no child still holds a port.
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	d.cmd = nil
}

// Restart stops Dovecot if it runs and starts it again with its mail intact.
func (d *Dovecot) Restart() {
	d.t.Helper()
	d.Stop()
	d.start()
}

func (d *Dovecot) start() {
	d.t.Helper()
	if err := d.launch(); err != nil {
		d.t.Fatal(err)
	}
}

// errPortTaken: a port picked for Dovecot was taken by another process
// before Dovecot listened on it (FreeAddr closes its listener to hand the
// port out, and test binaries run side by side).
var errPortTaken = errors.New("dovecot: a listener's port was taken")

// launch starts the master and waits until every listener answers; it
// returns errPortTaken when Dovecot reports a port already in use (the
// caller stops it).
func (d *Dovecot) launch() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	// -F keeps the master our child, so Stop can Wait on it instead of
	// polling a pid file.
	cmd := exec.Command(d.bin, "-F", "-c", d.conf)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // Stop signals the group
	// Written by exec's copying goroutine while start reads it on failure.
	stderr := &LogBuffer{}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("dovecot: %v", err)
	}
	d.cmd = cmd
	// The plain listener's greeting, not only a connection: another
	// process may listen on a port handed out for Dovecot.
	for !greets(d.addr) || !listening(d.tlsAddr) || d.subAddr != "" && !listening(d.subAddr) {
		if strings.Contains(d.Log(), "Address already in use") {
			return errPortTaken
		}
		if time.Since(t0) > 10*time.Second {
			return fmt.Errorf("dovecot did not start in 10s:\n%s\n%s", stderr.String(), d.Log())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// greets reports whether an IMAP server answers on addr with its greeting.
func greets(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	b := make([]byte, 4)
	_, err = io.ReadFull(c, b)
	return err == nil && string(b) == "* OK"
}

func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// writeConfig writes a standalone configuration that includes nothing from
// /etc/dovecot and listens on loopback only.
func (d *Dovecot) writeConfig(introspectURL string) error {
	mail := filepath.Join(d.dir, "mail")
	if err := os.Mkdir(mail, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err // (it exists when the configuration is written again)
	}
	mailUser, mailGroup, rootless := "nobody", "nogroup", ""
	chroot := ""
	if os.Geteuid() == 0 {
		if err := os.Chown(mail, 65534, 65534); err != nil {
			return err
		}
	} else {
		// Unprivileged: every process runs as us, and chroot needs root.
		u, err := user.Current()
		if err != nil {
			return err
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			return err
		}
		mailUser, mailGroup = u.Username, g.Name
		rootless = fmt.Sprintf("default_login_user = %[1]s\ndefault_internal_user = %[1]s\ndefault_internal_group = %[2]s\n", u.Username, g.Name)
		chroot = "  chroot =\n"
	}
	_, port, _ := net.SplitHostPort(d.addr)
	_, tlsPort, _ := net.SplitHostPort(d.tlsAddr)
	conf := fmt.Sprintf(`# oauthimap test instance; standalone.
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = oauthimap-test-%[8]s
log_path = %[1]s/dovecot.log
auth_verbose = yes
# no 2 s delay after a failed login, it would slow every negative test
auth_failure_delay = 0
%[6]s
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
disable_plaintext_auth = no
auth_mechanisms = xoauth2 oauthbearer plain login

passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = %[1]s/oauth2.conf.ext
}
passdb {
  driver = static
  mechanisms = plain login
  args = password=%[9]s
}
userdb {
  driver = static
  args = uid=%[4]s gid=%[5]s home=%[1]s/mail/%%u allow_all_users=yes
}
mail_location = maildir:~/Maildir
# a test mailbox needs no durability; fsync per message made bulk APPEND ~20 ms each
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
%[7]s  inet_listener imap {
    address = 127.0.0.1
    port = %[2]s
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[3]s
    ssl = yes
  }
}
# no per-IP penalty for failed logins (it would delay later tests up to 15 s)
service anvil {
%[7]s  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`, d.dir, port, tlsPort, mailUser, mailGroup, rootless, chroot, filepath.Base(d.dir), d.Password)
	if sub := d.submissionConfig(chroot); sub != "" {
		conf = sub + conf
	} else {
		conf = "protocols = imap\n" + conf
	}
	if err := os.WriteFile(d.conf, []byte(conf), 0o644); err != nil {
		return err
	}
	ext := "introspection_mode = post\nintrospection_url = " + introspectURL +
		"\nusername_attribute = username\nactive_attribute = active\nactive_value = true\ntimeout_msecs = 5000\n"
	return os.WriteFile(filepath.Join(d.dir, "oauth2.conf.ext"), []byte(ext), 0o644)
}

// writeCert makes a self-signed certificate (SelfSigned), writes it for
// Dovecot and returns the pool that trusts it.
func writeCert(t testing.TB, dir string) *x509.CertPool {
	t.Helper()
	cert, pool := SelfSigned(t, "oauthimap test dovecot")
	kb, err := x509.MarshalECPrivateKey(cert.PrivateKey.(*ecdsa.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return pool
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Introspector is a minimal RFC 7662 token introspection endpoint for tests
// that do not run a whole fake identity provider: a token maps to an e-mail.
type Introspector struct {
	srv    *httptest.Server
	mu     sync.Mutex
	tokens map[string]string
}

// NewIntrospector serves on 127.0.0.1 until t ends.
func NewIntrospector(t testing.TB) *Introspector {
	in := &Introspector{tokens: map[string]string{}}
	in.srv = httptest.NewServer(in)
	t.Cleanup(in.srv.Close)
	return in
}

// URL is the endpoint to give StartDovecot.
func (in *Introspector) URL() string { return in.srv.URL + "/introspect" }

// Add makes token active for email.
func (in *Introspector) Add(token, email string) {
	in.mu.Lock()
	in.tokens[token] = email
	in.mu.Unlock()
}

// Revoke makes token inactive.
func (in *Introspector) Revoke(token string) {
	in.mu.Lock()
	delete(in.tokens, token)
	in.mu.Unlock()
}

func (in *Introspector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm() // Dovecot's introspection_mode = post sends token=...
	in.mu.Lock()
	email, ok := in.tokens[r.PostForm.Get("token")]
	in.mu.Unlock()
	resp := map[string]any{"active": false}
	if ok {
		resp = map[string]any{"active": true, "username": email, "email": email}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

// CPU is the processor time Dovecot has used since it started: user and
// system time of every process of its process group, plus the children
// its master reaped (an IMAP process ends with its session). It reads
// /proc, so it fails where there is none. A benchmark takes it before and
// after a run to tell the server's share of a shared machine.
func (d *Dovecot) CPU() (time.Duration, error) {
	d.mu.Lock()
	var master int
	if d.cmd != nil {
		master = d.cmd.Process.Pid
	}
	d.mu.Unlock()
	if master == 0 {
		return 0, fmt.Errorf("dovecot: not running")
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var ticks int64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := procStat(pid)
		if err != nil || f.pgrp != master {
			continue // gone since the listing, or not Dovecot's
		}
		ticks += f.utime + f.stime
		if pid == master {
			ticks += f.cutime + f.cstime
		}
	}
	return clockTicks(ticks), nil
}

// clockTicks is the time of n clock ticks of /proc/PID/stat: USER_HZ is
// 100 on every Linux this runs on (sysconf(_SC_CLK_TCK)).
func clockTicks(n int64) time.Duration { return time.Duration(n) * 10 * time.Millisecond }

// MachineCPU is the processor time every core of the machine has spent
// busy so far (user, nice, system, interrupts and steal of /proc/stat's
// "cpu" line; not idle, nor waiting for the disk): a benchmark takes it
// before and after a run to tell how much of the cores were in use, the
// kernel's own threads (the file system's journal, a loop device) and
// other processes included.
func MachineCPU() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected first line %q", line)
	}
	var ticks int64
	// user nice system idle iowait irq softirq steal: all but idle, iowait.
	for i, v := range f[1:9] {
		if i == 3 || i == 4 {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		ticks += n
	}
	return clockTicks(ticks), nil
}

// procStatFields are the fields of /proc/PID/stat that CPU reads.
type procStatFields struct {
	pgrp                         int
	utime, stime, cutime, cstime int64
}

// procStat reads /proc/pid/stat (proc(5)): the command name, in
// parentheses, may hold spaces, so the fields are counted after its
// closing parenthesis.
func procStat(pid int) (procStatFields, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStatFields{}, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStatFields{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	// Fields from the state on (field 3 of proc(5)): state ppid pgrp ...
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 15 {
		return procStatFields{}, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	num := func(k int) int64 { n, _ := strconv.ParseInt(f[k-3], 10, 64); return n }
	return procStatFields{pgrp: int(num(5)), utime: num(14), stime: num(15), cutime: num(16), cstime: num(17)}, nil
}
