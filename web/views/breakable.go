package views

import (
	"context"
	"html"
	"io"
	"strings"

	"github.com/a-h/templ"
)

// Breakable shows a long address, identifier or path with line-break
// opportunities after its @ . - _ / = & ?, so a narrow column wraps it
// between its parts ("helpdesk@" / "example." / "com"), never in the
// middle of a word.
func Breakable(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		for i, part := range breakParts(s) {
			if i > 0 {
				if _, err := io.WriteString(w, "<wbr>"); err != nil {
					return err
				}
			}
			if _, err := io.WriteString(w, html.EscapeString(part)); err != nil {
				return err
			}
		}
		return nil
	})
}

// breakParts cuts s after each separator, keeping the separators.
func breakParts(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexAny(s, "@.-_/=&?")
		if i < 0 || i == len(s)-1 {
			return append(out, s)
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// When shows a date and time ("2026-03-03 08:15") that may wrap only
// between the date and the time, never inside the date.
func When(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		date, clock, ok := strings.Cut(s, " ")
		out := `<span class="text-nowrap">` + html.EscapeString(date) + `</span>`
		if ok {
			out += ` <span class="text-nowrap">` + html.EscapeString(clock) + `</span>`
		}
		_, err := io.WriteString(w, out)
		return err
	})
}
