package web

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oauthimap/oauthimap/internal/collector"
	"github.com/oauthimap/oauthimap/internal/mailbox"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

// consoleIMAPTimeout bounds an IMAP login made while a browser waits.
const consoleIMAPTimeout = 15 * time.Second

// errNoTokens means no token source is wired into this process.
var errNoTokens = errors.New("web: no OAuth token source configured")

// errNoAuthorization means the receiver's login matches no authorization
// of its application.
var errNoAuthorization = errors.New("web: no authorization of the application for this login")

// mailboxLogin is how the console logs into a receiver's mailbox, and
// what went wrong before the server was reached, if anything.
type mailboxLogin struct {
	cfg mailbox.Config
	// tokenErr is set by the token callback when no access token could be
	// had: its meaning is the OAuth one, not an IMAP one.
	tokenErr error
	// authID and appOnly are the authorization an OAuth login uses.
	authID  int64
	appOnly bool
}

// mailboxLoginFor builds the login from the saved receiver: its password,
// or a fresh access token of its authorization.
func (h *Handler) mailboxLoginFor(ctx context.Context, rec *store.Receiver) (*mailboxLogin, error) {
	m := &mailboxLogin{cfg: mailbox.Config{
		Host: rec.Host, Port: rec.Port, Security: mailbox.Security(rec.Security), ValidateCert: rec.ValidateCert,
		Timeout: consoleIMAPTimeout,
	}}
	if !rec.UsesOAuth() {
		m.cfg.Auth = mailbox.Login(rec.Login, rec.Password)
		return m, nil
	}
	auth, err := h.store.ReceiverAuthorization(ctx, rec)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoAuthorization
	}
	if err != nil {
		return nil, err
	}
	m.authID, m.appOnly = auth.ID, auth.Kind == store.KindAppOnly
	m.cfg.Auth = mailbox.XOAUTH2(auth.Email, func(ctx context.Context) (string, error) {
		if h.tokens == nil {
			m.tokenErr = errNoTokens
			return "", errNoTokens
		}
		tok, err := h.tokens.AccessToken(ctx, auth.ID)
		if err != nil {
			m.tokenErr = err
		}
		return tok, err
	})
	return m, nil
}

// loginProblem explains, for an administrator, a failure to log in or
// list: what it means and what to do. It never carries a secret: mailbox
// errors hold none, and OAuth failures are told by their meaning.
func loginProblem(m *mailboxLogin, err error) (problem, remedy string) {
	switch {
	case errors.Is(err, errNoAuthorization):
		return "This receiver's login has no authorization in its OAuth application.", "Choose an authorization in the receiver form, or create one."
	case m != nil && errors.Is(m.tokenErr, errNoTokens):
		return "OAuth tokens are not available in this process.", "Start the console with the OAuth token manager (oauthimap serve does)."
	case m != nil && m.tokenErr != nil:
		return "No access token could be obtained: " + oauth.Meaning(m.tokenErr), oauth.Remedy(m.tokenErr)
	}
	c := mailbox.Classify(err)
	return fmt.Sprintf("The connection failed (%s): %v", collector.ClassLabel(string(c)), err), collector.RemedyFor(string(c), m != nil && m.appOnly)
}

// recordLogin tells an app-only authorization whether its mailbox let the
// application in, as the collector does, so that the authorizations tab
// never says "Valid" for one that cannot log in. Only a refused login or
// one that worked says something about that.
func (h *Handler) recordLogin(ctx context.Context, m *mailboxLogin, ok bool, class mailbox.ErrorClass, text string) {
	if m == nil || !m.appOnly || m.tokenErr != nil {
		return
	}
	if !ok && class != mailbox.ClassAuthentication && class != mailbox.ClassMailboxPermission {
		return
	}
	h.recordAppOnly(ctx, m.authID, ok, text)
}

func (h *Handler) recordAppOnly(ctx context.Context, authID int64, ok bool, text string) {
	if err := h.store.RecordMailboxLogin(ctx, authID, ok, text); err != nil {
		h.log.Warn("record the app-only login on its authorization", "authorization_id", authID, "error", err)
	}
}
