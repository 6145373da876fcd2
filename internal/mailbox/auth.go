package mailbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
)

// ErrMechanismNotOffered means the server does not offer the way this
// receiver is configured to log in.
var ErrMechanismNotOffered = errors.New("mailbox: authentication mechanism not offered by the server")

// ErrToken wraps a failure of the Auth.Token callback: no attempt reached the
// server. The callback's own error stays reachable with errors.As.
var ErrToken = errors.New("mailbox: no access token")

// authenticate logs in with the configured mechanism. AUTHENTICATE is used
// whenever the server offers the mechanism; LOGIN falls back to the LOGIN
// command only when AUTH=PLAIN is not offered.
func (s *Session) authenticate(ctx context.Context) error {
	a := s.cfg.Auth
	caps := s.c.Caps()
	switch a.Mechanism {
	case MechXOAUTH2, MechOAUTHBEARER:
		if !caps.Has(imap.AuthCap(string(a.Mechanism))) {
			return fmt.Errorf("%w: AUTH=%s is not in the capabilities %s", ErrMechanismNotOffered, a.Mechanism, capList(caps))
		}
		token, err := a.Token(ctx)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrToken, err)
		}
		var client sasl.Client = &xoauth2Client{user: a.User, token: token}
		if a.Mechanism == MechOAUTHBEARER {
			client = newOAuthBearerClient(a.User, token)
		}
		_, ir, _ := client.Start()
		s.opts.rec.Secret(token, string(ir))
		return s.c.Authenticate(client)
	default:
		s.opts.rec.Secret(a.Password, "\x00"+a.User+"\x00"+a.Password)
		if caps.Has(imap.AuthCap(sasl.Plain)) {
			return s.c.Authenticate(sasl.NewPlainClient("", a.User, a.Password))
		}
		if caps.Has(imap.CapLoginDisabled) {
			return fmt.Errorf("%w: the server sent LOGINDISABLED (it wants TLS or another mechanism); capabilities %s", ErrMechanismNotOffered, capList(caps))
		}
		return s.c.Login(a.User, a.Password).Wait()
	}
}

func capList(caps imap.CapSet) string {
	names := make([]string, 0, len(caps))
	for c := range caps {
		names = append(names, string(c))
	}
	slices.Sort(names)
	return "[" + strings.Join(names, " ") + "]"
}
