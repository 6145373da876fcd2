package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/store"
)

func TestBlacklistAddAndDelete(t *testing.T) {
	a := newDeskApp(t)
	c := a.client()
	c.login("admin")
	tok := c.token("/setup/blacklist")
	tests := []struct {
		name, kind, value string
		want              int
		msg               string
	}{
		{"address", "address", " Spam@Example.com ", http.StatusSeeOther, ""},
		{"same address again", "address", "spam@example.com", http.StatusUnprocessableEntity, "already exists"},
		{"domain", "domain", "@junk.example", http.StatusSeeOther, ""},
		{"not an address", "address", "nobody", http.StatusUnprocessableEntity, "is not an e-mail address"},
		{"pattern matching everyone", "pattern", "*", http.StatusUnprocessableEntity, "would match every sender"},
		{"unknown kind", "regex", "x", http.StatusUnprocessableEntity, "unknown blacklist kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.post("/setup/blacklist", url.Values{"csrf_token": {tok}, "kind": {tt.kind}, "value": {tt.value}})
			if r.status != tt.want || !strings.Contains(r.body, tt.msg) {
				t.Fatalf("got %d, want %d with %q", r.status, tt.want, tt.msg)
			}
		})
	}
	entries, _ := a.store.BlacklistEntries(context.Background())
	if len(entries) != 2 || entries[0].Value != "spam@example.com" || entries[1].Value != "junk.example" {
		t.Fatalf("got %+v, want the two normalised entries", entries)
	}
	page := c.get("/setup/blacklist").body
	if !strings.Contains(page, "spam@example.com") || !strings.Contains(page, "Domain") {
		t.Fatal("the list does not show the entries")
	}
	if r := c.post("/setup/blacklist/"+itoa64(entries[0].ID)+"/delete", url.Values{"csrf_token": {tok}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: got %d", r.status)
	}
	if left, _ := a.store.BlacklistEntries(context.Background()); len(left) != 1 {
		t.Fatalf("got %d entries after delete, want 1", len(left))
	}
}

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

// TestBlacklistedMailContent: an administrator adds a block of text; the
// next mail that carries it arrives without it; a bad entry is refused
// with its reason and the typed values kept.
func TestBlacklistedMailContent(t *testing.T) {
	a := newDeskApp(t)
	c := a.client()
	c.login("admin")
	page := c.get("/setup/blacklistedmailcontent")
	for _, want := range []string{`<label class="form-label required" for="bc-content">Content</label>`, "No blacklisted mail content", `href="/setup/blacklistedmailcontent"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	tok := c.token("/setup/blacklistedmailcontent")
	if r := c.post("/setup/blacklistedmailcontent", url.Values{"csrf_token": {tok}, "name": {"Footer"}, "content": {"  "}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "The content is mandatory.") || !strings.Contains(r.body, `value="Footer"`) {
		t.Fatalf("empty content: got %d", r.status)
	}
	footer := "This message is confidential.\nIf you are not the addressee, delete it."
	if r := c.post("/setup/blacklistedmailcontent", url.Values{"csrf_token": {tok}, "name": {"Legal footer"}, "content": {footer}, "comment": {"Legal asked"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add: got %d", r.status)
	}
	s := a.importMail(plainMail("alice@example.com", "Scanner", "bc-1@a", "The scanner is offline.\r\n\r\nThis message is confidential. If you are not the\r\naddressee, delete it."))
	tk, err := a.store.Ticket(context.Background(), s.TicketID)
	if err != nil || !strings.Contains(tk.Content, "The scanner is offline.") || strings.Contains(tk.Content, "confidential") {
		t.Fatalf("got content %q (%v), want the footer removed", tk.Content, err)
	}
	page = c.get("/setup/blacklistedmailcontent")
	if !strings.Contains(page.body, "Legal footer") || !strings.Contains(page.body, "Legal asked") {
		t.Fatal("the list does not show the new entry")
	}
	blocks, _ := a.store.BlacklistedMailContents(context.Background())
	if len(blocks) != 1 {
		t.Fatalf("got %d blocks, want 1", len(blocks))
	}
	del := fmt.Sprintf("/setup/blacklistedmailcontent/%d/delete", blocks[0].ID)
	if r := c.post(del, url.Values{"csrf_token": {c.token("/setup/blacklistedmailcontent")}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: got %d", r.status)
	}
	if blocks, _ := a.store.BlacklistedMailContents(context.Background()); len(blocks) != 0 {
		t.Fatalf("got %d blocks after delete, want 0", len(blocks))
	}
}

// TestDocumentTypes: with no type listed every file is imported; once
// PDF is listed, another file is left out with GLPI's note; bad entries
// are refused with their reason.
func TestDocumentTypes(t *testing.T) {
	a := newDeskApp(t)
	c := a.client()
	c.login("admin")
	mailWith := func(id string) []byte {
		return []byte("From: alice@example.com\r\nTo: helpdesk@example.com\r\nSubject: Files\r\nMessage-ID: <" + id + ">\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
			"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\r\n" +
			"--b\r\nContent-Type: application/x-msdownload\r\nContent-Disposition: attachment; filename=\"b.exe\"\r\n\r\nMZ\r\n--b--\r\n")
	}
	ctx := context.Background()
	s := a.importMail(mailWith("dt-1@a"))
	if docs, _ := a.store.TicketDocuments(ctx, s.TicketID); len(docs) != 2 {
		t.Fatalf("no type listed: got %d documents, want 2", len(docs))
	}
	if page := c.get("/setup/documenttypes").body; !strings.Contains(page, "every attached file is imported") || !strings.Contains(page, `<label class="form-label" for="dt-mime">MIME type</label>`) {
		t.Fatal("the empty page does not say that every file is imported")
	}
	tok := c.token("/setup/documenttypes")
	for form, want := range map[string]string{"": "Give an extension or a MIME type.", "mime=pdf": "The MIME type must look like application/pdf or image/*.",
		"ext=a.b": "The extension must be a short word without dots or spaces, like pdf."} {
		v := url.Values{"csrf_token": {tok}, "name": {"PDF"}}
		if k, val, ok := strings.Cut(form, "="); ok {
			v.Set(k, val)
		}
		if r := c.post("/setup/documenttypes", v); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) {
			t.Errorf("%q: got %d, want 422 saying %q", form, r.status, want)
		}
	}
	if r := c.post("/setup/documenttypes", url.Values{"csrf_token": {tok}, "name": {"PDF"}, "ext": {".PDF"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add: got %d", r.status)
	}
	s = a.importMail(mailWith("dt-2@a"))
	docs, _ := a.store.TicketDocuments(ctx, s.TicketID)
	tk, _ := a.store.Ticket(ctx, s.TicketID)
	if len(docs) != 1 || docs[0].Name != "a.pdf" || !strings.Contains(tk.Content, "Invalid attached file: b.exe (application/x-msdownload)") {
		t.Fatalf("PDF listed: got %d documents and content %q, want a.pdf only and a note for b.exe", len(docs), tk.Content)
	}
	types, _ := a.store.DocumentTypes(ctx)
	if len(types) != 1 || types[0].Ext != "pdf" {
		t.Fatalf("got %+v, want the extension stored as pdf", types)
	}
	if r := c.post(fmt.Sprintf("/setup/documenttypes/%d/delete", types[0].ID), url.Values{"csrf_token": {c.token("/setup/documenttypes")}}); r.status != http.StatusSeeOther {
		t.Fatalf("delete: got %d", r.status)
	}
}
