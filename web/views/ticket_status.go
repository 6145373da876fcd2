package views

import "github.com/oauthimap/oauthimap/internal/store"

// TicketStatus is a ticket status as the pages show it: GLPI's label (the
// store's vocabulary), its badge colour and whether the ticket can still
// be solved. Templates use these fields and never compare statuses.
type TicketStatus struct {
	Value    int
	Label    string
	Badge    string // the badge's colour class
	Solvable bool   // neither Solved nor Closed
}

// StatusOf is the view of a status.
func StatusOf(s int) TicketStatus {
	return TicketStatus{Value: s, Label: store.StatusLabel(s), Badge: statusBadge(s), Solvable: s != store.StatusSolved && s != store.StatusClosed}
}

// TicketStatuses are GLPI's statuses, in order.
func TicketStatuses() []TicketStatus {
	out := make([]TicketStatus, 0, len(store.TicketStatuses))
	for _, s := range store.TicketStatuses {
		out = append(out, StatusOf(s))
	}
	return out
}

// statusBadge is a status's badge colour, as GLPI's: new green, being
// processed blue, pending orange, solved grey, closed dark.
func statusBadge(s int) string {
	switch s {
	case store.StatusNew:
		return "bg-green-lt"
	case store.StatusAssigned, store.StatusPlanned:
		return "bg-blue-lt"
	case store.StatusPending:
		return "bg-orange-lt"
	case store.StatusSolved:
		return "bg-secondary-lt"
	}
	return "bg-dark-lt"
}

// TimelineKind is what a timeline entry is, as the page labels it; Event
// entries are a sentence about the ticket (a status change), the others
// a message with its content.
type TimelineKind struct {
	Class string // the entry's CSS class suffix: the store's kind
	Label string
	Event bool
}

// Timeline kinds beyond the store's follow-up and event kinds.
const timelineDescription = "description"

// TimelineOf is the view of a timeline entry's kind: a store follow-up
// kind (store.FollowupEmail...), a ticket event kind (store.EventStatus,
// store.EventReopen), or the ticket's description ("").
func TimelineOf(kind string) TimelineKind {
	k := TimelineKind{Class: kind}
	switch kind {
	case "":
		k.Class, k.Label = timelineDescription, "Description"
	case store.FollowupEmail:
		k.Label = "Follow-up by e-mail"
	case store.FollowupBounce:
		k.Label = "Delivery failure"
	case store.FollowupStaff:
		k.Label = "Follow-up"
	case store.FollowupSolution:
		k.Label = "Solution"
	case store.EventReopen:
		k.Label, k.Event = "Reopened", true
	case store.EventMailSkipped:
		k.Label, k.Event = "Not mailed", true
	default:
		k.Label, k.Event = "Status", true
	}
	return k
}
