package ingest

import (
	"regexp"
	"strings"

	xhtml "golang.org/x/net/html"
)

// GLPI's notification markers: the answer is written above the header tag
// line or below the footer tag line; what lies between is our own text.
const (
	headerTag = "=-=-=-="
	footerTag = "=_=_=_="
)

// trimGLPIMarkers removes the quoted notification between GLPI's markers,
// as GLPI does: header and footer -> remove between; header only -> remove
// to the end; footer only -> remove from the start. If nothing would be
// left, only the marker lines go.
func trimGLPIMarkers(s string, isHTML bool) (string, bool) {
	h := strings.Index(s, headerTag)
	f := strings.LastIndex(s, footerTag)
	if h < 0 && f < 0 {
		return s, false
	}
	var out string
	switch {
	case h >= 0 && f > h:
		out = s[:lineStart(s, h, isHTML)] + s[lineEnd(s, f, isHTML):]
	case h >= 0:
		out = s[:lineStart(s, h, isHTML)]
	default:
		out = s[lineEnd(s, f, isHTML):]
	}
	if !visibleEmpty(out, isHTML) {
		return out, true
	}
	out = s
	for _, tag := range []string{headerTag, footerTag} {
		for i := strings.Index(out, tag); i >= 0; i = strings.Index(out, tag) {
			out = out[:lineStart(out, i, isHTML)] + out[lineEnd(out, i, isHTML):]
		}
	}
	return out, true
}

// lineStart and lineEnd find the "line" around offset i: text lines, or in
// HTML the text node (bounded by tags).
func lineStart(s string, i int, isHTML bool) int {
	if isHTML {
		return strings.LastIndexAny(s[:i], "\n>") + 1
	}
	return strings.LastIndexByte(s[:i], '\n') + 1
}

func lineEnd(s string, i int, isHTML bool) int {
	stop := "\n"
	if isHTML {
		stop = "\n<"
	}
	if j := strings.IndexAny(s[i:], stop); j >= 0 {
		return i + j
	}
	return len(s)
}

func visibleEmpty(s string, isHTML bool) bool {
	if isHTML {
		s = htmlText(s)
	}
	return strings.TrimSpace(s) == ""
}

// Lines that open a quoted reply in plain text, in the languages our users'
// mail clients speak most.
var (
	// Gmail, Apple Mail, Thunderbird: "On <date>, <name> wrote:", possibly
	// wrapped over two lines.
	wroteRe = regexp.MustCompile(`(?m)^[ \t>]*(On|Le|Am|El|Il|Op)\b[^\n]{0,300}(\n[^\n]{0,200})?\b(wrote|a écrit|schrieb|escribió|ha scritto|schreef)[^\n]{0,40}:[ \t]*\r?$`)
	// Outlook: "-----Original Message-----" and its translations.
	originalRe = regexp.MustCompile(`(?mi)^[ \t>]*-{3,}[ \t]*(Original Message|Message d'origine|Ursprüngliche Nachricht|Mensaje original|Messaggio originale|Oorspronkelijk bericht)[ \t]*-{3,}`)
	// Outlook header block: a From line followed by a Sent/Date line.
	outlookRe = regexp.MustCompile(`(?mi)^[ \t>]*\*?(From|De|Von|Van|Da)[ \t]*:\*?[ \t][^\n]*\r?\n[ \t>]*\*?(Sent|Date|Envoyé|Gesendet|Enviado|Inviato|Verzonden)[ \t]*:`)
)

// trimTextQuote cuts quoted history from a plain-text reply. A Gmail-style
// quote ("On ... wrote:" then "> " lines) is removed with its quoted lines
// and what follows it is kept (bottom posting); an Outlook block runs to the
// end. Nothing is cut if no answer would be left.
func trimTextQuote(s string) (string, bool) {
	cut := -1
	var resume int
	if loc := wroteRe.FindStringIndex(s); loc != nil {
		cut, resume = loc[0], skipQuotedLines(s, loc[1])
	}
	for _, re := range []*regexp.Regexp{originalRe, outlookRe} {
		if loc := re.FindStringIndex(s); loc != nil && (cut < 0 || loc[0] < cut) {
			cut, resume = loc[0], len(s)
		}
	}
	if cut < 0 {
		return s, false
	}
	out := strings.TrimRight(s[:cut], " \t\r\n>")
	if rest := strings.TrimSpace(s[resume:]); rest != "" {
		out += "\n\n" + rest
	}
	if strings.TrimSpace(out) == "" {
		return s, false
	}
	return out, true
}

