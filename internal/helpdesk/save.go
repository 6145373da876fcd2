package helpdesk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// Save records one decision with tx, a store bound to the caller's
// transaction (the collector also writes its ledger row in it); a store
// outside a transaction works too, as Save writes inside a nested one.
// Document bytes go to the docstore first (content-addressed and
// idempotent, so a rolled-back transaction only leaves unreferenced
// blobs); refused mails keep their raw bytes in the docstore, referenced
// by the quarantine row. receiverID may be 0 (a staff import).
func (s *Service) Save(ctx context.Context, tx *store.Store, receiverID int64, raw []byte, d *ingest.Decision) (Saved, error) {
	if d == nil {
		return Saved{}, errors.New("helpdesk: save: no decision")
	}
	var rid *int64
	if receiverID != 0 {
		rid = &receiverID
	}
	switch d.Kind {
	case ingest.KindRefused:
		id, err := s.quarantine(ctx, tx, rid, raw, d, s.docs)
		if err == nil {
			_, err = s.answerRefusal(ctx, tx, rid, raw, d)
		}
		return Saved{QuarantineID: id}, err
	case ingest.KindDuplicate:
		return s.copyOf(ctx, tx, rid, d, directLookups{tx})
	case ingest.KindTicket, ingest.KindFollowup:
	default:
		return Saved{}, fmt.Errorf("helpdesk: save: unknown decision kind %q", d.Kind)
	}
	var out Saved
	err := tx.InTx(ctx, func(t *store.Store) error {
		var err error
		if out, err = s.write(ctx, t, rid, raw, d, directLookups{t}, s.docs); err != nil {
			return err
		}
		return s.afterSave(ctx, t, rid, raw, d, out, directLookups{t})
	})
	if err != nil {
		return Saved{}, fmt.Errorf("helpdesk: save %s: %w", d.Kind, err)
	}
	return out, nil
}

// putter keeps document bytes: the docstore itself, or a batch of it
// whose files are synced before the transaction commits.
type putter interface {
	Put(data []byte) (string, error)
}

// write stores the documents' bytes with docs, then the ticket or
// follow-up and the documents rows with t; lk answers the user and contact
// questions.
func (s *Service) write(ctx context.Context, t *store.Store, rid *int64, raw []byte, d *ingest.Decision, lk lookups, docs putter) (Saved, error) {
	if err := putDocuments(docs, d.Documents); err != nil {
		return Saved{}, err
	}
	// The original is kept for administrators ("show original"); the store
	// is content-addressed, so a trimmed reply's original-message.eml and
	// a mail imported from the quarantine share the bytes.
	rawSHA := ""
	if len(raw) > 0 {
		var err error
		if rawSHA, err = docs.Put(raw); err != nil {
			return Saved{}, fmt.Errorf("helpdesk: keep the original mail: %w", err)
		}
	}
	var (
		out Saved
		err error
	)
	if d.Kind == ingest.KindTicket {
		out.TicketID, err = s.saveTicket(ctx, t, rid, rawSHA, d, lk)
	} else {
		out.TicketID = d.TicketID
		out.FollowupID, err = s.saveFollowup(ctx, t, rawSHA, d, lk)
	}
	if err != nil {
		return Saved{}, err
	}
	var fid *int64
	if out.FollowupID != 0 {
		fid = &out.FollowupID
	}
	if err := t.CreateDocuments(ctx, documentRows(out.TicketID, fid, d.Documents)); err != nil {
		return Saved{}, err
	}
	return out, nil
}

func putDocuments(to putter, docs []ingest.Document) error {
	for _, doc := range docs {
		sha, err := to.Put(doc.Data)
		if err != nil {
			return fmt.Errorf("helpdesk: store document: %w", err)
		}
		if doc.SHA256 != "" && !strings.EqualFold(sha, doc.SHA256) {
			return fmt.Errorf("helpdesk: document %q: hash %s, decision says %s", doc.Name, sha, doc.SHA256)
		}
	}
	return nil
}

