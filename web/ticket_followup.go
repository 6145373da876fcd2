package web

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// ticketFollowup adds a staff follow-up (plain text, escaped when stored)
// with its files, which an answer by mail attaches.
func (h *Handler) ticketFollowup(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok || h.desk == nil {
		h.notFound(w, r)
		return
	}
	text := r.PostFormValue("content")
	byMail := r.PostFormValue("kind") == "mail"
	msg := formText{label: "The follow-up", value: text, long: true, max: store.MaxContentText}.problem()
	files, fileMsg := followupFiles(r)
	if msg == "" {
		msg = fileMsg
	}
	var err error
	if msg == "" {
		if byMail {
			_, err = h.desk.AnswerByMail(r.Context(), id, userOf(r), text, r.PostFormValue("observers") == "1", files...)
		} else {
			// A note is private (staff only) unless "Public follow-up" was chosen.
			_, err = h.desk.AddNote(r.Context(), id, userOf(r), text, r.PostFormValue("kind") != "public", files...)
		}
		msg = followupRefusal(err)
	}
	if msg != "" {
		v, verr := h.ticketView(r.Context(), id, false)
		if verr != nil {
			h.serverError(w, r, verr)
			return
		}
		if len(files) > 0 || fileMsg != "" {
			// A browser never fills a file input again: say so.
			msg += " Choose the files again."
		}
		v.FollowupText, v.FollowupError = text, msg
		h.render(w, r, http.StatusUnprocessableEntity, views.TicketPage(v))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if byMail {
		if h.mail != nil {
			h.mail.Wake()
		}
		h.flash(r, "success", "Follow-up added; the mail to the requester is on its way.")
	} else {
		h.flash(r, "success", "Follow-up added.")
	}
	redirect(w, r, paths.Ticket(id))
}

// followupFiles reads the files of the follow-up form; the message says
// why they cannot be taken ("" when they can).
func followupFiles(r *http.Request) ([]submission.Attachment, string) {
	if r.MultipartForm == nil {
		return nil, ""
	}
	heads := r.MultipartForm.File["files"]
	var total int64
	for _, fh := range heads {
		total += fh.Size
	}
	if total > helpdesk.MaxAttachmentsSize {
		return nil, fmt.Sprintf("The files are too large together (%s): at most %s go with one follow-up. Send fewer files, or share the large ones another way.",
			ingest.HumanSize(total), ingest.HumanSize(helpdesk.MaxAttachmentsSize))
	}
	var out []submission.Attachment
	for _, fh := range heads {
		name := fileName(fh.Filename)
		if name == "" && fh.Size == 0 {
			continue // the empty file field a browser sends
		}
		if name == "" {
			name = "file"
		}
		f, err := fh.Open()
		if err != nil {
			return nil, fmt.Sprintf("The file %s could not be read.", name)
		}
		data, err := io.ReadAll(io.LimitReader(f, helpdesk.MaxAttachmentsSize+1))
		f.Close()
		if err != nil {
			return nil, fmt.Sprintf("The file %s could not be read.", name)
		}
		typ, _, perr := mime.ParseMediaType(fh.Header.Get("Content-Type"))
		if perr != nil || typ == "application/octet-stream" {
			typ = "application/octet-stream"
			if t, _, err := mime.ParseMediaType(mime.TypeByExtension(path.Ext(name))); err == nil {
				typ = t
			}
		}
		out = append(out, submission.Attachment{Name: name, MIMEType: typ, Data: data})
	}
	return out, ""
}

// fileName keeps the last element of the name a browser sent (old ones
// send a whole Windows path) on one line.
func fileName(s string) string {
	s = strings.ReplaceAll(s, "\\", "/")
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// followupRefusal is the form's message for an answer refused for its
// input or settings; "" for success or a server error.
func followupRefusal(err error) string {
	var refused *helpdesk.AttachmentRefusedError
	switch {
	case errors.Is(err, helpdesk.ErrEmptyFollowup):
		return "Write the follow-up first."
	case errors.Is(err, helpdesk.ErrNoRequesterAddress):
		return "The requester has no e-mail address: save it as a private note."
	case errors.Is(err, helpdesk.ErrMailOff):
		return "Outgoing mail is off for this ticket's receiver: turn it on in Setup > Receivers > Outgoing mail, or save a private note."
	case errors.Is(err, helpdesk.ErrAttachmentsTooLarge):
		return fmt.Sprintf("The files are too large together: at most %s go with one follow-up.", ingest.HumanSize(helpdesk.MaxAttachmentsSize))
	case errors.As(err, &refused):
		return fmt.Sprintf("Invalid attached file: %s (%s). Setup > Document types lists the files allowed.", refused.Name, refused.MIMEType)
	}
	return ""
}
