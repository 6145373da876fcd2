package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// blacklistedContentList is Setup > Blacklisted mail content.
func (h *Handler) blacklistedContentList(w http.ResponseWriter, r *http.Request) {
	h.renderBlacklistedContent(w, r, http.StatusOK, views.BlacklistedContentForm{})
}

func (h *Handler) renderBlacklistedContent(w http.ResponseWriter, r *http.Request, status int, f views.BlacklistedContentForm) {
	blocks, err := h.store.BlacklistedMailContents(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	rows := make([]views.BlacklistedContentRow, 0, len(blocks))
	for _, b := range blocks {
		rows = append(rows, views.BlacklistedContentRow{ID: b.ID, Name: b.Name, Content: b.Content, Comment: b.Comment, Created: views.FormatTime(&b.CreatedAt)})
	}
	h.render(w, r, status, views.BlacklistedContentPage(rows, f))
}

// blacklistedContentAdd adds a block of text to remove from bodies.
func (h *Handler) blacklistedContentAdd(w http.ResponseWriter, r *http.Request) {
	f := views.BlacklistedContentForm{Name: r.PostFormValue("name"), Content: r.PostFormValue("content"), Comment: r.PostFormValue("comment")}
	row := &store.BlacklistedMailContent{Name: f.Name, Content: f.Content, Comment: f.Comment}
	if err := h.store.AddBlacklistedMailContent(r.Context(), row); err != nil {
		var msg store.Message
		if errors.As(err, &msg) {
			f.Error = msg.Error()
			h.renderBlacklistedContent(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		h.serverError(w, r, err)
		return
	}
	me := userOf(r)
	h.store.Audit(r.Context(), me.ID, me.Login, "blacklistedmailcontent.add", "blacklistedmailcontent", row.ID, row.Name)
	h.flash(r, "success", fmt.Sprintf("%s has been added.", row.Name))
	redirect(w, r, "/setup/blacklistedmailcontent")
}

// blacklistedContentDelete removes a block.
func (h *Handler) blacklistedContentDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	b, err := h.store.DeleteBlacklistedMailContent(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	me := userOf(r)
	h.store.Audit(r.Context(), me.ID, me.Login, "blacklistedmailcontent.delete", "blacklistedmailcontent", id, b.Name)
	h.flash(r, "success", fmt.Sprintf("%s has been deleted.", b.Name))
	redirect(w, r, "/setup/blacklistedmailcontent")
}
