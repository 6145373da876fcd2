package ingest

import (
	"bytes"
	"fmt"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
)

// envelope is what Decide reads from the top-level header.
type envelope struct {
	From       Address
	ReplyTo    []Address
	To         []Address
	Cc         []Address
	Subject    string
	MessageID  string
	InReplyTo  []string
	References []string
	SentAt     time.Time
	header     message.Header
	// rawFrom is the first From header, shown when no sender is usable.
	rawFrom string
	// why says where the sender came from when it was not the From header.
	why []string
}

func readEnvelope(h message.Header, ev *evidence) envelope {
	mh := mail.Header{Header: h}
	e := envelope{header: h, rawFrom: h.Get("From")}
	e.ReplyTo = addressList(h, "Reply-To", ev)
	e.To = addressList(h, "To", ev)
	e.Cc = addressList(h, "Cc", ev)
	// Some mailers write several From headers, the first one a bare name:
	// the first that holds an address is the sender.
	for _, v := range h.Values("From") {
		if from := parseAddresses(v, ev, true); len(from) > 0 {
			e.From = from[0]
			break
		}
	}
	if e.From.Email == "" {
		shown := "absent"
		if e.rawFrom != "" {
			shown = fmt.Sprintf("%q", cleanLine(decodeHeaderText(e.rawFrom, ev), 120))
		}
		switch sender := addressList(h, "Sender", ev); {
		case len(e.ReplyTo) > 0:
			e.From = e.ReplyTo[0]
			e.why = append(e.why, fmt.Sprintf("The From header has no usable address (%s): the requester is taken from Reply-To.", shown))
		case len(sender) > 0:
			e.From = sender[0]
			e.why = append(e.why, fmt.Sprintf("The From header has no usable address (%s): the requester is taken from Sender.", shown))
		}
	}
	e.Subject = cleanLine(decodeHeaderText(h.Get("Subject"), ev), 1000)
	if cs := unknownWordCharset(h.Get("Subject")); cs != "" {
		e.why = append(e.why, fmt.Sprintf("The subject declares the unknown charset %q; its bytes were read by the charset detector.", cleanLine(cs, 40)))
	}
	if ids := msgIDs(h.Get("Message-Id")); len(ids) > 0 {
		e.MessageID = ids[0]
	}
	e.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	e.References = msgIDs(h.Get("References"))
	if t, err := parseDate(mh.Get("Date")); err == nil {
		e.SentAt = t
	}
	return e
}

// dateLayout is the Date header's form of RFC 5322 (section 3.3) that
// nearly every mailer writes.
const dateLayout = "Mon, 2 Jan 2006 15:04:05 -0700"

// parseDate reads a Date header as net/mail's ParseDate does (the zero
// time for none): a date of dateLayout, between spaces and tabs only (a
// lone CR, for one, is an error to ParseDate), is read directly; ParseDate tries
// its forms one after the other, the day of the week last, and builds an
// error for each form that fails (~7 µs a mail). Such a date has no other
// "+" or "-" than its zone's, so ParseDate reads the same text with a
// form that gives the same time.
func parseDate(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(dateLayout, strings.Trim(v, " \t")); err == nil {
		return t, nil
	}
	return netmail.ParseDate(v)
}

var wordCharset = regexp.MustCompile(`=\?([^?\s*]{1,60})(?:\*[^?\s]*)?\?[QqBb]\?`)

// unknownWordCharset returns the first charset of an encoded-word in v
// that no decoder knows, or "".
func unknownWordCharset(v string) string {
	if !strings.Contains(v, "=?") {
		return ""
	}
	for _, m := range wordCharset.FindAllStringSubmatch(v, 20) {
		if n := strings.ToLower(m[1]); lookupCharset(n) == nil && !asciiNames[n] {
			return m[1]
		}
	}
	return ""
}

