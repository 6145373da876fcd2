package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset go-message knows, for bodies and headers
	"golang.org/x/net/html/charset"
)

// Limits that bound the work one hostile message can cause.
const (
	maxDepth = 128  // nesting of multiparts; 100 levels must still be read
	maxParts = 1000 // parts visited in one message
)

// segment is one piece of the body in reading order.
type segment struct {
	html bool
	s    string
}

// body is the readable content of a part: the segments to show.
type body []segment

func (b body) hasHTML() bool {
	for _, s := range b {
		if s.html {
			return true
		}
	}
	return false
}

func (b body) empty() bool {
	for _, s := range b {
		if s.html && (!visibleEmpty(s.s, true) || containsFold(s.s, "<img")) {
			return false
		}
		if !s.html && strings.TrimSpace(s.s) != "" {
			return false
		}
	}
	return true
}

// rawDoc is an attachment before the size rules are applied.
type rawDoc struct {
	name, mimeType, contentID string
	data                      []byte
	size                      int64 // decoded size, even when data was cut short
	truncated                 bool  // data holds only the first bytes
	embedded                  bool  // a message/rfc822 part
	inlineDisp                bool  // no Content-Disposition, or "inline"
}

// walker visits the MIME tree once and collects body, documents and the
// evidence a delivery report carries.
type walker struct {
	readLimit int64 // bytes of a document kept in memory; beyond, only counted
	parts     int
	docs      []rawDoc
	report    bool     // multipart/report; report-type=delivery-status seen
	reportIDs []string // Message-IDs of the bounced message
	inReport  int
}

func (w *walker) entity(e *message.Entity, depth int) body {
	w.parts++
	if w.parts > maxParts || depth > maxDepth {
		return nil
	}
	ct, params, err := e.Header.ContentType()
	if err != nil || ct == "" {
		ct, params = "text/plain", map[string]string{}
	}
	disp, dparams, _ := e.Header.ContentDisposition()
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		return w.multipart(e, ct, params, depth)
	case ct == "message/rfc822" || ct == "message/global":
		data, _ := io.ReadAll(e.Body) // keep what could be read
		if w.inReport > 0 {
			w.reportIDs = append(w.reportIDs, embeddedIDs(data)...)
		}
		w.docs = append(w.docs, rawDoc{name: embeddedName(filename, data), mimeType: "message/rfc822",
			contentID: contentID(e), data: data, size: int64(len(data)), embedded: true})
		return nil
	case ct == "text/rfc822-headers" && w.inReport > 0:
		data, _ := io.ReadAll(e.Body)
		w.reportIDs = append(w.reportIDs, embeddedIDs(data)...)
		return nil
	case ct == "message/delivery-status" && w.inReport > 0:
		_, _ = io.Copy(io.Discard, e.Body)
		return nil
	case (ct == "text/plain" || ct == "text/html") && disp != "attachment" && filename == "":
		data, _ := io.ReadAll(e.Body)
		if ct == "text/html" {
			return body{{html: true, s: htmlToUTF8(data, params)}}
		}
		return body{{s: toUTF8(data)}}
	}
	w.document(e, ct, filename)
	return nil
}

func (w *walker) multipart(e *message.Entity, ct string, params map[string]string, depth int) body {
	isReport := ct == "multipart/report" && strings.EqualFold(params["report-type"], "delivery-status")
	if isReport {
		w.report = true
		w.inReport++
		defer func() { w.inReport-- }()
	}
	mr := e.MultipartReader()
	if mr == nil {
		return nil
	}
	var children []body
	for {
		p, err := mr.NextPart()
		if p == nil || err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			// io.EOF, or a broken boundary: what was read so far is kept.
			break
		}
		children = append(children, w.entity(p, depth+1))
		if w.parts > maxParts {
			break
		}
	}
	if ct == "multipart/alternative" {
		return chooseAlternative(children)
	}
	if isReport && len(children) > 0 {
		// The first part is the human-readable explanation (RFC 6522).
		return children[0]
	}
	var out body
	for _, c := range children {
		out = append(out, c...)
	}
	return out
}

