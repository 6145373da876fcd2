package views

import (
	"strconv"
	"time"
)

func statusText(code int) string { return strconv.Itoa(code) }

// FormatTime shows a time to the minute in UTC, or "Never". GLPI shows the
// viewer's local time; this console shows UTC to everyone until a user
// setting for the time zone exists.
func FormatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "Never"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// YesNo is GLPI's boolean column text.
func YesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// orDash shows an empty field as a dash, so a description list keeps its rows aligned.
func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
