package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// rcvApp inserts an application and one authorization for email.
func rcvApp(t *testing.T, s *Store, name, email, state string) (*Application, *Authorization) {
	t.Helper()
	now := s.now()
	app := &Application{Name: name, Provider: "azure", IsActive: true, CreatedAt: now, UpdatedAt: now}
	if err := s.db.Create(app).Error; err != nil {
		t.Fatal(err)
	}
	auth := &Authorization{ApplicationID: app.ID, Email: email, Kind: KindDelegated, State: state, CreatedAt: now, UpdatedAt: now}
	if err := s.db.Create(auth).Error; err != nil {
		t.Fatal(err)
	}
	return app, auth
}

func rcvCreate(t *testing.T, s *Store, r *Receiver) *Receiver {
	t.Helper()
	if err := s.CreateReceiver(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReceiverCRUDAndPassword(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := rcvCreate(t, s, &Receiver{Name: " support@example.com ", IsActive: true, Host: "imap.example.com", Login: "support", Password: "hunter2-secret", ValidateCert: true})
		if r.Name != "support@example.com" || r.Port != DefaultReceiverPort || r.Budget != DefaultReceiverBudget || r.PollIntervalSeconds != DefaultPollInterval {
			t.Fatalf("got %q port %d budget %d poll %d, want trimmed name and defaults", r.Name, r.Port, r.Budget, r.PollIntervalSeconds)
		}
		var raw string
		s.db.Raw("SELECT password FROM receivers WHERE id = ?", r.ID).Scan(&raw)
		if raw == "" || strings.Contains(raw, "hunter2") {
			t.Fatalf("got stored password %q, want it sealed", raw)
		}
		got, err := s.Receiver(ctx, r.ID)
		if err != nil || got.Password != "hunter2-secret" || got.NextCollectAt == nil {
			t.Fatalf("got %+v %v, want the password opened and the receiver due", got, err)
		}
		if err := s.CreateReceiver(ctx, &Receiver{Name: "support@example.com"}, nil); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("same name: got %v, want ErrDuplicate", err)
		}

		// The collector's position survives a settings change on the same
		// mailbox and is forgotten when the mailbox changes.
		s.db.Model(&Receiver{}).Where("id = ?", r.ID).Updates(map[string]any{"uidvalidity": 7, "last_uid": 42, "errors": 3})
		for _, tc := range []struct {
			name          string
			edit          func(r *Receiver)
			clear         bool
			wantPassword  string
			wantLastUID   uint32
			wantAuditPart string
		}{
			{"blank password keeps it", func(r *Receiver) { r.Comment = "hello" }, false, "hunter2-secret", 42, "updated"},
			{"new password replaces it", func(r *Receiver) { r.Password = "n3w-pass" }, false, "n3w-pass", 42, "password changed"},
			{"clear empties it", func(r *Receiver) {}, true, "", 42, "password changed"},
			{"another folder resets the position", func(r *Receiver) { r.Folder = "Support" }, false, "", 0, "updated"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cur, _ := s.Receiver(ctx, r.ID)
				cur.Password = ""
				tc.edit(cur)
				if err := s.UpdateReceiver(ctx, cur, tc.clear, nil); err != nil {
					t.Fatal(err)
				}
				after, err := s.Receiver(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if after.Password != tc.wantPassword {
					t.Errorf("got password %q, want %q", after.Password, tc.wantPassword)
				}
				if after.LastUID != tc.wantLastUID {
					t.Errorf("got last UID %d, want %d", after.LastUID, tc.wantLastUID)
				}
				if after.Errors != 3 {
					t.Errorf("got errors %d, want the collector's count kept (3)", after.Errors)
				}
				ev, _ := s.AuditEvents(ctx, "receiver", r.ID, 1)
				if len(ev) != 1 || !strings.Contains(ev[0].Message, tc.wantAuditPart) {
					t.Errorf("got audit %+v, want it to mention %q", ev, tc.wantAuditPart)
				}
			})
		}
		if err := s.SetReceiverFolder(ctx, r.ID, "accepted_folder", "Archive/Done", nil); err != nil {
			t.Fatal(err)
		}
		if err := s.SetReceiverFolder(ctx, r.ID, "password", "x", nil); err == nil {
			t.Fatal("SetReceiverFolder must refuse a column that is not a folder")
		}
		if got, _ := s.Receiver(ctx, r.ID); got.AcceptedFolder != "Archive/Done" || got.Folder != "Support" {
			t.Fatalf("got accepted %q folder %q", got.AcceptedFolder, got.Folder)
		}
		if err := s.DeleteReceiver(ctx, r.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Receiver(ctx, r.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("after delete: got %v, want ErrNotFound", err)
		}
		if err := s.DeleteReceiver(ctx, r.ID, nil); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second delete: got %v, want ErrNotFound", err)
		}
	})
}

