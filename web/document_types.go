package web

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// documentTypesList is Setup > Document types.
func (h *Handler) documentTypesList(w http.ResponseWriter, r *http.Request) {
	h.renderDocumentTypes(w, r, http.StatusOK, views.DocumentTypeForm{})
}

func (h *Handler) renderDocumentTypes(w http.ResponseWriter, r *http.Request, status int, f views.DocumentTypeForm) {
	types, err := h.store.DocumentTypes(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	rows := make([]views.DocumentTypeRow, 0, len(types))
	for _, t := range types {
		rows = append(rows, views.DocumentTypeRow{ID: t.ID, Name: t.Name, Ext: t.Ext, MIME: t.MIME, Comment: t.Comment})
	}
	h.render(w, r, status, views.DocumentTypesPage(rows, f))
}

// documentTypeAdd allows one more kind of attachment.
func (h *Handler) documentTypeAdd(w http.ResponseWriter, r *http.Request) {
	f := views.DocumentTypeForm{Name: r.PostFormValue("name"), Ext: r.PostFormValue("ext"), MIME: r.PostFormValue("mime"), Comment: r.PostFormValue("comment")}
	row := &store.DocumentType{Name: f.Name, Ext: f.Ext, MIME: f.MIME, Comment: f.Comment}
	me := userOf(r)
	err := h.audited(r.Context(), me, "documenttype.add", "documenttype", func(s *store.Store) (int64, string, error) {
		if err := s.AddDocumentType(r.Context(), row); err != nil {
			return 0, "", err
		}
		return row.ID, fmt.Sprintf("%s (%s %s)", row.Name, row.Ext, row.MIME), nil
	})
	if err != nil {
		var msg store.Message
		if errors.As(err, &msg) {
			f.Error = msg.Error()
			h.renderDocumentTypes(w, r, http.StatusUnprocessableEntity, f)
			return
		}
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("%s has been added.", row.Name))
	redirect(w, r, paths.DocumentTypes)
}

// documentTypeDelete removes a type.
func (h *Handler) documentTypeDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	me := userOf(r)
	var t *store.DocumentType
	err := h.audited(r.Context(), me, "documenttype.delete", "documenttype", func(s *store.Store) (int64, string, error) {
		var err error
		if t, err = s.DeleteDocumentType(r.Context(), id); err != nil {
			return 0, "", err
		}
		return id, t.Name, nil
	})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", fmt.Sprintf("%s has been deleted.", t.Name))
	redirect(w, r, paths.DocumentTypes)
}
