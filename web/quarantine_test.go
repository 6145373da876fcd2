package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/store"
)

var importFormRE = regexp.MustCompile(`action="/setup/quarantine/(\d+)/import"`)

func TestQuarantineImportDeleteAndRetention(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	a.store.AddBlacklistEntry(ctx, &store.BlacklistEntry{Kind: "domain", Value: "spam.example"})
	first := a.importMail(plainMail("x@spam.example", "Buy now", "s1@x", "cheap"))
	second := a.importMail(plainMail("y@spam.example", "Buy again", "s2@y", "cheaper"))
	if first.QuarantineID == 0 || second.QuarantineID == 0 {
		t.Fatal("the blacklisted mails were not quarantined")
	}
	c := a.client()
	c.login("admin")
	page := c.get("/setup/quarantine")
	for _, w := range []string{"x@spam.example", "Buy now", "blacklisted", "Sender x@spam.example is blacklisted", `value="90"`} {
		if !strings.Contains(page.body, w) {
			t.Errorf("the quarantine page lacks %q", w)
		}
	}
	if n := len(importFormRE.FindAllString(page.body, -1)); n != 2 {
		t.Fatalf("got %d Import anyway buttons, want 2", n)
	}
	tok := c.token("/setup/quarantine")
	r := c.post("/setup/quarantine/"+itoa64(first.QuarantineID)+"/import", url.Values{"csrf_token": {tok}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/tickets/") {
		t.Fatalf("import: got %d to %q, want a redirect to the new ticket", r.status, r.header.Get("Location"))
	}
	if t2 := c.get(r.header.Get("Location")); !strings.Contains(t2.body, "Buy now") {
		t.Fatal("the imported ticket does not show the mail")
	}
	if r := c.post("/setup/quarantine/"+itoa64(second.QuarantineID)+"/delete", url.Values{"csrf_token": {tok}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: got %d", r.status)
	}
	if _, total, _ := a.store.ListQuarantine(ctx, store.ListQuery{}); total != 0 {
		t.Fatalf("got %d quarantined mails left, want 0", total)
	}
	if r := c.post("/setup/quarantine/settings", url.Values{"csrf_token": {tok}, "days": {"0"}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("retention 0: got %d, want 422", r.status)
	}
	if r := c.post("/setup/quarantine/settings", url.Values{"csrf_token": {tok}, "days": {"30"}}); r.status != http.StatusSeeOther {
		t.Fatalf("retention 30: got %d, want 303", r.status)
	}
	if days, _ := a.h.desk.QuarantineDays(ctx); days != 30 {
		t.Fatalf("got retention %d, want 30", days)
	}
}

func itoa64(n int64) string { return ticketURL(n)[len("/tickets/"):] }

// TestQuarantineWordsColumnsAndBulk: the reason reads as words with its
// code as tooltip, the Message-ID and Requester columns are there, and
// the ticked mails are imported or deleted together, each one audited;
// the bulk form needs its form token like any other.
func TestQuarantineWordsColumnsAndBulk(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	a.store.AddBlacklistEntry(ctx, &store.BlacklistEntry{Kind: "domain", Value: "spam.example"})
	a.store.EnsureContact(ctx, "x@spam.example", "Xavier Spammer")
	var ids []int64
	for i, from := range []string{"x@spam.example", "y@spam.example", "z@spam.example"} {
		s := a.importMail(plainMail(from, "Offer "+strconv.Itoa(i), "offer"+strconv.Itoa(i)+"@spam.example", "cheap"))
		if s.QuarantineID == 0 {
			t.Fatal("the blacklisted mail was not quarantined")
		}
		ids = append(ids, s.QuarantineID)
	}
	c := a.client()
	c.login("admin")
	page := c.get("/setup/quarantine").body
	for _, w := range []string{">Blacklisted sender<", `title="blacklisted"`, "Message-ID", "offer1@spam.example", "Requester", "Xavier Spammer", `form="quarantine-bulk"`} {
		if !strings.Contains(page, w) {
			t.Errorf("the page lacks %s", w)
		}
	}
	if strings.Contains(page, ">blacklisted<") {
		t.Error("the page shows the code blacklisted as text")
	}
	tok := c.token("/setup/quarantine")
	if r := c.post("/setup/quarantine/bulk", url.Values{"action": {"delete"}, "ids": {itoa64(ids[0])}}); r.status != http.StatusForbidden {
		t.Fatalf("without the form token: got %d, want 403", r.status)
	}
	if r := c.post("/setup/quarantine/bulk", url.Values{"csrf_token": {tok}, "action": {"delete"}}); r.status != http.StatusSeeOther {
		t.Fatalf("nothing ticked: got %d, want back to the list", r.status)
	}
	if !strings.Contains(c.get("/setup/quarantine").body, "Select at least one email first.") {
		t.Error("nothing ticked must say so")
	}
	if r := c.post("/setup/quarantine/bulk", url.Values{"csrf_token": {tok}, "action": {"delete"}, "ids": {itoa64(ids[0])}}); r.status != http.StatusSeeOther {
		t.Fatalf("bulk delete: got %d", r.status)
	}
	r := c.post("/setup/quarantine/bulk", url.Values{"csrf_token": {tok}, "action": {"import"}, "ids": {itoa64(ids[1]), itoa64(ids[2]), itoa64(ids[0])}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("bulk import: got %d", r.status)
	}
	page = c.get("/setup/quarantine").body
	if !strings.Contains(page, "2 emails were imported, into tickets") || !strings.Contains(page, "1 email was already gone.") {
		t.Errorf("the list does not say what the import did:\n%s", page)
	}
	if _, total, _ := a.store.ListQuarantine(ctx, store.ListQuery{}); total != 0 {
		t.Fatalf("got %d quarantined mails left, want 0", total)
	}
	if _, total, _, _ := a.store.ListTickets(ctx, store.TicketFilter{}); total != 2 {
		t.Fatalf("got %d tickets, want the 2 imported", total)
	}
	if ev, _ := a.store.AuditEvents(ctx, "quarantine", ids[0], 10); len(ev) != 1 || ev[0].Kind != "quarantine.delete" {
		t.Fatalf("got audit %+v, want the delete", ev)
	}
	if r := c.post("/setup/quarantine/bulk", url.Values{"csrf_token": {tok}, "action": {"drop table"}, "ids": {"1"}}); r.status != http.StatusBadRequest {
		t.Fatalf("unknown action: got %d, want 400", r.status)
	}
}
