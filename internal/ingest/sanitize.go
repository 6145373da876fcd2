package ingest

import (
	"fmt"
	"html"
	neturl "net/url"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	xhtml "golang.org/x/net/html"
)

// policy is built once: bluemonday policies are safe for concurrent use
// once configured.
var policy = sync.OnceValue(newPolicy)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "div", "span", "hr", "pre", "code", "blockquote", "center",
		"b", "strong", "i", "em", "u", "s", "strike", "del", "ins", "sub", "sup", "small", "big",
		"mark", "tt", "kbd", "samp", "var", "cite", "q", "abbr", "address",
		"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
		"table", "thead", "tbody", "tfoot", "tr", "caption", "colgroup", "col", "font",
		"figure", "figcaption", "details", "summary")
	p.AllowElements("th", "td")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowAttrs("span").Matching(bluemonday.Integer).OnElements("col", "colgroup")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`(?i)^(left|right|center|justify)$`)).Globally()
	p.AllowAttrs("valign").Matching(regexp.MustCompile(`(?i)^(top|middle|bottom|baseline)$`)).OnElements("td", "th", "tr")
	p.AllowAttrs("width", "height").Matching(regexp.MustCompile(`^[0-9]{1,4}(%|px)?$`)).OnElements("table", "td", "th", "img", "col")
	p.AllowAttrs("border", "cellpadding", "cellspacing").Matching(bluemonday.Integer).OnElements("table")
	p.AllowAttrs("bgcolor").Matching(regexp.MustCompile(`^#?[0-9a-zA-Z]{1,20}$`)).OnElements("table", "td", "th", "tr")
	p.AllowAttrs("color").Matching(regexp.MustCompile(`^#?[0-9a-zA-Z]{1,20}$`)).OnElements("font")
	p.AllowAttrs("face").Matching(regexp.MustCompile(`^[\w ,'-]{1,100}$`)).OnElements("font")
	p.AllowAttrs("size").Matching(regexp.MustCompile(`^[+-]?[1-7]$`)).OnElements("font")
	p.AllowAttrs("dir").Matching(bluemonday.Direction).Globally()
	p.AllowAttrs("title").Matching(bluemonday.Paragraph).Globally()
	p.AllowAttrs("open").Matching(regexp.MustCompile(`(?i)^(|open)$`)).OnElements("details")
	p.AllowAttrs("start").Matching(bluemonday.Integer).OnElements("ol")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^[aAiI1]$|^(disc|circle|square)$`)).OnElements("ol", "ul")
	p.AllowStyles("color", "background-color", "font-weight", "font-style", "font-size", "font-family",
		"text-align", "text-decoration", "vertical-align", "white-space",
		"border", "border-collapse", "border-top", "border-bottom", "border-left", "border-right",
		"padding", "padding-top", "padding-bottom", "padding-left", "padding-right",
		"margin", "margin-top", "margin-bottom", "margin-left", "margin-right",
		"width", "height", "line-height").Globally()

	// Links: only safe schemes, always a new tab that cannot reach back.
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoReferrerOnLinks(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)

	// Images never carry a src here; see the package documentation.
	p.AllowAttrs("alt").Matching(bluemonday.Paragraph).OnElements("img")
	p.AllowAttrs("data-cid").Matching(regexp.MustCompile(`^[\x21-\x7e]{1,500}$`)).OnElements("img")
	p.AllowAttrs("data-remote-src").Matching(regexp.MustCompile(`^(?i:https?)://[^\s"'<>\\]+$`)).OnElements("img")

	p.SkipElementsContent("script", "style", "title", "xml", "noscript", "template", "textarea", "select", "option", "iframe", "object", "svg", "math")
	return p
}

// SanitizeHTML returns html made safe to show inside our pages: formatting,
// tables, links and images are kept; anything that can run code, submit a
// form, navigate the page or load a remote resource is removed. Images are
// rewritten as the package documentation describes.
func SanitizeHTML(s string) string {
	return strings.TrimSpace(policy().Sanitize(rewriteImages(s)))
}

