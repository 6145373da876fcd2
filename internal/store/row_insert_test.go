package store

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"
)

// TestTicketInsertWritesWhatCreateWrites: a ticket inserted by
// CreateTicket's own INSERT is the same row, column by column, as the
// same ticket written by GORM's Create (nulls, pointers, times, the
// search text), and is found by the search index.
func TestTicketInsertWritesWhatCreateWrites(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := Category{Name: "Printers"}
		if err := s.db.Create(&cat).Error; err != nil {
			t.Fatal(err)
		}
		solved := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
		opened := solved.Add(-time.Hour)
		// Every value CreateTicket would default is given, so that Create
		// writes the same ticket.
		for _, tk := range []Ticket{
			{Title: "Kookaburra printer", Content: "<p>Toner &amp; paper</p>", RequesterEmail: "a@example.com", RequesterName: "Ann",
				MessageID: "k1@example.com", ContentSHA256: "c1", RawSHA256: "r1", DecisionReason: "new mail",
				CategoryID: &cat.ID, SolvedAt: &solved, Status: StatusSolved, Urgency: 4, Impact: 2, Priority: 3, Type: TypeRequest,
				RequestSource: SourceEmail, OpenedAt: opened},
			{Title: "Bare minimum", Status: StatusNew, Urgency: 3, Impact: 3, Priority: 3, Type: TypeIncident, RequestSource: SourceEmail, OpenedAt: opened},
		} {
			byInsert, byCreate := tk, tk
			if err := s.CreateTicket(ctx, &byInsert, nil); err != nil {
				t.Fatal(err)
			}
			byCreate.UpdatedAt = byInsert.UpdatedAt
			if err := s.db.Create(&byCreate).Error; err != nil {
				t.Fatal(err)
			}
			if byInsert.ID == 0 || byCreate.ID <= byInsert.ID {
				t.Fatalf("IDs: inserted %d, created %d", byInsert.ID, byCreate.ID)
			}
			got, want := tableRow(t, s, "tickets", byInsert.ID), tableRow(t, s, "tickets", byCreate.ID)
			if len(got) < 20 {
				t.Fatalf("read %d columns, want every column of tickets", len(got))
			}
			for col, w := range want {
				if col == "id" {
					continue
				}
				if g := got[col]; g != w {
					t.Errorf("%s: inserted %q, created %q", col, g, w)
				}
			}
			if got := searchTitles(t, s, tk.Title); len(got) != 2 {
				t.Errorf("search %q: found %q, want both", tk.Title, got)
			}
		}
	})
}

// tableRow reads every column of a table's row, as text.
func tableRow(t *testing.T, s *Store, table string, id int64) map[string]string {
	t.Helper()
	rows, err := s.db.Raw("SELECT * FROM "+table+" WHERE id = ?", id).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("%s %d: no row", table, id)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for i, c := range cols {
		switch v := vals[i].(type) {
		case nil:
			out[c] = "NULL"
		case []byte:
			out[c] = string(v)
		case time.Time:
			out[c] = v.UTC().Format(time.RFC3339Nano)
		default:
			out[c] = fmt.Sprint(v)
		}
	}
	return out
}

// TestLedgerEntriesWriteWhatCreateWrites: a ledger row written by
// AddLedgerEntries (the INSERT written at Open) is the row GORM's Create
// writes, column by column, one with every pointer set and one with none.
func TestLedgerEntriesWriteWhatCreateWrites(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := addCollectReceiver(t, s, "ledger rows", nil)
		tk := Ticket{Title: "Ledger's ticket"}
		if err := s.CreateTicket(ctx, &tk, nil); err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 11, 30, 6, 30, 0, 123456000, time.UTC)
		full := LedgerEntry{ReceiverID: r.ID, UIDValidity: 7, MessageID: "m@x", ContentHash: "abc", Decision: DecisionTicket,
			Reason: "a reason", TicketID: &tk.ID, ActionDone: true, RefileFrom: "Refused", CreatedAt: at}
		bare := LedgerEntry{ReceiverID: r.ID, UIDValidity: 7, Decision: DecisionRefused}
		for i, e := range []LedgerEntry{full, bare} {
			byCreate, byInsert := e, e
			byCreate.UID, byInsert.UID = uint32(10+i), uint32(20+i)
			if err := s.db.Create(&byCreate).Error; err != nil {
				t.Fatal(err)
			}
			rows := []LedgerEntry{byInsert}
			if err := s.AddLedgerEntries(ctx, rows); err != nil {
				t.Fatal(err)
			}
			got, want := tableRow(t, s, "messages", rows[0].ID), tableRow(t, s, "messages", byCreate.ID)
			if got["uid"] != fmt.Sprint(20+i) || want["uid"] != fmt.Sprint(10+i) {
				t.Errorf("uids %s and %s", got["uid"], want["uid"])
			}
			skip := []string{"id", "uid"}
			if e.CreatedAt.IsZero() {
				// Each row gets its own now.
				if got["created_at"] == "NULL" || want["created_at"] == "NULL" {
					t.Errorf("created_at %s and %s, want times", got["created_at"], want["created_at"])
				}
				skip = append(skip, "created_at")
			}
			for _, c := range skip {
				delete(got, c)
				delete(want, c)
			}
			if len(got) < 10 || !maps.Equal(got, want) {
				t.Errorf("row %d:\nAddLedgerEntries %v\nCreate           %v", i, got, want)
			}
		}
	})
}

