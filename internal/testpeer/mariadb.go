package testpeer

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// mariadb is one server shared by every test of a package; each test gets
// a database of its own.
type mariadb struct {
	dir, sock string
	port      string
	cmd       *exec.Cmd
	err       error
}

var (
	mariaOnce sync.Once
	maria     *mariadb
	mariaSeq  atomic.Int64
)

// Main runs a package's tests and stops the shared servers afterwards.
// Call it from TestMain: func TestMain(m *testing.M) { testpeer.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if maria != nil && maria.cmd != nil {
		maria.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { maria.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			maria.cmd.Process.Kill()
		}
		os.RemoveAll(maria.dir)
	}
	os.Exit(code)
}

// MariaDB returns the DSN of a fresh, empty database on a MariaDB server
// started for this test process (mariadbd on loopback, data in a temp dir).
// The package must use Main in its TestMain so the server is stopped.
func MariaDB(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat("/usr/sbin/mariadbd"); err != nil {
		Missing(t, "mariadbd", "apt-get install mariadb-server")
	}
	mariaOnce.Do(func() { maria = startMariaDB() })
	if maria.err != nil {
		t.Fatal(maria.err)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), mariaSeq.Add(1))
	if out, err := maria.sql("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; GRANT ALL PRIVILEGES ON " + name + ".* TO 'app'@'127.0.0.1';"); err != nil {
		t.Fatalf("create database: %v\n%s", err, out)
	}
	t.Cleanup(func() { maria.sql("DROP DATABASE " + name) })
	return fmt.Sprintf("app:app-pw@tcp(127.0.0.1:%s)/%s?charset=utf8mb4&parseTime=true&loc=UTC", maria.port, name)
}

// MariaDBCPU is the processor time the MariaDB server of this test
// process has used so far (user and system, from /proc), for a benchmark
// to tell the database server's share of a shared machine.
func MariaDBCPU() (time.Duration, error) {
	if maria == nil || maria.err != nil || maria.cmd == nil || maria.cmd.Process == nil {
		return 0, fmt.Errorf("mariadb: not running")
	}
	f, err := procStat(maria.cmd.Process.Pid)
	if err != nil {
		return 0, err
	}
	return clockTicks(f.utime + f.stime), nil
}

// MariaDBBufferPool sets the InnoDB buffer pool of the test process's
// MariaDB server to bytes (it starts with 64 MiB, enough for the tests'
// small databases) and waits until the server has resized it, for a
// benchmark that times a database as large as a production one, with the
// pool the README asks of production. Call it after MariaDB.
func MariaDBBufferPool(t testing.TB, bytes int64) {
	t.Helper()
	if maria == nil || maria.err != nil {
		t.Fatal("mariadb: not running")
	}
	if out, err := maria.sql(fmt.Sprintf("SET GLOBAL innodb_buffer_pool_size = %d", bytes)); err != nil {
		t.Fatalf("mariadb: resize the buffer pool: %v\n%s", err, out)
	}
	for t0 := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		out, err := maria.sql("SELECT @@innodb_buffer_pool_size; SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'", "-N", "-B")
		if err != nil {
			t.Fatalf("mariadb: buffer pool: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		status := ""
		if len(lines) > 1 {
			status = strings.TrimSpace(strings.TrimPrefix(lines[1], "Innodb_buffer_pool_resize_status"))
		}
		// The size reads as asked at once; the status says when the
		// pages are there ("Completed resizing …", or nothing on a server
		// that never resized).
		if lines[0] == fmt.Sprint(bytes) && (status == "" || strings.HasPrefix(status, "Completed") || strings.Contains(status, "finished")) {
			return
		}
		if time.Since(t0) > time.Minute {
			t.Fatalf("mariadb: the buffer pool is not resized after a minute: %s", out)
		}
	}
}

// sql runs q as root on the server's socket; flags go to the client
// (-N -B: values alone, tab-separated).
func (m *mariadb) sql(q string, flags ...string) ([]byte, error) {
	args := append([]string{"--no-defaults", "-S", m.sock, "-uroot"}, flags...)
	return exec.Command("mariadb", append(args, "-e", q)...).CombinedOutput()
}

func startMariaDB() *mariadb {
	m := &mariadb{}
	dir, err := os.MkdirTemp("", "oauthimap-mariadb-")
	if err != nil {
		m.err = err
		return m
	}
	m.dir = dir
	data := filepath.Join(dir, "data")
	m.sock = filepath.Join(dir, "mysqld.sock")
	// A temporary directory of its own: a server starting deletes every
	// "#sql…" file it finds in its tmpdir, and the servers of test
	// binaries run side by side would share /tmp (a bootstrap failed so,
	// its temporary table deleted under it).
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		m.err = err
		return m
	}
	serverArgs := []string{"--tmpdir=" + tmp}
	if os.Geteuid() == 0 {
		serverArgs = append(serverArgs, "--user=root") // mariadbd refuses to run as root without it
	}
	install := exec.Command("mariadb-install-db", append([]string{"--no-defaults", "--datadir=" + data,
		"--auth-root-authentication-method=normal", "--skip-test-db"}, serverArgs...)...)
	if out, err := install.CombinedOutput(); err != nil {
		m.err = fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
		return m
	}
	// The port is picked just before start. Another process may take it
	// first (test binaries run side by side): mariadbd then exits, and it
	// starts again on another port.
	errLog := filepath.Join(dir, "error.log")
	for try := 1; ; try++ {
		addr := strings.Split(mariaAddr(), ":")
		m.port = addr[len(addr)-1]
		m.cmd = exec.Command("/usr/sbin/mariadbd", append([]string{"--no-defaults", "--datadir=" + data,
			"--socket=" + m.sock, "--pid-file=" + filepath.Join(dir, "mysqld.pid"),
			"--bind-address=127.0.0.1", "--port=" + m.port, "--skip-name-resolve",
			"--skip-log-bin", "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0",
			"--max-connections=500", "--log-error=" + errLog}, serverArgs...)...)
		if err := m.cmd.Start(); err != nil {
			m.err = err
			return m
		}
		taken, err := m.ready(errLog)
		if err == nil {
			return m
		}
		if !taken || try == 3 {
			m.err = err
			return m
		}
		_ = m.cmd.Wait()
		_ = os.Remove(errLog)
	}
}

// mariaAddr picks the server's address (a variable for a test that hands
// a taken one).
var mariaAddr = freeAddr

// ready waits until the server started by startMariaDB answers; taken
// reports that it exited because its port was in use.
func (m *mariadb) ready(errLog string) (taken bool, err error) {
	t0 := time.Now()
	for {
		if _, err := m.sql("CREATE USER IF NOT EXISTS 'app'@'127.0.0.1' IDENTIFIED BY 'app-pw';"); err == nil {
			return false, nil
		}
		b, _ := os.ReadFile(errLog)
		if strings.Contains(string(b), "Address already in use") {
			return true, fmt.Errorf("mariadbd: port %s taken:\n%s", m.port, b)
		}
		if time.Since(t0) > 30*time.Second {
			return false, fmt.Errorf("mariadbd did not come up:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
