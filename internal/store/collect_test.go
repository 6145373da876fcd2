package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// addCollectReceiver inserts an active receiver due now.
func addCollectReceiver(t *testing.T, s *Store, name string, mod func(*Receiver)) *Receiver {
	t.Helper()
	now := s.now()
	r := &Receiver{Name: name, IsActive: true, Host: "imap.example.com", Port: 993, Security: "ssl",
		Login: name + "@example.com", RequesterField: "from", Budget: 100, PollIntervalSeconds: 60,
		State: "ok", NextCollectAt: &now, CreatedAt: now, UpdatedAt: now}
	if mod != nil {
		mod(r)
	}
	if err := s.db.Create(r).Error; err != nil {
		t.Fatal(err)
	}
	return r
}

func receiverRow(t *testing.T, s *Store, id int64) Receiver {
	t.Helper()
	var r Receiver
	if err := s.db.Take(&r, id).Error; err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLeaseIsExclusive(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := addCollectReceiver(t, s, "lease", nil)
		now := s.now()

		// Eight instances race for one receiver: exactly one wins.
		var wg sync.WaitGroup
		wins := make(chan string, 8)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprintf("instance-%d", i)
				ok, err := s.AcquireLease(ctx, r.ID, owner, now, now.Add(time.Minute))
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins <- owner
				}
			}()
		}
		wg.Wait()
		close(wins)
		var winners []string
		for w := range wins {
			winners = append(winners, w)
		}
		if len(winners) != 1 {
			t.Fatalf("got %d winners %v, want exactly 1", len(winners), winners)
		}
		owner := winners[0]
		other := "someone-else"
		if owner == other {
			t.Fatal("unreachable")
		}

		steps := []struct {
			name string
			do   func() (bool, error)
			want bool
		}{
			{"another instance cannot take a live lease", func() (bool, error) {
				return s.AcquireLease(ctx, r.ID, other, now.Add(30*time.Second), now.Add(2*time.Minute))
			}, false},
			{"the owner renews", func() (bool, error) { return s.RenewLease(ctx, r.ID, owner, now.Add(90*time.Second)) }, true},
			{"a stranger cannot renew", func() (bool, error) { return s.RenewLease(ctx, r.ID, other, now.Add(3*time.Minute)) }, false},
			{"an expired lease is taken over", func() (bool, error) {
				return s.AcquireLease(ctx, r.ID, other, now.Add(2*time.Minute), now.Add(3*time.Minute))
			}, true},
			{"the old owner has lost it", func() (bool, error) { return s.RenewLease(ctx, r.ID, owner, now.Add(4*time.Minute)) }, false},
		}
		for _, st := range steps {
			got, err := st.do()
			if err != nil || got != st.want {
				t.Fatalf("%s: got %t (%v), want %t", st.name, got, err, st.want)
			}
		}
		if _, err := s.LeasedReceiver(ctx, r.ID, owner); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("LeasedReceiver by the old owner: got %v, want ErrLeaseLost", err)
		}
		if err := s.ReleaseLease(ctx, r.ID, owner); err != nil {
			t.Fatal(err)
		}
		if got := receiverRow(t, s, r.ID); got.LeaseOwner != other {
			t.Fatalf("a stranger's release freed the lease: owner %q, want %q", got.LeaseOwner, other)
		}
		if err := s.ReleaseLease(ctx, r.ID, other); err != nil {
			t.Fatal(err)
		}
		if got := receiverRow(t, s, r.ID); got.LeaseOwner != "" || got.LeaseUntil != nil {
			t.Fatalf("after release: owner %q until %v, want free", got.LeaseOwner, got.LeaseUntil)
		}
	})
}

func TestDueReceivers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := s.now()
		past, future := now.Add(-time.Minute), now.Add(time.Hour)
		cases := []struct {
			name string
			mod  func(*Receiver)
			due  bool
		}{
			{"due", func(r *Receiver) { r.NextCollectAt = &past }, true},
			{"never collected", func(r *Receiver) { r.NextCollectAt = nil }, true},
			{"not yet", func(r *Receiver) { r.NextCollectAt = &future }, false},
			{"inactive", func(r *Receiver) { r.IsActive = false; r.NextCollectAt = &past }, false},
			{"leased", func(r *Receiver) { r.NextCollectAt = &past; r.LeaseOwner = "x"; r.LeaseUntil = &future }, false},
			{"lease expired", func(r *Receiver) { r.NextCollectAt = &past; r.LeaseOwner = "x"; r.LeaseUntil = &past }, true},
		}
		want := map[string]bool{}
		for _, tc := range cases {
			addCollectReceiver(t, s, tc.name, tc.mod)
			want[tc.name] = tc.due
		}
		got, err := s.DueReceivers(ctx, now, 100)
		if err != nil {
			t.Fatal(err)
		}
		gotNames := map[string]bool{}
		for _, r := range got {
			gotNames[r.Name] = true
		}
		for _, tc := range cases {
			if gotNames[tc.name] != tc.due {
				t.Errorf("%s: got due %t, want %t", tc.name, gotNames[tc.name], tc.due)
			}
		}
		if got, _ := s.DueReceivers(ctx, now, 1); len(got) != 1 {
			t.Errorf("limit 1: got %d receivers", len(got))
		}
	})
}

