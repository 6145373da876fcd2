package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// ticketListView reads the list's view parameter; anything unknown is All.
func ticketListView(v string) string {
	switch v {
	case store.ViewMine, store.ViewMyGroups, store.ViewUnassigned:
		return v
	}
	return store.ViewAll
}

// ticketListWork gathers the list's views, category filter and bulk choices.
func (h *Handler) ticketListWork(ctx context.Context, f store.TicketFilter) (views.TicketListWork, error) {
	w := views.TicketListWork{View: f.View, Category: f.CategoryID}
	var err error
	if w.Categories, _, err = h.categoryChoices(ctx, f.CategoryID); err != nil {
		return w, err
	}
	w.Assignees, err = h.actorChoices(ctx, true)
	return w, err
}

// badTicketBulk answers a bulk form that no page of ours sends.
const badTicketBulk = "Choose Assign, Change the status or Set the category, and tick the tickets in the list."

// ticketsBulk is GLPI's massive actions on tickets: each ticked ticket
// goes through the very action its own page offers (same rules, same
// audit), and one message says what became of them.
func (h *Handler) ticketsBulk(w http.ResponseWriter, r *http.Request) {
	if h.desk == nil {
		h.notFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusBadRequest, "Bad request", badTicketBulk)
		return
	}
	var ids []int64
	for _, v := range r.PostForm["ids"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			h.renderError(w, r, http.StatusBadRequest, "Bad request", badTicketBulk)
			return
		}
		ids = append(ids, id)
	}
	back := paths.Tickets
	if ref := r.Header.Get("Referer"); ref != "" {
		if i := strings.Index(ref, paths.Tickets); i >= 0 {
			back = ref[i:]
		}
	}
	action := r.PostFormValue("action")
	var (
		actor    helpdesk.Actor
		status   int
		category *int64
	)
	switch action {
	case helpdesk.BulkAssign:
		a, ok := parseActor(store.ActorAssigned, r.PostFormValue("assignee"), "")
		if !ok || a.Kind == store.ActorKindEmail {
			h.renderError(w, r, http.StatusBadRequest, "Bad request", badTicketBulk)
			return
		}
		actor = a
	case helpdesk.BulkStatus:
		n, err := strconv.Atoi(r.PostFormValue("status"))
		if err != nil || !store.ValidStatus(n) {
			h.renderError(w, r, http.StatusBadRequest, "Bad request", badTicketBulk)
			return
		}
		status = n
	case helpdesk.BulkCategory:
		if v := r.PostFormValue("category"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				h.renderError(w, r, http.StatusBadRequest, "Bad request", badTicketBulk)
				return
			}
			category = &n
		}
	default:
		h.renderError(w, r, http.StatusBadRequest, "Bad request", badTicketBulk)
		return
	}
	switch {
	case len(ids) == 0:
		h.flash(r, "warning", "Select at least one ticket first.")
		redirect(w, r, back)
		return
	case len(ids) > maxBulk:
		h.flash(r, "danger", fmt.Sprintf("Select at most %d tickets at a time.", maxBulk))
		redirect(w, r, back)
		return
	}
	res, err := h.desk.BulkAct(r.Context(), ids, action, actor, status, category, userOf(r))
	if msg := workRefusal(err); msg != "" {
		h.flash(r, "danger", msg)
		redirect(w, r, back)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	kind, text := "success", plural(res.Changed, "ticket updated", "tickets updated")+"."
	if res.Unchanged > 0 {
		text += " " + plural(res.Unchanged, "ticket had it already", "tickets had it already") + "."
	}
	if res.Failed > 0 {
		kind, text = "warning", text+" "+plural(res.Failed, "ticket could not be updated (it may have been deleted)", "tickets could not be updated (they may have been deleted)")+"."
	}
	h.flash(r, kind, text)
	redirect(w, r, back)
}
