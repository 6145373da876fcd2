package web

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/web/views"
)

// DemoMailbox is the demo's SMTP server: what the console sent through it.
type DemoMailbox interface {
	// SentMails returns the mails kept, newest first.
	SentMails() []SentMail
	// SentMail returns the mail numbered n, if still kept.
	SentMail(n int) (SentMail, bool)
}

// SentMail is one mail the demo's SMTP server took.
type SentMail struct {
	N       int
	At      time.Time
	User    string
	From    string
	To      []string
	Subject string
	HeaderFrom, HeaderTo,
	MessageID, InReplyTo string
	Text string
	Size int
}

// demoMailList is the demo's "Mails sent" page.
func (h *Handler) demoMailList(w http.ResponseWriter, r *http.Request) {
	var rows []views.DemoMailRow
	for _, m := range h.demoMail.SentMails() {
		rows = append(rows, views.DemoMailRow{N: m.N, At: views.FormatTime(r.Context(), &m.At), To: strings.Join(m.To, ", "), Subject: cmp.Or(m.Subject, "(no subject)")})
	}
	h.render(w, r, http.StatusOK, views.DemoMailPage(rows))
}

// demoMailShow shows one sent mail.
func (h *Handler) demoMailShow(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	m, ok := h.demoMail.SentMail(n)
	if err != nil || !ok {
		h.notFound(w, r)
		return
	}
	h.render(w, r, http.StatusOK, views.DemoMailShow(views.DemoMailView{N: m.N, At: views.FormatTime(r.Context(), &m.At), Login: m.User, From: m.From,
		To: strings.Join(m.To, ", "), Subject: cmp.Or(m.Subject, "(no subject)"), HeaderFrom: m.HeaderFrom, HeaderTo: m.HeaderTo,
		MessageID: m.MessageID, InReplyTo: m.InReplyTo, Size: fmt.Sprintf("%d bytes", m.Size), Text: m.Text}))
}