func TestFinishCollectCountsErrorsLikeGLPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := addCollectReceiver(t, s, "health", nil)
		edited := receiverRow(t, s, r.ID).UpdatedAt
		steps := []struct {
			name       string
			outcome    CollectOutcome
			wantErrors int
			wantState  string
		}{
			{"first failure", CollectOutcome{ErrorClass: "network", ErrorText: "connection refused"}, 1, "failing"},
			{"second failure", CollectOutcome{ErrorClass: "network", ErrorText: "connection refused"}, 2, "failing"},
			{"needs re-authorization", CollectOutcome{ErrorClass: "reauth_required", ErrorText: "invalid_grant", Reauth: true}, 3, "reauth_required"},
			{"success resets", CollectOutcome{}, 0, "ok"},
		}
		for _, st := range steps {
			now := s.now()
			if ok, err := s.AcquireLease(ctx, r.ID, "me", now, now.Add(time.Minute)); !ok || err != nil {
				t.Fatalf("%s: lease: %t %v", st.name, ok, err)
			}
			st.outcome.Next = now.Add(time.Minute)
			if err := s.FinishCollect(ctx, r.ID, "me", st.outcome); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			got := receiverRow(t, s, r.ID)
			if got.Errors != st.wantErrors || got.State != st.wantState || got.ErrorClass != st.outcome.ErrorClass || got.LastError != st.outcome.ErrorText {
				t.Fatalf("%s: got errors=%d state=%q class=%q text=%q, want %d %q %q %q", st.name,
					got.Errors, got.State, got.ErrorClass, got.LastError, st.wantErrors, st.wantState, st.outcome.ErrorClass, st.outcome.ErrorText)
			}
			if !got.UpdatedAt.Equal(edited) {
				t.Fatalf("%s: updated_at moved to %v: it is the settings' edit time", st.name, got.UpdatedAt)
			}
			if got.LeaseOwner != "" || got.LastCollectAt == nil || got.NextCollectAt == nil || !got.NextCollectAt.Equal(st.outcome.Next) {
				t.Fatalf("%s: got lease %q last %v next %v, want released and scheduled at %v", st.name, got.LeaseOwner, got.LastCollectAt, got.NextCollectAt, st.outcome.Next)
			}
		}
		if err := s.FinishCollect(ctx, r.ID, "me", CollectOutcome{Next: s.now()}); !errors.Is(err, ErrLeaseLost) {
			t.Fatalf("finish without the lease: got %v, want ErrLeaseLost", err)
		}
	})
}

func TestScheduleCollectOnlyBringsForward(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := s.now()
		later := now.Add(time.Hour)
		r := addCollectReceiver(t, s, "idle", func(r *Receiver) { r.NextCollectAt = &later })
		if err := s.ScheduleCollect(ctx, r.ID, now); err != nil {
			t.Fatal(err)
		}
		if got := receiverRow(t, s, r.ID); !got.NextCollectAt.Equal(now) {
			t.Fatalf("got next %v, want %v", got.NextCollectAt, now)
		}
		if err := s.ScheduleCollect(ctx, r.ID, later); err != nil {
			t.Fatal(err)
		}
		if got := receiverRow(t, s, r.ID); !got.NextCollectAt.Equal(now) {
			t.Fatalf("a later schedule postponed a due collect: got %v, want %v", got.NextCollectAt, now)
		}
	})
}

