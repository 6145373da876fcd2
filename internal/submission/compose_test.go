package submission

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"
)

func TestComposeHeadersRoundTrip(t *testing.T) {
	raw, err := Compose(Mail{
		From: Address{Name: "Support Ünïcode", Address: "support@example.com"}, To: []Address{{Name: "Bob", Address: "bob@example.com"}},
		ReplyTo: "helpdesk@example.com", Subject: "[GLPI #0000123] Imprimante en panne — réponse",
		MessageID: "GLPI-123.1700000000.42@example.com", InReplyTo: "orig@client.example", References: []string{"orig@client.example"},
		Date:   time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC),
		Header: [][2]string{{"Auto-Submitted", "auto-replied"}, {"X-Auto-Response-Suppress", "All"}},
		Text:   "Bonjour,\nligne très longue " + strings.Repeat("é", 100) + "\n.\n", HTML: "<p>Bonjour</p>",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("a line of %d bytes", len(line))
		}
	}
	if bytes.Contains(raw, []byte("\n")) && bytes.Count(raw, []byte("\n")) != bytes.Count(raw, []byte("\r\n")) {
		t.Error("bare LF in the message")
	}
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header
	subj, _ := h.Subject()
	id, _ := h.MessageID()
	irt, _ := h.MsgIDList("In-Reply-To")
	from, _ := h.AddressList("From")
	if subj != "[GLPI #0000123] Imprimante en panne — réponse" || id != "GLPI-123.1700000000.42@example.com" ||
		len(irt) != 1 || irt[0] != "orig@client.example" || from[0].Name != "Support Ünïcode" ||
		h.Get("Auto-Submitted") != "auto-replied" || h.Get("X-Auto-Response-Suppress") != "All" {
		t.Fatalf("headers read back: %q %q %v %v %v", subj, id, irt, from, h.Header)
	}
	p, err := r.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(p.Body)
	if !strings.HasPrefix(body.String(), "Bonjour,\r\nligne très longue éé") {
		t.Errorf("text part %q", body.String())
	}
}

func TestComposeRefusesHeaderInjection(t *testing.T) {
	for _, m := range []Mail{
		{From: Address{Address: "a@x"}, To: []Address{{Address: "b@x"}}, MessageID: "i@x", Subject: "hi\r\nBcc: evil@x"},
		{From: Address{Address: "a@x"}, To: []Address{{Address: "b@x"}}, MessageID: "i@x", Header: [][2]string{{"X-A", "1\nBcc: evil@x"}}},
		{From: Address{Address: "a@x"}, To: []Address{{Address: "b@x"}}},
	} {
		if _, err := Compose(m); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: err = %v", m, err)
		}
	}
}

func TestComposeAttachmentsRoundTrip(t *testing.T) {
	bin := make([]byte, 70000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	files := []Attachment{
		{Name: "rapport d'incident é.pdf", MIMEType: "application/pdf", Data: bin},
		{Name: "notes.txt", MIMEType: "text/plain; charset=utf-8", Data: []byte("line one\nline two\n")},
		{Name: "odd.bin", MIMEType: "not a type", Data: []byte{0, 1, 2}},
	}
	for _, html := range []string{"", "<p>See the files.</p>"} {
		raw, err := Compose(Mail{From: Address{Address: "support@example.com"}, To: []Address{{Address: "bob@example.com"}},
			MessageID: "a@example.com", Subject: "Files", Text: "See the files.\n", HTML: html, Attachments: files})
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 998 {
				t.Fatalf("a line of %d bytes", len(line))
			}
		}
		r, err := mail.CreateReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		var text string
		var got []Attachment
		for {
			p, err := r.NextPart()
			if err != nil {
				break
			}
			var b bytes.Buffer
			b.ReadFrom(p.Body)
			switch h := p.Header.(type) {
			case *mail.InlineHeader:
				if typ, _, _ := h.ContentType(); typ == "text/plain" {
					text = b.String()
				}
			case *mail.AttachmentHeader:
				name, _ := h.Filename()
				typ, _, _ := h.ContentType()
				got = append(got, Attachment{Name: name, MIMEType: typ, Data: b.Bytes()})
			}
		}
		if text != "See the files.\r\n" {
			t.Errorf("html %q: text part %q", html, text)
		}
		want := []string{"application/pdf", "text/plain", "application/octet-stream"}
		if len(got) != len(files) {
			t.Fatalf("html %q: %d attachments read back, want %d", html, len(got), len(files))
		}
		for i, a := range got {
			if a.Name != files[i].Name || a.MIMEType != want[i] || !bytes.Equal(a.Data, files[i].Data) {
				t.Errorf("attachment %d read back as %q %q (%d bytes)", i, a.Name, a.MIMEType, len(a.Data))
			}
		}
	}
	_, err := Compose(Mail{From: Address{Address: "a@x"}, To: []Address{{Address: "b@x"}}, MessageID: "i@x",
		Attachments: []Attachment{{Name: "a\r\nBcc: evil@x", Data: []byte("x")}}})
	if !errors.Is(err, ErrConfig) {
		t.Errorf("a line break in a file name: err = %v", err)
	}
}
