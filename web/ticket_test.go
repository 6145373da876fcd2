package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/docstore"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// newDeskApp is the console with the helpdesk service wired in.
func newDeskApp(t *testing.T) *testApp {
	t.Helper()
	a := newTestApp(t)
	docs, err := docstore.New(filepath.Join(t.TempDir(), "docs"))
	if err != nil {
		t.Fatal(err)
	}
	a.h.desk = helpdesk.New(a.store, docs)
	return a
}

// importMail decides and saves raw as the collector does, with no receiver.
func (a *testApp) importMail(raw []byte) helpdesk.Saved {
	a.t.Helper()
	return a.importMailVia(nil, raw)
}

// importMailVia decides and saves raw as receiver r (nil: none) would.
func (a *testApp) importMailVia(r *store.Receiver, raw []byte) helpdesk.Saved {
	a.t.Helper()
	ctx := context.Background()
	set, err := a.h.desk.Settings(ctx, r)
	if err != nil {
		a.t.Fatal(err)
	}
	var saved helpdesk.Saved
	err = a.store.InTx(ctx, func(tx *store.Store) error {
		d, err := ingest.Decide(ctx, raw, set, helpdesk.Knowledge(tx), time.Now())
		if err != nil {
			return err
		}
		var rid int64
		if r != nil {
			rid = r.ID
		}
		saved, err = a.h.desk.Save(ctx, tx, rid, raw, d)
		return err
	})
	if err != nil {
		a.t.Fatal(err)
	}
	return saved
}

