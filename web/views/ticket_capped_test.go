package views

import (
	"context"
	"strings"
	"testing"
)

// TestTicketListSaysWhichMatchesItShows: a search with more matches than
// the list's bound says how many it shows and that they are the newest;
// an exact one says nothing of the kind.
func TestTicketListSaysWhichMatchesItShows(t *testing.T) {
	render := func(capped bool) string {
		var b strings.Builder
		l := ListState{Base: "/tickets", Search: "printer", Page: 1, PerPage: 20, Total: 200}
		if err := TicketsPage(l, TicketFilters{Capped: capped}, nil).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	const msg = "More than 200 tickets match: the newest 200 are shown. Refine the search to see them all."
	if page := render(true); !strings.Contains(page, msg) {
		t.Errorf("the capped list lacks %q", msg)
	}
	if page := render(false); strings.Contains(page, "More than") {
		t.Error("an exact list says more tickets match")
	}
}
