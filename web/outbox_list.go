package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/notify"
	"github.com/oauthimap/oauthimap/internal/sender"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// outboxShown bounds each section of the queue page.
const outboxShown = 200

// outboxSkippedShown bounds the automatic mails not sent that the page lists.
const outboxSkippedShown = 50

// outboxList is Setup > Outgoing mail queue.
func (h *Handler) outboxList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	counts, err := h.store.OutboxCounts(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	set, err := h.outboxSettings(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.renderOutbox(w, r, http.StatusOK, counts, set)
}

func (h *Handler) renderOutbox(w http.ResponseWriter, r *http.Request, status int, counts map[string]int64, set views.OutboxSettings) {
	ctx := r.Context()
	p := views.OutboxPage{Counts: counts, KeepDays: store.SentMailKeepDays, Settings: set}
	for _, sec := range []struct {
		state string
		dst   *[]views.OutboxRow
	}{{store.OutboxPending, &p.Pending}, {store.OutboxFailed, &p.Failed}, {store.OutboxSent, &p.Sent}} {
		rows, err := h.store.OutboxByState(ctx, sec.state, outboxShown)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		for _, m := range rows {
			*sec.dst = append(*sec.dst, outboxRow(r.Context(), m))
		}
	}
	skipped, err := h.store.SkippedMails(ctx, outboxSkippedShown)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, e := range skipped {
		p.Skipped = append(p.Skipped, views.SkippedMailRow{TicketID: e.TicketID, At: views.FormatTime(ctx, &e.CreatedAt), Text: notify.SkippedText(e.OldValue, e.NewValue)})
	}
	if h.desk != nil {
		at, whys, err := h.desk.SkippedAlarms(ctx)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		p.SkippedAlarms, p.AlarmsCheckedAt = whys, views.FormatTime(ctx, &at)
	}
	h.render(w, r, status, views.OutboxQueuePage(p))
}

// outboxSettings reads the global outgoing settings and the senders on.
func (h *Handler) outboxSettings(ctx context.Context) (views.OutboxSettings, error) {
	s := views.OutboxSettings{Errors: map[string]string{}}
	var err error
	if s.DefaultSender, err = h.store.Setting(ctx, store.SettingDefaultSender, ""); err != nil {
		return s, err
	}
	if s.AlarmAddresses, err = h.store.Setting(ctx, helpdesk.SettingAlarmAddresses, ""); err != nil {
		return s, err
	}
	if s.AutoPerHour, err = h.store.Setting(ctx, helpdesk.SettingAutoMailsPerHour, strconv.Itoa(helpdesk.DefaultAutoMailsPerHour)); err != nil {
		return s, err
	}
	ids, err := h.store.SendersOn(ctx)
	if err != nil {
		return s, err
	}
	for _, id := range ids {
		rec, err := h.store.Receiver(ctx, id)
		if err != nil {
			return s, err
		}
		s.Senders = append(s.Senders, views.Choice{Value: strconv.FormatInt(id, 10), Label: rec.Name})
	}
	return s, nil
}

// outboxSettingsSave saves the default sender, alarm addresses and cap.
func (h *Handler) outboxSettingsSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	set, err := h.outboxSettings(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	set.DefaultSender = strings.TrimSpace(r.PostFormValue("default_sender"))
	set.AlarmAddresses = strings.TrimSpace(r.PostFormValue("alarm_addresses"))
	set.AutoPerHour = strings.TrimSpace(r.PostFormValue("auto_per_hour"))
	if set.DefaultSender != "" && !slices.ContainsFunc(set.Senders, func(c views.Choice) bool { return c.Value == set.DefaultSender }) {
		set.Errors["default_sender"] = "Choose a receiver whose outgoing mail is on."
	}
	var clean []string
	for _, a := range strings.Split(set.AlarmAddresses, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if !isAddress(a) {
			set.Errors["alarm_addresses"] = fmt.Sprintf("%q is not an e-mail address.", a)
		}
		clean = append(clean, a)
	}
	if n, err := strconv.Atoi(set.AutoPerHour); err != nil || n < 1 || n > 1000 {
		set.Errors["auto_per_hour"] = "Enter a number from 1 to 1000."
	}
	if len(set.Errors) > 0 {
		counts, err := h.store.OutboxCounts(ctx)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		h.renderOutbox(w, r, http.StatusUnprocessableEntity, counts, set)
		return
	}
	err = h.audited(ctx, userOf(r), "outbox.settings", "setting", func(s *store.Store) (int64, string, error) {
		for name, v := range map[string]string{store.SettingDefaultSender: set.DefaultSender,
			helpdesk.SettingAlarmAddresses: strings.Join(clean, ", "), helpdesk.SettingAutoMailsPerHour: set.AutoPerHour} {
			if err := s.SetSetting(ctx, name, v); err != nil {
				return 0, "", err
			}
		}
		return 0, "outgoing mail settings saved", nil
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Item successfully updated")
	redirect(w, r, paths.Outbox)
}

func outboxRow(ctx context.Context, m store.OutboxMail) views.OutboxRow {
	v := views.OutboxRow{ID: m.ID, Kind: m.Kind, KindLabel: views.OutboxKindLabel(m.Kind), To: m.Recipients, Subject: m.Subject, Attempts: m.Attempts,
		Reason: views.OutboxReasonLabel(m.ErrorClass), Detail: m.LastError, Refused: m.Refused}
	if m.ErrorClass != "" {
		v.Remedy = sender.Remedy(m.ErrorClass)
	}
	if m.TicketID != nil {
		v.TicketID = *m.TicketID
	}
	switch m.State {
	case store.OutboxPending:
		v.When = views.FormatTime(ctx, &m.NextAttemptAt)
		v.CanRetry = m.ErrorClass != ""
	case store.OutboxFailed:
		v.When = views.FormatTime(ctx, &m.UpdatedAt)
		v.CanRetry = true
	default:
		v.When = views.FormatTime(ctx, m.SentAt)
	}
	return v
}

// outboxRetry puts a failed or waiting mail back in line now.
func (h *Handler) outboxRetry(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	err := h.audited(r.Context(), userOf(r), "outbox.retry", "outbox", func(s *store.Store) (int64, string, error) {
		return id, fmt.Sprintf("outgoing mail %d put back in the queue", id), s.RetryMail(r.Context(), id)
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			h.notFound(w, r)
			return
		}
		h.serverError(w, r, err)
		return
	}
	if h.mail != nil {
		h.mail.Wake()
	}
	h.flash(r, "success", "The mail will be sent again shortly.")
	redirect(w, r, paths.Outbox)
}
