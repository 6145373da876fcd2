package ingest

import (
	"bytes"
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
}

func readEnvelope(h message.Header) envelope {
	mh := mail.Header{Header: h}
	e := envelope{header: h}
	if from := addressList(mh, "From"); len(from) > 0 {
		e.From = from[0]
	} else if sender := addressList(mh, "Sender"); len(sender) > 0 {
		e.From = sender[0]
	}
	e.ReplyTo = addressList(mh, "Reply-To")
	e.To = addressList(mh, "To")
	e.Cc = addressList(mh, "Cc")
	subj, _ := mh.Subject() // on a charset error the raw value is still the best we have
	e.Subject = cleanLine(subj, 1000)
	if ids := msgIDs(h.Get("Message-Id")); len(ids) > 0 {
		e.MessageID = ids[0]
	}
	e.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	e.References = msgIDs(h.Get("References"))
	if t, err := mh.Date(); err == nil {
		e.SentAt = t
	}
	return e
}

var emailRe = regexp.MustCompile(`[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*`)

// addressList parses an address header; when the header breaks RFC 5322
// (common with bad quoting), it falls back to picking out what looks like
// addresses, so a sloppy mailer still gets its ticket.
func addressList(h mail.Header, key string) []Address {
	v := h.Get(key)
	if v == "" {
		return nil
	}
	var out []Address
	seen := map[string]bool{}
	add := func(name, email string) {
		email = strings.ToLower(strings.TrimSpace(email))
		if email == "" || seen[email] || !strings.Contains(email, "@") || len(email) > 254 {
			return
		}
		seen[email] = true
		out = append(out, Address{Name: cleanLine(name, 200), Email: email})
	}
	list, err := h.AddressList(key)
	if err == nil {
		for _, a := range list {
			add(a.Name, a.Address)
		}
		return out
	}
	if !utf8.ValidString(v) {
		// Raw 8-bit names (no RFC 2047) are usually Latin-1 or Windows-1252.
		if list, err := mail.ParseAddressList(toUTF8([]byte(v))); err == nil {
			for _, a := range list {
				add(a.Name, a.Address)
			}
			return out
		}
	}
	dec, _ := h.Text(key)
	for _, m := range emailRe.FindAllString(dec, 50) {
		add("", m)
	}
	return out
}

var bracketID = regexp.MustCompile(`<([^<>\s]{1,500})>`)

// msgIDs returns the Message-IDs in a header value without <>, tolerating
// missing brackets and junk between IDs, as real mailers produce.
func msgIDs(v string) []string {
	if v == "" {
		return nil
	}
	var ids []string
	if ms := bracketID.FindAllStringSubmatch(v, 100); len(ms) > 0 {
		for _, m := range ms {
			ids = append(ids, m[1])
		}
		return ids
	}
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
