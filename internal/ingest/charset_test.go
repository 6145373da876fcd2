package ingest

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

func TestDecodeUTF7(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// The examples of RFC 2152.
		{"A+ImIDkQ.", "A\u2262\u0391."},
		{"Hi Mom -+Jjo--!", "Hi Mom -\u263a-!"},
		{"+ZeVnLIqe-", "日本語"},
		{"Item 3 is +AKM-1.", "Item 3 is £1."},
		{"1 +- 1", "1 + 1"},
		{"+ANw-bermittlungsstatus", "Übermittlungsstatus"},
		{"end+", "end+"},
	} {
		if got, _ := decodeUTF7([]byte(tc.in)); got != tc.want {
			t.Errorf("decodeUTF7(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLookupCharsetAliases(t *testing.T) {
	for name, want := range map[string]encoding.Encoding{
		"iso-gb2312": simplifiedchinese.GB18030, "x-gbk": simplifiedchinese.GB18030, "GB2312": simplifiedchinese.GB18030,
		"ks_c_5601-1987": korean.EUCKR, "cp-850": charmap.CodePage850, "CP-1252": charmap.Windows1252,
		"unicode-1-1-utf-7": utf7Encoding, "UTF-7": utf7Encoding, "x-sjis": japanese.ShiftJIS,
		"big5": traditionalchinese.Big5, "cp1251": charmap.Windows1251, `"iso-8859-1"`: charmap.Windows1252,
		"iso-8859-2": charmap.ISO8859_2, "koi8-r": charmap.KOI8R,
	} {
		if got := lookupCharset(name); got != want {
			t.Errorf("lookupCharset(%q) = %v, want %v", name, got, want)
		}
	}
	for _, name := range []string{"ansi_x3.4-1968", "us-ascii", "x-klingon", "", "hz-gb-2312-replacement"} {
		if got := lookupCharset(name); got != nil {
			t.Errorf("lookupCharset(%q) = %v, want nil (nothing declared or unknown)", name, got)
		}
	}
}

func TestMixedUTF8(t *testing.T) {
	in := append([]byte("Grüße "), []byte("M\xfcller \x80")...)
	if got, want := mixedUTF8(in), "Grüße Müller €"; got != want {
		t.Errorf("mixedUTF8 = %q, want %q", got, want)
	}
}

func encode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDetectShortText covers header-sized texts, the hardest case for a
// statistical detector.
func TestDetectShortText(t *testing.T) {
	for _, tc := range []struct {
		enc  encoding.Encoding
		text string
	}{
		{simplifiedchinese.GBK, "转发：业务水平"},
		{simplifiedchinese.GBK, "打印机故障"},
		{traditionalchinese.Big5, "網路連線問題"},
		{japanese.ShiftJIS, "パスワードの変更"},
		{japanese.EUCJP, "会議の資料"},
		{korean.EUCKR, "회의실 예약"},
		{charmap.Windows1252, "Wölbung"},
		{charmap.Windows1252, "Hofjägerallee"},
		{charmap.Windows1252, "Señor García, ¿qué tal?"},
		{charmap.Windows1252, "Größe"},
		{charmap.Windows1252, "Größere Änderungen über Nacht"},
		{charmap.Windows1252, "Ça coûte très cher, Hélène"},
		{charmap.Windows1252, "Ærlig talt, Øyvind – så fint"},
		{charmap.Windows1252, "«Déjà vu» — naïve"},
		{charmap.Windows1251, "Ошибка входа"},
		{charmap.Windows1250, "Žádost o přístup – Łódź"},
	} {
		got, _ := detect(encode(t, tc.enc, tc.text))
		if got != tc.text {
			t.Errorf("detect(%s %q) = %q", charsetName(tc.enc), tc.text, got)
		}
	}
}

func TestDecodeHeaderTextNeverRaw(t *testing.T) {
	for _, in := range []string{
		"=?unicode-1-1-utf-7?Q?+ANw-bermittlungsstatus?=",
		"=?x-unknown?B?Q2Fmw6k=?=",
		"=?utf-8?B?Q2Fmw6k!!?= ok",
		"=?iso-8859-1*de?Q?Gr=FC=DFe?=",
		"=?utf-8?Q?caf=C3=A9?= =?bogus?Q?x?=",
	} {
		got := decodeHeaderText(in, nil)
		if strings.Contains(got, "=?") || strings.Contains(got, "\uFFFD") {
			t.Errorf("decodeHeaderText(%q) = %q, want no raw encoded-word", in, got)
		}
	}
	if got := decodeHeaderText("=?unicode-1-1-utf-7?Q?+ANw-bermittlungsstatus?=", nil); got != "Übermittlungsstatus" {
		t.Errorf("got %q", got)
	}
}

func TestParseAddressesUnambiguous(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"power quadrant system@example.com", nil},
		{"John Doe john@example.com", nil},
		{"john@example.com", []string{"john@example.com"}},
		{`"Doe, "John" <john@example.com>`, []string{"john@example.com"}},
		{"Broken <a@example.com, b@example.com", []string{"a@example.com", "b@example.com"}},
		{`Name <x@example.com> trailing words`, nil},
		{"Support Team", nil},
		{"<>", nil},
	} {
		var got []string
		for _, a := range parseAddresses(tc.in, nil, false) {
			got = append(got, a.Email)
		}
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("parseAddresses(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// TestEvidenceYieldsToAConfidentReading: a message that declares
// Windows-1252 for its body may still carry a raw Shift_JIS subject.
func TestEvidenceYieldsToAConfidentReading(t *testing.T) {
	subject := encode(t, japanese.ShiftJIS, "会議室の予約について")
	ev := &evidence{raw: []byte("Content-Type: text/plain; charset=windows-1252\r\n")}
	if got, _ := decodeText(subject, ev); got != "会議室の予約について" {
		t.Errorf("got %q, want the Shift_JIS reading", got)
	}
	latin := encode(t, charmap.Windows1252, "Grüße aus Köln")
	if got, _ := decodeText(latin, ev); got != "Grüße aus Köln" {
		t.Errorf("got %q, want the declared Windows-1252 reading", got)
	}
}

// TestDetectLongText: past detectSample the detector weighs a sample cut
// between characters and decodes the whole text with its choice.
func TestDetectLongText(t *testing.T) {
	line := "服务器今晚十点维护，请提前保存文件。\n"
	text := strings.Repeat(line, 2*detectSample/len(line))
	got, name := detect(encode(t, simplifiedchinese.GBK, text))
	if got != text || name != "GB18030 (GBK)" {
		t.Errorf("got %d bytes read as %s, want the %d bytes of the text as GB18030", len(got), name, len(text))
	}
}

// TestRawISO2022JP: 7-bit ISO-2022-JP without a charset, in a header or a
// body, is read as Japanese; plain ASCII is left alone.
func TestRawISO2022JP(t *testing.T) {
	raw := encode(t, japanese.ISO2022JP, "会議室の予約について")
	if got := decodeHeaderText(string(raw), nil); got != "会議室の予約について" {
		t.Errorf("header: got %q", got)
	}
	w := &walker{}
	if got := w.text(raw, ""); got != "会議室の予約について" {
		t.Errorf("body: got %q", got)
	}
	if got, name := decodeText([]byte("plain ascii"), nil); got != "plain ascii" || name != "" {
		t.Errorf("ascii: got %q %q", got, name)
	}
}
