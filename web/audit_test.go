package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/oauthimap/oauthimap/internal/store"
)

// TestAuditEventWrittenWithItsChange: the console's own changes (users,
// blacklist) record their event about the row they made; when the event
// cannot be written the change is refused and not kept.
func TestAuditEventWrittenWithItsChange(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	c := a.client()
	c.login("admin")
	tok := c.token("/setup/blacklist")
	if r := c.post("/setup/blacklist", url.Values{"csrf_token": {tok}, "kind": {"address"}, "value": {"spam@example.com"}}); r.status != http.StatusSeeOther {
		t.Fatalf("blacklist add: got %d", r.status)
	}
	entries, _ := a.store.BlacklistEntries(ctx)
	if len(entries) != 1 {
		t.Fatalf("got %d entries, want 1", len(entries))
	}
	if ev, _ := a.store.AuditEvents(ctx, "blacklist", entries[0].ID, 10); len(ev) != 1 || ev[0].Kind != "blacklist.add" || ev[0].Actor != "admin" {
		t.Fatalf("events of the new entry: %+v", ev)
	}
	tok = c.token("/admin/users/new")
	if r := c.post("/admin/users", url.Values{"csrf_token": {tok}, "login": {"carol"}, "name": {"Carol"}, "role": {store.RoleTechnician}, "is_active": {"1"}, "password": {testPassword}}); r.status != http.StatusSeeOther {
		t.Fatalf("user add: got %d", r.status)
	}
	carol, err := a.store.UserByLogin(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if ev, _ := a.store.AuditEvents(ctx, "user", carol.ID, 10); len(ev) != 1 || ev[0].Kind != "user.create" {
		t.Fatalf("events of the new user: %+v", ev)
	}

	db, err := a.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DROP TABLE audit_events"); err != nil {
		t.Fatal(err)
	}
	tok = c.token("/setup/blacklist")
	if r := c.post("/setup/blacklist", url.Values{"csrf_token": {tok}, "kind": {"address"}, "value": {"other@example.com"}}); r.status != http.StatusInternalServerError {
		t.Fatalf("blacklist add without an audit log: got %d, want 500", r.status)
	}
	if entries, _ := a.store.BlacklistEntries(ctx); len(entries) != 1 {
		t.Fatalf("got %d entries, want the add without its event rolled back", len(entries))
	}
	tok = c.token("/admin/users/" + strconv.FormatInt(carol.ID, 10))
	if r := c.post("/admin/users/"+strconv.FormatInt(carol.ID, 10), url.Values{"csrf_token": {tok}, "name": {"Carol"}, "role": {store.RoleAdmin}, "is_active": {"1"}}); r.status != http.StatusInternalServerError {
		t.Fatalf("user update without an audit log: got %d, want 500", r.status)
	}
	if u, _ := a.store.User(ctx, carol.ID); u.Role != store.RoleTechnician {
		t.Fatalf("carol's role is %s, want the update without its event rolled back", u.Role)
	}
	tok = c.token("/setup/outbox")
	if r := c.post("/setup/outbox/settings", url.Values{"csrf_token": {tok}, "default_sender": {""}, "alarm_addresses": {"ops@example.com"}, "auto_per_hour": {"7"}}); r.status != http.StatusInternalServerError {
		t.Fatalf("outgoing mail settings without an audit log: got %d, want 500", r.status)
	}
	if v, _ := a.store.Setting(ctx, "outgoing.auto_mails_per_hour", ""); v == "7" {
		t.Fatal("the outgoing mail settings were saved without their event")
	}
}

// TestQuarantineRetentionAuditedWithItsChange: the retention is saved
// with its event, or not at all.
func TestQuarantineRetentionAuditedWithItsChange(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	c := a.client()
	c.login("admin")
	if r := c.post("/setup/quarantine/settings", url.Values{"csrf_token": {c.token("/setup/quarantine")}, "days": {"12"}}); r.status != http.StatusSeeOther {
		t.Fatalf("retention: got %d", r.status)
	}
	if ev, _ := a.store.AuditEvents(ctx, "setting", 0, 10); len(ev) != 1 || ev[0].Kind != "quarantine.retention" || ev[0].Actor != "admin" {
		t.Fatalf("retention events: %+v", ev)
	}
	db, err := a.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DROP TABLE audit_events"); err != nil {
		t.Fatal(err)
	}
	if r := c.post("/setup/quarantine/settings", url.Values{"csrf_token": {c.token("/setup/quarantine")}, "days": {"30"}}); r.status != http.StatusInternalServerError {
		t.Fatalf("retention without an audit log: got %d, want 500", r.status)
	}
	if days, err := a.h.desk.QuarantineDays(ctx); err != nil || days != 12 {
		t.Fatalf("retention is %d (%v), want 12 kept", days, err)
	}
}
