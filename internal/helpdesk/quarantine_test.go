package helpdesk

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

func TestImportAnywayMakesATicketAndEmptiesTheQuarantine(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	r := d.receiver("support", "helpdesk@example.com", false)
	raw := mail("Robot <robot@example.com>", "helpdesk@example.com", "Automatic reply: away", "oof@robot", "I am away.", "Auto-Submitted: auto-replied")
	dec, saved := d.deliver(r, raw)
	if dec.Reason.Code != ingest.ReasonAutoReply || saved.QuarantineID == 0 {
		t.Fatalf("got %s/%s, want an auto-reply in quarantine", dec.Kind, dec.Reason.Code)
	}
	q, _ := d.st.Quarantined(ctx, saved.QuarantineID)
	admin := &store.User{Login: "admin", Name: "Admin", Role: store.RoleAdmin, IsActive: true}
	if err := d.st.CreateUser(ctx, admin, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	got, _, err := d.svc.ImportQuarantined(ctx, saved.QuarantineID, d.now, admin)
	if err != nil {
		t.Fatal(err)
	}
	if ev, _ := d.st.AuditEvents(ctx, "ticket", got.TicketID, 10); len(ev) != 1 || ev[0].Kind != "quarantine.import" || ev[0].Actor != "admin" {
		t.Fatalf("events of the imported ticket: %+v", ev)
	}
	tk, err := d.st.Ticket(ctx, got.TicketID)
	if err != nil || tk.Title != "Automatic reply: away" || tk.ReceiverID == nil || *tk.ReceiverID != r.ID {
		t.Fatalf("got ticket %+v (%v), want the imported mail on its receiver", tk, err)
	}
	if _, err := d.st.Quarantined(ctx, saved.QuarantineID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the quarantine row is still there: %v", err)
	}
	// The ticket keeps the mail as its original: the bytes stay.
	if ok, _ := d.docs.Has(q.RawSHA256); !ok || tk.RawSHA256 != q.RawSHA256 {
		t.Fatalf("the imported mail's bytes: kept=%v, ticket original %q; want them kept as the ticket's original %q", ok, tk.RawSHA256, q.RawSHA256)
	}
}

func TestImportAnywayRefusesUnreadableMail(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	_, saved := d.deliver(nil, []byte("\x00\x01 not a mail"))
	if saved.QuarantineID == 0 {
		t.Fatal("unreadable bytes were not quarantined")
	}
	if _, _, err := d.svc.ImportQuarantined(ctx, saved.QuarantineID, d.now, nil); !errors.Is(err, ErrStillRefused) {
		t.Fatalf("got %v, want ErrStillRefused", err)
	}
	if _, err := d.st.Quarantined(ctx, saved.QuarantineID); err != nil {
		t.Fatalf("a failed import must keep the mail: %v", err)
	}
}

func TestPurgeQuarantineFollowsRetention(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	_, a := d.deliver(nil, mail("x@example.com", "helpdesk@example.com", "one", "q1@x", "1", "Precedence: bulk"))
	_, b := d.deliver(nil, mail("y@example.com", "helpdesk@example.com", "two", "q2@y", "2", "Precedence: junk"))
	qa, _ := d.st.Quarantined(ctx, a.QuarantineID)
	tests := []struct {
		name string
		days int
		at   time.Time
		want int
	}{
		{"within the default 90 days", 0, time.Now().Add(89 * 24 * time.Hour), 0},
		{"past the default 90 days", 0, time.Now().Add(91 * 24 * time.Hour), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := d.svc.PurgeQuarantine(ctx, tt.at)
			if err != nil || n != tt.want {
				t.Fatalf("got %d (%v), want %d", n, err, tt.want)
			}
		})
	}
	if ok, _ := d.docs.Has(qa.RawSHA256); ok {
		t.Fatal("purged raw bytes are still stored")
	}
	if _, err := d.st.Quarantined(ctx, b.QuarantineID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("got %v, want the row purged", err)
	}
	if err := d.svc.SetQuarantineDays(ctx, 1, nil); err != nil {
		t.Fatal(err)
	}
	_, c := d.deliver(nil, mail("z@example.com", "helpdesk@example.com", "three", "q3@z", "3", "Precedence: bulk"))
	if n, _ := d.svc.PurgeQuarantine(ctx, time.Now().Add(25*time.Hour)); n != 1 {
		t.Fatalf("with a 1-day retention: purged %d, want 1", n)
	}
	if _, err := d.st.Quarantined(ctx, c.QuarantineID); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("the 1-day retention was not applied")
	}
	if err := d.svc.SetQuarantineDays(ctx, 0, nil); err == nil {
		t.Fatal("a retention of 0 days was accepted")
	}
	// A retention written straight into the settings, so large that its
	// hours overflow, keeps the mail (it purged everything).
	if err := d.st.SetSetting(ctx, SettingQuarantineDays, "200000"); err != nil {
		t.Fatal(err)
	}
	d.deliver(nil, mail("w@example.com", "helpdesk@example.com", "four", "q4@w", "4", "Precedence: bulk"))
	if n, err := d.svc.PurgeQuarantine(ctx, time.Now().Add(24*time.Hour)); n != 0 || err != nil {
		t.Fatalf("with a retention of 200000 days in the settings: purged %d (%v), want 0", n, err)
	}
}

