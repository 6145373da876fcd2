package views

import (
	"strings"
	"testing"

	"github.com/oauthimap/oauthimap/internal/store"
)

// TestTicketStatusViews: each of GLPI's statuses has its label, a badge
// colour, and can be solved until Solved or Closed; each timeline kind of
// the store has its label and only status changes read as events.
func TestTicketStatusViews(t *testing.T) {
	want := map[int]TicketStatus{
		store.StatusNew:      {store.StatusNew, "New", "bg-green-lt", true},
		store.StatusAssigned: {store.StatusAssigned, "Processing (assigned)", "bg-blue-lt", true},
		store.StatusPlanned:  {store.StatusPlanned, "Processing (planned)", "bg-blue-lt", true},
		store.StatusPending:  {store.StatusPending, "Pending", "bg-orange-lt", true},
		store.StatusSolved:   {store.StatusSolved, "Solved", "bg-secondary-lt", false},
		store.StatusClosed:   {store.StatusClosed, "Closed", "bg-dark-lt", false},
	}
	all := TicketStatuses()
	if len(all) != len(want) {
		t.Fatalf("%d statuses, want %d", len(all), len(want))
	}
	for _, s := range all {
		if s != want[s.Value] {
			t.Errorf("status %d: %+v, want %+v", s.Value, s, want[s.Value])
		}
	}
	kinds := map[string]TimelineKind{
		"":                     {"description", "Description", false},
		store.FollowupEmail:    {store.FollowupEmail, "Follow-up by e-mail", false},
		store.FollowupBounce:   {store.FollowupBounce, "Delivery failure", false},
		store.FollowupStaff:    {store.FollowupStaff, "Follow-up", false},
		store.FollowupSolution: {store.FollowupSolution, "Solution", false},
		store.EventStatus:      {store.EventStatus, "Status", true},
		store.EventReopen:      {store.EventReopen, "Reopened", true},
	}
	for k, w := range kinds {
		if got := TimelineOf(k); got != w || strings.TrimSpace(got.Label) == "" {
			t.Errorf("timeline kind %q: %+v, want %+v", k, got, w)
		}
	}
}