// chooseAlternative prefers the richest alternative: the last one holding
// HTML (RFC 2046 orders them plainest first), else the last non-empty one.
func chooseAlternative(children []body) body {
	for i := len(children) - 1; i >= 0; i-- {
		if children[i].hasHTML() && !children[i].empty() {
			return children[i]
		}
	}
	for i := len(children) - 1; i >= 0; i-- {
		if !children[i].empty() {
			return children[i]
		}
	}
	return nil
}

func (w *walker) document(e *message.Entity, ct, filename string) {
	data, _ := io.ReadAll(io.LimitReader(e.Body, w.readLimit+1))
	disp, _, _ := e.Header.ContentDisposition()
	d := rawDoc{name: filename, mimeType: ct, contentID: contentID(e), data: data, size: int64(len(data)),
		inlineDisp: disp != "attachment"}
	if int64(len(data)) > w.readLimit {
		rest, _ := io.Copy(io.Discard, e.Body)
		d.size += rest
		d.truncated = true
	}
	w.docs = append(w.docs, d)
}

func contentID(e *message.Entity) string {
	ids := msgIDs(e.Header.Get("Content-Id"))
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// toUTF8 makes text that go-message could not convert (no or unknown
// charset) readable: UTF-8 stays, anything else is read as Windows-1252, the
// usual truth behind a missing or mislabelled Latin-1.
func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	enc, _, _ := charset.DetermineEncoding(b, "text/plain; charset=windows-1252")
	if out, err := enc.NewDecoder().Bytes(b); err == nil {
		return strings.ToValidUTF8(string(out), "\uFFFD")
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// htmlToUTF8 honours a <meta charset> when the MIME header declared none.
func htmlToUTF8(b []byte, params map[string]string) string {
	if _, ok := params["charset"]; ok || utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	enc, _, _ := charset.DetermineEncoding(b, "text/html")
	if out, err := enc.NewDecoder().Bytes(b); err == nil {
		return strings.ToValidUTF8(string(out), "\uFFFD")
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// embeddedIDs reads the Message-ID of an embedded message or header block.
func embeddedIDs(data []byte) []string {
	e, err := message.ReadWithOptions(bytes.NewReader(data), &message.ReadOptions{MaxHeaderBytes: -1})
	if e == nil {
		e, err = message.ReadWithOptions(bytes.NewReader(repairHeader(data)), &message.ReadOptions{MaxHeaderBytes: -1})
	}
	if e == nil || err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil
	}
	return msgIDs(e.Header.Get("Message-Id"))
}

// embeddedName names a forwarded message after its subject when the sender
// gave no file name.
func embeddedName(filename string, data []byte) string {
	if filename != "" {
		return filename
	}
	name := "message"
	if e, _ := message.Read(bytes.NewReader(data)); e != nil {
		if s, _ := e.Header.Text("Subject"); strings.TrimSpace(s) != "" {
			name = cleanLine(s, 80)
		}
	}
	return name + ".eml"
}

// safeName returns a file name that is harmless on any disk and in a
// Content-Disposition header: no directories, no control characters, no
// leading dots, at most 200 bytes, never empty.
func safeName(name, mimeType string, n int) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if name == "" {
		_, sub, _ := strings.Cut(mimeType, "/")
		sub = strings.Map(func(r rune) rune {
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return r
			}
			return -1
		}, sub)
		if ext, ok := extFor[mimeType]; ok {
			sub = ext
		}
		if sub == "" {
			sub = "bin"
		}
		name = fmt.Sprintf("attachment-%d.%s", n, sub)
	}
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = strings.ToValidUTF8(name[:200-len(ext)], "") + ext
	}
	return name
}

var extFor = map[string]string{
	"image/jpeg": "jpg", "text/plain": "txt", "application/octet-stream": "bin",
	"message/rfc822": "eml", "image/svg+xml": "svg",
}

// uniqueName adds _2, _3... before the extension when a name is taken.
func uniqueName(name string, taken map[string]bool) string {
	if !taken[strings.ToLower(name)] {
		taken[strings.ToLower(name)] = true
		return name
	}
	ext := path.Ext(name)
	base := strings.TrimSuffix(name, ext)
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s_%d%s", base, i, ext)
		if !taken[strings.ToLower(c)] {
			taken[strings.ToLower(c)] = true
			return c
		}
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