func TestLedger(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := addCollectReceiver(t, s, "ledger", nil)
		var ids []int64
		err := s.InTx(ctx, func(tx *Store) error {
			for uid := uint32(1); uid <= 3; uid++ {
				e := &LedgerEntry{ReceiverID: r.ID, UIDValidity: 7, UID: uid, MessageID: fmt.Sprintf("m%d@x", uid),
					ContentHash: fmt.Sprintf("h%d", uid), Decision: DecisionTicket, Reason: "new"}
				if err := tx.AddLedgerEntry(ctx, e); err != nil {
					return err
				}
				ids = append(ids, e.ID)
			}
			return tx.SetCursor(ctx, r.ID, 7, 3)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := receiverRow(t, s, r.ID); got.UIDValidity != 7 || got.LastUID != 3 {
			t.Fatalf("cursor: got %d/%d, want 7/3", got.UIDValidity, got.LastUID)
		}
		dup := &LedgerEntry{ReceiverID: r.ID, UIDValidity: 7, UID: 2, Decision: DecisionTicket}
		if err := s.AddLedgerEntry(ctx, dup); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("same UID twice: got %v, want ErrDuplicate", err)
		}
		known, err := s.LedgerUIDs(ctx, r.ID, 7, []uint32{1, 3, 4})
		if err != nil || len(known) != 2 || !known[1] || !known[3] {
			t.Fatalf("LedgerUIDs: got %v %v, want 1 and 3", known, err)
		}
		if other, _ := s.LedgerUIDs(ctx, r.ID, 8, []uint32{1}); len(other) != 0 {
			t.Fatalf("another UIDVALIDITY: got %v, want none", other)
		}
		byHash, err := s.LedgerByHash(ctx, r.ID, []string{"h2", "nope"})
		if err != nil || len(byHash) != 1 || byHash["h2"].MessageID != "m2@x" || byHash["h2"].Decision != DecisionTicket {
			t.Fatalf("LedgerByHash: got %v %v", byHash, err)
		}
		pending, err := s.PendingActions(ctx, r.ID)
		if err != nil || len(pending) != 3 {
			t.Fatalf("pending: got %d %v, want 3", len(pending), err)
		}
		if err := s.MarkActionsDone(ctx, ids[:2]); err != nil {
			t.Fatal(err)
		}
		pending, _ = s.PendingActions(ctx, r.ID)
		if len(pending) != 1 || pending[0].UID != 3 {
			t.Fatalf("pending after done: got %+v, want UID 3 only", pending)
		}
	})
}

func TestLedgerRolledBackWithItsBatch(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := addCollectReceiver(t, s, "rollback", nil)
		boom := errors.New("boom")
		err := s.InTx(ctx, func(tx *Store) error {
			if err := tx.AddLedgerEntry(ctx, &LedgerEntry{ReceiverID: r.ID, UIDValidity: 1, UID: 1, Decision: DecisionTicket}); err != nil {
				return err
			}
			if err := tx.SetCursor(ctx, r.ID, 1, 1); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want boom", err)
		}
		entries, _ := s.LedgerEntries(ctx, r.ID)
		if got := receiverRow(t, s, r.ID); len(entries) != 0 || got.LastUID != 0 {
			t.Fatalf("after rollback: %d ledger rows, last UID %d; want none and 0", len(entries), got.LastUID)
		}
	})
}

func TestCollectRuns(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := addCollectReceiver(t, s, "runs", nil)
		run := &CollectRun{ReceiverID: r.ID, Instance: "i1", TriggerKind: TriggerManual}
		if err := s.StartRun(ctx, run); err != nil || run.ID == 0 {
			t.Fatalf("StartRun: %v (id %d)", err, run.ID)
		}
		run.Available, run.AlreadyImported, run.Retrieved, run.Refused, run.Errors, run.Blacklisted = 9, 1, 5, 2, 1, 1
		run.ErrorClass, run.ErrorText = "folder_missing", "mailbox: folder missing"
		if err := s.FinishRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		got, err := s.CollectRun(ctx, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.EndedAt == nil || got.Available != 9 || got.AlreadyImported != 1 || got.Retrieved != 5 || got.Refused != 2 ||
			got.Errors != 1 || got.Blacklisted != 1 || got.ErrorClass != "folder_missing" || got.TriggerKind != TriggerManual {
			t.Fatalf("got %+v", got)
		}
	})
}

func TestAuthorizationIDFor(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := s.now()
		app := Application{Name: "app", Provider: "azure", CreatedAt: now, UpdatedAt: now}
		if err := s.db.Create(&app).Error; err != nil {
			t.Fatal(err)
		}
		a := Authorization{ApplicationID: app.ID, Email: "Helpdesk@Example.com", CreatedAt: now, UpdatedAt: now}
		if err := s.db.Create(&a).Error; err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			app   int64
			login string
			want  int64
			err   error
		}{
			{"same case", app.ID, "Helpdesk@Example.com", a.ID, nil},
			{"other case and spaces", app.ID, " helpdesk@example.COM ", a.ID, nil},
			{"other login", app.ID, "sales@example.com", 0, ErrNotFound},
			{"other application", app.ID + 1, "helpdesk@example.com", 0, ErrNotFound},
		}
		for _, tc := range cases {
			got, err := s.AuthorizationIDFor(ctx, tc.app, tc.login)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("%s: got %d %v, want %d %v", tc.name, got, err, tc.want, tc.err)
			}
		}
	})
}

