package helpdesk

import (
	"context"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
)

// lookups answers the questions saving a decision asks besides writing:
// which users have these e-mails, does the receiver create contacts, which
// contact has this e-mail.
type lookups interface {
	users(ctx context.Context, emails []string) (map[string]int64, error)
	createsContacts(ctx context.Context, receiverID int64) (bool, error)
	contact(ctx context.Context, email, name string) (int64, error)
	defaults(ctx context.Context, receiverID int64) (store.ReceiverDefaults, error)
	// priority is the priority matrix's cell for a new ticket; 0 lets
	// the store read the cell itself.
	priority(ctx context.Context, urgency, impact int) (int, error)
	// sender is the receiver's outgoing mail settings (read only).
	sender(ctx context.Context, receiverID int64) (*store.MailSender, error)
}

// directLookups asks the store every time (one mail at a time).
type directLookups struct{ st *store.Store }

func (l directLookups) users(ctx context.Context, emails []string) (map[string]int64, error) {
	return l.st.UserIDsByEmail(ctx, emails)
}

func (l directLookups) createsContacts(ctx context.Context, receiverID int64) (bool, error) {
	return l.st.ReceiverCreatesContacts(ctx, receiverID)
}

func (l directLookups) defaults(ctx context.Context, receiverID int64) (store.ReceiverDefaults, error) {
	return l.st.LoadReceiverDefaults(ctx, receiverID)
}

func (l directLookups) priority(context.Context, int, int) (int, error) { return 0, nil }

func (l directLookups) sender(ctx context.Context, receiverID int64) (*store.MailSender, error) {
	return l.st.MailSender(ctx, receiverID)
}

func (l directLookups) contact(ctx context.Context, email, name string) (int64, error) {
	return l.st.EnsureContact(ctx, email, name)
}

// cachedLookups remembers answers for one batch, inside its transaction:
// the receiver's option is read once, users are looked up for the whole
// batch at once (see Batch), contacts once per e-mail, the priority
// matrix and each receiver's outgoing mail settings once.
type cachedLookups struct {
	st       *store.Store
	byEmail  map[string]int64 // lower-cased e-mail -> user; absent: no user
	known    map[string]bool  // e-mails already asked about
	creates  map[int64]bool
	contacts map[string]int64
	defs     map[int64]store.ReceiverDefaults
	matrix   *store.PriorityMatrix
	senders  map[int64]senderAnswer
}

// senderAnswer is a remembered MailSender answer, a missing row included.
type senderAnswer struct {
	m   *store.MailSender
	err error
}

func newCachedLookups(st *store.Store) *cachedLookups {
	return &cachedLookups{st: st, byEmail: map[string]int64{}, known: map[string]bool{},
		creates: map[int64]bool{}, contacts: map[string]int64{}, defs: map[int64]store.ReceiverDefaults{},
		senders: map[int64]senderAnswer{}}
}

func (l *cachedLookups) users(ctx context.Context, emails []string) (map[string]int64, error) {
	var ask []string
	for _, e := range emails {
		if k := strings.ToLower(strings.TrimSpace(e)); k != "" && !l.known[k] {
			ask = append(ask, k)
		}
	}
	if len(ask) > 0 {
		found, err := l.st.UserIDsByEmail(ctx, ask)
		if err != nil {
			return nil, err
		}
		for _, e := range ask {
			l.known[e] = true
			if id, ok := found[e]; ok {
				l.byEmail[e] = id
			}
		}
	}
	// Keyed like UserIDsByEmail's answer: lower-cased.
	out := make(map[string]int64, len(emails))
	for _, e := range emails {
		k := strings.ToLower(strings.TrimSpace(e))
		if id, ok := l.byEmail[k]; ok {
			out[k] = id
		}
	}
	return out, nil
}

func (l *cachedLookups) createsContacts(ctx context.Context, receiverID int64) (bool, error) {
	if v, ok := l.creates[receiverID]; ok {
		return v, nil
	}
	v, err := l.st.ReceiverCreatesContacts(ctx, receiverID)
	if err != nil {
		return false, err
	}
	l.creates[receiverID] = v
	return v, nil
}

func (l *cachedLookups) defaults(ctx context.Context, receiverID int64) (store.ReceiverDefaults, error) {
	if v, ok := l.defs[receiverID]; ok {
		return v, nil
	}
	v, err := l.st.LoadReceiverDefaults(ctx, receiverID)
	if err != nil {
		return v, err
	}
	l.defs[receiverID] = v
	return v, nil
}

func (l *cachedLookups) contact(ctx context.Context, email, name string) (int64, error) {
	k := strings.ToLower(strings.TrimSpace(email))
	if id, ok := l.contacts[k]; ok {
		return id, nil
	}
	id, err := l.st.EnsureContact(ctx, email, name)
	if err != nil {
		return 0, err
	}
	l.contacts[k] = id
	return id, nil
}

func (l *cachedLookups) priority(ctx context.Context, urgency, impact int) (int, error) {
	if !store.ValidLevel(urgency) || !store.ValidLevel(impact) {
		return 0, nil // the store's rule for a level out of range
	}
	if l.matrix == nil {
		m, err := l.st.LoadPriorityMatrix(ctx)
		if err != nil {
			return 0, err
		}
		l.matrix = &m
	}
	return l.matrix.Priority(urgency, impact), nil
}

func (l *cachedLookups) sender(ctx context.Context, receiverID int64) (*store.MailSender, error) {
	a, ok := l.senders[receiverID]
	if !ok {
		a.m, a.err = l.st.MailSender(ctx, receiverID)
		l.senders[receiverID] = a
	}
	return a.m, a.err
}
