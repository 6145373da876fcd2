package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

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