// New mail announced while a job runs must not be lost: the finished job
// keeps the request instead of scheduling the next poll, and a dead
// instance's receiver is due again once its lease expires.
func TestCollectRequestedDuringJobIsKept(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := addCollectReceiver(t, s, "busy", nil)
		now := s.now()
		if ok, err := s.AcquireLease(ctx, r.ID, "me", now, now.Add(2*time.Minute)); !ok || err != nil {
			t.Fatalf("lease: %t %v", ok, err)
		}
		if got := receiverRow(t, s, r.ID); got.NextCollectAt == nil || !got.NextCollectAt.Equal(now.Add(2*time.Minute)) {
			t.Fatalf("while leased, next collect is %v, want the lease's end", got.NextCollectAt)
		}
		if ok, err := s.RenewLease(ctx, r.ID, "me", now.Add(4*time.Minute)); !ok || err != nil {
			t.Fatalf("renew: %t %v", ok, err)
		}
		if got := receiverRow(t, s, r.ID); !got.NextCollectAt.Equal(now.Add(4 * time.Minute)) {
			t.Fatalf("after renewal, next collect is %v, want the new lease end", got.NextCollectAt)
		}
		hit := now.Add(time.Second)
		if err := s.ScheduleCollect(ctx, r.ID, hit); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishCollect(ctx, r.ID, "me", CollectOutcome{Next: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if got := receiverRow(t, s, r.ID); got.NextCollectAt == nil || !got.NextCollectAt.Equal(hit) {
			t.Fatalf("got next collect %v, want the request made during the job (%v)", got.NextCollectAt, hit)
		}
		// Without a request, the computed next poll is written.
		s.AcquireLease(ctx, r.ID, "me", now.Add(2*time.Second), now.Add(3*time.Minute))
		if err := s.FinishCollect(ctx, r.ID, "me", CollectOutcome{Next: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if got := receiverRow(t, s, r.ID); !got.NextCollectAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("got next collect %v, want the next poll", got.NextCollectAt)
		}
	})
}

// "Get email tickets now" collects an inactive receiver too, under the same
// lease as the scheduler; the scheduler's lease stays for active ones.
func TestLeaseByHandIgnoresActive(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := addCollectReceiver(t, s, "inactive", func(r *Receiver) { r.IsActive = false })
		now := s.now()
		if ok, err := s.AcquireLease(ctx, r.ID, "scheduler", now, now.Add(time.Minute)); ok || err != nil {
			t.Fatalf("scheduled lease on an inactive receiver: got %t (%v), want false", ok, err)
		}
		if ok, err := s.AcquireLeaseByHand(ctx, r.ID, "by-hand", now, now.Add(time.Minute)); !ok || err != nil {
			t.Fatalf("lease by hand on an inactive receiver: got %t (%v), want true", ok, err)
		}
		if ok, err := s.AcquireLeaseByHand(ctx, r.ID, "another", now, now.Add(time.Minute)); ok || err != nil {
			t.Fatalf("a second lease by hand while the first is held: got %t (%v), want false", ok, err)
		}
		if err := s.FinishCollect(ctx, r.ID, "by-hand", CollectOutcome{Next: now.Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
		if due, err := s.DueReceivers(ctx, now.Add(2*time.Minute), 10); err != nil || len(due) != 0 {
			t.Fatalf("an inactive receiver collected by hand became due: %v (%v)", due, err)
		}
	})
}

// A restarted instance with the same name takes its leases back at once,
// due now; another instance's leases are left alone.
func TestReclaimLeases(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mine := addCollectReceiver(t, s, "mine", nil)
		theirs := addCollectReceiver(t, s, "theirs", nil)
		now := s.now()
		for _, l := range []struct {
			id    int64
			owner string
		}{{mine.ID, "host-a"}, {theirs.ID, "host-b"}} {
			if ok, err := s.AcquireLease(ctx, l.id, l.owner, now, now.Add(30*time.Second)); !ok || err != nil {
				t.Fatalf("lease for %s: %t %v", l.owner, ok, err)
			}
		}
		n, err := s.ReclaimLeases(ctx, "host-a", now)
		if err != nil || n != 1 {
			t.Fatalf("ReclaimLeases: %d (%v), want 1", n, err)
		}
		due, err := s.DueReceivers(ctx, now.Add(time.Millisecond), 10)
		if err != nil || len(due) != 1 || due[0].ID != mine.ID {
			t.Fatalf("due after reclaim: %v (%v), want only %q", due, err, mine.Name)
		}
		if got := receiverRow(t, s, theirs.ID); got.LeaseOwner != "host-b" || got.LeaseUntil == nil {
			t.Fatalf("another instance's lease was touched: owner %q until %v", got.LeaseOwner, got.LeaseUntil)
		}
		if n, err := s.ReclaimLeases(ctx, "", now); n != 0 || err != nil {
			t.Fatalf("an empty owner reclaimed %d (%v)", n, err)
		}
	})
}