func documentRows(ticketID int64, followupID *int64, docs []ingest.Document) []store.Document {
	rows := make([]store.Document, 0, len(docs))
	for _, doc := range docs {
		rows = append(rows, store.Document{TicketID: ticketID, FollowupID: followupID, Name: doc.Name, MIMEType: doc.MIMEType,
			Size: int64(len(doc.Data)), SHA256: strings.ToLower(doc.SHA256), ContentID: doc.ContentID, IsInline: doc.Inline})
	}
	return rows
}

func (s *Service) saveTicket(ctx context.Context, t *store.Store, rid *int64, rawSHA string, d *ingest.Decision, lk lookups) (int64, error) {
	emails := []string{d.Requester.Email}
	for _, o := range d.Observers {
		emails = append(emails, o.Email)
	}
	observers := d.Observers
	if d.Rules != nil {
		// Observer e-mails of the mail rules join the mail's own.
		for _, e := range d.Rules.ObserverEmails {
			if e != d.Requester.Email && !slices.ContainsFunc(observers, func(a ingest.Address) bool { return a.Email == e }) {
				observers = append(observers[:len(observers):len(observers)], ingest.Address{Email: e})
				emails = append(emails, e)
			}
		}
	}
	users, err := lk.users(ctx, emails)
	if err != nil {
		return 0, err
	}
	req := store.TicketActor{Role: store.ActorRequester, Email: d.Requester.Email, Name: d.Requester.Name}
	if uid, ok := users[d.Requester.Email]; ok {
		req.UserID = &uid
	} else if rid != nil && d.Requester.Email != "" {
		create, err := lk.createsContacts(ctx, *rid)
		if err != nil {
			return 0, err
		}
		if create {
			cid, err := lk.contact(ctx, d.Requester.Email, d.Requester.Name)
			if err != nil {
				return 0, err
			}
			req.ContactID = &cid
		}
	}
	actors := []store.TicketActor{req}
	for _, o := range observers {
		a := store.TicketActor{Role: store.ActorObserver, Email: o.Email, Name: o.Name}
		if uid, ok := users[o.Email]; ok {
			a.UserID = &uid
		}
		actors = append(actors, a)
	}
	tk := &store.Ticket{Title: d.Title, Content: d.ContentHTML, Status: store.StatusNew, Urgency: store.DefaultUrgency,
		RequestSource: store.SourceEmail, ReceiverID: rid, RequesterEmail: d.Requester.Email, RequesterName: d.Requester.Name,
		MessageID: d.MessageID, ContentSHA256: d.ContentSHA256, RawSHA256: rawSHA, DecisionReason: d.Reason.Text, OpenedAt: d.Date,
		SearchText: d.SearchText}
	if d.TicketID != 0 {
		linked := d.TicketID
		tk.LinkedTicketID = &linked
	}
	var defs store.ReceiverDefaults
	if rid != nil {
		if defs, err = lk.defaults(ctx, *rid); err != nil {
			return 0, err
		}
		if store.ValidType(defs.Type) {
			tk.Type = defs.Type
		}
		tk.CategoryID = defs.CategoryID
		if defs.GroupID != nil {
			tk.Status = settleStatus(tk.Status, 1)
		}
	}
	routed := d.Rules != nil && d.Rules.Routes()
	if routed {
		// The mail rules override the receiver's defaults.
		if err := routeFields(ctx, t, tk, d.Rules); err != nil {
			return 0, err
		}
		if len(d.Rules.AssignGroups)+len(d.Rules.AssignUsers) > 0 {
			defs.GroupID = nil
		}
	}
	if tk.Priority == 0 {
		if tk.Priority, err = lk.priority(ctx, cmp.Or(tk.Urgency, store.DefaultUrgency), cmp.Or(tk.Impact, store.DefaultImpact)); err != nil {
			return 0, err
		}
	}
	if err := t.CreateTicket(ctx, tk, actors); err != nil {
		return 0, err
	}
	if routed {
		if err := routeActors(ctx, t, tk.ID, d.Rules); err != nil {
			return 0, err
		}
	}
	if defs.GroupID != nil {
		if err := s.assignDefaultGroup(ctx, t, tk.ID, *defs.GroupID); err != nil {
			return 0, err
		}
	}
	return tk.ID, nil
}

