package submission

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-message/mail"
)

// Address is a mailbox with its display name.
type Address struct {
	Name    string
	Address string
}

// Mail is a message to compose: headers and a plain text body, with an HTML
// alternative when HTML is set, and attachments.
type Mail struct {
	From       Address
	To         []Address
	Cc         []Address
	ReplyTo    string
	Subject    string
	MessageID  string // without <>
	InReplyTo  string // without <>
	References []string
	Date       time.Time
	// Header adds fields in this order (Auto-Submitted, X-Auto-Response-Suppress...).
	Header [][2]string
	Text   string
	HTML   string
	// Attachments follow the text in a multipart/mixed message.
	Attachments []Attachment
}

// Attachment is a file sent with a mail (base64, RFC 2045; its name
// encoded per RFC 2231 when it is not ASCII).
type Attachment struct {
	Name     string
	MIMEType string // "" or invalid: application/octet-stream
	Data     []byte
}

// Compose writes m as an RFC 5322 message: headers encoded per RFC 2047,
// bodies in quoted-printable UTF-8, CRLF line ends.
func Compose(m Mail) ([]byte, error) {
	if m.From.Address == "" || len(m.To) == 0 || m.MessageID == "" {
		return nil, fmt.Errorf("%w: a message needs From, To and a Message-ID", ErrConfig)
	}
	for _, v := range append([]string{m.Subject, m.ReplyTo, m.MessageID, m.InReplyTo}, m.References...) {
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("%w: a header value has a line break", ErrConfig)
		}
	}
	var h mail.Header
	if m.Date.IsZero() {
		m.Date = time.Now()
	}
	h.SetDate(m.Date)
	h.SetAddressList("From", []*mail.Address{{Name: m.From.Name, Address: m.From.Address}})
	h.SetAddressList("To", addrs(m.To))
	if len(m.Cc) > 0 {
		h.SetAddressList("Cc", addrs(m.Cc))
	}
	if m.ReplyTo != "" {
		h.SetAddressList("Reply-To", []*mail.Address{{Address: m.ReplyTo}})
	}
	h.SetSubject(m.Subject)
	h.SetMessageID(m.MessageID)
	if m.InReplyTo != "" {
		h.SetMsgIDList("In-Reply-To", []string{m.InReplyTo})
	}
	if len(m.References) > 0 {
		h.SetMsgIDList("References", m.References)
	}
	for _, f := range m.Header {
		if strings.ContainsAny(f[0]+f[1], "\r\n") {
			return nil, fmt.Errorf("%w: header %q has a line break", ErrConfig, f[0])
		}
		h.Add(f[0], f[1])
	}
	var buf bytes.Buffer
	if len(m.Attachments) == 0 {
		if m.HTML == "" {
			h.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
			w, err := mail.CreateSingleInlineWriter(&buf, h)
			if err != nil {
				return nil, err
			}
			if err := writeClose(w, m.Text); err != nil {
				return nil, err
			}
			return buf.Bytes(), nil
		}
		w, err := mail.CreateInlineWriter(&buf, h)
		if err != nil {
			return nil, err
		}
		if err := writeAlternatives(w, m); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	for _, a := range m.Attachments {
		if strings.ContainsAny(a.Name, "\r\n") {
			return nil, fmt.Errorf("%w: an attachment's name has a line break", ErrConfig)
		}
	}
	w, err := mail.CreateWriter(&buf, h)
	if err != nil {
		return nil, err
	}
	if m.HTML == "" {
		var th mail.InlineHeader
		th.SetContentType("text/plain", map[string]string{"charset": "utf-8"})
		tw, err := w.CreateSingleInline(th)
		if err != nil {
			return nil, err
		}
		if err := writeClose(tw, m.Text); err != nil {
			return nil, err
		}
	} else {
		iw, err := w.CreateInline()
		if err != nil {
			return nil, err
		}
		if err := writeAlternatives(iw, m); err != nil {
			return nil, err
		}
	}
	for _, a := range m.Attachments {
		var ah mail.AttachmentHeader
		typ := "application/octet-stream"
		if t, _, err := mime.ParseMediaType(a.MIMEType); err == nil && strings.Contains(t, "/") {
			typ = t
		}
		ah.SetContentType(typ, nil)
		ah.SetFilename(a.Name)
		aw, err := w.CreateAttachment(ah)
		if err != nil {
			return nil, err
		}
		if _, err := aw.Write(a.Data); err != nil {
			return nil, err
		}
		if err := aw.Close(); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeAlternatives writes the text and HTML parts and closes w.
func writeAlternatives(w *mail.InlineWriter, m Mail) error {
	for _, part := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		var ph mail.InlineHeader
		ph.SetContentType(part.typ, map[string]string{"charset": "utf-8"})
		pw, err := w.CreatePart(ph)
		if err != nil {
			return err
		}
		if err := writeClose(pw, part.body); err != nil {
			return err
		}
	}
	return w.Close()
}

func addrs(in []Address) []*mail.Address {
	out := make([]*mail.Address, 0, len(in))
	for _, a := range in {
		out = append(out, &mail.Address{Name: a.Name, Address: a.Address})
	}
	return out
}

func writeClose(w io.WriteCloser, s string) error {
	if _, err := io.WriteString(w, strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")); err != nil {
		return err
	}
	return w.Close()
}