var emailRe = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*`)

// addressList reads every address of every field named key.
func addressList(h message.Header, key string, ev *evidence) []Address {
	var out []Address
	seen := map[string]bool{}
	for _, v := range h.Values(key) {
		for _, a := range parseAddresses(v, ev, false) {
			if !seen[a.Email] {
				seen[a.Email] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// addressParser decodes display names with the lenient encoded-word
// decoder: an unknown charset never loses the name.
var addressParser = &netmail.AddressParser{WordDecoder: wordDecoder}

// parseAddresses parses one address header value. Raw 8-bit names are
// decoded first (the message's charsets, the detector, Windows-1252).
// When the value breaks RFC 5322, an address is taken only where it is
// unambiguous: inside <...>, or standing alone between separators. For
// "power quadrant system@example.com" it is not (the mailbox may be
// "system@example.com" or something else entirely), so nothing is taken.
// single asks for the first address only.
func parseAddresses(v string, ev *evidence, single bool) []Address {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	if !utf8.ValidString(v) {
		v, _ = decodeText([]byte(v), ev)
	}
	var out []Address
	seen := map[string]bool{}
	add := func(name, email string) {
		email = strings.ToLower(strings.TrimSpace(email))
		if email == "" || seen[email] || !strings.Contains(email, "@") || len(email) > 254 || single && len(out) > 0 {
			return
		}
		if strings.Contains(name, "=?") {
			name = decodeHeaderText(name, ev)
		}
		seen[email] = true
		out = append(out, Address{Name: cleanLine(name, 200), Email: email})
	}
	if list, err := addressParser.ParseList(v); err == nil {
		for _, a := range list {
			add(a.Name, a.Address)
		}
		return out
	}
	for _, m := range emailRe.FindAllStringIndex(v, 50) {
		if name, ok := looseAddress(v, m[0], m[1]); ok {
			add(name, v[m[0]:m[1]])
		}
	}
	return out
}

// looseAddress decides whether v[i:j], an address found in a header that
// does not parse, is unambiguously a mailbox of it, and returns its name.
func looseAddress(v string, i, j int) (string, bool) {
	before := v[:i]
	if k := strings.LastIndexAny(before, ",;"); k >= 0 {
		before = before[k+1:]
	}
	after := v[j:]
	if k := strings.IndexAny(after, ",;"); k >= 0 {
		after = after[:k]
	}
	if strings.HasSuffix(before, "<") {
		name := strings.Trim(strings.TrimSuffix(before, "<"), " \t\"'")
		rest := strings.TrimLeft(after, ">")
		return name, strings.TrimSpace(rest) == "" || strings.HasPrefix(strings.TrimSpace(rest), "(")
	}
	alone := func(s string) bool { return strings.Trim(s, " \t\"'<>") == "" }
	return "", alone(before) && (alone(after) || strings.HasPrefix(strings.TrimSpace(after), "("))
}

// msgIDs returns the Message-IDs in a header value without <>, tolerating
// missing brackets and junk between IDs, as real mailers produce: every
// <id> (bracketedIDs), or else every word holding an "@".
func msgIDs(v string) []string {
	if v == "" {
		return nil
	}
	if ids := bracketedIDs(v, 100); len(ids) > 0 {
		return ids
	}
	var ids []string
	for _, f := range strings.Fields(v) {
		if strings.Contains(f, "@") && len(f) <= 500 {
			ids = append(ids, strings.Trim(f, "<>,;"))
		}
		if len(ids) == 100 {
			break
		}
	}
	return ids
}

// bracketedIDs returns, left to right, at most max of the runs of 1 to
// 500 characters between "<" and ">" that hold no "<", ">" nor ASCII
// white space: what the regular expression <([^<>\s]{1,500})> finds,
// without its machinery (a mail's three ID headers cost ~7 µs that way).
// A character is a rune, an invalid byte counting as one, as for the
// regular expression.
func bracketedIDs(v string, max int) []string {
	var ids []string
	for i := 0; len(ids) < max; {
		open := strings.IndexByte(v[i:], '<')
		if open < 0 {
			break
		}
		start := i + open + 1
		end := start
		for end < len(v) && !idStop(v[end]) {
			end++
		}
		if end < len(v) && v[end] == '>' && end > start && utf8.RuneCountInString(v[start:end]) <= 500 {
			ids = append(ids, v[start:end])
			i = end + 1
			continue
		}
		// No ID opens here; the next may open at the "<" that stopped
		// this run, or further on.
		i = start
	}
	return ids
}

// idStop reports whether b ends a bracketed ID's run.
func idStop(b byte) bool {
	switch b {
	case '<', '>', ' ', '\t', '\n', '\f', '\r':
		return true
	}
	return false
}

// cleanLine makes a header value displayable: valid UTF-8, no control
// characters, runs of white space collapsed, at most max runes.
func cleanLine(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			n++
			space = false
		}
		if n >= max {
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// repairHeader drops header lines that are neither "Key: value" nor
// continuations (an mbox "From " line, stray text), so one bad line does not
// make the whole message unreadable. It returns raw unchanged when nothing
// needed repair.
func repairHeader(raw []byte) []byte {
	end := headerEnd(raw)
	head, body := raw[:end], raw[end:]
	var out bytes.Buffer
	changed := false
	first := true
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i+1], head[i+1:]
		} else {
			head = nil
		}
		t := bytes.TrimRight(line, "\r\n")
		switch {
		case len(t) == 0:
			out.Write(line)
		case (t[0] == ' ' || t[0] == '\t') && !first:
			out.Write(line)
		case validFieldLine(t):
			out.Write(line)
			first = false
		default:
			changed = true
		}
	}
	if !changed {
		return raw
	}
	out.Write(body)
	return out.Bytes()
}

// headerEnd returns the offset just past the blank line ending the header,
// or len(raw) when there is no body.
func headerEnd(raw []byte) int {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return len(raw)
		}
		line := bytes.TrimRight(raw[i:i+j], "\r")
		if len(line) == 0 {
			return i + j + 1
		}
		i += j + 1
	}
	return len(raw)
}

func validFieldLine(t []byte) bool {
	i := bytes.IndexByte(t, ':')
	if i <= 0 {
		return false
	}
	for _, c := range bytes.TrimRight(t[:i], " \t") {
		if c < 33 || c > 126 {
			return false
		}
	}
	return utf8.Valid(t[:i])
}