func corpus(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "ingest", "testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func plainMail(from, subject, msgID, body string) []byte {
	return []byte("From: " + from + "\r\nTo: helpdesk@example.com\r\nSubject: " + subject + "\r\nMessage-ID: <" + msgID +
		">\r\nDate: Tue, 03 Mar 2026 09:15:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
}

func ticketURL(id int64) string { return "/tickets/" + strconv.FormatInt(id, 10) }

func TestTicketListSearchAndFilters(t *testing.T) {
	a := newDeskApp(t)
	one := a.importMail(plainMail("Alice <alice@example.com>", "Printer jammed", "p1@a", "The tray is stuck."))
	two := a.importMail(plainMail("bob@example.com", "VPN down", "v1@b", "No tunnel since Monday."))
	if _, err := a.store.SetTicketStatus(context.Background(), two.TicketID, store.StatusSolved, 0, store.EventStatus); err != nil {
		t.Fatal(err)
	}
	c := a.client()
	c.login("tech")
	tests := []struct {
		name      string
		path      string
		want, not []string
	}{
		{"all", "/tickets", []string{"Printer jammed", "VPN down", "Alice &lt;alice@example.com&gt;", "Showing 1 to 2 of 2 rows"}, nil},
		{"search in content", "/tickets?q=tunnel", []string{"VPN down"}, []string{"Printer jammed"}},
		{"search by requester", "/tickets?q=alice", []string{"Printer jammed"}, []string{"VPN down"}},
		{"status filter", "/tickets?status=5", []string{"VPN down", `<option value="5" selected`}, []string{"Printer jammed"}},
		{"sorted by title, descending", "/tickets?sort=title&order=desc", []string{"VPN down"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.get(tt.path)
			if r.status != http.StatusOK {
				t.Fatalf("got %d, want 200", r.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(r.body, n) {
					t.Errorf("the page shows %q", n)
				}
			}
		})
	}
	r := c.get("/tickets?sort=title&order=desc")
	if strings.Index(r.body, "VPN down") > strings.Index(r.body, "Printer jammed") {
		t.Fatal("descending title sort shows Printer first")
	}
	if !strings.Contains(r.body, `href="`+ticketURL(one.TicketID)+`"`) {
		t.Fatal("the list does not link to the ticket")
	}
}

func TestTicketPageStatusAndFollowup(t *testing.T) {
	a := newDeskApp(t)
	s := a.importMail(plainMail("Alice <alice@example.com>", "Printer jammed", "p1@a", "The tray is stuck."))
	c := a.client()
	c.login("tech")
	r := c.get(ticketURL(s.TicketID))
	for _, w := range []string{"Printer jammed", "The tray is stuck.", "Why: New ticket", "Alice &lt;alice@example.com&gt;", "E-Mail", "Medium", ">New<"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the ticket page lacks %q", w)
		}
	}
	tok := c.token(ticketURL(s.TicketID))
	if r := c.post(ticketURL(s.TicketID)+"/status", url.Values{"csrf_token": {tok}, "status": {"4"}}); r.status != http.StatusSeeOther {
		t.Fatalf("status change: got %d, want 303", r.status)
	}
	if r := c.post(ticketURL(s.TicketID)+"/status", url.Values{"csrf_token": {tok}, "status": {"42"}}); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown status: got %d, want 422", r.status)
	}
	r = c.post(ticketURL(s.TicketID)+"/followups", url.Values{"csrf_token": {tok}, "content": {"Reboot <b>it</b>\nthen call"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("follow-up: got %d, want 303", r.status)
	}
	if r := c.post(ticketURL(s.TicketID)+"/followups", url.Values{"csrf_token": {tok}, "content": {"   "}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Write the follow-up first.") {
		t.Fatalf("empty follow-up: got %d, want 422 with a message", r.status)
	}
	r = c.get(ticketURL(s.TicketID))
	for _, w := range []string{"Status changed from New to Pending.", "Reboot &lt;b&gt;it&lt;/b&gt;<br>", "Tim Tech", ">Pending<"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("after the actions, the page lacks %q", w)
		}
	}
	if strings.Contains(r.body, "<b>it</b>") {
		t.Fatal("a staff follow-up was rendered as HTML")
	}
	if r := c.get("/tickets/999999"); r.status != http.StatusNotFound {
		t.Fatalf("missing ticket: got %d, want 404", r.status)
	}
}

var docLinkRE = regexp.MustCompile(`href="/documents/(\d+)"[^>]*>\s*<i class="ti ti-paperclip"></i>\s*<span class="text-break">([^<]+)</span>`)

// TestTicketShowsEveryReceiverOfItsMail: a mail collected by two
// receivers is one ticket whose page names both.
func TestTicketShowsEveryReceiverOfItsMail(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	var rcv []*store.Receiver
	for _, name := range []string{"Support desk", "Sales desk"} {
		r := &store.Receiver{Name: name, IsActive: false, Host: "imap.example.com", Login: strings.ToLower(name[:5]) + "@example.com"}
		if err := a.store.CreateReceiver(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		rcv = append(rcv, r)
	}
	raw := plainMail("Erik <erik@example.no>", "Quote for 40 laptops", "quote-77@example.no", "We need 40 laptops.")
	one, two := a.importMailVia(rcv[0], raw), a.importMailVia(rcv[1], append([]byte("Delivered-To: sales@example.com\r\n"), raw...))
	if one.TicketID == 0 || two.TicketID != one.TicketID {
		t.Fatalf("got tickets %d and %d, want one ticket", one.TicketID, two.TicketID)
	}
	c := a.client()
	c.login("tech")
	if r := c.get(ticketURL(one.TicketID)); !strings.Contains(r.body, "Support desk, Sales desk") {
		t.Errorf("the ticket page does not name both receivers:\n%s", r.body)
	}
}

// TestShowOriginal: an administrator downloads the raw mail of a ticket
// and of a follow-up, as an attachment that is never rendered, each
// download audited; a technician sees no link and is refused.
func TestShowOriginal(t *testing.T) {
	a := newDeskApp(t)
	ctx := context.Background()
	first := plainMail("Alice <alice@example.com>", "Printer jammed", "orig-1@a", "The tray is stuck. <script>alert(1)</script>")
	s := a.importMail(first)
	reply := []byte("In-Reply-To: <orig-1@a>\r\n" + string(plainMail("Alice <alice@example.com>", "Re: Printer jammed", "orig-2@a", "Still stuck.")))
	f := a.importMail(reply)
	if f.FollowupID == 0 || f.TicketID != s.TicketID {
		t.Fatalf("got %+v, want a follow-up of ticket %d", f, s.TicketID)
	}
	adm := a.client()
	adm.login("admin")
	page := adm.get(ticketURL(s.TicketID)).body
	ticketOrig := ticketURL(s.TicketID) + "/original"
	followOrig := fmt.Sprintf("%s/followups/%d/original", ticketURL(s.TicketID), f.FollowupID)
	for _, want := range []string{`href="` + ticketOrig + `"`, `href="` + followOrig + `"`, "Download the original mail (.eml)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the administrator's ticket page lacks %s", want)
		}
	}
	for path, want := range map[string][]byte{ticketOrig: first, followOrig: reply} {
		r := adm.get(path)
		if r.status != http.StatusOK || r.body != string(want) {
			t.Fatalf("%s: got %d with %d bytes, want 200 and the raw mail", path, r.status, len(r.body))
		}
		for k, v := range map[string]string{"Content-Type": "message/rfc822", "X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": "default-src 'none'; sandbox"} {
			if got := r.header.Get(k); got != v {
				t.Errorf("%s: %s is %q, want %q", path, k, got, v)
			}
		}
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".eml") {
			t.Errorf("%s: Content-Disposition %q, want an .eml attachment", path, cd)
		}
	}
	ev, _ := a.store.AuditEvents(ctx, "ticket", s.TicketID, 10)
	n := 0
	for _, e := range ev {
		if e.Kind == "ticket.original" && e.Actor == "admin" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("got %d audit events of original downloads, want 2: %+v", n, ev)
	}
	// A follow-up of another ticket, an unknown one, a staff follow-up: 404.
	other := a.importMail(plainMail("bob@example.com", "Other", "orig-3@b", "Other."))
	for _, path := range []string{fmt.Sprintf("%s/followups/%d/original", ticketURL(other.TicketID), f.FollowupID),
		ticketURL(999999) + "/original"} {
		if r := adm.get(path); r.status != http.StatusNotFound {
			t.Errorf("%s: got %d, want 404", path, r.status)
		}
	}
	tech := a.client()
	tech.login("tech")
	if page := tech.get(ticketURL(s.TicketID)).body; strings.Contains(page, "/original") {
		t.Error("a technician's ticket page offers the original mail")
	}
	if r := tech.get(ticketOrig); r.status == http.StatusOK {
		t.Errorf("a technician downloaded the original mail (%d)", r.status)
	}
}