// rewriteImages moves every <img src> to data-cid (cid: URLs) or
// data-remote-src (http/https), before the sanitiser has the last word. The
// token stream is re-serialised with escaped attributes, so this pass cannot
// smuggle markup past the sanitiser.
func rewriteImages(s string) string {
	if !containsFold(s, "<img") {
		return s
	}
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	b.Grow(len(s))
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return b.String()
		}
		raw := z.Raw()
		if tt != xhtml.StartTagToken && tt != xhtml.SelfClosingTagToken {
			b.Write(raw)
			continue
		}
		tok := z.Token()
		if tok.Data != "img" {
			b.Write(raw)
			continue
		}
		var attrs []xhtml.Attribute
		for _, a := range tok.Attr {
			if a.Key != "src" {
				if a.Key != "data-cid" && a.Key != "data-remote-src" {
					attrs = append(attrs, a)
				}
				continue
			}
			src := strings.TrimSpace(a.Val)
			switch {
			case hasPrefixFold(src, "cid:"):
				attrs = append(attrs, xhtml.Attribute{Key: "data-cid", Val: urlUnescape(src[4:])})
			case hasPrefixFold(src, "http://"), hasPrefixFold(src, "https://"):
				attrs = append(attrs, xhtml.Attribute{Key: "data-remote-src", Val: src})
			}
		}
		tok.Attr = attrs
		b.WriteString(tok.String())
	}
}

// urlUnescape decodes %XX in a cid: URL (RFC 2392); a bad escape is kept.
func urlUnescape(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// containsFold reports whether s holds sub, an ASCII string, in any case
// (ASCII letters only: "<IMG" and "<Img" hold "<img"). It copies nothing:
// a whole mail body is searched this way, by strings.IndexByte for a byte
// of sub that is not a letter (the "<" of "<img"), when it has one.
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	for k := range len(sub) {
		if c := sub[k] | 0x20; c < 'a' || c > 'z' {
			for i := k; i < len(s); {
				j := strings.IndexByte(s[i:], sub[k])
				if j < 0 {
					return false
				}
				at := i + j - k // where sub would start
				if at+len(sub) <= len(s) && asciiEqualFold(s[at:at+len(sub)], sub) {
					return true
				}
				i += j + 1
			}
			return false
		}
	}
	c := sub[0] | 0x20
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == c && asciiEqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// asciiEqualFold compares two strings of one length, ASCII letters in any
// case.
func asciiEqualFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if x|0x20 != y|0x20 || x|0x20 < 'a' || x|0x20 > 'z' {
			return false
		}
	}
	return true
}

// TextToHTML escapes plain text and keeps its line breaks, for showing a
// text/plain mail or a staff follow-up typed in a textarea.
func TextToHTML(text string) string {
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	// Most mail: no line holds a link, and the text is read once.
	write := textHTML
	if mayHoldLink(text) {
		text = strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n \t")
		write = textLinesHTML
	} else {
		text = text[:textEnd(text)]
	}
	if text == "" {
		return ""
	}
	// One buffer for the whole text: escaping adds little to most mail.
	var b strings.Builder
	b.Grow(len(text) + len(text)/8 + 16)
	b.WriteString("<p>")
	write(&b, text)
	b.WriteString("</p>")
	return b.String()
}

// textEnd is where text ends without its trailing blanks and line
// breaks ("\r\n" being one, as textLinesHTML reads them).
func textEnd(text string) int {
	i := len(text)
	for i > 0 {
		switch text[i-1] {
		case ' ', '\t':
			i--
		case '\n':
			i--
			if i > 0 && text[i-1] == '\r' {
				i--
			}
		default:
			return i
		}
	}
	return 0
}

// textLinesHTML writes text's lines escaped, their links made clickable,
// with a line break between them.
func textLinesHTML(b *strings.Builder, text string) {
	first := true
	for l := range strings.SplitSeq(text, "\n") {
		if !first {
			b.WriteString("<br>\n")
		}
		first = false
		// A lone carriage return is a space, as the HTML parser reads it.
		linkify(b, strings.ReplaceAll(l, "\r", "\n"))
	}
}

