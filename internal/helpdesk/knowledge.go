package helpdesk

import (
	"context"
	"fmt"
	"time"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// Knowledge is the ingest.Knowledge backed by st (pass the
// transaction-bound store inside a transaction, so a batch sees the
// tickets its earlier mails created).
func Knowledge(st *store.Store) ingest.Knowledge { return knowledge{st} }

type knowledge struct{ st *store.Store }

func (k knowledge) TicketsByMessageID(ctx context.Context, ids []string) (map[string]ingest.TicketRef, error) {
	byID, err := k.st.TicketsByMessageID(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("helpdesk: %w", err)
	}
	out := make(map[string]ingest.TicketRef, len(byID))
	if len(byID) == 0 {
		return out, nil
	}
	tids := make([]int64, 0, len(byID))
	for _, t := range byID {
		tids = append(tids, t)
	}
	threads, err := k.st.TicketThreads(ctx, tids)
	if err != nil {
		return nil, fmt.Errorf("helpdesk: %w", err)
	}
	for id, t := range byID {
		if th, ok := threads[t]; ok {
			out[id] = ref(th)
		}
	}
	return out, nil
}

// DuplicateTicket makes the store's copies of a mail known to ingest.
func (k knowledge) DuplicateTicket(ctx context.Context, messageID, contentSHA256 string, since time.Time) (ingest.TicketRef, bool, error) {
	id, found, err := k.st.DuplicateTicket(ctx, messageID, contentSHA256, since)
	if err != nil {
		return ingest.TicketRef{}, false, fmt.Errorf("helpdesk: %w", err)
	}
	if !found {
		return ingest.TicketRef{}, false, nil
	}
	return k.Ticket(ctx, id)
}

func (k knowledge) Ticket(ctx context.Context, id int64) (ingest.TicketRef, bool, error) {
	threads, err := k.st.TicketThreads(ctx, []int64{id})
	if err != nil {
		return ingest.TicketRef{}, false, fmt.Errorf("helpdesk: %w", err)
	}
	th, ok := threads[id]
	return ref(th), ok, nil
}

func ref(th store.TicketThread) ingest.TicketRef {
	return ingest.TicketRef{ID: th.ID, Closed: th.Status == store.StatusClosed, Solved: th.Status == store.StatusSolved,
		Participants: th.Participants, Requesters: th.Requesters}
}
