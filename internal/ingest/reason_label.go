package ingest

import "strings"

// reasonLabels names each reason code in the words of the console. The
// code itself stays stored and searchable; people read the label.
var reasonLabels = map[string]string{
	ReasonNew:              "New ticket",
	ReasonInReplyTo:        "Answer to an e-mail of the ticket",
	ReasonReferences:       "Part of the ticket's conversation",
	ReasonSubjectTag:       "Ticket number in the subject",
	ReasonTagStranger:      "Ticket number from someone not on the ticket",
	ReasonClosedLinked:     "Answer to a closed ticket: new linked ticket",
	ReasonClosedReopen:     "Answer to a closed ticket: reopened",
	ReasonSolvedReopen:     "Requester's answer to a solved ticket: reopened",
	ReasonBounce:           "Delivery failure report",
	ReasonTooLarge:         "Too large",
	ReasonOwnNotification:  "One of our own notifications",
	ReasonOwnAddress:       "Sent by the receiver's own address",
	ReasonAutoReply:        "Automatic reply",
	ReasonAutoNotification: "Automatic notification",
	ReasonBlacklisted:      "Blacklisted sender",
	ReasonNoSender:         "No sender address",
	ReasonUnreadable:       "Not a readable e-mail",
	ReasonParserPanic:      "Could not be read (a bug)",
	ReasonDuplicate:        "Already imported through another receiver",
	ReasonRule:             "Mail rule",
}

// ReasonLabel is a reason code as a person reads it. A code without a
// label (one written by a newer version) is shown as words, never raw.
func ReasonLabel(code string) string {
	if l, ok := reasonLabels[code]; ok {
		return l
	}
	if code == "" {
		return ""
	}
	s := strings.ReplaceAll(code, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}