// skipQuotedLines returns the offset after the "> " lines (and blank lines
// between them) starting at i.
func skipQuotedLines(s string, i int) int {
	for i < len(s) {
		j := strings.IndexByte(s[i:], '\n')
		line := s[i:]
		next := len(s)
		if j >= 0 {
			line, next = s[i:i+j], i+j+1
		}
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, ">") {
			return i
		}
		i = next
	}
	return len(s)
}

// trimHTMLQuote cuts an HTML reply at the first element that starts the
// quoted history: <blockquote type=cite>, Gmail's div.gmail_quote,
// Thunderbird's div.moz-cite-prefix, Outlook's #divRplyFwdMsg and
// #appendonsend, and Outlook desktop's border-top separator div. Nothing is
// cut if no answer would be left.
func trimHTMLQuote(s string) (string, bool) {
	if loc := originalHTMLRe.FindStringIndex(s); loc != nil {
		if out := s[:lineStart(s, loc[0], true)]; !visibleEmpty(out, true) {
			s = out
			if o, ok := trimHTMLElements(s); ok {
				return o, true
			}
			return s, true
		}
	}
	return trimHTMLElements(s)
}

// originalHTMLRe finds Outlook's "-----Original Message-----" in HTML text.
var originalHTMLRe = regexp.MustCompile(`(?i)-{3,}[ \t]*(Original Message|Message d'origine|Ursprüngliche Nachricht|Mensaje original|Messaggio originale|Oorspronkelijk bericht)[ \t]*-{3,}`)

func trimHTMLElements(s string) (string, bool) {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	off := 0
	for {
		tt := z.Next()
		if tt == xhtml.ErrorToken {
			return s, false
		}
		raw := len(z.Raw())
		if tt == xhtml.StartTagToken || tt == xhtml.SelfClosingTagToken {
			name, hasAttr := z.TagName()
			if hasAttr && startsQuote(string(name), z) {
				out := s[:off]
				if visibleEmpty(out, true) {
					return s, false
				}
				return out, true
			}
		}
		off += raw
	}
}

func startsQuote(tag string, z *xhtml.Tokenizer) bool {
	for {
		k, v, more := z.TagAttr()
		key, val := string(k), strings.ToLower(string(v))
		switch {
		case tag == "blockquote" && key == "type" && val == "cite":
			return true
		case key == "class" && hasClass(val, "gmail_quote", "gmail_quote_container", "moz-cite-prefix", "yahoo_quoted"):
			return true
		case key == "id" && (val == "divrplyfwdmsg" || val == "appendonsend"):
			return true
		case tag == "div" && key == "style" && outlookSeparator(val):
			return true
		}
		if !more {
			return false
		}
	}
}

func hasClass(val string, names ...string) bool {
	for _, c := range strings.Fields(val) {
		for _, n := range names {
			if c == n {
				return true
			}
		}
	}
	return false
}

// outlookSeparator recognises the div Outlook for Windows puts above the
// quoted header block: a 1pt solid top border in #E1E1E1 or #B5C4DF.
func outlookSeparator(style string) bool {
	s := strings.ReplaceAll(style, " ", "")
	return strings.Contains(s, "border-top:solid#e1e1e1") || strings.Contains(s, "border-top:solid#b5c4df")
}

// htmlText returns the text of an HTML fragment, for emptiness checks and
// the Outlook/Gmail patterns that hide in text nodes.
func htmlText(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return b.String()
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken:
			if n, _ := z.TagName(); string(n) == "style" || string(n) == "script" || string(n) == "title" {
				skip++
			}
		case xhtml.EndTagToken:
			if n, _ := z.TagName(); (string(n) == "style" || string(n) == "script" || string(n) == "title") && skip > 0 {
				skip--
			}
		}
	}
}
