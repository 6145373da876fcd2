package helpdesk

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

func TestMain(m *testing.M) { testpeer.Main(m) }

// desk is a service on a fresh database and document store.
type desk struct {
	t    testing.TB
	st   *store.Store
	docs *docstore.Store
	svc  *Service
	now  time.Time
}

func openDesk(t testing.TB, d store.Dialect) *desk {
	t.Helper()
	ctx := context.Background()
	keys, err := secret.NewKeyring(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	o := store.Options{Keyring: keys}
	if d == store.SQLite {
		o.SQLitePath = filepath.Join(t.TempDir(), "h.db")
	} else {
		o.DSN = testpeer.MariaDB(t)
	}
	st, err := store.Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	docs, err := docstore.New(filepath.Join(t.TempDir(), "docs"))
	if err != nil {
		t.Fatal(err)
	}
	return &desk{t: t, st: st, docs: docs, svc: New(st, docs), now: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)}
}

func forEachDialect(t *testing.T, fn func(t *testing.T, d *desk)) {
	for _, dia := range []store.Dialect{store.SQLite, store.MySQL} {
		t.Run(string(dia), func(t *testing.T) { fn(t, openDesk(t, dia)) })
	}
}

// receiver adds a receiver row; the receivers code owns the real API, so
// the fixture writes SQL through the test hook.
func (d *desk) receiver(name, login string, createContacts bool) *store.Receiver {
	d.t.Helper()
	db, err := d.st.SQLDB()
	if err != nil {
		d.t.Fatal(err)
	}
	now := d.st.Now()
	res, err := db.Exec(`INSERT INTO receivers (name, login, create_user_from_email, add_cc_to_observer, add_to_to_observer, filesize_max, password, last_error, comment, created_at, updated_at)
		VALUES (?, ?, ?, 1, 1, 2097152, '', '', '', ?, ?)`, name, login, createContacts, now, now)
	if err != nil {
		d.t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return &store.Receiver{ID: id, Name: name, Login: login, CreateUserFromEmail: createContacts, AddCcToObserver: true,
		AddToToObserver: true, FilesizeMax: 2097152, RequesterField: "from"}
}

// deliver decides raw with the receiver's settings and saves it, in one
// transaction as the collector does.
func (d *desk) deliver(r *store.Receiver, raw []byte) (*ingest.Decision, Saved) {
	d.t.Helper()
	ctx := context.Background()
	set, err := d.svc.Settings(ctx, r)
	if err != nil {
		d.t.Fatal(err)
	}
	var rid int64
	if r != nil {
		rid = r.ID
	}
	var dec *ingest.Decision
	var saved Saved
	err = d.st.InTx(ctx, func(tx *store.Store) error {
		var err error
		if dec, err = ingest.Decide(ctx, raw, set, Knowledge(tx), d.now); err != nil {
			return err
		}
		saved, err = d.svc.Save(ctx, tx, rid, raw, dec)
		return err
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return dec, saved
}

// mail builds a small e-mail; extra lines are added to the header.
func mail(from, to, subject, msgID, body string, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: Tue, 03 Mar 2026 09:15:00 +0100\r\nMessage-ID: <%s>\r\n", from, to, subject, msgID)
	for _, e := range extra {
		b.WriteString(e + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	return []byte(b.String())
}