func TestReceiverOAuthNeverKeepsAPassword(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		app, auth := rcvApp(t, s, "Entra", "Box@Example.com", "valid")
		r := rcvCreate(t, s, &Receiver{Name: "box", IsActive: true, Host: "outlook.office365.com", ApplicationID: &app.ID, Login: "box@example.com", Password: "stray"})
		if ok, _ := s.ReceiverHasPassword(ctx, r.ID); ok {
			t.Fatal("an OAuth receiver must not store a password")
		}
		got, err := s.ReceiverAuthorization(ctx, r)
		if err != nil || got.ID != auth.ID {
			t.Fatalf("got %+v %v, want authorization %d (e-mail compared without case)", got, err, auth.ID)
		}
		plain := rcvCreate(t, s, &Receiver{Name: "plain", Host: "h", Password: "p"})
		if _, err := s.ReceiverAuthorization(ctx, plain); !errors.Is(err, ErrNotFound) {
			t.Fatalf("password receiver: got %v, want ErrNotFound", err)
		}
		// The end of "Create authorization for another user" points the
		// password receiver at the new authorization and drops its password.
		if err := s.SetReceiverAuthorization(ctx, plain.ID, auth, nil); err != nil {
			t.Fatal(err)
		}
		after, _ := s.Receiver(ctx, plain.ID)
		if !after.UsesOAuth() || *after.ApplicationID != app.ID || after.Login != auth.Email || after.Password != "" {
			t.Fatalf("got %+v, want it on application %d as %s without password", after, app.ID, auth.Email)
		}
		byApp, err := s.ReceiversByApplication(ctx, app.ID)
		if err != nil || len(byApp) != 2 || byApp[0].Name != "box" || byApp[1].Name != "plain" {
			t.Fatalf("got %v %v, want box and plain", byApp, err)
		}
		other, _ := rcvApp(t, s, "Google", "x@gmail.com", "valid")
		if got, _ := s.ReceiversByApplication(ctx, other.ID); len(got) != 0 {
			t.Fatalf("got %d receivers for an unused application, want 0", len(got))
		}
	})
}

func TestListReceivers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		app, _ := rcvApp(t, s, "Entra", "reauth@example.com", "reauth_required")
		for i := 1; i <= 25; i++ {
			rcvCreate(t, s, &Receiver{Name: fmt.Sprintf("rcv-%02d", i), IsActive: true, Host: fmt.Sprintf("imap%02d.example.com", i), Password: "secret"})
		}
		rcvCreate(t, s, &Receiver{Name: "oauth-box", IsActive: true, Host: "outlook.office365.com", ApplicationID: &app.ID, Login: "reauth@example.com"})
		rcvCreate(t, s, &Receiver{Name: "off_line", IsActive: false, Host: "x"})
		s.db.Model(&Receiver{}).Where("name = ?", "rcv-03").Updates(map[string]any{"errors": 2, "state": "failing"})

		rows, total, err := s.ListReceivers(ctx, ListQuery{PerPage: 10, Page: 3})
		if err != nil || total != 27 || len(rows) != 7 {
			t.Fatalf("page 3: got %d rows of %d (%v), want 7 of 27", len(rows), total, err)
		}
		for _, r := range rows {
			if r.Password != "" {
				t.Fatalf("%s: the list carries a password", r.Name)
			}
		}
		health := map[string]ReceiverHealth{}
		all, _, _ := s.ListReceivers(ctx, ListQuery{PerPage: 100})
		for _, r := range all {
			health[r.Name] = r.Health
		}
		for _, tc := range []struct {
			name string
			want ReceiverHealth
		}{
			{"rcv-01", HealthOK}, {"rcv-03", HealthFailing}, {"oauth-box", HealthReauth}, {"off_line", HealthDisabled},
		} {
			if health[tc.name] != tc.want {
				t.Errorf("%s: got health %q, want %q", tc.name, health[tc.name], tc.want)
			}
		}
		for _, tc := range []struct {
			name  string
			q     ListQuery
			total int64
			first string
		}{
			{"search by host", ListQuery{Search: "imap07"}, 1, "rcv-07"},
			{"underscore is literal", ListQuery{Search: "f_l"}, 1, "off_line"},
			{"sort by errors desc", ListQuery{Sort: "errors", Desc: true}, 27, "rcv-03"},
			{"sort by name desc", ListQuery{Sort: "name", Desc: true}, 27, "rcv-25"},
			{"unknown sort falls back to name", ListQuery{Sort: "password"}, 27, "oauth-box"},
		} {
			rows, total, err := s.ListReceivers(ctx, tc.q)
			if err != nil || total != tc.total || len(rows) == 0 || rows[0].Name != tc.first {
				t.Errorf("%s: got %d rows, first %v (%v), want %d, first %s", tc.name, total, rcvFirstName(rows), err, tc.total, tc.first)
			}
		}
		if rows[0].ApplicationName != "" {
			t.Errorf("a password receiver shows application %q", rows[0].ApplicationName)
		}
		inError, err := s.ReceiversInError(ctx)
		if err != nil || len(inError) != 1 || inError[0].Name != "rcv-03" {
			t.Fatalf("in error: got %v %v, want rcv-03 only", inError, err)
		}
	})
}

