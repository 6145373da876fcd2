package metrics

import (
	"bytes"
	"context"
	"testing"

	"github.com/oauthimap/oauthimap/internal/secret"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// On MySQL the tickets waiting for the search's word index are counted:
// two tickets written by a store whose indexer is not running (it was
// opened without migrating or checking the schema), then none once
// indexed.
func TestSearchIndexBacklog(t *testing.T) {
	dsn := testpeer.MariaDB(t)
	ctx := context.Background()
	keys, err := secret.NewKeyring(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	open := func() *store.Store {
		st, err := store.Open(ctx, store.Options{DSN: dsn, Keyring: keys})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	migrated := open()
	if _, err := migrated.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	migrated.Close()
	st := open()
	for _, title := range []string{"Printer jammed", "VPN down"} {
		if err := st.CreateTicket(ctx, &store.Ticket{Title: title, Content: "<p>help</p>"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	m := New(st)
	want := func(n float64) {
		t.Helper()
		families, err := m.Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "oauthimap_search_index_backlog" {
				if got := f.GetMetric()[0].GetGauge().GetValue(); got != n {
					t.Errorf("backlog %v, want %v", got, n)
				}
				return
			}
		}
		t.Error("no oauthimap_search_index_backlog")
	}
	want(2)
	if n, err := st.IndexQueuedWords(ctx); err != nil || n != 2 {
		t.Fatalf("indexed %d (%v), want 2", n, err)
	}
	want(0)
}
