package ingest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// Charsets as mailers name them. A name is lower-cased, and "cp-NNN",
// "cpNNN" and "windows-NNN" are the same name; what this table lacks goes
// to go-message's IANA table, then to the WHATWG labels.
var charsetAliases = map[string]encoding.Encoding{
	// Every GB name reads as GB18030, the superset: mail labelled GB2312
	// routinely carries GBK characters.
	"gb2312": simplifiedchinese.GB18030, "iso-gb2312": simplifiedchinese.GB18030, "x-gbk": simplifiedchinese.GB18030,
	"gbk": simplifiedchinese.GB18030, "gb_2312-80": simplifiedchinese.GB18030, "csgb2312": simplifiedchinese.GB18030,
	"euc-cn": simplifiedchinese.GB18030, "x-euc-cn": simplifiedchinese.GB18030, "cp936": simplifiedchinese.GB18030,
	"ms936": simplifiedchinese.GB18030, "chinese": simplifiedchinese.GB18030, "gb18030": simplifiedchinese.GB18030,
	"big5": traditionalchinese.Big5, "big-5": traditionalchinese.Big5, "cn-big5": traditionalchinese.Big5,
	"x-x-big5": traditionalchinese.Big5, "big5-hkscs": traditionalchinese.Big5, "cp950": traditionalchinese.Big5,
	"shift_jis": japanese.ShiftJIS, "shift-jis": japanese.ShiftJIS, "sjis": japanese.ShiftJIS, "x-sjis": japanese.ShiftJIS,
	"ms_kanji": japanese.ShiftJIS, "cp932": japanese.ShiftJIS, "windows-31j": japanese.ShiftJIS, "ms932": japanese.ShiftJIS,
	"euc-jp": japanese.EUCJP, "x-euc-jp": japanese.EUCJP, "eucjp": japanese.EUCJP, "euc_jp": japanese.EUCJP,
	"iso-2022-jp": japanese.ISO2022JP, "csiso2022jp": japanese.ISO2022JP,
	"euc-kr": korean.EUCKR, "ks_c_5601-1987": korean.EUCKR, "ks_c_5601": korean.EUCKR, "ksc5601": korean.EUCKR,
	"ksc_5601": korean.EUCKR, "cp949": korean.EUCKR, "uhc": korean.EUCKR, "x-windows-949": korean.EUCKR,
	// Latin-1 labels carry Windows-1252 in practice (curly quotes, the euro).
	"iso-8859-1": charmap.Windows1252, "iso8859-1": charmap.Windows1252, "iso_8859-1": charmap.Windows1252,
	"latin1": charmap.Windows1252, "l1": charmap.Windows1252, "x-user-defined": charmap.Windows1252,
	"ibm850": charmap.CodePage850, "850": charmap.CodePage850, "windows-850": charmap.CodePage850,
	"ibm437": charmap.CodePage437, "windows-437": charmap.CodePage437, "ibm866": charmap.CodePage866, "windows-866": charmap.CodePage866,
	"utf-8": unicode.UTF8, "utf8": unicode.UTF8, "x-utf-8": unicode.UTF8, "unicode-1-1-utf-8": unicode.UTF8,
	"utf-7": utf7Encoding, "utf7": utf7Encoding, "unicode-1-1-utf-7": utf7Encoding, "x-unicode20utf7": utf7Encoding,
	"x-unicode-2-0-utf-7": utf7Encoding, "csunicode11utf7": utf7Encoding,
}

// asciiNames declare US-ASCII: 8-bit bytes under them were never ASCII, so
// they are read as if nothing was declared.
var asciiNames = map[string]bool{"us-ascii": true, "ascii": true, "ansi_x3.4-1968": true, "iso646-us": true,
	"us": true, "ansi_x3.4-1986": true, "iso-ir-6": true, "cp367": true, "ibm367": true, "csascii": true, "646": true}

// utf7Encoding marks UTF-7; it is decoded by decodeUTF7, not by x/text.
var utf7Encoding encoding.Encoding = utf7Marker{}

type utf7Marker struct{ encoding.Encoding }

var cpName = regexp.MustCompile(`^(?:cp|windows|win|x-cp|ms)-?(\d{3,4})$`)

// lookupCharset returns the decoder for a declared charset name, nil when
// it is unknown or names US-ASCII.
func lookupCharset(name string) encoding.Encoding {
	n := strings.ToLower(strings.Trim(strings.TrimSpace(name), `"'`))
	if n == "" || asciiNames[n] {
		return nil
	}
	if e, ok := charsetAliases[n]; ok {
		return e
	}
	if m := cpName.FindStringSubmatch(n); m != nil {
		if e, ok := charsetAliases[m[1]]; ok {
			return e
		}
		n = "windows-" + m[1]
		if e, ok := charsetAliases[n]; ok {
			return e
		}
	}
	if e, err := htmlindex.Get(n); err == nil && e != nil && e != encoding.Replacement {
		return e
	}
	for _, c := range []string{n, "cs" + n} {
		if e, err := ianaindex.MIME.Encoding(c); err == nil && e != nil && e != encoding.Replacement {
			return e
		}
	}
	return nil
}

