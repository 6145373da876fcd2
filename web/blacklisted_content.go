package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
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
		rows = append(rows, views.BlacklistedContentRow{ID: b.ID, Name: b.Name, Content: b.Content, Comment: b.Comment, Created: views.FormatTime(r.Context(), &b.CreatedAt)})
	}
	h.render(w, r, status, views.BlacklistedContentPage(rows, f))
}

// blacklistedContentAdd adds a block of text to remove from bodies.
func (h *Handler) blacklistedContentAdd(w http.ResponseWriter, r *http.Request) {
	f := views.BlacklistedContentForm{Name: r.PostFormValue("name"), Content: r.PostFormValue("content"), Comment: r.PostFormValue("comment")}
	row := &store.BlacklistedMailContent{Name: f.Name, Content: f.Content, Comment: f.Comment}
	me := userOf(r)
	err := h.audited(r.Context(), me, "blacklistedmailcontent.add", "blacklistedmailcontent", func(s *store.Store) (int64, string, error) {
		if err := s.AddBlacklistedMailContent(r.Context(), row); err != nil {
			return 0, "", err
		}
		return row.ID, row.Name, nil
	})
	if err != nil {
		var msg store.Message
		if errors.As(err, &msg) {
			f.Error = msg.Error()
			h.renderBlacklistedContent(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("%s has been added.", row.Name))
	redirect(w, r, paths.BlacklistedContent)
}

// blacklistedContentDelete removes a block.
func (h *Handler) blacklistedContentDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	me := userOf(r)
	var b *store.BlacklistedMailContent
	err := h.audited(r.Context(), me, "blacklistedmailcontent.delete", "blacklistedmailcontent", func(s *store.Store) (int64, string, error) {
		var err error
		if b, err = s.DeleteBlacklistedMailContent(r.Context(), id); err != nil {
			return 0, "", err
		}
		return id, b.Name, nil
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("%s has been deleted.", b.Name))
	redirect(w, r, paths.BlacklistedContent)
}
