package web

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
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
