package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
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
