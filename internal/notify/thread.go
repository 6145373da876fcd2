package notify

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MessageID is the Message-ID (without <>) of a mail about a ticket, in the
// shape GLPI 10.0.7+ gives its notifications and recognises in answers:
// GLPI_{instance}-Ticket-{id}/{event}.{unix time}.{random}@{domain}. The
// instance UUID tells this installation's mails from another GLPI's.
func MessageID(instance string, ticketID int64, event string, at time.Time, random uint32, domain string) string {
	if domain == "" {
		domain = "localhost"
	}
	return fmt.Sprintf("GLPI_%s-Ticket-%d/%s.%d.%d@%s", instance, ticketID, event, at.Unix(), random, domain)
}

// Domain is the part after the last "@" of an address, "" without one.
func Domain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// SubjectTag is GLPI's "[GLPI #0000123]" with the configured prefix.
func SubjectTag(prefix string, ticketID int64) string {
	if prefix == "" {
		prefix = "GLPI"
	}
	return "[" + prefix + " #" + fmt.Sprintf("%07d", ticketID) + "]"
}

// Subject puts the tag in front of the ticket's title, once: a title that
// already carries it (the requester answered a notification, and the ticket
// was named from that mail) keeps a single tag. Replies never stack "Re:".
func Subject(prefix string, ticketID int64, title string) string {
	tag := SubjectTag(prefix, ticketID)
	title = strings.TrimSpace(strings.ReplaceAll(title, tag, ""))
	for {
		lower := strings.ToLower(title)
		if strings.HasPrefix(lower, "re:") || strings.HasPrefix(lower, "fw:") || strings.HasPrefix(lower, "aw:") {
			title = strings.TrimSpace(title[3:])
			continue
		}
		if strings.HasPrefix(lower, "fwd:") {
			title = strings.TrimSpace(title[4:])
			continue
		}
		break
	}
	if title == "" {
		return tag
	}
	return tag + " " + title
}

// maxReferences bounds References; RFC 5322 section 3.6.4 lets a long
// thread drop middle entries as long as the first and the last stay.
const maxReferences = 10

// Threading is what a mail about a ticket says it answers.
type Threading struct {
	InReplyTo  string   // without <>
	References []string // oldest first, without <>
}

// Thread builds the threading of a reply. original is the Message-ID of the
// mail that opened the ticket ("" for a ticket typed in by hand); inbound
// lists the Message-IDs of the requester's later mails and of our earlier
// mails on the ticket, oldest first. The reply answers the newest of all
// (In-Reply-To), and References carries the chain, the opening mail first,
// so that mail programs thread it and an answer to it names some ID the
// ticket knows however the client trims References.
func Thread(original string, earlier []string) Threading {
	var chain []string
	seen := map[string]bool{}
	for _, id := range append([]string{original}, earlier...) {
		id = strings.Trim(strings.TrimSpace(id), "<>")
		if id == "" || seen[id] || strings.ContainsAny(id, " \r\n") {
			continue
		}
		seen[id] = true
		chain = append(chain, id)
	}
	if len(chain) == 0 {
		return Threading{}
	}
	if len(chain) > maxReferences {
		chain = append([]string{chain[0]}, chain[len(chain)-maxReferences+1:]...)
	}
	return Threading{InReplyTo: chain[len(chain)-1], References: chain}
}

// ParseOwnMessageID reports the ticket of one of our own Message-IDs
// (MessageID's shape with this instance), for loop detection.
func ParseOwnMessageID(instance, id string) (int64, bool) {
	id = strings.Trim(strings.TrimSpace(id), "<>")
	rest, ok := strings.CutPrefix(id, "GLPI_"+instance+"-Ticket-")
	if !ok {
		return 0, false
	}
	num, _, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	return n, err == nil && n > 0
}
