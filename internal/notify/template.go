package notify

import (
	"sort"
	"strings"
)

// Events of ticket notifications.
const (
	EventAcknowledgment = "acknowledgment" // a mail became a new ticket
	EventSolved         = "solved"         // a technician solved the ticket
)

// Events lists the notifications a receiver can turn on or off. A staff
// answer is mailed by the technician's choice ("Answer by mail"), not by a
// notification.
var Events = []string{EventAcknowledgment, EventSolved}

// EventLabel names an event in the console.
func EventLabel(e string) string {
	switch e {
	case EventAcknowledgment:
		return "New ticket (acknowledgment to the requester)"
	case EventSolved:
		return "Ticket solved"
	}
	return e
}

// SkippedText says in words that an automatic mail of event was not sent,
// and why (a reason as MayAutoReply and the helpdesk give it).
func SkippedText(event, why string) string {
	what := "The automatic mail"
	switch event {
	case EventAcknowledgment:
		what = "The acknowledgment to the requester"
	case EventSolved:
		what = "The \"ticket solved\" notice to the requester"
	}
	return what + " was not sent: " + strings.TrimSuffix(why, ".") + "."
}

// Template is a notification's subject and body with ##placeholders##,
// GLPI's notation. The subject tag is added in front of the subject.
type Template struct {
	Subject string
	Body    string
}

// DefaultTemplate is the text used when a receiver did not write its own.
func DefaultTemplate(event string) Template {
	switch event {
	case EventAcknowledgment:
		return Template{
			Subject: "##ticket.title##",
			Body: "Hello ##ticket.requester##,\n\nYour request has been received and registered as ticket ##ticket.id##: ##ticket.title##.\n" +
				"A technician will answer you as soon as possible. To add information, answer this mail and keep ##ticket.tag## in the subject.\n\n" +
				"This mail was sent automatically.",
		}
	case EventSolved:
		return Template{
			Subject: "##ticket.title## (solved)",
			Body: "Hello ##ticket.requester##,\n\nTicket ##ticket.id## (##ticket.title##) has been solved.\n\n##ticket.solution##" +
				"If the problem is still there, answer this mail and the ticket will be reopened.\n\n" +
				"This mail was sent automatically.",
		}
	}
	return Template{Subject: "##ticket.title##"}
}

// Placeholders documents the values a template can use.
var Placeholders = map[string]string{
	"ticket.id":        "the ticket's number",
	"ticket.title":     "the ticket's title",
	"ticket.tag":       "the subject tag, e.g. [GLPI #0000123]",
	"ticket.status":    "the ticket's status",
	"ticket.requester": "the requester's name, or address",
	"ticket.url":       "the ticket's page in the console (for staff)",
	"ticket.solution":  "the solution under a \"Solution:\" heading, when the ticket was solved with one (empty otherwise)",
}

// PlaceholderNames are the keys of Placeholders, sorted.
func PlaceholderNames() []string {
	out := make([]string, 0, len(Placeholders))
	for k := range Placeholders {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Render replaces each ##name## of tpl by values[name]. It is plain text
// substitution, nothing else: a template cannot run code or read anything
// but these values, and an unknown placeholder stays as written so that a
// typo shows in the preview.
func Render(tpl string, values map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(tpl, "##")
		if i < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		j := strings.Index(tpl[i+2:], "##")
		if j < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		name := tpl[i+2 : i+2+j]
		if v, ok := values[name]; ok {
			b.WriteString(tpl[:i])
			b.WriteString(v)
			tpl = tpl[i+2+j+2:]
			continue
		}
		b.WriteString(tpl[:i+2])
		tpl = tpl[i+2:]
	}
}

// OneLine makes a rendered subject safe for a header: line breaks become
// spaces.
func OneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}