func TestAttachmentDownloadHeaders(t *testing.T) {
	a := newDeskApp(t)
	raw := "From: alice@example.com\r\nTo: helpdesk@example.com\r\nSubject: Files\r\nMessage-ID: <f@a>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
		"--b\r\nContent-Type: text/html; name=\"page.html\"\r\nContent-Disposition: attachment; filename=\"page.html\"\r\n\r\n<script>alert(1)</script>\r\n" +
		"--b\r\nContent-Type: image/svg+xml; name=\"x.svg\"\r\nContent-Disposition: attachment; filename=\"x.svg\"\r\n\r\n<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>\r\n--b--\r\n"
	s := a.importMail([]byte(raw))
	c := a.client()
	c.login("tech")
	page := c.get(ticketURL(s.TicketID)).body
	links := docLinkRE.FindAllStringSubmatch(page, -1)
	if len(links) < 2 {
		t.Fatalf("got %d document links, want 2", len(links))
	}
	seen := map[string]bool{}
	for _, l := range links {
		r := c.get("/documents/" + l[1])
		name := l[2]
		if seen[name] {
			continue
		}
		seen[name] = true
		wantType := map[string]string{"page.html": "text/html", "x.svg": "image/svg+xml"}[name]
		checks := []struct{ header, want string }{
			{"Content-Type", wantType},
			{"Content-Disposition", `attachment; filename=` + name},
			{"X-Content-Type-Options", "nosniff"},
			{"Content-Security-Policy", "sandbox"},
		}
		if r.status != http.StatusOK {
			t.Fatalf("%s: got %d", name, r.status)
		}
		for _, ck := range checks {
			if got := r.header.Get(ck.header); !strings.Contains(got, ck.want) {
				t.Errorf("%s: %s is %q, want it to contain %q", name, ck.header, got, ck.want)
			}
		}
		if !strings.Contains(r.body, "alert(1)") {
			t.Errorf("%s: got body %q, want the file's bytes unchanged", name, r.body)
		}
	}
	if len(seen) != 2 {
		t.Fatalf("got documents %v", seen)
	}
	anon := a.client()
	if r := anon.get("/documents/" + links[0][1]); r.status != http.StatusSeeOther {
		t.Fatalf("anonymous download: got %d, want a redirect to login", r.status)
	}
}