// copyOf records a copy of a ticket's opening mail collected by another
// receiver: that receiver, and the observers its settings take from the
// copy's To and Cc (known users linked), join the ticket.
func (s *Service) copyOf(ctx context.Context, t *store.Store, rid *int64, d *ingest.Decision, lk lookups) (Saved, error) {
	if d.TicketID == 0 {
		return Saved{}, errors.New("helpdesk: save: a duplicate decision without a ticket")
	}
	emails := make([]string, 0, len(d.Observers))
	for _, o := range d.Observers {
		emails = append(emails, o.Email)
	}
	users, err := lk.users(ctx, emails)
	if err != nil {
		return Saved{}, err
	}
	actors := make([]store.TicketActor, 0, len(d.Observers))
	for _, o := range d.Observers {
		a := store.TicketActor{Role: store.ActorObserver, Email: o.Email, Name: o.Name}
		if uid, ok := users[o.Email]; ok {
			a.UserID = &uid
		}
		actors = append(actors, a)
	}
	var receiverID int64
	if rid != nil {
		receiverID = *rid
	}
	if err := t.AddTicketCopy(ctx, d.TicketID, receiverID, actors); err != nil {
		return Saved{}, fmt.Errorf("helpdesk: save duplicate: %w", err)
	}
	return Saved{TicketID: d.TicketID}, nil
}

func (s *Service) saveFollowup(ctx context.Context, t *store.Store, rawSHA string, d *ingest.Decision, lk lookups) (int64, error) {
	if d.TicketID == 0 {
		return 0, errors.New("a follow-up decision without a ticket")
	}
	f := &store.Followup{TicketID: d.TicketID, Kind: store.FollowupEmail, AuthorEmail: d.Requester.Email, AuthorName: d.Requester.Name,
		Content: d.ContentHTML, MessageID: d.MessageID, RawSHA256: rawSHA, DecisionReason: d.Reason.Text, CreatedAt: d.Date}
	if d.Reason.Code == ingest.ReasonBounce {
		f.Kind = store.FollowupBounce
	}
	users, err := lk.users(ctx, []string{d.Requester.Email})
	if err != nil {
		return 0, err
	}
	if uid, ok := users[d.Requester.Email]; ok {
		f.AuthorUserID = &uid
	}
	if err := t.CreateFollowup(ctx, f); err != nil {
		return 0, err
	}
	if err := s.followupObservers(ctx, t, d, lk); err != nil {
		return 0, err
	}
	if d.Reopen {
		if err := reopen(ctx, t, d.TicketID); err != nil {
			return 0, err
		}
	}
	return f.ID, nil
}

func (s *Service) quarantine(ctx context.Context, tx *store.Store, rid *int64, raw []byte, d *ingest.Decision, docs putter) (int64, error) {
	sha, err := docs.Put(raw)
	if err != nil {
		return 0, fmt.Errorf("helpdesk: keep refused mail: %w", err)
	}
	to := make([]string, 0, len(d.To))
	for _, a := range d.To {
		to = append(to, a.Email)
	}
	q := &store.QuarantinedMail{ReceiverID: rid, FromAddress: d.From.Email, ToAddress: strings.Join(to, ", "), Subject: d.Subject,
		MessageID: d.MessageID, Reason: d.Reason.Code, ReasonText: d.Reason.Text, Size: int64(len(raw)), RawSHA256: sha}
	if !d.SentAt.IsZero() {
		at := d.SentAt
		q.MailDate = &at
	}
	if err := tx.CreateQuarantined(ctx, q); err != nil {
		return 0, fmt.Errorf("helpdesk: quarantine: %w", err)
	}
	return q.ID, nil
}
