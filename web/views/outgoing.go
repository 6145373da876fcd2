package views

import "github.com/oauthimap/oauthimap/internal/store"

// Modes are the ways the receiver's replies may go out; sending as the
// mailbox with its authorization is offered only to an OAuth receiver.
func (f OutgoingForm) Modes() []Choice {
	modes := []Choice{{Value: store.SenderOff, Label: "No (replies and notifications of this receiver's tickets are not mailed)"}}
	if f.CanOAuth {
		modes = append(modes, Choice{Value: store.SenderOAuth, Label: "As this mailbox, through SMTP with its authorization"})
	}
	return append(modes, Choice{Value: store.SenderPassword, Label: "Through SMTP with a login and password"})
}

// SMTPSecurities are the connection securities of an SMTP server (the
// submission package's values).
var SMTPSecurities = []Choice{{Value: "starttls", Label: "STARTTLS"}, {Value: "ssl", Label: "SSL"}, {Value: "none", Label: "None"}}
