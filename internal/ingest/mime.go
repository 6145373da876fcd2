package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset go-message knows, for bodies and headers
	"golang.org/x/net/html/charset"
	xunicode "golang.org/x/text/encoding/unicode"
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
	rawLen    int   // the whole message's size, which bounds a part's text
	parts     int
	docs      []rawDoc
	report    bool     // multipart/report; report-type=delivery-status seen
	reportIDs []string // Message-IDs of the bounced message
	inReport  int
	ev        *evidence // the message's declared charsets, for unlabelled bytes
	why       []string  // sentences for the Decision's reason (unknown charsets)
}

func (w *walker) entity(e *message.Entity, depth int) body {
	w.parts++
	if w.parts > maxParts || depth > maxDepth {
		return nil
	}
	ct, params := mediaHeader(e.Header, "Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	disp, dparams := mediaHeader(e.Header, "Content-Disposition")
	filename := dparams["filename"]
	if filename == "" {
		filename = params["name"]
	}
	filename = w.headerText(filename)
	switch {
	case strings.HasPrefix(ct, "multipart/"):
		return w.multipart(e, ct, params, depth)
	case ct == "message/rfc822" || ct == "message/global":
		data, _ := io.ReadAll(e.Body) // keep what could be read
		if w.inReport > 0 {
			w.reportIDs = append(w.reportIDs, embeddedIDs(data)...)
		}
		w.docs = append(w.docs, rawDoc{name: w.embeddedName(filename, data), mimeType: "message/rfc822",
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
		data := readText(e.Body, w.rawLen)
		if ct == "text/html" {
			return body{{html: true, s: w.htmlText(data, params)}}
		}
		return body{{s: w.text(data, params["charset"])}}
	}
	w.document(e, ct, disp, filename)
	return nil
}

// textHint caps the memory readText sets aside at once.
const textHint = 256 << 10

// readText reads a text part whole (what could be read, on an error). It
// reads the first KiB into a buffer of that size; a longer text then
// gets, at once, room for the whole message (a part's text, decoded, is
// seldom longer than its message), up to textHint, then twice as much at
// each step. io.ReadAll grows from 512 bytes by a quarter, copying what it
// has read at each step (~15 µs for a text of 10 KB); room for the whole
// message from the start would waste it for a short text beside a large
// attachment.
func readText(r io.Reader, rawLen int) []byte {
	buf := make([]byte, 0, 1024)
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, max(cap(buf), min(rawLen, textHint)-len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf
		}
	}
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

func (w *walker) document(e *message.Entity, ct, disp, filename string) {
	data, _ := io.ReadAll(io.LimitReader(e.Body, w.readLimit+1))
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

// text makes a text part readable. go-message has already converted a
// declared, known charset; what is left is UTF-8 (the fast path), declared
// UTF-8 with invalid bytes (only those are read as Windows-1252), and bytes
// with no, an ASCII or an unknown charset, which decodeText reads.
func (w *walker) text(data []byte, declared string) string {
	name := strings.ToLower(strings.Trim(strings.TrimSpace(declared), `"'`))
	enc := lookupCharset(name)
	unknown := name != "" && enc == nil && !asciiNames[name]
	if utf8.Valid(data) && enc == nil {
		if s, ok := iso2022jp(data); ok {
			return s // raw ISO-2022-JP without a charset
		}
	}
	if utf8.Valid(data) {
		if unknown && !isASCII(data) {
			w.why = append(w.why, fmt.Sprintf("The text declares the unknown charset %q; it was read as UTF-8.", cleanLine(declared, 40)))
		}
		return string(data)
	}
	if enc == xunicode.UTF8 {
		return mixedUTF8(data)
	}
	if enc != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	s, used := decodeText(data, w.ev)
	if unknown {
		w.why = append(w.why, fmt.Sprintf("The text declares the unknown charset %q; it was read as %s.", cleanLine(declared, 40), used))
	}
	return s
}

// htmlText is text for HTML, honouring a <meta charset> when the MIME
// header declared none.
func (w *walker) htmlText(data []byte, params map[string]string) string {
	if _, ok := params["charset"]; ok || utf8.Valid(data) {
		return w.text(data, params["charset"])
	}
	if enc, _, certain := charset.DetermineEncoding(data, "text/html"); certain {
		if out, err := enc.NewDecoder().Bytes(data); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	return w.text(data, "")
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// headerText decodes a name taken from a header parameter: raw 8-bit bytes
// by the message's evidence, encoded-words left over by go-message.
func (w *walker) headerText(s string) string {
	if s == "" || utf8.ValidString(s) && !strings.Contains(s, "=?") {
		return s
	}
	return decodeHeaderText(s, w.ev)
}

// mediaHeader parses Content-Type or Content-Disposition. When a parameter
// breaks RFC 2045 (an unquoted 8-bit file name, a stray character), the
// type is still kept and the parameters are read loosely, so an attachment
// neither turns into body text nor loses its name.
func mediaHeader(h message.Header, key string) (string, map[string]string) {
	v := h.Get(key)
	if v == "" {
		return "", map[string]string{}
	}
	t, params, err := mime.ParseMediaType(v)
	if err == nil {
		for k, p := range params {
			if strings.Contains(p, "=?") {
				params[k] = decodeHeaderText(p, nil)
			}
		}
		return t, params
	}
	params = map[string]string{}
	typ, rest, _ := strings.Cut(v, ";")
	t = strings.ToLower(strings.TrimSpace(typ))
	if err != mime.ErrInvalidMediaParameter && (t == "" || strings.ContainsAny(t, " \t\"")) {
		t = ""
	}
	for _, m := range looseParam.FindAllStringSubmatch(rest, 20) {
		k := strings.ToLower(m[1])
		val := strings.TrimSpace(m[2])
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = strings.ReplaceAll(val[1:len(val)-1], `\"`, `"`)
		}
		if _, ok := params[k]; !ok {
			params[k] = val
		}
	}
	return t, params
}

var looseParam = regexp.MustCompile(`(?i)([a-z0-9_*-]{1,40})\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)`)

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
// gave no file name; a raw 8-bit subject is read as headers are.
func (w *walker) embeddedName(filename string, data []byte) string {
	if filename != "" {
		return filename
	}
	name := "message"
	if e, _ := message.Read(bytes.NewReader(data)); e != nil {
		ev := w.ev
		if _, ps := mediaHeader(e.Header, "Content-Type"); ps["charset"] != "" {
			ev = &evidence{raw: data}
		}
		if s := decodeHeaderText(e.Header.Get("Subject"), ev); strings.TrimSpace(s) != "" {
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