func rcvFirstName(rows []ReceiverRow) string {
	if len(rows) == 0 {
		return ""
	}
	return rows[0].Name
}

func TestListCollectRuns(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := rcvCreate(t, s, &Receiver{Name: "alpha", Host: "h"})
		b := rcvCreate(t, s, &Receiver{Name: "beta", Host: "h"})
		base := s.now().Add(-time.Hour)
		for i := 0; i < 5; i++ {
			end := base.Add(time.Duration(i)*time.Minute + 3*time.Second)
			run := CollectRun{ReceiverID: a.ID, TriggerKind: "schedule", StartedAt: base.Add(time.Duration(i) * time.Minute), EndedAt: &end, Retrieved: i}
			if i == 4 {
				run.ErrorClass, run.ErrorText = "authentication", "AUTHENTICATE failed"
			}
			if err := s.db.Create(&run).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := s.db.Create(&CollectRun{ReceiverID: b.ID, TriggerKind: "manual", StartedAt: base.Add(time.Hour)}).Error; err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name      string
			receiver  int64
			q         ListQuery
			total     int64
			first     string
			retrieved int
		}{
			{"all, newest first", 0, ListQuery{}, 6, "beta", 0},
			{"one receiver, newest first", a.ID, ListQuery{}, 5, "alpha", 4},
			{"oldest first", a.ID, ListQuery{Sort: "started"}, 5, "alpha", 0},
			{"search the error", 0, ListQuery{Search: "authenticate"}, 1, "alpha", 4},
		} {
			rows, total, err := s.ListCollectRuns(ctx, tc.receiver, tc.q)
			if err != nil || total != tc.total || len(rows) == 0 {
				t.Fatalf("%s: got %d rows of %d (%v), want %d", tc.name, len(rows), total, err, tc.total)
			}
			if rows[0].ReceiverName != tc.first || rows[0].Retrieved != tc.retrieved {
				t.Errorf("%s: got first %s retrieved %d, want %s %d", tc.name, rows[0].ReceiverName, rows[0].Retrieved, tc.first, tc.retrieved)
			}
		}
		rows, _, _ := s.ListCollectRuns(ctx, a.ID, ListQuery{})
		if rows[0].EndedAt == nil || rows[0].EndedAt.Sub(rows[0].StartedAt) != 3*time.Second || rows[0].ErrorClass != "authentication" {
			t.Fatalf("got %+v, want the run's end time and error read back", rows[0])
		}
		// A deleted receiver takes its runs with it.
		if err := s.DeleteReceiver(ctx, a.ID, nil); err != nil {
			t.Fatal(err)
		}
		if _, total, _ := s.ListCollectRuns(ctx, 0, ListQuery{}); total != 1 {
			t.Fatalf("after delete: got %d runs, want 1", total)
		}
	})
}