func TestInlineAndRemoteImages(t *testing.T) {
	a := newDeskApp(t)
	s := a.importMail(corpus(t, "inline-images.eml"))
	c := a.client()
	c.login("tech")
	r := c.get(ticketURL(s.TicketID))
	if !regexp.MustCompile(`<img[^>]+src="/documents/\d+"`).MatchString(r.body) {
		t.Fatal("the inline image is not shown in place")
	}
	if strings.Contains(r.body, ` src="https://tracker.example.net`) || strings.Contains(r.header.Get("Content-Security-Policy"), "https:") {
		t.Fatal("a remote image loads without being asked for")
	}
	if !strings.Contains(r.body, "Show remote images") {
		t.Fatal("no way to show the blocked remote image")
	}
	r = c.get(ticketURL(s.TicketID) + "?images=remote")
	if !strings.Contains(r.body, ` src="https://tracker.example.net/p.gif?u=alice"`) {
		t.Fatal("asked for, the remote image still has no source")
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https:") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("got CSP %q, want https images allowed and scripts still ours only", csp)
	}
}

func TestTechnicianOnTicketsNotOnSetup(t *testing.T) {
	a := newDeskApp(t)
	c := a.client()
	c.login("tech")
	tests := []struct {
		path string
		want int
	}{
		{"/tickets", http.StatusOK},
		{"/setup/blacklist", http.StatusForbidden},
		{"/setup/quarantine", http.StatusForbidden},
	}
	for _, tt := range tests {
		if r := c.get(tt.path); r.status != tt.want {
			t.Errorf("%s as a technician: got %d, want %d", tt.path, r.status, tt.want)
		}
	}
	home := c.get("/").body
	if !strings.Contains(home, `href="/tickets"`) || strings.Contains(home, `href="/setup/quarantine"`) || strings.Contains(home, `href="/setup/blacklist"`) {
		t.Fatal("a technician's menu must offer Tickets and no Setup page")
	}
	ad := a.client()
	ad.login("admin")
	if home := ad.get("/").body; !strings.Contains(home, `href="/setup/quarantine"`) || !strings.Contains(home, `href="/setup/blacklist"`) {
		t.Fatal("an administrator's menu must offer the blacklist and the quarantine")
	}
}

// The requester's mail reply to a solved ticket reopens it, and the
// timeline says so.
func TestRequesterReplyReopensSolvedTicketTimeline(t *testing.T) {
	a := newDeskApp(t)
	s := a.importMail(plainMail("Alice <alice@example.com>", "Printer jammed", "p1@a", "The tray is stuck."))
	c := a.client()
	c.login("tech")
	tok := c.token(ticketURL(s.TicketID))
	if r := c.post(ticketURL(s.TicketID)+"/status", url.Values{"csrf_token": {tok}, "status": {strconv.Itoa(store.StatusSolved)}}); r.status != http.StatusSeeOther {
		t.Fatalf("solve: got %d", r.status)
	}
	reply := plainMail("Alice <alice@example.com>", "Re: Printer jammed", "p2@a", "Still stuck.")
	reply = []byte(strings.Replace(string(reply), "Message-ID:", "In-Reply-To: <p1@a>\r\nMessage-ID:", 1))
	if got := a.importMail(reply); got.FollowupID == 0 || got.TicketID != s.TicketID {
		t.Fatalf("the reply was saved as %+v, want a follow-up of ticket %d", got, s.TicketID)
	}
	r := c.get(ticketURL(s.TicketID))
	for _, w := range []string{"The requester answered by e-mail: the solved ticket is reopened (Solved to New).", "Still stuck.", ">New<"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the ticket page lacks %q", w)
		}
	}
}