// textHTML writes what textLinesHTML writes for a text none of whose
// lines holds a link, in one pass over it.
func textHTML(b *strings.Builder, text string) {
	last := 0
	for i := 0; i < len(text); i++ {
		// Most bytes are written as they are: skip them by table (a
		// switch on every byte cost 2.4 ns a byte, most of Decide's time
		// on a text mail).
		for i < len(text) && !textHTMLSpecial[text[i]] {
			i++
		}
		if i == len(text) {
			break
		}
		var with string
		next := i + 1
		switch text[i] {
		case '\n':
			with = "<br>\n"
		case '\r':
			// A line break, or a lone carriage return: a space, as
			// the HTML parser reads it.
			with = "\n"
			if next < len(text) && text[next] == '\n' {
				with, next = "<br>\n", next+1
			}
		case '&':
			with = "&amp;"
		case '\'':
			with = "&#39;"
		case '<':
			with = "&lt;"
		case '>':
			with = "&gt;"
		case '"':
			with = "&#34;"
		default:
			continue
		}
		b.WriteString(text[last:i])
		b.WriteString(with)
		last, i = next, next-1
	}
	b.WriteString(text[last:])
}

// textHTMLSpecial are the bytes textHTML replaces.
var textHTMLSpecial = [256]bool{'\n': true, '\r': true, '&': true, '\'': true, '<': true, '>': true, '"': true}

// htmlEscaper escapes as html.EscapeString does, writing into a buffer.
var htmlEscaper = strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;")

func escapeTo(b *strings.Builder, s string) {
	_, _ = htmlEscaper.WriteString(b, s)
}

// textLink finds the links of plain text: http, https and mailto URLs and
// "www." names. Any other scheme (javascript:, data:) is never a link.
var textLink = regexp.MustCompile(`(?i)\b(?:https?://|www\.|mailto:)[^\s<>"]+`)

// linkRel is the rel of every link in content that opens a tab (one with
// a host): no window.opener, no Referer leaking the ticket URL, no
// endorsement of the target; mailRel that of a link without a host
// (mailto:), which opens no tab. Both are
// written as the sanitiser writes them, so that text made HTML here is
// already what SanitizeHTML would make of it (see contentHTML).
const (
	linkRel = "nofollow noreferrer noopener"
	mailRel = "nofollow noreferrer"
)

// linkify writes one line of text escaped into b, its links made
// clickable, opening in a new tab. Trailing punctuation stays text, unless
// it closes a parenthesis opened inside the link (Wikipedia-style URLs).
func linkify(b *strings.Builder, line string) {
	if !mayHoldLink(line) {
		escapeTo(b, line) // most lines: no regexp run
		return
	}
	locs := textLink.FindAllStringIndex(line, 100)
	last := 0
	for _, loc := range locs {
		url := trimLinkEnd(line[loc[0]:loc[1]])
		if hasPrefixFold(url, "mailto:") && len(url) <= len("mailto:") || hasPrefixFold(url, "www.") && len(url) <= 4 ||
			strings.HasSuffix(url, "://") {
			continue
		}
		end := loc[0] + len(url)
		href := url
		if hasPrefixFold(href, "www.") {
			href = "http://" + href
		}
		// The link's address as the sanitiser writes it (the scheme in
		// lower case, the rest escaped as net/url does); one it would
		// drop stays text.
		u, err := neturl.Parse(href)
		if err != nil || u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "mailto" {
			continue // "MailTo" cut short by its trailing punctuation
		}
		href = u.String()
		rel, target := linkRel, ` target="_blank"`
		if u.Host == "" {
			rel, target = mailRel, "" // mailto: a mail client opens, not a tab
		}
		escapeTo(b, line[last:loc[0]])
		fmt.Fprintf(b, `<a href="%s" rel="%s"%s>%s</a>`, html.EscapeString(href), rel, target, html.EscapeString(url))
		last = end
	}
	escapeTo(b, line[last:])
}

// mayHoldLink reports whether s holds what every textLink match starts
// with ("://", "www." or "mailto:", in any case); it allocates nothing
// and looks only at the dots and colons of s (containsFold).
func mayHoldLink(s string) bool {
	return strings.Contains(s, "://") || containsFold(s, "www.") || containsFold(s, "mailto:")
}

func trimLinkEnd(url string) string {
	for url != "" {
		c := url[len(url)-1]
		switch {
		case strings.IndexByte(".,;:!?'*", c) >= 0:
		case c == ')' && strings.Count(url, "(") < strings.Count(url, ")"):
		case c == ']' && strings.Count(url, "[") < strings.Count(url, "]"):
		case c == '}' && strings.Count(url, "{") < strings.Count(url, "}"):
		default:
			return url
		}
		url = url[:len(url)-1]
	}
	return url
}
