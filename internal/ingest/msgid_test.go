package ingest

import (
	"regexp"
	"slices"
	"strings"
	"testing"
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
