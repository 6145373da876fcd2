package helpdesk

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
)

func TestAlarmsOncePerChangeThenDailyNeverThroughTheFailingMailbox(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		admin := &store.User{Login: "ada", Name: "Ada", Email: "ada@example.com", Role: store.RoleAdmin, IsActive: true}
		if err := d.st.CreateUser(ctx, admin, "a-long-password-1"); err != nil {
			t.Fatal(err)
		}
		d.st.SetSetting(ctx, SettingAlarmAddresses, "ops@example.com, ADA@example.com")
		failing := d.receiver("broken@example.com", "broken@example.com", false)
		d.sending(failing)
		db, _ := d.st.SQLDB()
		setState := func(state, class string) {
			if _, err := db.Exec(`UPDATE receivers SET state = ?, error_class = ?, last_error = 'connect: connection refused' WHERE id = ?`, state, class, failing.ID); err != nil {
				t.Fatal(err)
			}
		}
		setState("failing", "network")
		now := time.Now()
		run, err := d.svc.SendAlarms(ctx, now)
		if err != nil || run.Queued != 0 || len(run.Skipped) != 1 || !strings.Contains(run.Skipped[0], "Receiver broken@example.com is in error: no sender can carry it") {
			t.Fatalf("only the failing mailbox sends: %+v %v", run, err)
		}
		// The skipped alarm is kept for the queue page, in words.
		if at, whys, err := d.svc.SkippedAlarms(ctx); err != nil || at.Unix() != now.Unix() || len(whys) != 1 || whys[0] != run.Skipped[0] {
			t.Fatalf("skipped alarms kept: %v %q %v", at, whys, err)
		}
		healthy := d.receiver("support@example.com", "support@example.com", false)
		d.sending(healthy)
		run, _ = d.svc.SendAlarms(ctx, now)
		if _, whys, _ := d.svc.SkippedAlarms(ctx); len(whys) != 0 {
			t.Fatalf("an alarm mailed is still listed as skipped: %q", whys)
		}
		alarms := d.outbox(store.MailAlarm)
		if run.Queued != 1 || len(alarms) != 1 || *alarms[0].ReceiverID != healthy.ID || alarms[0].Recipients != "ada@example.com, ops@example.com" {
			t.Fatalf("run %+v, alarms %+v", run, alarms)
		}
		raw := string(alarms[0].Raw)
		for _, want := range []string{"Subject: [GLPI] Receiver broken@example.com is in error", "Auto-Submitted: auto-generated", "cannot collect mail: connect"} {
			if !strings.Contains(raw, want) {
				t.Errorf("alarm lacks %q:\n%s", want, raw)
			}
		}
		if run, _ = d.svc.SendAlarms(ctx, now.Add(time.Hour)); run.Queued != 0 {
			t.Fatal("an unchanged alarm was mailed again within the day")
		}
		setState("reauth_required", "reauth_required")
		if run, _ = d.svc.SendAlarms(ctx, now.Add(2*time.Hour)); run.Queued != 1 {
			t.Fatal("a change of state must be mailed at once")
		}
		if run, _ = d.svc.SendAlarms(ctx, now.Add(27*time.Hour)); run.Queued != 1 {
			t.Fatal("the daily reminder is missing")
		}
		setState("ok", "")
		if run, _ = d.svc.SendAlarms(ctx, now.Add(28*time.Hour)); run.Queued != 0 {
			t.Fatal("a receiver back to normal raised an alarm")
		}
		setState("failing", "network")
		if run, _ = d.svc.SendAlarms(ctx, now.Add(29*time.Hour)); run.Queued != 1 {
			t.Fatal("a new failure after recovery must be mailed at once")
		}
		// A client secret that expires within 30 days.
		exp := now.Add(10 * 24 * time.Hour)
		app := &store.Application{Name: "Contoso", IsActive: true, Provider: "azure", Cloud: "global", ClientID: "00000000-0000-0000-0000-000000000001", ClientSecret: "s", ClientSecretExpiresAt: &exp}
		if err := d.st.CreateApplication(ctx, app, nil); err != nil {
			t.Fatal(err)
		}
		if run, _ = d.svc.SendAlarms(ctx, now.Add(30*time.Hour)); run.Queued != 1 {
			t.Fatalf("secret expiring: %+v", run)
		}
		last := d.outbox(store.MailAlarm)
		found := false
		for _, m := range last {
			found = found || strings.Contains(m.Subject, "The client secret of Contoso expires on")
		}
		if !found {
			t.Error("no alarm about the client secret")
		}
	})
}
