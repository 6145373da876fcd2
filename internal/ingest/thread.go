package ingest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
)

// thread decides whether e answers a known ticket. It fills Kind, Reason,
// TicketID and Reopen of d and reports an error only when the store fails.
func (c *compiled) thread(ctx context.Context, k Knowledge, e envelope, d *Decision) error {
	d.Kind, d.Reason = KindTicket, Reason{Code: ReasonNew, Text: "New ticket: the mail answers no known ticket."}
	ids := append(slices.Clone(e.InReplyTo), e.References...)
	if len(ids) > 0 {
		known, err := k.TicketsByMessageID(ctx, dedupe(ids))
		if err != nil {
			return fmt.Errorf("ingest: look up Message-IDs: %w", err)
		}
		// In-Reply-To names the mail answered; References run oldest first,
		// so the last known one is the closest ancestor.
		for _, id := range e.InReplyTo {
			if t, ok := known[id]; ok {
				c.followup(d, t, ReasonInReplyTo, fmt.Sprintf("In-Reply-To <%s>", id))
				return nil
			}
		}
		for i := len(e.References) - 1; i >= 0; i-- {
			if t, ok := known[e.References[i]]; ok {
				c.followup(d, t, ReasonReferences, fmt.Sprintf("References <%s>", e.References[i]))
				return nil
			}
		}
	}
	m := c.tag.FindStringSubmatch(e.Subject)
	if m == nil {
		return nil
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || id <= 0 {
		return nil
	}
	t, found, err := k.Ticket(ctx, id)
	if err != nil {
		return fmt.Errorf("ingest: look up ticket %d: %w", id, err)
	}
	if !found {
		return nil
	}
	// A tag is easy to forge or to keep when forwarding a notification to a
	// stranger: only people already on the ticket may thread with it.
	if !slices.Contains(t.Participants, d.Requester.Email) && !slices.Contains(t.Participants, e.From.Email) {
		d.Reason = Reason{Code: ReasonTagStranger, Text: fmt.Sprintf(
			"New ticket: the subject names ticket %d, but %s is neither its requester nor an observer.", id, e.From.Email)}
		return nil
	}
	c.followup(d, t, ReasonSubjectTag, fmt.Sprintf("the subject tag %q from a participant", m[0]))
	return nil
}

func (c *compiled) followup(d *Decision, t TicketRef, code, how string) {
	d.TicketID = t.ID
	if t.Solved && slices.Contains(t.Requesters, d.Requester.Email) {
		d.Kind, d.Reopen = KindFollowup, true
		d.Reason = Reason{Code: ReasonSolvedReopen, Text: fmt.Sprintf(
			"Follow-up from the requester %s that reopens solved ticket %d, found by %s.", d.Requester.Email, t.ID, how)}
		return
	}
	if !t.Closed {
		d.Kind = KindFollowup
		d.Reason = Reason{Code: code, Text: fmt.Sprintf("Follow-up of ticket %d, found by %s.", t.ID, how)}
		return
	}
	if c.ClosedTicketReply == ClosedReopen {
		d.Kind, d.Reopen = KindFollowup, true
		d.Reason = Reason{Code: ReasonClosedReopen, Text: fmt.Sprintf(
			"Follow-up that reopens closed ticket %d, found by %s.", t.ID, how)}
		return
	}
	d.Kind = KindTicket
	d.Reason = Reason{Code: ReasonClosedLinked, Text: fmt.Sprintf(
		"New ticket linked to closed ticket %d, found by %s.", t.ID, how)}
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
