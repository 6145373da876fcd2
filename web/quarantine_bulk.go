package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
)

// badBulk answers a bulk form that no page of ours sends.
const badBulk = "Choose Import or Delete and tick the emails in the list."

// maxBulk bounds one massive action: a page of the list at most.
const maxBulk = 200

// quarantineBulk is GLPI's massive actions on Not imported emails: the
// ticked mails are imported anyway or deleted, each one audited as the
// row buttons do, and one message says what became of them.
func (h *Handler) quarantineBulk(w http.ResponseWriter, r *http.Request) {
	if h.desk == nil {
		h.notFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusBadRequest, "Bad request", badBulk)
		return
	}
	var ids []int64
	for _, v := range r.PostForm["ids"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			h.renderError(w, r, http.StatusBadRequest, "Bad request", badBulk)
			return
		}
		ids = append(ids, id)
	}
	action := r.PostFormValue("action")
	switch {
	case action != "import" && action != "delete":
		h.renderError(w, r, http.StatusBadRequest, "Bad request", badBulk)
		return
	case len(ids) == 0:
		h.flash(r, "warning", "Select at least one email first.")
		redirect(w, r, paths.Quarantine)
		return
	case len(ids) > maxBulk:
		h.flash(r, "danger", fmt.Sprintf("Select at most %d emails at a time.", maxBulk))
		redirect(w, r, paths.Quarantine)
		return
	}
	me := userOf(r)
	var done, gone, refused []string
	refileOn := map[int64]bool{} // receivers whose mailbox has imported mail to move
	for _, id := range ids {
		var err error
		if action == "delete" {
			err = h.desk.DeleteQuarantined(r.Context(), id, me)
		} else {
			var saved helpdesk.Saved
			var refile *helpdesk.Refile
			saved, refile, err = h.desk.ImportQuarantined(r.Context(), id, time.Now(), me)
			if err == nil {
				if refile != nil && refile.To != "" {
					refileOn[refile.ReceiverID] = true
				}
				done = append(done, strconv.FormatInt(saved.TicketID, 10))
				continue
			}
		}
		switch {
		case err == nil:
			done = append(done, strconv.FormatInt(id, 10))
		case errors.Is(err, store.ErrNotFound):
			gone = append(gone, strconv.FormatInt(id, 10))
		case errors.Is(err, helpdesk.ErrStillRefused):
			refused = append(refused, strconv.FormatInt(id, 10))
		default:
			h.serverError(w, r, err)
			return
		}
	}
	h.flashBulk(r, action, done, gone, refused)
	if len(refileOn) > 0 {
		// As for one mail: the collector files them now where it can;
		// what it cannot stays pending in the ledger for the next run.
		for rid := range refileOn {
			if h.collect != nil {
				if err := h.collect.FileNow(r.Context(), rid); err != nil {
					h.log.Info("import anyway: moving the mail waits for the next collect", "receiver_id", rid, "error", err)
				}
			}
		}
		h.flash(r, "info", "The imported emails are moved from the refused folder to the accepted folder of their receiver's mailbox (at its next collect when the mailbox cannot be reached now).")
	}
	redirect(w, r, paths.Quarantine)
}

func (h *Handler) flashBulk(r *http.Request, action string, done, gone, refused []string) {
	switch {
	case action == "delete" && len(done) > 0:
		h.flash(r, "success", plural(len(done), "email has", "emails have")+" been deleted.")
	case len(done) > 0:
		h.flash(r, "success", plural(len(done), "email was", "emails were")+" imported, into tickets "+strings.Join(done, ", ")+".")
	}
	if len(refused) > 0 {
		h.flash(r, "danger", plural(len(refused), "email cannot", "emails cannot")+" be imported: not an e-mail that can be read.")
	}
	if len(gone) > 0 {
		h.flash(r, "warning", plural(len(gone), "email was", "emails were")+" already gone.")
	}
}

// plural is "1 email was" or "3 emails were".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
