package views

import (
	"context"
	"strconv"
	"time"
)

func statusText(code int) string { return strconv.Itoa(code) }

// FormatTime shows a time to the minute in the viewer's time zone (their
// setting, else the server's: see WithLocation), or "Never", as GLPI does.
func FormatTime(ctx context.Context, t *time.Time) string {
	if t == nil || t.IsZero() {
		return "Never"
	}
	return t.In(LocationOf(ctx)).Format("2006-01-02 15:04")
}

type locationKey struct{}

// WithLocation says the time zone the request's times are shown in.
func WithLocation(ctx context.Context, loc *time.Location) context.Context {
	return context.WithValue(ctx, locationKey{}, loc)
}

// LocationOf is the request's time zone: the viewer's, or the server's.
func LocationOf(ctx context.Context) *time.Location {
	if loc, ok := ctx.Value(locationKey{}).(*time.Location); ok && loc != nil {
		return loc
	}
	return time.Local
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
