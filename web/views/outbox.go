package views

// OutboxKindLabel names a kind of outgoing mail.
func OutboxKindLabel(k string) string {
	switch k {
	case "reply":
		return "Answer by mail"
	case "acknowledgment":
		return "Acknowledgment"
	case "solved":
		return "Ticket solved"
	case "alarm":
		return "Alarm"
	case "test":
		return "Test sending"
	case "refusal":
		return "Refusal answer"
	}
	return k
}

// OutboxReasonLabel names a failure class.
func OutboxReasonLabel(c string) string {
	switch c {
	case "":
		return ""
	case "network":
		return "Server unreachable"
	case "tls":
		return "Secure connection failed"
	case "authentication":
		return "Login refused"
	case "reauthorize":
		return "Re-authorization needed"
	case "send_as":
		return "Not allowed to send as this address"
	case "recipient_refused":
		return "Recipient refused"
	case "too_large":
		return "Message too large"
	case "throttled":
		return "Throttled by the server"
	case "config":
		return "Outgoing mail not set up"
	}
	return "Refused by the server"
}
