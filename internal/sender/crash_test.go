package sender

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission/smtptest"
)

// childEnv, when set to a SQLite path, makes the test binary run a sender
// pool on it until killed, instead of the tests.
const childEnv = "OAUTHIMAP_SENDER_CHILD"

func crashChild() {
	k, _ := secret.NewKeyring(bytes.Repeat([]byte{9}, secret.KeySize))
	st, err := store.Open(context.Background(), store.Options{SQLitePath: os.Getenv(childEnv), Keyring: k})
	if err != nil {
		os.Exit(2)
	}
	p := New(Options{Store: st, Workers: 1, Batch: 20, Tick: 20 * time.Millisecond, LeaseTTL: time.Second,
		SendTimeout: 400 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	fmt.Println("ready")
	p.Run(context.Background())
	os.Exit(0)
}

// TestSIGKILLWhileSending kills a sending process eight times at random
// points while 300 mails go out, then lets the rest go: no mail may be
// lost, and a mail sent twice can only be the one in flight at a kill (the
// window of doc.go), so there are at most as many duplicates as kills. The
// count is logged.
func TestSIGKILLWhileSending(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes for a few seconds")
	}
	const n, kills = 300, 8
	path := filepath.Join(t.TempDir(), "crash.db")
	k, _ := secret.NewKeyring(bytes.Repeat([]byte{9}, secret.KeySize))
	st, err := store.Open(context.Background(), store.Options{SQLitePath: path, Keyring: k})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := smtpServer(t, smtptest.Options{})
	rid := receiverSending(t, st, addr(srv))
	ids := queue(t, st, rid, n, "bob@example.com")
	for i := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(out).ReadString('\n'); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
		time.Sleep(time.Duration(20+rand.IntN(120)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
	before := len(srv.Messages())
	// The killed processes' leases expire; this process sends the rest.
	time.Sleep(1100 * time.Millisecond)
	p := New(Options{Store: st, Workers: 1, Instance: "survivor", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	drain(t, p)
	got := messageIDs(srv)
	dups := 0
	for _, id := range ids {
		switch c := got[id]; {
		case c == 0:
			t.Errorf("%s was never delivered", id)
		case c > 1:
			dups += c - 1
		}
	}
	if counts, _ := st.OutboxCounts(context.Background()); counts[store.OutboxSent] != n {
		t.Errorf("outbox: %v, want all %d sent", counts, n)
	}
	t.Logf("%d kills; %d of %d mails delivered before the survivor; %d duplicates (the window: sent, not yet recorded)", kills, before, n, dups)
	if dups > kills {
		t.Errorf("%d duplicates for %d kills: more than the mail in flight at each kill", dups, kills)
	}
}
