package notify

import (
	"net/textproto"
	"strings"
)

// Inbound is what MayAutoReply needs to know of a mail that arrived.
type Inbound struct {
	// From is the address an automatic answer would go to (the requester).
	From string
	// Header is the mail's header (canonical keys, as textproto gives them).
	Header textproto.MIMEHeader
	// OwnAddresses are the addresses of our receivers and senders.
	OwnAddresses []string
	// Blacklisted is set when the sender is on the blacklist.
	Blacklisted bool
	// Automatic is set when intake judged the mail machine-written (an
	// automatic notification imported as a ticket), whatever its headers.
	Automatic bool
	// OwnMessage is set when the mail answers one of our own automatic
	// mails (its In-Reply-To or References name one, see ParseOwnMessageID)
	// and itself looks automatic: a loop in the making.
	OwnMessage bool
}

// Verdict says whether an automatic mail may answer, and why not.
type Verdict struct {
	OK     bool
	Reason string // for the log and the ticket's "why", in words
}

func no(reason string) Verdict { return Verdict{Reason: reason} }

// MayAutoReply decides whether an automatic mail (an acknowledgment, a
// "ticket solved") may be sent in answer to in. RFC 3834 section 2: never
// to an automatic mail (Auto-Submitted other than "no"), and never to the
// null return path of a bounce; RFC 2369/2919: not to a list; Microsoft's
// X-Auto-Response-Suppress asks the same; and never to ourselves or to a
// blacklisted sender. Rate limiting per address is the caller's.
func MayAutoReply(in Inbound) Verdict {
	h := in.Header
	get := func(k string) string { return strings.TrimSpace(h.Get(k)) }
	from := strings.ToLower(strings.TrimSpace(in.From))
	switch {
	case from == "" || !strings.Contains(from, "@"):
		return no("the sender has no usable address")
	case in.Blacklisted:
		return no("the sender is blacklisted")
	case in.Automatic:
		return no("the mail is an automatic notification")
	}
	local := from[:strings.LastIndexByte(from, '@')]
	for _, own := range in.OwnAddresses {
		if strings.EqualFold(strings.TrimSpace(own), from) {
			return no("the sender is one of our own addresses")
		}
	}
	if as := strings.ToLower(get("Auto-Submitted")); as != "" && as != "no" {
		return no("the mail is automatic (Auto-Submitted: " + as + ")")
	}
	if rp, ok := h["Return-Path"]; ok && len(rp) > 0 && strings.TrimSpace(rp[0]) == "<>" {
		return no("the mail is a bounce (empty Return-Path)")
	}
	switch local {
	case "mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply", "donotreply":
		return no("the sender is a robot (" + local + ")")
	}
	if strings.HasPrefix(strings.ToLower(get("Content-Type")), "multipart/report") {
		return no("the mail is a delivery or read report")
	}
	switch strings.ToLower(get("Precedence")) {
	case "bulk", "list", "junk", "auto_reply":
		return no("the mail is bulk or list mail (Precedence: " + get("Precedence") + ")")
	}
	if get("List-Id") != "" || get("List-Unsubscribe") != "" || get("List-Post") != "" {
		return no("the mail comes from a mailing list")
	}
	if s := strings.ToLower(get("X-Auto-Response-Suppress")); s != "" {
		for _, v := range strings.Split(s, ",") {
			switch strings.TrimSpace(v) {
			case "all", "autoreply", "oof":
				return no("the sender asked for no automatic answer (X-Auto-Response-Suppress: " + get("X-Auto-Response-Suppress") + ")")
			}
		}
	}
	if get("X-Autoreply") != "" || get("X-Autorespond") != "" || strings.EqualFold(get("X-Auto-Reply"), "yes") {
		return no("the mail is an auto-reply")
	}
	if in.OwnMessage {
		return no("the mail answers one of our automatic mails")
	}
	return Verdict{OK: true}
}