// decodeWith converts b from enc to UTF-8. ok is false when the bytes are
// not valid in enc (the result then holds U+FFFD where they were).
func decodeWith(enc encoding.Encoding, b []byte) (string, bool) {
	if enc == utf7Encoding {
		return decodeUTF7(b)
	}
	if enc == unicode.UTF8 {
		if utf8.Valid(b) {
			return string(b), true
		}
		return mixedUTF8(b), false
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return latin(b), false
	}
	s := string(out)
	return strings.ToValidUTF8(s, "\uFFFD"), !strings.ContainsRune(s, utf8.RuneError) || bytes.Contains(b, []byte("\xef\xbf\xbd"))
}

// latin reads bytes as Windows-1252: every byte has a reading.
func latin(b []byte) string {
	out, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// charsetReader is go-message's CharsetReader with the aliases above and
// UTF-7; an unknown name stays an error so the walker can say so.
func charsetReader(name string, input io.Reader) (io.Reader, error) {
	enc := lookupCharset(name)
	if enc == nil {
		return nil, fmt.Errorf("unknown charset %q", name)
	}
	if enc == utf7Encoding {
		b, err := io.ReadAll(input)
		s, _ := decodeUTF7(b)
		return strings.NewReader(s), err
	}
	return enc.NewDecoder().Reader(input), nil
}

func init() {
	// The go-message/charset import set its own reader first (package
	// initialisation follows imports); this one adds the aliases.
	message.CharsetReader = charsetReader
}

// decodeUTF7 decodes UTF-7 (RFC 2152): "+" starts modified base64 of
// UTF-16 that "-" or any non-base64 character ends, "+-" is "+". ok is
// false when a shifted run was malformed (it is kept as text).
func decodeUTF7(b []byte) (string, bool) {
	var sb strings.Builder
	ok := true
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '+' {
			if c >= 0x80 {
				sb.WriteString(latin(b[i : i+1]))
				ok = false
				continue
			}
			sb.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(b) && isBase64Char(b[j]) {
			j++
		}
		if j == i+1 {
			if j < len(b) && b[j] == '-' {
				sb.WriteByte('+')
				i = j
			} else {
				sb.WriteByte('+')
			}
			continue
		}
		run := b[i+1 : j]
		// Trailing bits that do not make a whole byte are allowed: cut them.
		raw, err := base64.RawStdEncoding.DecodeString(string(run[:len(run)/4*4+validTail(len(run)%4)]))
		if err != nil || len(raw)%2 != 0 {
			ok = false
			sb.Write(b[i:j])
			i = j - 1
			continue
		}
		u := make([]uint16, len(raw)/2)
		for k := range u {
			u[k] = uint16(raw[2*k])<<8 | uint16(raw[2*k+1])
		}
		sb.WriteString(string(utf16.Decode(u)))
		i = j - 1
		if j < len(b) && b[j] == '-' {
			i = j // the "-" only ends the run
		}
	}
	return sb.String(), ok
}

// validTail is how many characters of an incomplete base64 quantum can be
// decoded without padding (one character alone carries no whole byte).
func validTail(n int) int {
	if n == 1 {
		return 0
	}
	return n
}

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// mixedUTF8 keeps the valid UTF-8 of b and reads each run of invalid bytes
// as Windows-1252: a reply in UTF-8 quoting a Latin-1 mail, or a Latin-1
// signature pasted under UTF-8 text.
func mixedUTF8(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/4)
	start := -1 // start of the current invalid run
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			if start < 0 {
				start = i
			}
			i++
			continue
		}
		if start >= 0 {
			sb.WriteString(latin(b[start:i]))
			start = -1
		}
		sb.Write(b[i : i+n])
		i += n
	}
	if start >= 0 {
		sb.WriteString(latin(b[start:]))
	}
	return sb.String()
}

// utf8Evidence counts the valid multi-byte UTF-8 sequences and the invalid
// bytes of b.
func utf8Evidence(b []byte) (multi, invalid int) {
	for i := 0; i < len(b); {
		if b[i] < 0x80 {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			invalid++
			i++
			continue
		}
		multi++
		i += n
	}
	return multi, invalid
}

// evidence is what a message tells about the charset of its unlabelled
// bytes: the charsets it declares in its Content-Type headers, read from
// the raw bytes only when some text needs them.
type evidence struct {
	raw     []byte
	scanned bool
	encs    []encoding.Encoding
}

var declaredCharset = regexp.MustCompile(`(?i)charset\s*=\s*"?([A-Za-z0-9_.:+-]{1,40})`)

func (ev *evidence) charsets() []encoding.Encoding {
	if ev == nil {
		return nil
	}
	if !ev.scanned {
		ev.scanned = true
		seen := map[encoding.Encoding]bool{}
		for _, m := range declaredCharset.FindAllSubmatch(ev.raw, 50) {
			e := lookupCharset(string(m[1]))
			if e == nil || e == unicode.UTF8 || seen[e] {
				continue
			}
			seen[e] = true
			ev.encs = append(ev.encs, e)
		}
	}
	return ev.encs
}