// TestRowInsertRefusesWhatOnlyCreateWrites: a model with a column that
// GORM's Create fills itself (a default, a serializer, a Unix time) or
// with associations is refused when the statement is written, at Open,
// instead of losing that value at each insert.
func TestRowInsertRefusesWhatOnlyCreateWrites(t *testing.T) {
	s := openDialect(t, SQLite)
	type withDefault struct {
		ID    int64
		State string `gorm:"default:open"`
	}
	type withSerializer struct {
		ID   int64
		Tags []string `gorm:"serializer:json"`
	}
	type withUnixTime struct {
		ID        int64
		CreatedAt int64
	}
	type withAssociation struct {
		ID     int64
		Actors []TicketActor `gorm:"foreignKey:TicketID"`
	}
	for _, m := range []any{&withDefault{}, &withSerializer{}, &withUnixTime{}, &withAssociation{}} {
		if _, err := newRowInsert(s.db, m, s.now); err == nil || !strings.Contains(err.Error(), "only GORM's Create") {
			t.Errorf("%T: %v, want it refused", m, err)
		}
	}
	ins, err := newRowInsert(s.db, &Ticket{}, s.now)
	if err != nil {
		t.Fatal(err)
	}
	cols := strings.NewReplacer("`", "", `"`, "").Replace(ins.sql)
	if strings.Contains(cols, "(id,") || strings.Contains(cols, " id,") || !strings.Contains(cols, " search_text)") || strings.Contains(cols, "search_facets") {
		t.Errorf("ticket insert %s: want every column but the ID and the computed ones", ins.sql)
	}
}

// TestCreateTicketWithActors: a ticket's actors are written with it (on
// MySQL in the same round trip as the ticket), each role and e-mail once,
// with their user and contact; an actor that cannot be written (a user
// that does not exist) fails the call, and its transaction leaves neither
// the ticket nor any actor behind.
func TestCreateTicketWithActors(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		contact, err := s.EnsureContact(ctx, "obs@example.com", "Obi")
		if err != nil {
			t.Fatal(err)
		}
		var before int64
		s.db.Raw("SELECT COUNT(*) FROM tickets").Scan(&before)
		tk := Ticket{Title: "Wallaby with actors", Content: "<p>hop</p>"}
		in := []TicketActor{
			{Role: ActorRequester, Email: "Req@Example.com", Name: "Rea"},
			{Role: ActorObserver, Email: "obs@example.com", Name: "Obi", ContactID: &contact},
			{Role: ActorObserver, Email: "OBS@example.com", Name: "again"},
			{Role: ActorObserver, Email: ""},
		}
		if err = s.CreateTicket(ctx, &tk, in); err != nil {
			t.Fatal(err)
		}
		if tk.ID == 0 {
			t.Fatal("no ticket ID")
		}
		got, err := s.TicketActors(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		type actor struct {
			role, email, name string
			contact           bool
		}
		var seen []actor
		for _, a := range got {
			if a.TicketID != tk.ID {
				t.Errorf("actor %s of ticket %d, want %d", a.Email, a.TicketID, tk.ID)
			}
			seen = append(seen, actor{a.Role, a.Email, a.Name, a.ContactID != nil && *a.ContactID == contact})
		}
		want := []actor{{ActorRequester, "req@example.com", "Rea", false}, {ActorObserver, "obs@example.com", "Obi", true}}
		if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] {
			t.Fatalf("actors %+v, want %+v", seen, want)
		}
		// On SQLite the actors written are given their keys, as GORM's
		// Create gave them (one INSERT's keys follow each other).
		if s.dialect == SQLite && (in[0].ID != got[0].ID || in[1].ID != got[1].ID || got[0].ID == got[1].ID) {
			t.Errorf("actor keys %d, %d; written as %d, %d", in[0].ID, in[1].ID, got[0].ID, got[1].ID)
		}
		if got := searchTitles(t, s, "wallaby"); len(got) != 1 {
			t.Errorf("search: %q, want the ticket", got)
		}

		// An actor naming a user that does not exist.
		missing := int64(987654)
		err = s.InTx(ctx, func(tx *Store) error {
			return tx.CreateTicket(ctx, &Ticket{Title: "Never a numbat"}, []TicketActor{
				{Role: ActorRequester, Email: "ok@example.com"},
				{Role: ActorObserver, Email: "ghost@example.com", UserID: &missing},
			})
		})
		if err == nil {
			t.Fatal("an actor with a missing user was accepted")
		}
		var after, orphans int64
		s.db.Raw("SELECT COUNT(*) FROM tickets").Scan(&after)
		s.db.Raw("SELECT COUNT(*) FROM ticket_actors WHERE email IN ('ok@example.com', 'ghost@example.com')").Scan(&orphans)
		if after != before+1 || orphans != 0 {
			t.Errorf("after the failed call: %d tickets (want %d), %d of its actors", after, before+1, orphans)
		}
	})
}

// TestCreateTicketWithActorsIsOneStatementListOnMySQL: on MySQL a ticket
// with actors goes through the statement list that keeps its ID in a
// session variable (one round trip), not through two INSERTs (SQLite has
// no round trips to save).
func TestCreateTicketWithActorsIsOneStatementListOnMySQL(t *testing.T) {
	s := openDialect(t, MySQL)
	ctx := context.Background()
	err := s.InTx(ctx, func(tx *Store) error {
		tk := Ticket{Title: "Quoll in one trip"}
		if err := tx.CreateTicket(ctx, &tk, []TicketActor{{Role: ActorRequester, Email: "q@example.com"}}); err != nil {
			return err
		}
		var kept *int64
		if err := tx.db.Raw("SELECT " + ticketIDVar).Scan(&kept).Error; err != nil {
			return err
		}
		if kept == nil || *kept != tk.ID {
			t.Errorf("the connection's %s is %v, want the ticket's ID %d", ticketIDVar, kept, tk.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
