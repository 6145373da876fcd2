package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
)

// documentDownload sends a document's bytes. Whatever the sender called
// it, it is an attachment: never rendered as a page of our origin (an HTML
// or SVG file would run with the console's cookies otherwise), with a
// sandboxing policy in case a browser ignores the disposition. An <img>
// still shows inline images: a disposition does not apply to it.
func (h *Handler) documentDownload(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok || h.desk == nil {
		h.notFound(w, r)
		return
	}
	d, rc, err := h.desk.OpenDocument(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	defer rc.Close()
	typ := "application/octet-stream"
	if mt, params, err := mime.ParseMediaType(d.MIMEType); err == nil && strings.Count(mt, "/") == 1 {
		typ = mime.FormatMediaType(mt, params)
	}
	hd := w.Header()
	hd.Set("Content-Type", typ)
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Name}))
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Cache-Control", "private, max-age=3600")
	hd.Set("Content-Length", strconv.FormatInt(d.Size, 10))
	if _, err := io.Copy(w, rc); err != nil {
		h.log.Warn("document download interrupted", "document_id", id, "error", err)
	}
}

// ticketOriginal lets an administrator download the raw mail a ticket or
// one of its follow-ups was made from, as an attachment that is never
// rendered; every download is an audit event (the mail may be private).
func (h *Handler) ticketOriginal(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok || h.desk == nil {
		h.notFound(w, r)
		return
	}
	var fid int64
	if r.PathValue("fid") != "" {
		if fid, ok = idParam(r, "fid"); !ok {
			h.notFound(w, r)
			return
		}
	}
	o, rc, err := h.desk.OpenOriginal(r.Context(), id, fid)
	if errors.Is(err, helpdesk.ErrNoOriginal) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	defer rc.Close()
	what := fmt.Sprintf("original mail of ticket %d", id)
	if fid != 0 {
		what = fmt.Sprintf("original mail of follow-up %d of ticket %d", fid, id)
	}
	u := userOf(r)
	if err := h.store.Audit(r.Context(), u.ID, u.Login, "ticket.original", "ticket", id, what+" downloaded"); err != nil {
		h.serverError(w, r, err)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "message/rfc822")
	hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": o.Name}))
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Cache-Control", "private, no-store")
	if _, err := io.Copy(w, rc); err != nil {
		h.log.Warn("original download interrupted", "ticket_id", id, "error", err)
	}
}
