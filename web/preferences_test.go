package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
)

// Times are shown in the viewer's time zone: their own "My settings", or
// the one an administrator sets on the user form, else the server's. A
// name that is not a zone is refused next to the field, what was typed
// kept.
func TestTimesShownInTheViewersTimeZone(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	opened := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	tk := &store.Ticket{Title: "Printer on fire", Status: store.StatusNew, OpenedAt: opened}
	if err := a.store.CreateTicket(ctx, tk, nil); err != nil {
		t.Fatal(err)
	}
	page := "/tickets/" + itoa64(tk.ID)
	c := a.client()
	c.login("tech")
	if body := c.get(page).body; !strings.Contains(body, opened.In(time.Local).Format("2006-01-02 15:04")) {
		t.Fatalf("the ticket page does not show the opening time in the server's zone")
	}
	if r := c.get("/front/preference.php"); r.status != http.StatusOK || !strings.Contains(r.body, `id="time_zone"`) || !strings.Contains(r.body, `<label class="col-12 col-md-3 col-form-label" for="time_zone">Time zone</label>`) {
		t.Fatalf("My settings: status %d, no labelled time zone field", r.status)
	}
	r := c.post("/front/preference.php", url.Values{"time_zone": {"Europe/Nowhere"}, "csrf_token": {c.token("/front/preference.php")}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "This is not a time zone name") || !strings.Contains(r.body, `value="Europe/Nowhere"`) {
		t.Fatalf("a wrong zone: status %d, message or typed value missing", r.status)
	}
	r = c.post("/front/preference.php", url.Values{"time_zone": {"Europe/Paris"}, "csrf_token": {c.token("/front/preference.php")}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("saving My settings: status %d\n%s", r.status, r.body)
	}
	if body := c.get(page).body; !strings.Contains(body, "2026-01-15 13:00") {
		t.Fatal("the ticket page does not show the opening time in Europe/Paris (13:00)")
	}
	if u, _ := a.store.User(ctx, a.tech.ID); u.TimeZone != "Europe/Paris" {
		t.Fatalf("stored time zone %q", u.TimeZone)
	}

	// An administrator sets it on the user form; the technician's pages follow.
	admin := a.client()
	admin.login("admin")
	userPage := "/admin/users/" + itoa64(a.tech.ID)
	if body := admin.get(userPage).body; !strings.Contains(body, `value="Europe/Paris"`) {
		t.Fatal("the user form does not show the user's time zone")
	}
	r = admin.post(userPage, url.Values{"name": {"Tim Tech"}, "role": {"technician"}, "is_active": {"1"}, "time_zone": {"America/New_York"}, "csrf_token": {admin.token(userPage)}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("saving the user form: status %d\n%s", r.status, r.body)
	}
	if body := c.get(page).body; !strings.Contains(body, "2026-01-15 07:00") {
		t.Fatal("the ticket page does not show the opening time in America/New_York (07:00)")
	}
	r = admin.post(userPage, url.Values{"name": {"Tim Tech"}, "role": {"technician"}, "is_active": {"1"}, "time_zone": {"Mars/Olympus"}, "csrf_token": {admin.token(userPage)}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "This is not a time zone name") || !strings.Contains(r.body, `value="Mars/Olympus"`) {
		t.Fatalf("a wrong zone on the user form: status %d", r.status)
	}
}
