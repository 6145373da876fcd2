package ingest

import (
	"bytes"
	"errors"
	"io"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// bracketIDRe is what bracketedIDs replaces, kept as its oracle.
var bracketIDRe = regexp.MustCompile(`<([^<>\s]{1,500})>`)

func bracketIDsByRegexp(v string, max int) []string {
	var ids []string
	for _, m := range bracketIDRe.FindAllStringSubmatch(v, max) {
		ids = append(ids, m[1])
	}
	return ids
}

var msgIDSeeds = []string{
	"<a@b>", " <a@b> <c@d>\r\n\t<e@f>", "<<a@b>>", "<a b@c> <d@e>", "<>", "<a@b", "a@b>", "<a@b><c@d>",
	"<a\v@b>", "<a\f@b>", "<é@ü.example>", "<\xff@b>", "junk <a@b> (comment) <c@d>,<e@f>;", "<a<b@c>",
	"<" + strings.Repeat("x", 500) + ">", "<" + strings.Repeat("x", 501) + ">", "<" + strings.Repeat("é", 500) + ">",
	"<" + strings.Repeat("é", 501) + "> <ok@x>", "<" + strings.Repeat("\xff", 500) + ">", strings.Repeat("<a@b> ", 120),
	"a@b c@d", "", "<", ">", "<<<>>>", "<a@b>\x00<c@d>",
}

func TestBracketedIDsAgreeWithTheRegexp(t *testing.T) {
	for _, v := range msgIDSeeds {
		for _, max := range []int{1, 2, 100} {
			if got, want := bracketedIDs(v, max), bracketIDsByRegexp(v, max); !slices.Equal(got, want) {
				t.Errorf("bracketedIDs(%q, %d) = %q, want %q", v, max, got, want)
			}
		}
	}
	if got := msgIDs("junk <a@b> (x) <c@d>"); !slices.Equal(got, []string{"a@b", "c@d"}) {
		t.Errorf("msgIDs = %q", got)
	}
	if got := msgIDs("a@b, <c d@e>;"); !slices.Equal(got, []string{"a@b", "d@e"}) {
		t.Errorf("msgIDs without a bracketed ID = %q, want the words holding an @", got)
	}
}

func FuzzBracketedIDs(f *testing.F) {
	for _, v := range msgIDSeeds {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := bracketedIDs(v, 100), bracketIDsByRegexp(v, 100); !slices.Equal(got, want) {
			t.Fatalf("bracketedIDs(%q) = %q, want %q", v, got, want)
		}
	})
}

func BenchmarkMsgIDs(b *testing.B) {
	v := " <CAF=abc123.def456@mail.example.com> <1234567890.42.JavaMail.app@host.example.org>\r\n <x@y>"
	for _, bc := range []struct {
		name string
		f    func(string, int) []string
	}{{"scan", bracketedIDs}, {"regexp", bracketIDsByRegexp}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(bc.f(v, 100)) != 3 {
					b.Fatal("want 3 IDs")
				}
			}
		})
	}
}

var dateSeeds = []string{
	"Mon, 30 Nov 2026 06:00:00 +0000", "Mon, 2 Jan 2006 15:04:05 -0700", " Tue, 1 Dec 2026 23:59:59 +0530 ",
	"Tue, 1 Dec 2026 23:59:59 +0530 (IST)", "1 Dec 2026 23:59:59 +0530", "Tue, 01 Dec 26 23:59 +0530",
	"Thu, 20 Nov 1997 09:55:06 MDT", "Wed, 31 Feb 2026 10:00:00 +0000", "Sun, 1 Mar 2026 25:00:00 +0000",
	"Mon, 30 Nov 2026 06:00:00 +0000\r\n", "Mon, 30 Nov 2026\r\n 06:00:00 +0000", "Mon, 30 Nov 2026 06:00:00 +2400",
	"Fri, 30 Nov 2026 06:00:00 +0000", "mon, 30 nov 2026 06:00:00 +0000", "Mon, 30 Nov 2026 06:00:00 GMT",
	"Mon,30 Nov 2026 06:00:00 +0000", "Mon, 30 Nov 2026 06:00:00 -0000", "garbage", "", "Mon, 30 Nov 2026 6:0:0 +0000",
}

// TestParseDateIsNetMails holds parseDate to net/mail's ParseDate (the
// zero time for an empty header, as go-message's Date does).
func TestParseDateIsNetMails(t *testing.T) {
	for _, v := range dateSeeds {
		checkParseDate(t, v)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, v := range dateSeeds {
		f.Add(v)
	}
	f.Fuzz(checkParseDate)
}

func checkParseDate(t *testing.T, v string) {
	got, gerr := parseDate(v)
	var want time.Time
	var werr error
	if v != "" {
		want, werr = netmail.ParseDate(v)
	}
	if (gerr == nil) != (werr == nil) {
		t.Fatalf("parseDate(%q): error %v, ParseDate's %v", v, gerr, werr)
	}
	if !got.Equal(want) || got.Format(time.RFC3339Nano) != want.Format(time.RFC3339Nano) || got.Location().String() != want.Location().String() {
		t.Fatalf("parseDate(%q) = %v, ParseDate's %v", v, got, want)
	}
}

// TestReadTextReadsAll checks readText against io.ReadAll for texts
// around its steps, read whole or a byte at a time, and that it keeps
// what was read before an error.
func TestReadTextReadsAll(t *testing.T) {
	for _, n := range []int{0, 1, 1023, 1024, 1025, 10 << 10, textHint + 1, 3*textHint + 7} {
		text := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
		for _, rawLen := range []int{0, n / 2, n, 2*n + 100} {
			for _, r := range []io.Reader{bytes.NewReader(text), iotest.OneByteReader(bytes.NewReader(text)), iotest.HalfReader(bytes.NewReader(text)), iotest.DataErrReader(bytes.NewReader(text))} {
				if got := readText(r, rawLen); !bytes.Equal(got, text) {
					t.Fatalf("readText of %d bytes (message of %d) read %d bytes", n, rawLen, len(got))
				}
			}
		}
	}
	failing := io.MultiReader(strings.NewReader("kept before the error"), iotest.ErrReader(errors.New("broken")))
	if got := string(readText(failing, 100)); got != "kept before the error" {
		t.Fatalf("readText before an error = %q", got)
	}
}
