package views

import "github.com/oauthimap/oauthimap/web/paths"

// receiverPath is a receiver's page for the templates that still name it
// so (outgoing mail, ticket defaults); new templates call the paths package.
var receiverPath = paths.Receiver