// decodeText reads bytes whose charset is not declared (or names ASCII):
// valid UTF-8 stays as it is (the fast path of nearly every mail); mostly
// UTF-8 with stray bytes is read as mixedUTF8; otherwise the charsets the
// message declares elsewhere are tried, then the detector, then
// Windows-1252. The name of the charset used is returned for the "why".
func decodeText(b []byte, ev *evidence) (string, string) {
	if utf8.Valid(b) {
		if s, ok := iso2022jp(b); ok {
			return s, "ISO-2022-JP"
		}
		return string(b), ""
	}
	if multi, invalid := utf8Evidence(b); multi > 0 && multi >= invalid {
		return mixedUTF8(b), "UTF-8"
	}
	for _, e := range ev.charsets() {
		if s, ok := decodeWith(e, b); ok && plausible(e, b, s) {
			return s, charsetName(e)
		}
	}
	return detect(b)
}

// iso2022jp reads 7-bit text that switches to JIS X 0208 with escape
// sequences: old Japanese mailers send it raw, without a charset.
func iso2022jp(b []byte) (string, bool) {
	if bytes.IndexByte(b, 0x1b) < 0 || !(bytes.Contains(b, []byte("\x1b$B")) || bytes.Contains(b, []byte("\x1b$@"))) {
		return "", false
	}
	s, ok := decodeWith(japanese.ISO2022JP, b)
	return s, ok
}

// decodeHeaderText makes a header value readable: raw 8-bit bytes are
// decoded as decodeText does, then RFC 2047 encoded-words in any charset
// (an unknown one is detected); a malformed encoded-word is decoded as far
// as it goes, never shown raw.
func decodeHeaderText(v string, ev *evidence) string {
	if !utf8.ValidString(v) || strings.IndexByte(v, 0x1b) >= 0 {
		v, _ = decodeText([]byte(v), ev)
	}
	if !strings.Contains(v, "=?") {
		return v
	}
	out, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		out = v
	}
	if !utf8.ValidString(out) {
		out = mixedUTF8([]byte(out))
	}
	if strings.Contains(out, "=?") {
		out = leftoverWord.ReplaceAllStringFunc(out, decodeLooseWord)
	}
	return out
}

// wordDecoder decodes encoded-words leniently: an unknown charset is read
// by the detector instead of failing the whole header.
var wordDecoder = &mime.WordDecoder{CharsetReader: func(name string, input io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(input)
	if err != nil {
		return nil, err
	}
	if enc := lookupCharset(name); enc != nil {
		s, _ := decodeWith(enc, b)
		return strings.NewReader(s), nil
	}
	s, _ := decodeText(b, nil)
	return strings.NewReader(s), nil
}}

var leftoverWord = regexp.MustCompile(`=\?([^?\s]{1,60})\?([QqBb])\?([^?]*)\?=`)

// decodeLooseWord decodes an encoded-word mime rejected: bad base64 is
// decoded up to the damage, bad Q escapes are kept as text.
func decodeLooseWord(w string) string {
	m := leftoverWord.FindStringSubmatch(w)
	if m == nil {
		return w
	}
	name, text := m[1], m[3]
	if i := strings.IndexByte(name, '*'); i >= 0 { // RFC 2231 language suffix
		name = name[:i]
	}
	var b []byte
	if m[2] == "B" || m[2] == "b" {
		clean := strings.Map(func(r rune) rune {
			if r < 128 && isBase64Char(byte(r)) {
				return r
			}
			return -1
		}, text)
		clean = clean[:len(clean)/4*4+validTail(len(clean)%4)]
		b, _ = base64.RawStdEncoding.DecodeString(clean)
	} else {
		for i := 0; i < len(text); i++ {
			switch {
			case text[i] == '_':
				b = append(b, ' ')
			case text[i] == '=' && i+2 < len(text) && isHex(text[i+1]) && isHex(text[i+2]):
				b = append(b, unhex(text[i+1])<<4|unhex(text[i+2]))
				i += 2
			default:
				b = append(b, text[i])
			}
		}
	}
	if enc := lookupCharset(name); enc != nil {
		s, _ := decodeWith(enc, b)
		return s
	}
	s, _ := decodeText(b, nil)
	return s
}

// charsetName names an encoding for the technician.
func charsetName(e encoding.Encoding) string {
	switch e {
	case simplifiedchinese.GB18030:
		return "GB18030 (GBK)"
	case traditionalchinese.Big5:
		return "Big5"
	case japanese.ShiftJIS:
		return "Shift_JIS"
	case japanese.EUCJP:
		return "EUC-JP"
	case japanese.ISO2022JP:
		return "ISO-2022-JP"
	case korean.EUCKR:
		return "EUC-KR"
	case charmap.Windows1252:
		return "Windows-1252"
	case charmap.Windows1251:
		return "Windows-1251"
	case charmap.Windows1250:
		return "Windows-1250"
	case unicode.UTF8:
		return "UTF-8"
	case utf7Encoding:
		return "UTF-7"
	}
	if s, ok := e.(fmt.Stringer); ok {
		return s.String()
	}
	return "a declared charset"
}
