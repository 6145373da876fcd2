package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/notify"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// ticketShow is the ticket page. Remote images stay blocked unless the
// link "Show remote images" (?images=remote) asked for them; only that
// answer's policy lets the browser load https images.
func (h *Handler) ticketShow(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	showRemote := r.URL.Query().Get("images") == "remote"
	v, err := h.ticketView(r.Context(), id, showRemote)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if q := r.URL.Query(); q.Has("actor_q") {
		if v.Work.Picker, err = h.actorPicker(r.Context(), q.Get("role"), strings.TrimSpace(q.Get("actor_q"))); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	if showRemote {
		allowRemoteImages(w)
	}
	h.render(w, r, http.StatusOK, views.TicketPage(v))
}

// ticketView gathers a ticket, its actors, follow-ups, documents and
// status changes into the page's timeline.
func (h *Handler) ticketView(ctx context.Context, id int64, showRemote bool) (views.TicketView, error) {
	t, err := h.store.Ticket(ctx, id)
	if err != nil {
		return views.TicketView{}, err
	}
	actors, err := h.store.TicketActors(ctx, id)
	if err != nil {
		return views.TicketView{}, err
	}
	followups, err := h.store.Followups(ctx, id)
	if err != nil {
		return views.TicketView{}, err
	}
	docs, err := h.store.TicketDocuments(ctx, id)
	if err != nil {
		return views.TicketView{}, err
	}
	events, err := h.store.TicketEvents(ctx, id)
	if err != nil {
		return views.TicketView{}, err
	}
	outbox, err := h.store.OutboxForTicket(ctx, id)
	if err != nil {
		return views.TicketView{}, err
	}
	mails := map[int64]store.OutboxMail{}
	for _, m := range outbox {
		if m.FollowupID != nil {
			mails[*m.FollowupID] = m
		}
	}
	v := views.TicketView{ID: t.ID, Title: t.Title, Status: views.StatusOf(t.Status), Urgency: store.LevelLabel(t.Urgency), Source: t.RequestSource,
		Opened: views.FormatTime(ctx, &t.OpenedAt), Updated: views.FormatTime(ctx, &t.UpdatedAt), MessageID: t.MessageID, ShowRemote: showRemote}
	if t.LinkedTicketID != nil {
		v.LinkedTicketID = *t.LinkedTicketID
	}
	// The ticket's receiver, then those that collected copies of its mail.
	rids, err := h.store.TicketReceivers(ctx, id)
	if err != nil {
		return views.TicketView{}, err
	}
	if t.ReceiverID != nil {
		rids = append([]int64{*t.ReceiverID}, rids...)
	}
	if len(rids) > 0 {
		if choices, err := h.store.TicketReceiverChoices(ctx); err == nil {
			names := map[int64]string{}
			for _, c := range choices {
				names[c.ID] = c.Name
			}
			var shown []string
			for _, rid := range rids {
				if n, ok := names[rid]; ok {
					shown = append(shown, n)
				}
			}
			v.Receiver = strings.Join(shown, ", ")
		}
	}
	v.CanMail, v.MailNote = h.canMail(ctx, t)
	if err := h.fillWork(ctx, &v, t); err != nil {
		return views.TicketView{}, err
	}
	for _, a := range actors {
		if a.Role == store.ActorObserver && a.Email != "" {
			v.HasObservers = true
		}
		if a.Role == store.ActorRequester {
			v.Requester = person(a.Name, a.Email)
		} else {
			v.Observers = append(v.Observers, person(a.Name, a.Email))
		}
	}
	inline := map[string]int64{}
	byFollowup := map[int64][]views.DocumentLink{}
	var ticketDocs []views.DocumentLink
	for _, d := range docs {
		link := views.DocumentLink{ID: d.ID, Name: d.Name, Type: d.MIMEType, Size: ingest.HumanSize(d.Size), Inline: d.IsInline}
		v.Documents = append(v.Documents, link)
		if d.ContentID != "" {
			if _, seen := inline[d.ContentID]; !seen {
				inline[d.ContentID] = d.ID
			}
		}
		if d.IsInline {
			continue // shown in place
		}
		if d.FollowupID != nil {
			byFollowup[*d.FollowupID] = append(byFollowup[*d.FollowupID], link)
		} else {
			ticketDocs = append(ticketDocs, link)
		}
	}
	inlineURL := func(cid string) (string, bool) {
		id, ok := inline[cid]
		return paths.Document(id), ok
	}
	render := func(html string) string {
		out := helpdesk.RenderHTML(html, inlineURL, showRemote)
		v.BlockedImages += out.BlockedImages
		return out.HTML
	}
	// Administrators may download the raw mails ("show original").
	u, _ := ctx.Value(userKey).(*store.User)
	admin := u != nil && u.Role == store.RoleAdmin
	original := func(sha string, fid int64) string {
		if !admin || sha == "" {
			return ""
		}
		return paths.TicketOriginal(t.ID, fid)
	}
	v.Timeline = append(v.Timeline, views.TimelineItem{Kind: views.TimelineOf(""), At: views.FormatTime(ctx, &t.OpenedAt),
		Author: v.Requester, HTML: render(t.Content), Why: t.DecisionReason, Docs: ticketDocs, OriginalURL: original(t.RawSHA256, 0)})
	// Follow-ups and status changes interleave by time.
	fi, ei := 0, 0
	for fi < len(followups) || ei < len(events) {
		if ei >= len(events) || fi < len(followups) && !followups[fi].CreatedAt.After(events[ei].CreatedAt) {
			f := followups[fi]
			item := views.TimelineItem{Kind: views.TimelineOf(f.Kind), At: views.FormatTime(ctx, &f.CreatedAt),
				Author: person(f.AuthorName, f.AuthorEmail), HTML: render(f.Content), Why: f.DecisionReason, Docs: byFollowup[f.ID],
				OriginalURL: original(f.RawSHA256, f.ID), Private: f.IsPrivate}
			if m, ok := mails[f.ID]; ok {
				item.Mail, item.MailSent = mailState(ctx, m), m.State == store.OutboxSent
			}
			v.Timeline = append(v.Timeline, item)
			fi++
			continue
		}
		e := events[ei]
		old, _ := strconv.Atoi(e.OldValue)
		nw, _ := strconv.Atoi(e.NewValue)
		text := fmt.Sprintf("Status changed from %s to %s.", store.StatusLabel(old), store.StatusLabel(nw))
		switch {
		case e.Kind == store.EventReopen && old == store.StatusSolved:
			text = fmt.Sprintf("The requester answered by e-mail: the solved ticket is reopened (%s to %s).", store.StatusLabel(old), store.StatusLabel(nw))
		case e.Kind == store.EventReopen:
			text = fmt.Sprintf("A reply by e-mail reopened the ticket (%s to %s).", store.StatusLabel(old), store.StatusLabel(nw))
		case e.Kind == store.EventMailSkipped:
			text = notify.SkippedText(e.OldValue, e.NewValue)
		}
		v.Timeline = append(v.Timeline, views.TimelineItem{Kind: views.TimelineOf(e.Kind), At: views.FormatTime(ctx, &e.CreatedAt), Text: text})
		ei++
	}
	return v, nil
}

func person(name, email string) string {
	switch {
	case name == "":
		return email
	case email == "":
		return name
	}
	return name + " <" + email + ">"
}

// mailState is a staff answer's delivery in words, for the timeline.
func mailState(ctx context.Context, m store.OutboxMail) string {
	to := "Mailed to " + m.Recipients
	switch m.State {
	case store.OutboxSent:
		s := to + ": sent " + views.FormatTime(ctx, m.SentAt) + "."
		if m.Refused != "" {
			s += " Refused: " + m.Refused
		}
		return s
	case store.OutboxFailed:
		return to + ": not delivered (" + views.OutboxReasonLabel(m.ErrorClass) + "). See Setup > Outgoing mail queue."
	}
	if m.ErrorClass != "" {
		return to + ": waiting (" + views.OutboxReasonLabel(m.ErrorClass) + "), next attempt " + views.FormatTime(ctx, &m.NextAttemptAt) + "."
	}
	return to + ": waiting to be sent."
}

// canMail says whether a staff answer can go by mail, and why not.
func (h *Handler) canMail(ctx context.Context, t *store.Ticket) (bool, string) {
	if !strings.Contains(t.RequesterEmail, "@") {
		return false, "The requester has no e-mail address: only a private note is possible."
	}
	if t.ReceiverID != nil {
		if m, err := h.store.MailSender(ctx, *t.ReceiverID); err == nil && m.On() {
			return true, ""
		}
	}
	if v, err := h.store.Setting(ctx, store.SettingDefaultSender, ""); err == nil && v != "" {
		return true, ""
	}
	return false, "Outgoing mail is off for this ticket's receiver (Setup > Receivers > Outgoing mail): only a private note is possible."
}
