package web

import (
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
)

func TestHomeShowsWhatNeedsAttention(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	now := time.Now().UTC()
	for i, st := range []int{store.StatusNew, store.StatusNew, store.StatusPending, store.StatusClosed} {
		tk := &store.Ticket{Title: "t" + string(rune('a'+i)), Status: st, Urgency: 3, RequestSource: store.SourceEmail, OpenedAt: now, UpdatedAt: now}
		if err := a.store.CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
	}
	tech := a.client()
	tech.login("tech")
	page := tech.get("/").body
	for _, want := range []string{">2</div><div class=\"text-secondary\">New tickets", ">3</div><div class=\"text-secondary\">Open tickets"} {
		if !strings.Contains(page, want) {
			t.Errorf("technician's home lacks %q", want)
		}
	}
	if strings.Contains(page, "Receivers in error") {
		t.Error("a technician's home shows Setup figures")
	}
	adm := a.client()
	adm.login("admin")
	if page := adm.get("/").body; !strings.Contains(page, "Receivers in error") || !strings.Contains(page, "Authorizations needing attention") {
		t.Error("an administrator's home lacks the Setup figures")
	}
}
