package ingest

import (
	"context"
	"strings"
	"testing"
	"time"
)

func FuzzDecide(f *testing.F) {
	for _, raw := range corpus(f) {
		f.Add(raw)
	}
	f.Add(deepNesting(20, "nested"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var d *Decision
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			d, err = Decide(context.Background(), raw, testSettings(), newFakeKnowledge(), testNow)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			// Quadratic or endless work on a small input is a denial of
			// service for the collector: treat it as a crash.
			t.Fatalf("Decide took over 5s on %d bytes", len(raw))
		}
		if err != nil {
			t.Fatalf("Decide returned an error without a store failure: %v", err)
		}
		if d == nil {
			t.Fatal("got nil decision")
		}
		if d.Reason.Code == ReasonParserPanic {
			t.Fatalf("parser panicked on this input")
		}
		switch d.Kind {
		case KindTicket, KindFollowup, KindRefused, KindDuplicate:
		default:
			t.Fatalf("got kind %q", d.Kind)
		}
		if bad := unsafeMarkup(d.ContentHTML); bad != "" {
			t.Fatalf("content keeps %s: %q", bad, d.ContentHTML)
		}
		if d.Title == "" || strings.ContainsAny(d.Title, "\r\n") {
			t.Fatalf("got title %q, want one non-empty line", d.Title)
		}
		for _, doc := range d.Documents {
			if doc.Name == "" || strings.ContainsAny(doc.Name, "/\\\x00") || strings.HasPrefix(doc.Name, ".") {
				t.Fatalf("got unsafe document name %q", doc.Name)
			}
			if doc.Size > testSettings().FileSizeMax && doc.Name != "original-message.eml" {
				t.Fatalf("document %q is %d bytes, over the limit", doc.Name, doc.Size)
			}
		}
	})
}

func benchMessage(size int) []byte {
	var b strings.Builder
	b.WriteString("From: Alice <alice@example.com>\r\nTo: helpdesk@example.com\r\nSubject: Benchmark\r\n" +
		"Message-ID: <bench@example.com>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello, <b>see</b> the attached file.</p>\r\n" +
		"--b\r\nContent-Type: application/octet-stream; name=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	line := "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n"
	for b.Len() < size-20 {
		b.WriteString(line)
	}
	b.WriteString("--b--\r\n")
	return []byte(b.String())
}

// textMessage is a plain text mail of about size bytes, with a Date and
// a Message-ID as mailers write them: the collector drain benchmark's
// mail.
func textMessage(size int) []byte {
	var b strings.Builder
	b.WriteString("From: carol@example.org\r\nTo: helpdesk@example.com\r\nSubject: Benchmark\r\nMessage-ID: <bench@example.org>\r\n" +
		"Date: Mon, 2 Jun 2025 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n")
	for b.Len() < size {
		b.WriteString("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\r\n")
	}
	return []byte(b.String())
}

func BenchmarkDecide(b *testing.B) {
	for _, bc := range []struct {
		name string
		size int
		text bool
	}{{"10KB", 10 << 10, false}, {"1MB", 1 << 20, false}, {"text_10KB", 10 << 10, true}} {
		b.Run(bc.name, func(b *testing.B) {
			raw := benchMessage(bc.size)
			docs := 1
			if bc.text {
				raw, docs = textMessage(bc.size), 0
			}
			s := testSettings()
			s.FileSizeMax = 2 << 20
			k := newFakeKnowledge()
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				d, err := Decide(context.Background(), raw, s, k, testNow)
				if err != nil || d.Kind != KindTicket || len(d.Documents) != docs {
					b.Fatalf("got %v, %v", d, err)
				}
			}
		})
	}
}

// FuzzTextContentIsAlreadySanitized proves what contentHTML relies on to
// skip the sanitiser for mail of plain text only: for any text, and any
// notes, the HTML made of them is what SanitizeHTML returns unchanged.
func FuzzTextContentIsAlreadySanitized(f *testing.F) {
	for _, s := range []string{"hello", "a < b & c > d \"q\" 'x'", "see http://example.com/a?b=1&c=2 and www.x.org.",
		"mailto:a@b.c", "MailTo:it@e.example", "line1\r\nline2\n\n\nline3\r", "tab\there", "nul\x00x", "cr\rx", "bad \xff utf8",
		"<script>alert(1)</script>", "(https://en.wikipedia.org/wiki/Foo_(bar))", "javascript:alert(1)",
		"http://x/\"onmouseover=alert(1)", "&amp; &#39; &lt;", "\u00a0nbsp \u2028 sep", "a\fb\vc", "https://", "www.",
		"<!-- x --> <![CDATA[ y ]]> <?php ?>", "https://a.example/<img src=x onerror=alert(1)>", "  \n  "} {
		f.Add(s, "Too large attached file: "+s)
	}
	f.Fuzz(func(t *testing.T, text, note string) {
		for _, notes := range [][]string{nil, {note}} {
			b := body{{s: text}, {s: note}}
			h := contentHTML(b, notes)
			if got := SanitizeHTML(h); got != h {
				t.Fatalf("text %q, notes %q:\nmade      %q\nsanitised %q", text, notes, h, got)
			}
		}
	})
}

// TestDecideSumKeepsTheCallersHash: a decision made with the mail's hash
// carries that hash, not one computed again (a marker stands for it
// here), for every kind of decision; "" computes it.
func TestDecideSumKeepsTheCallersHash(t *testing.T) {
	marker := strings.Repeat("ab", 32)
	for _, raw := range [][]byte{textMessage(2 << 10), benchMessage(4 << 10), []byte("not a mail at all")} {
		for given, want := range map[string]string{marker: marker, "": sha256Hex(raw)} {
			d, err := DecideSum(context.Background(), raw, given, testSettings(), newFakeKnowledge(), testNow)
			if err != nil {
				t.Fatal(err)
			}
			if d.SHA256 != want {
				t.Fatalf("%s decision with hash %q: SHA256 %q, want %q", d.Kind, given, d.SHA256, want)
			}
		}
	}
}
