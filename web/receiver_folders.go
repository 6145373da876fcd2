package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// folderFields maps the browser's field names to the receiver's columns
// and GLPI's labels.
var folderFields = map[string]struct{ column, label string }{
	"folder":   {"folder", "Incoming mail folder (optional, often INBOX)"},
	"accepted": {"accepted_folder", "Accepted mail archive folder (optional)"},
	"refused":  {"refused_folder", "Refused mail archive folder (optional)"},
}

// receiverFolders lists the mailbox's folders with the saved settings;
// each one is a button that sets the field.
func (h *Handler) receiverFolders(w http.ResponseWriter, r *http.Request) {
	field, known := folderFields[r.URL.Query().Get("field")]
	if !known {
		h.notFound(w, r)
		return
	}
	rec, ok := h.receiverParam(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	v := views.ReceiverFoldersView{ID: rec.ID, Name: rec.Name, Field: r.URL.Query().Get("field"), Label: field.label}
	current := map[string]string{"folder": rec.Folder, "accepted_folder": rec.AcceptedFolder, "refused_folder": rec.RefusedFolder}[field.column]
	m, err := h.mailboxLoginFor(ctx, rec)
	var folders []mailbox.Folder
	if err == nil {
		folders, err = listFolders(ctx, m.cfg)
	}
	if err != nil {
		h.log.Warn("folder browser failed", "receiver_id", rec.ID, "class", string(mailbox.Classify(err)))
		v.Problem, v.Remedy = loginProblem(m, err)
		h.render(w, r, http.StatusOK, views.ReceiverFoldersPage(v))
		return
	}
	for _, f := range folders {
		depth := 0
		if f.Delimiter != "" {
			depth = strings.Count(f.Name, f.Delimiter)
		}
		v.Folders = append(v.Folders, views.FolderChoice{Name: f.Name, Depth: depth, Selectable: f.Selectable(), Current: f.Name == current})
	}
	h.render(w, r, http.StatusOK, views.ReceiverFoldersPage(v))
}

func listFolders(ctx context.Context, cfg mailbox.Config) ([]mailbox.Folder, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*consoleIMAPTimeout)
	defer cancel()
	s, err := mailbox.Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return s.ListFolders(ctx)
}

// receiverFolderSet sets one folder field, as chosen in the browser.
func (h *Handler) receiverFolderSet(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	field, known := folderFields[r.PostFormValue("field")]
	folder := strings.TrimSpace(r.PostFormValue("folder"))
	if !ok || !known || folder == "" || len(folder) > 255 {
		h.notFound(w, r)
		return
	}
	if err := h.store.SetReceiverFolder(r.Context(), id, field.column, folder, userOf(r)); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.receiversChanged()
	h.flash(r, "success", field.label+": "+folder)
	redirect(w, r, paths.Receiver(id))
}
