package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/web/paths"
)

// quarantineImport is "Import anyway": the mail is decided again without
// the refusal rules and becomes a ticket or a follow-up.
func (h *Handler) quarantineImport(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok || h.desk == nil {
		h.notFound(w, r)
		return
	}
	saved, refile, err := h.desk.ImportQuarantined(r.Context(), id, time.Now(), userOf(r))
	if errors.Is(err, helpdesk.ErrStillRefused) {
		h.flash(r, "danger", "This email cannot be imported: it is not an e-mail that can be read.")
		redirect(w, r, paths.Quarantine)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if saved.FollowupID != 0 {
		h.flash(r, "success", fmt.Sprintf("The email was added to ticket %d as a follow-up.", saved.TicketID))
	} else {
		h.flash(r, "success", fmt.Sprintf("Ticket %d was created from the email.", saved.TicketID))
	}
	if refile != nil {
		kind, msg := h.refileNow(r, refile)
		h.flash(r, kind, msg)
	}
	redirect(w, r, paths.Ticket(saved.TicketID))
}

// refileNow asks the collector to move the imported mail on its mailbox
// now, and says where the mail is. What cannot be done now stays pending
// in the receiver's ledger and is done by its next run.
func (h *Handler) refileNow(r *http.Request, f *helpdesk.Refile) (kind, msg string) {
	if f.To == "" {
		return "info", fmt.Sprintf("The email stays in the folder %q of the mailbox of receiver %q: the receiver has no accepted mail archive folder.", f.From, f.ReceiverName)
	}
	later := fmt.Sprintf("The email will be moved from the folder %q to %q of the mailbox of receiver %q at the receiver's next collect", f.From, f.To, f.ReceiverName)
	if h.collect == nil {
		return "info", later + "."
	}
	err := h.collect.FileNow(r.Context(), f.ReceiverID)
	if err == nil {
		var done bool
		if done, err = h.store.ActionDone(r.Context(), f.LedgerID); err == nil && done {
			return "success", fmt.Sprintf("The email was moved from the folder %q to %q of the mailbox of receiver %q.", f.From, f.To, f.ReceiverName)
		}
	}
	switch {
	case errors.Is(err, collector.ErrBusy):
		// The run in progress has passed its refiling: ask for the next
		// one as soon as it ends.
		if serr := h.store.ScheduleCollect(r.Context(), f.ReceiverID, time.Now().UTC()); serr != nil {
			h.log.Warn("import anyway: schedule a collect", "receiver_id", f.ReceiverID, "error", serr)
		}
		return "info", later + " (it is being collected right now)."
	case err != nil:
		h.log.Warn("import anyway: moving the mail failed; it stays pending", "receiver_id", f.ReceiverID, "error", err)
		c := collector.Classify(err)
		return "warning", fmt.Sprintf("%s: the mailbox cannot be reached now (%s). %s", later, collector.ClassLabel(c), collector.Remedy(c))
	}
	return "info", later + "."
}
