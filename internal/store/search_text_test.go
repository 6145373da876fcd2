package store

import (
	"testing"

	"github.com/oauthimap/oauthimap/internal/ingest"
)

// searchTextCases are contents and the text the search index gets of them.
var searchTextCases = []struct{ content, want string }{
	{"<p>Hello<br>\nworld</p>", "Hello \nworld"},
	{"<p>a &amp; b &lt;c&gt; &#34;q&#34; &#39;x&#39; &quot;y&quot;&nbsp;z</p>", "a & b <c> \"q\" 'x' \"y\"\u00a0z"},
	{`<div class="x"><a href="https://a.example/?b=1&amp;c=2" rel="nofollow noreferrer noopener" target="_blank">link</a></div>`, "link"},
	{"<p>one</p><p>two</p>", "one  two"},
	{"line\r\nbreak\rlone", "line\nbreak\nlone"},
	{"<style>p { color: red }</style><p>shown</p><script>hidden()</script>", "shown"},
	{"<!-- note --><p>after a comment</p>", "after a comment"},
	{"&copy; 2026 &amp c", "© 2026 & c"},
	{"a < b and <3", "a < b and <3"},
	{`<img src="cid:x" alt="a > b">text`, "text"},
	{"<P CLASS=big>upper</P>", "upper"},
	{"", ""},
}

// TestSearchTextOfContent: the text of tags, entities, line breaks and
// elements left out, by searchText and by the tokenizer alone.
func TestSearchTextOfContent(t *testing.T) {
	for _, c := range searchTextCases {
		if got := searchText(c.content); got != c.want {
			t.Errorf("searchText(%q) = %q, want %q", c.content, got, c.want)
		}
		if got := tokenSearchText(c.content); got != c.want {
			t.Errorf("tokenSearchText(%q) = %q, want %q", c.content, got, c.want)
		}
	}
}

// plainContents are contents as the collector and the console store them:
// plain text made HTML, and HTML mail sanitised.
func plainContents() []string {
	return []string{
		ingest.TextToHTML("Dear support,\r\nthe printer <HP-4> prints \"blank\" pages & won't stop.\r\n\r\nCarol"),
		ingest.TextToHTML("See https://intranet.example.org/kb?id=1&x=2 or www.example.org, mailto:it@example.org."),
		ingest.SanitizeHTML(`<html><head><style>p{}</style></head><body><p>Hello,</p>` + "\r\n" +
			`<p>The <b>VPN</b> drops; see <a href="https://kb.example.org/vpn">the page</a> &amp; <i>retry</i>.<br>` +
			`<img src="https://x.example/logo.png" alt="logo" width="10"></p><table><tr><td>a</td><td>b</td></tr></table>` +
			`<ul><li>one</li><li>two&nbsp;three</li></ul><blockquote>quoted</blockquote></body></html>`),
	}
}

// TestPlainSearchTextReadsWhatIsStored: the one-pass reading takes the
// contents the collector and the console write (else it would be of no
// use), and finds the same text as the tokenizer in them.
func TestPlainSearchTextReadsWhatIsStored(t *testing.T) {
	for _, c := range plainContents() {
		got, ok := plainSearchText(c)
		if !ok {
			t.Fatalf("plainSearchText does not read %q", c)
		}
		if want := tokenSearchText(c); got != want {
			t.Fatalf("plainSearchText(%q)\n got %q\nwant %q", c, got, want)
		}
	}
}

// FuzzPlainSearchText: whatever plainSearchText reads, it reads as the
// HTML tokenizer does.
func FuzzPlainSearchText(f *testing.F) {
	for _, c := range searchTextCases {
		f.Add(c.content)
	}
	for _, c := range plainContents() {
		f.Add(c)
	}
	for _, s := range []string{`<a b="x"c>`, `<a b=c/>`, `<a b = "x" >`, `<br/>`, `<br / >`, `</p foo="bar">`, `<a b c>`, `<p`, `<a href="x`,
		"<a\x00>", "<h1>t</h1>", "&amp", "&#39", "<textarea><b></textarea>", "<a title='<b>'>", "<1>", "</>", "<!DOCTYPE html>", "<?x?>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, content string) {
		got, ok := plainSearchText(content)
		if !ok {
			return
		}
		if want := tokenSearchText(content); got != want {
			t.Fatalf("plainSearchText(%q)\n got %q\nwant %q (the tokenizer)", content, got, want)
		}
	})
}

func BenchmarkSearchText(b *testing.B) {
	content := plainContents()[2]
	for len(content) < 10000 {
		content += content
	}
	for _, f := range []struct {
		name string
		fn   func(string) string
	}{{"plain", searchText}, {"tokenizer", tokenSearchText}} {
		b.Run(f.name, func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			for b.Loop() {
				if f.fn(content) == "" {
					b.Fatal("no text")
				}
			}
		})
	}
}
