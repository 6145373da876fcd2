package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// receiverDefaultsForm fills the Ticket defaults form of a receiver.
func (h *Handler) receiverDefaultsForm(ctx context.Context, rec *store.Receiver) (views.ReceiverDefaultsForm, error) {
	f := views.ReceiverDefaultsForm{ReceiverID: rec.ID, ReceiverName: rec.Name, Type: rec.DefaultType, CCObservers: rec.AddCcToObserver}
	if rec.DefaultGroupID != nil {
		f.GroupID = *rec.DefaultGroupID
	}
	if rec.DefaultCategoryID != nil {
		f.CategoryID = *rec.DefaultCategoryID
	}
	groups, err := h.store.Groups(ctx)
	if err != nil {
		return f, err
	}
	for _, g := range groups {
		if g.IsAssign {
			f.Groups = append(f.Groups, views.Choice{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
		}
	}
	f.Categories, _, err = h.categoryChoices(ctx, f.CategoryID)
	return f, err
}

// receiverDefaults shows a receiver's defaults for its new tickets.
func (h *Handler) receiverDefaults(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.receiverParam(w, r)
	if !ok {
		return
	}
	f, err := h.receiverDefaultsForm(r.Context(), rec)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.ReceiverDefaultsPage(f))
}

// receiverDefaultsSave saves them.
func (h *Handler) receiverDefaultsSave(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.receiverParam(w, r)
	if !ok {
		return
	}
	opt := func(name string) *int64 {
		v := r.PostFormValue(name)
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			n = -1
		}
		return &n
	}
	d := store.ReceiverDefaults{GroupID: opt("group"), CategoryID: opt("category")}
	t, err := strconv.Atoi(r.PostFormValue("type"))
	if err != nil {
		t = -1
	}
	d.Type = t
	err = h.store.SaveReceiverDefaults(r.Context(), rec.ID, d, userOf(r))
	if msg := workRefusal(err); msg != "" && !errors.Is(err, store.ErrNotFound) {
		f, ferr := h.receiverDefaultsForm(r.Context(), rec)
		if ferr != nil {
			h.serverError(w, r, ferr)
			return
		}
		f.Error = msg
		h.render(w, r, http.StatusUnprocessableEntity, views.ReceiverDefaultsPage(f))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Ticket defaults saved.")
	redirect(w, r, paths.Receiver(rec.ID, "defaults"))
}