// TestReceiverNumericBounds: the store refuses numeric settings out of
// bounds whatever the caller, and a row holding them anyway reads back
// with a poll interval within bounds.
func TestReceiverNumericBounds(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ok := rcvCreate(t, s, &Receiver{Name: "bounded", Host: "imap.example.com", Login: "l"})
		for _, tc := range []struct {
			name string
			edit func(r *Receiver)
		}{
			{"poll interval overflowing", func(r *Receiver) { r.PollIntervalSeconds = 17446744073 }},
			{"poll interval past a day", func(r *Receiver) { r.PollIntervalSeconds = MaxPollIntervalSeconds + 1 }},
			{"poll interval too short", func(r *Receiver) { r.PollIntervalSeconds = 9 }},
			{"budget too large", func(r *Receiver) { r.Budget = MaxReceiverBudget + 1 }},
			{"port too large", func(r *Receiver) { r.Port = 65536 }},
			{"negative port", func(r *Receiver) { r.Port = -1 }},
			{"negative file size", func(r *Receiver) { r.FilesizeMax = -1 }},
			{"file size past the list", func(r *Receiver) { r.FilesizeMax = (MaxFilesizeMaxMio + 1) << 20 }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := &Receiver{Name: "new " + tc.name, Host: "imap.example.com", Login: "l"}
				tc.edit(r)
				if err := s.CreateReceiver(ctx, r, nil); !errors.Is(err, ErrInvalid) {
					t.Fatalf("create: got %v, want ErrInvalid", err)
				}
				up := *ok
				tc.edit(&up)
				if err := s.UpdateReceiver(ctx, &up, false, nil); !errors.Is(err, ErrInvalid) {
					t.Fatalf("update: got %v, want ErrInvalid", err)
				}
			})
		}
		got, err := s.Receiver(ctx, ok.ID)
		if err != nil || got.PollIntervalSeconds != DefaultPollInterval || got.Port != DefaultReceiverPort {
			t.Fatalf("got %+v %v, want the receiver unchanged", got, err)
		}
		for _, tc := range []struct {
			seconds int
			want    time.Duration
		}{{17446744073, 24 * time.Hour}, {-5, time.Minute}, {0, time.Minute}, {1, time.Second}, {90, 90 * time.Second}} {
			if got := (&Receiver{PollIntervalSeconds: tc.seconds}).PollInterval(); got != tc.want {
				t.Errorf("PollInterval of %d s: got %v, want %v", tc.seconds, got, tc.want)
			}
		}
	})
}

func TestReceiverImportAutoNotificationsIsKept(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		r := rcvCreate(t, s, &Receiver{Name: "alerts", IsActive: true, Host: "imap.example.com", Login: "alerts", ImportAutoNotifications: true})
		got, err := s.Receiver(ctx, r.ID)
		if err != nil || !got.ImportAutoNotifications {
			t.Fatalf("created: got %v (%v), want import automatic notifications on", got.ImportAutoNotifications, err)
		}
		got.ImportAutoNotifications = false
		if err := s.UpdateReceiver(ctx, got, false, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Receiver(ctx, r.ID); got.ImportAutoNotifications {
			t.Fatal("updated: still on, want off")
		}
	})
}

func TestReceiverFirstCollectBounds(t *testing.T) {
	forEachDialect(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, tc := range []struct {
			choice string
			days   int
			ok     bool
		}{
			{"", 0, true}, {FirstCollectAll, 0, true}, {FirstCollectNone, 0, true}, {FirstCollectRecent, 1, true},
			{FirstCollectRecent, MaxFirstCollectDays, true}, {FirstCollectRecent, -1, false},
			{FirstCollectRecent, MaxFirstCollectDays + 1, false}, {"everything", 7, false},
		} {
			r := &Receiver{Name: fmt.Sprintf("first %s %d", tc.choice, tc.days), Host: "imap.example.com", Login: "x", FirstCollect: tc.choice, FirstCollectDays: tc.days}
			err := s.CreateReceiver(ctx, r, nil)
			if (err == nil) != tc.ok {
				t.Errorf("%q %d days: got %v, want ok=%v", tc.choice, tc.days, err, tc.ok)
			}
			if err == nil {
				got, _ := s.Receiver(ctx, r.ID)
				if got.FirstCollect == "" || got.FirstCollectDays < 1 {
					t.Errorf("%q %d days: stored %q %d, want the defaults filled", tc.choice, tc.days, got.FirstCollect, got.FirstCollectDays)
				}
				got.FirstCollectDays = 0
				got.FirstCollect = "bogus"
				if err := s.UpdateReceiver(ctx, got, false, nil); err == nil {
					t.Errorf("update to a bogus choice was accepted")
				}
			}
		}
	})
}
