package oauth

import (
	"fmt"
	"log/slog"
	"time"
)

// Grant is what the provider granted: tokens, and who signed in.
// Its String, GoString and LogValue leave the tokens out, so printing or
// logging a Grant by mistake leaks nothing.
type Grant struct {
	AccessToken  string
	RefreshToken string
	IDToken      string
	TokenType    string
	Scope        string
	Expiry       time.Time
	// Email is the account's address: the SASL XOAUTH2 user.
	Email    string
	Identity Identity
	// Rotated is true when a refresh brought a new refresh token.
	Rotated bool
}

func (g Grant) String() string {
	return fmt.Sprintf("oauth.Grant{Email: %q, Expiry: %s, Scope: %q, Rotated: %t, tokens redacted}",
		g.Email, g.Expiry.Format(time.RFC3339), g.Scope, g.Rotated)
}

// GoString keeps %#v from printing the tokens.
func (g Grant) GoString() string { return g.String() }

// LogValue keeps slog from printing the tokens.
func (g Grant) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("email", g.Email),
		slog.Time("expiry", g.Expiry),
		slog.Bool("rotated", g.Rotated),
	)
}

// Identity is who signed in, as the provider names them; pinned on the
// authorization at first consent so a re-authorization cannot silently swap
// the account.
type Identity struct {
	TenantID string // Microsoft "tid"
	ObjectID string // Microsoft "oid": the user object, stable across renames
	Subject  string // "sub": per application at Microsoft, global at Google
	// PreferredUsername is Microsoft's "preferred_username" (or "upn").
	PreferredUsername string
	Email             string
}

func (id Identity) display() string {
	switch {
	case id.Email != "":
		return id.Email
	case id.PreferredUsername != "":
		return id.PreferredUsername
	case id.ObjectID != "":
		return "object " + id.ObjectID
	}
	return "subject " + id.Subject
}