func TestDeleteQuarantinedKeepsBytesAnotherRowUses(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	raw := mail("x@example.com", "helpdesk@example.com", "same", "same@x", "s", "Precedence: bulk")
	_, a := d.deliver(nil, raw)
	_, b := d.deliver(nil, raw) // the same bytes, refused twice
	q, _ := d.st.Quarantined(ctx, a.QuarantineID)
	if err := d.svc.DeleteQuarantined(ctx, a.QuarantineID, nil); err != nil {
		t.Fatal(err)
	}
	if ok, _ := d.docs.Has(q.RawSHA256); !ok {
		t.Fatal("bytes still referenced by another quarantined mail were deleted")
	}
	if err := d.svc.DeleteQuarantined(ctx, b.QuarantineID, nil); err != nil {
		t.Fatal(err)
	}
	if ok, _ := d.docs.Has(q.RawSHA256); ok {
		t.Fatal("unreferenced bytes were kept")
	}
}

func TestStaffFollowupIsEscaped(t *testing.T) {
	d := openDesk(t, store.SQLite)
	ctx := context.Background()
	_, s := d.deliver(nil, mail("a@example.com", "helpdesk@example.com", "Help", "h@a", "help"))
	u := &store.User{Login: "tech", Name: "Tim", Role: store.RoleTechnician, IsActive: true}
	d.st.CreateUser(ctx, u, "a long enough password")
	id, err := d.svc.AddFollowup(ctx, s.TicketID, u, "Try <script>alert(1)</script>\nthen reboot")
	if err != nil {
		t.Fatal(err)
	}
	fs, _ := d.st.Followups(ctx, s.TicketID)
	f := fs[len(fs)-1]
	if f.ID != id || f.Kind != store.FollowupStaff || f.AuthorUserID == nil || strings.Contains(f.Content, "<script>") ||
		!strings.Contains(f.Content, "&lt;script&gt;") || !strings.Contains(f.Content, "<br>") {
		t.Fatalf("got follow-up %+v", f)
	}
	if _, err := d.svc.AddFollowup(ctx, s.TicketID, u, "  \n"); !errors.Is(err, ErrEmptyFollowup) {
		t.Fatalf("empty follow-up: got %v", err)
	}
}

// TestAutomaticNotificationsFollowTheReceiver: a monitoring alert is
// refused as an automatic notification by default and becomes a ticket on
// a receiver that imports them; an out-of-office is refused by both.
func TestAutomaticNotificationsFollowTheReceiver(t *testing.T) {
	d := openDesk(t, store.SQLite)
	plain := d.receiver("support", "helpdesk@example.com", false)
	alerts := d.receiver("alerts", "alerts@example.com", false)
	alerts.ImportAutoNotifications = true
	alert := func(id string) []byte {
		return mail("Zabbix <zabbix@monitor.example.com>", "helpdesk@example.com", "Problem: disk full on db01", id, "Disk /var is 98% full.", "Auto-Submitted: auto-generated")
	}
	oof := mail("Bob <bob@example.com>", "helpdesk@example.com", "Out of office", "oof-2@example.com", "Away.", "Auto-Submitted: auto-replied")

	if dec, saved := d.deliver(plain, alert("alert-1@monitor")); dec.Reason.Code != ingest.ReasonAutoNotification || saved.QuarantineID == 0 {
		t.Fatalf("default receiver: got %s/%s, want the alert refused as an automatic notification", dec.Kind, dec.Reason.Code)
	}
	dec, saved := d.deliver(alerts, alert("alert-2@monitor"))
	if dec.Kind != ingest.KindTicket || saved.TicketID == 0 || !dec.Automatic || !strings.Contains(dec.Reason.Text, "never answered automatically") {
		t.Fatalf("importing receiver: got %s/%s automatic=%v %q, want a ticket marked automatic", dec.Kind, dec.Reason.Code, dec.Automatic, dec.Reason.Text)
	}
	if dec, _ := d.deliver(alerts, oof); dec.Reason.Code != ingest.ReasonAutoReply {
		t.Fatalf("out-of-office: got %s/%s, want it refused as an automatic reply", dec.Kind, dec.Reason.Code)
	}
}
