package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func queueMail(t *testing.T, s *Store, ticketID *int64, n int) {
	t.Helper()
	for i := range n {
		m := &OutboxMail{Kind: MailReply, TicketID: ticketID, FromAddress: "support@example.com",
			Recipients: "bob@example.com", Subject: "re", MessageID: fmt.Sprintf("<GLPI-%d.%d@example.com>", time.Now().UnixNano(), i),
			Raw: []byte("Subject: re\r\n\r\nhi\r\n")}
		if err := s.EnqueueMail(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOutboxWrittenInTheCallersTransaction(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tk := &Ticket{Title: "t", RequesterEmail: "bob@example.com"}
		if err := s.CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("the follow-up failed")
		err := s.InTx(ctx, func(tx *Store) error {
			f := &Followup{TicketID: tk.ID, Kind: FollowupStaff, Content: "hello"}
			if err := tx.CreateFollowup(ctx, f); err != nil {
				return err
			}
			if err := tx.EnqueueMail(ctx, &OutboxMail{Kind: MailReply, TicketID: &tk.ID, FollowupID: &f.ID,
				Recipients: "bob@example.com", MessageID: "<a@x>", Raw: []byte("x")}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n, _ := s.OutboxCounts(ctx); n[OutboxPending] != 0 {
			t.Fatalf("a rolled-back follow-up left %d mails", n[OutboxPending])
		}
		err = s.InTx(ctx, func(tx *Store) error {
			return tx.EnqueueMail(ctx, &OutboxMail{Kind: MailReply, TicketID: &tk.ID, Recipients: "bob@example.com", MessageID: "<a@x>", Raw: []byte("x")})
		})
		if err != nil {
			t.Fatal(err)
		}
		err = s.EnqueueMail(ctx, &OutboxMail{Kind: MailReply, Recipients: "bob@example.com", MessageID: "a@x", Raw: []byte("x")})
		if !errors.Is(err, ErrDuplicate) {
			t.Errorf("a second mail with one Message-ID: %v, want ErrDuplicate", err)
		}
		if err := s.EnqueueMail(ctx, &OutboxMail{Kind: MailReply, Recipients: "bob@example.com", Raw: []byte("x")}); !errors.Is(err, ErrNoMessageID) {
			t.Errorf("no Message-ID: %v", err)
		}
		rows, err := s.OutboxForTicket(ctx, tk.ID)
		if err != nil || len(rows) != 1 || rows[0].MessageID != "a@x" || rows[0].Raw != nil {
			t.Fatalf("ticket's mail: %+v %v (want one row, bytes not loaded)", rows, err)
		}
	})
}

func TestOutboxLeasesNeverShareARow(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		queueMail(t, s, nil, 30)
		now := time.Now()
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for _, owner := range []string{"a", "b", "c"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					rows, err := s.ClaimMail(ctx, owner, now, now.Add(time.Minute), 4)
					if err != nil {
						t.Error(err)
						return
					}
					if len(rows) == 0 {
						return
					}
					mu.Lock()
					for _, r := range rows {
						if prev, ok := seen[r.ID]; ok {
							t.Errorf("row %d claimed by %s and %s", r.ID, prev, owner)
						}
						seen[r.ID] = owner
						if r.Attempts != 1 || string(r.Raw) == "" {
							t.Errorf("claimed row %+v", r)
						}
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 30 {
			t.Fatalf("claimed %d rows of 30", len(seen))
		}
		// A live lease is never taken; an expired one is.
		if rows, _ := s.ClaimMail(ctx, "d", now.Add(30*time.Second), now.Add(2*time.Minute), 100); len(rows) != 0 {
			t.Fatalf("took %d rows with live leases", len(rows))
		}
		rows, _ := s.ClaimMail(ctx, "d", now.Add(61*time.Second), now.Add(3*time.Minute), 100)
		if len(rows) != 30 || rows[0].Attempts != 2 {
			t.Fatalf("after expiry: %d rows (attempts %d)", len(rows), rows[0].Attempts)
		}
		// The old owner can record nothing on a row it lost.
		if err := s.MarkMailSent(ctx, rows[0].ID, seen[rows[0].ID], "", now); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("stale owner marked sent: %v", err)
		}
		if ok, _ := s.RenewMailLease(ctx, rows[0].ID, seen[rows[0].ID], now.Add(time.Hour)); ok {
			t.Error("stale owner renewed")
		}
	})
}

func TestOutboxOutcomes(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		queueMail(t, s, nil, 3)
		now := time.Now()
		rows, err := s.ClaimMail(ctx, "me", now, now.Add(time.Minute), 10)
		if err != nil || len(rows) != 3 {
			t.Fatal(rows, err)
		}
		if err := s.MarkMailSent(ctx, rows[0].ID, "me", "x@example.com: 550 5.1.1 unknown", now); err != nil {
			t.Fatal(err)
		}
		later := now.Add(10 * time.Minute)
		if err := s.MarkMailFailed(ctx, rows[1].ID, "me", "throttled", "452 4.5.3 too many", &later); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkMailFailed(ctx, rows[2].ID, "me", "too_large", "552 too big", nil); err != nil {
			t.Fatal(err)
		}
		n, _ := s.OutboxCounts(ctx)
		if n[OutboxSent] != 1 || n[OutboxPending] != 1 || n[OutboxFailed] != 1 {
			t.Fatalf("counts %v", n)
		}
		if got, _ := s.ClaimMail(ctx, "me", now.Add(time.Minute), now.Add(2*time.Minute), 10); len(got) != 0 {
			t.Fatalf("a row waiting for its retry was claimed early: %d", len(got))
		}
		failed, _ := s.OutboxByState(ctx, OutboxFailed, 10)
		if len(failed) != 1 || failed[0].ErrorClass != "too_large" || failed[0].LastError != "552 too big" {
			t.Fatalf("failed rows %+v", failed)
		}
		if err := s.RetryMail(ctx, failed[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := s.RetryMail(ctx, rows[0].ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("Retry of a sent mail: %v", err)
		}
		got, _ := s.ClaimMail(ctx, "me", time.Now().Add(time.Second), time.Now().Add(time.Minute), 10)
		if len(got) != 1 || got[0].ID != failed[0].ID {
			t.Fatalf("after Retry: %d rows due, want the retried one only (the throttled one waits)", len(got))
		}
		if err := s.ReleaseMail(ctx, got[0].ID, "me", now, "throttled", "421 later"); err != nil {
			t.Fatal(err)
		}
		m, _ := s.OutboxMailByID(ctx, got[0].ID)
		if m.LeaseOwner != "" || m.Attempts != got[0].Attempts-1 || m.ErrorClass != "throttled" {
			t.Errorf("released row %+v", m)
		}
		if n, err := s.PurgeSentMail(ctx, now.Add(time.Hour)); err != nil || n != 1 {
			t.Errorf("purge: %d %v", n, err)
		}
	})
}

func TestMailSenderPasswordSealed(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := &Receiver{Name: "support@example.com"}
		if err := s.CreateReceiver(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.MailSender(ctx, r.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("no sender yet: %v", err)
		}
		m := &MailSender{ReceiverID: r.ID, Mode: SenderPassword, Host: "smtp.example.com", Port: 587, Security: "starttls",
			Login: "support@example.com", Password: "pw-Very-Secret-1", FromName: "Support"}
		if err := s.SaveMailSender(ctx, m); err != nil {
			t.Fatal(err)
		}
		var raw string
		s.db.Raw("SELECT password FROM mail_senders WHERE receiver_id = ?", r.ID).Scan(&raw)
		if raw == "" || strings.Contains(raw, "Very-Secret") {
			t.Fatalf("stored password %q is not sealed", raw)
		}
		m.Password, m.FromName = "", "Helpdesk"
		if err := s.SaveMailSender(ctx, m); err != nil {
			t.Fatal(err)
		}
		got, err := s.MailSender(ctx, r.ID)
		if err != nil || got.Password != "pw-Very-Secret-1" || got.FromName != "Helpdesk" || !got.On() {
			t.Fatalf("got %+v %v: an empty password must keep the stored one", got, err)
		}
	})
}
