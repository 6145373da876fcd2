package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"
)

// Errors of the sign-in callback, in the order GLPI checks them.
var (
	// ErrStateMismatch: the callback's state is unknown, used or forged.
	ErrStateMismatch = errors.New("oauth: the state of the callback does not match the sign-in started here")
	// ErrNoCode: the callback brought no authorization code.
	ErrNoCode = errors.New("oauth: the callback brought no authorization code")
	// ErrNoEmail: the account exposes no e-mail address.
	ErrNoEmail = errors.New("oauth: the authenticated account does not expose an email address")
)

// Pending is what the server keeps between the redirect to the provider and
// the callback: single use, never sent to the browser except State.
type Pending struct {
	State    string
	Verifier string // PKCE code verifier (RFC 7636)
	Nonce    string // OpenID Connect nonce, echoed in the id_token
}

// Begin starts a sign-in: it returns the provider's authorization URL to
// redirect the browser to, and the Pending values to keep server-side.
// ctx is used to discover a generic OIDC provider.
func Begin(ctx context.Context, app Application, redirectURI string) (string, Pending, error) {
	r, err := app.resolve(ctx)
	if err != nil {
		return "", Pending{}, err
	}
	p := Pending{State: randomString(), Verifier: oauth2.GenerateVerifier(), Nonce: randomString()}
	opts := append([]oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(p.Verifier),
		oauth2.SetAuthURLParam("nonce", p.Nonce),
	}, r.authParams...)
	return app.config(r, redirectURI).AuthCodeURL(p.State, opts...), p, nil
}

// randomString returns 32 random bytes, base64url without padding.
func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// VerifyState compares the callback's state with the pending one in constant
// time.
func VerifyState(p Pending, state string) error {
	if p.State == "" || subtle.ConstantTimeCompare([]byte(p.State), []byte(state)) != 1 {
		return ErrStateMismatch
	}
	return nil
}

// Complete redeems the authorization code with the PKCE verifier, verifies
// the id_token and finds the account's e-mail. The error is one Explain
// turns into a Failure.
func Complete(ctx context.Context, app Application, redirectURI, code string, p Pending) (*Grant, error) {
	if code == "" {
		return nil, ErrNoCode
	}
	r, err := app.resolve(ctx)
	if err != nil {
		return nil, err
	}
	ctx = withClient(ctx)
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(p.Verifier)}
	if r.scopeOnToken {
		opts = append(opts, oauth2.SetAuthURLParam("scope", strings.Join(app.Scopes(), " ")))
	}
	tok, err := app.config(r, redirectURI).Exchange(ctx, code, opts...)
	if err != nil {
		return nil, exchangeError("code exchange", err, app.ClientSecret, code, p.Verifier)
	}
	g := grantFrom(tok)
	if g.AccessToken == "" {
		return nil, fmt.Errorf("oauth: code exchange: the provider sent no access token")
	}
	if err := identify(ctx, app, r, g, p.Nonce); err != nil {
		return nil, err
	}
	return g, nil
}

// exchangeError wraps an x/oauth2 error without the response body it may
// carry.
func exchangeError(what string, err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return fmt.Errorf("oauth: %s: %w", what, fromRetrieveError(re, secrets...))
	}
	return fmt.Errorf("oauth: %s: %w", what, err)
}

func grantFrom(tok *oauth2.Token) *Grant {
	g := &Grant{
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		TokenType:    tok.TokenType,
		Expiry:       tok.Expiry,
	}
	if s, ok := tok.Extra("id_token").(string); ok {
		g.IDToken = s
	}
	if s, ok := tok.Extra("scope").(string); ok {
		g.Scope = s
	}
	return g
}

// identify verifies the id_token and fills the grant's identity and e-mail.
func identify(ctx context.Context, app Application, r resolved, g *Grant, nonce string) error {
	var c idClaims
	if r.discovery != "" {
		if g.IDToken == "" {
			return &IDTokenError{Reason: "the provider sent no id_token"}
		}
		var err error
		if c, err = verifyIDToken(ctx, app, r, g.IDToken, nonce); err != nil {
			return err
		}
	}
	g.Identity = Identity{
		TenantID:          c.TenantID,
		ObjectID:          c.ObjectID,
		Subject:           c.Subject,
		PreferredUsername: firstNonEmpty(c.PreferredUsername, c.UPN),
	}
	if r.emailFromIDToken {
		g.Email = firstEmail(c.Email, c.PreferredUsername, c.UPN)
	} else if r.userInfoURL != "" {
		info, err := userInfo(ctx, r.userInfoURL, g.AccessToken)
		if err != nil {
			return err
		}
		if c.Subject != "" && info.Subject != "" && info.Subject != c.Subject {
			// OpenID Connect Core §5.3.2: a mismatch means the answer is not to be used.
			return &IDTokenError{Reason: "the userinfo subject differs from the id_token's"}
		}
		if g.Identity.Subject == "" {
			g.Identity.Subject = info.Subject
		}
		g.Email = firstEmail(info.Email)
	} else {
		g.Email = firstEmail(c.Email)
	}
	if g.Email == "" {
		return ErrNoEmail
	}
	g.Identity.Email = g.Email
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// firstEmail returns the first value that looks like an address: Microsoft's
// preferred_username can be a phone number or a bare name.
func firstEmail(s ...string) string {
	for _, x := range s {
		if i := strings.LastIndexByte(x, '@'); i > 0 && i < len(x)-1 {
			return x
		}
	}
	return ""
}
