package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current decisions (keeps content_contains/excludes)")

// golden is the reviewed expectation for one message. The content_* lists
// are written by hand and kept by -update; the rest is regenerated.
type golden struct {
	Kind            string      `json:"kind"`
	Reason          string      `json:"reason"`
	ReasonText      string      `json:"reason_text"`
	TicketID        int64       `json:"ticket_id,omitempty"`
	Reopen          bool        `json:"reopen,omitempty"`
	Automatic       bool        `json:"automatic,omitempty"`
	Title           string      `json:"title"`
	Requester       string      `json:"requester"`
	Observers       []string    `json:"observers,omitempty"`
	Date            string      `json:"date"`
	Documents       []goldenDoc `json:"documents,omitempty"`
	ContentText     string      `json:"content_text"`
	ContentContains []string    `json:"content_contains"`
	ContentExcludes []string    `json:"content_excludes"`
}

type goldenDoc struct {
	Name      string `json:"name"`
	MIMEType  string `json:"mime_type"`
	Size      int64  `json:"size"`
	ContentID string `json:"content_id,omitempty"`
	Inline    bool   `json:"inline,omitempty"`
}

func addr(a Address) string {
	if a.Name == "" {
		return a.Email
	}
	return fmt.Sprintf("%s <%s>", a.Name, a.Email)
}

func summarize(d *Decision) golden {
	g := golden{Kind: d.Kind, Reason: d.Reason.Code, ReasonText: d.Reason.Text, TicketID: d.TicketID, Reopen: d.Reopen, Automatic: d.Automatic,
		Title: d.Title, Requester: addr(d.Requester), Date: d.Date.UTC().Format("2006-01-02T15:04:05Z")}
	for _, o := range d.Observers {
		g.Observers = append(g.Observers, addr(o))
	}
	for _, doc := range d.Documents {
		g.Documents = append(g.Documents, goldenDoc{Name: doc.Name, MIMEType: doc.MIMEType, Size: doc.Size, ContentID: doc.ContentID, Inline: doc.Inline})
	}
	text := strings.Join(strings.Fields(htmlText(d.ContentHTML)), " ")
	if r := []rune(text); len(r) > 300 {
		text = string(r[:300]) + "…"
	}
	g.ContentText = text
	return g
}

// generated are the malformed messages too big to keep in the repository.
func generated() map[string][]byte {
	return map[string][]byte{
		"gen-deep-nesting-100": deepNesting(100, "Text at the bottom of 100 levels."),
		"gen-header-line-1mb": []byte("From: alice@example.com\r\nTo: helpdesk@example.com\r\nSubject: Long header\r\nX-Junk: " +
			strings.Repeat("a", 1<<20) + "\r\nContent-Type: text/plain\r\n\r\nThe body after a 1 MB header line.\r\n"),
		"gen-subject-1mb": []byte("From: alice@example.com\r\nSubject: " + strings.Repeat("Long subject ", 80000) +
			"\r\n\r\nBody of the long subject.\r\n"),
	}
}

func deepNesting(levels int, text string) []byte {
	var b bytes.Buffer
	b.WriteString("From: alice@example.com\r\nSubject: Deeply nested\r\nMIME-Version: 1.0\r\n")
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\n" + text + "\r\n")
	for i := levels - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

func corpus(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/corpus/*.eml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".eml")] = raw
	}
	return out
}

func TestCorpusGolden(t *testing.T) {
	msgs := corpus(t)
	if len(msgs) < 40 {
		t.Fatalf("got %d corpus files, want at least 40", len(msgs))
	}
	for name, raw := range generated() {
		msgs[name] = raw
	}
	names := make([]string, 0, len(msgs))
	for n := range msgs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			d, err := Decide(context.Background(), msgs[name], settingsFor(name), newFakeKnowledge(), testNow)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			got := summarize(d)
			// The same decision without any mail rule: the default rules
			// replace the fixed Auto-Submitted check without changing it.
			plain := settingsFor(name)
			plain.Rules = nil
			d0, err := Decide(context.Background(), msgs[name], plain, newFakeKnowledge(), testNow)
			if err != nil {
				t.Fatalf("Decide without rules: %v", err)
			}
			if g0 := summarize(d0); !reflect.DeepEqual(g0, got) {
				t.Errorf("without mail rules: %s %q, with the default rules: %s %q", g0.Reason, g0.ReasonText, got.Reason, got.ReasonText)
			}
			path := filepath.Join("testdata", "golden", name+".json")
			var want golden
			if b, err := os.ReadFile(path); err == nil {
				if err := json.Unmarshal(b, &want); err != nil {
					t.Fatalf("%s: %v", path, err)
				}
			} else if !*update {
				t.Fatalf("missing golden %s (run with -update, then review it)", path)
			}
			for _, s := range want.ContentContains {
				if !strings.Contains(d.ContentHTML, s) {
					t.Errorf("content lacks %q; got:\n%s", s, d.ContentHTML)
				}
			}
			for _, s := range want.ContentExcludes {
				if strings.Contains(strings.ToLower(d.ContentHTML), strings.ToLower(s)) {
					t.Errorf("content contains %q; got:\n%s", s, d.ContentHTML)
				}
			}
			got.ContentContains, got.ContentExcludes = want.ContentContains, want.ContentExcludes
			if *update {
				var buf bytes.Buffer
				enc := json.NewEncoder(&buf)
				enc.SetEscapeHTML(false) // keep the HTML snippets readable for review
				enc.SetIndent("", "  ")
				if err := enc.Encode(got); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !reflect.DeepEqual(got, want) {
				gb, _ := json.MarshalIndent(got, "", "  ")
				wb, _ := json.MarshalIndent(want, "", "  ")
				t.Errorf("decision differs from %s\ngot:\n%s\nwant:\n%s", path, gb, wb)
			}
			checkDocuments(t, d)
		})
	}
}

// checkDocuments verifies what the golden files only summarise: the bytes
// match their hash and size, and inline documents are referenced.
func checkDocuments(t *testing.T, d *Decision) {
	t.Helper()
	for _, doc := range d.Documents {
		if int64(len(doc.Data)) != doc.Size || sha256Hex(doc.Data) != doc.SHA256 {
			t.Errorf("document %s: got %d bytes with sha %s, want size %d and matching sha", doc.Name, len(doc.Data), doc.SHA256, doc.Size)
		}
		if doc.Inline && !strings.Contains(d.ContentHTML, `data-cid="`+doc.ContentID+`"`) {
			t.Errorf("inline document %s: content has no data-cid=%q", doc.Name, doc.ContentID)
		}
	}
	if d.Size <= 0 || len(d.SHA256) != 64 {
		t.Errorf("got size %d sha %q, want the raw message's", d.Size, d.SHA256)
	}
}

// TestMessageIDIsDecidesMessageID: what MessageID reads from the header
// alone is the Message-ID Decide gives, for every mail of the corpus (the
// collector looks copies up by it before deciding).
func TestMessageIDIsDecidesMessageID(t *testing.T) {
	msgs := corpus(t)
	maps.Copy(msgs, generated())
	withID := 0
	for name, raw := range msgs {
		d, err := Decide(context.Background(), raw, settingsFor(name), newFakeKnowledge(), testNow)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := MessageID(raw); got != d.MessageID {
			t.Errorf("%s: MessageID %q, Decide %q", name, got, d.MessageID)
		}
		if d.MessageID != "" {
			withID++
		}
	}
	if withID < 20 {
		t.Fatalf("only %d mails with a Message-ID: the comparison says little", withID)
	}
}
