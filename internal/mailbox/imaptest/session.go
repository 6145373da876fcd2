package imaptest

import (
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// session embeds imapmemserver's, as its doc comment suggests, adding our
// authentication and the fault hooks.
type session struct {
	*imapmemserver.UserSession // nil until authenticated
	srv                        *Server
	conn                       *imapserver.Conn
	internal                   bool // the admin connection of Messages: no faults
}

func (s *Server) newSession(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	return &session{srv: s, conn: c}, nil, nil
}

func (s *session) Close() error {
	s.srv.mu.Lock()
	delete(s.srv.conns, s.conn)
	s.srv.mu.Unlock()
	if s.UserSession != nil {
		return s.UserSession.Close()
	}
	return nil
}

func (s *session) open(user string) { s.UserSession = imapmemserver.NewUserSession(s.srv.user(user)) }

func (s *session) Login(user, password string) error {
	if password == s.srv.secret {
		s.internal = true
		s.open(user)
		return nil
	}
	s.srv.mu.Lock()
	want, ok := s.srv.passwords[user]
	s.srv.mu.Unlock()
	if !ok || want != password {
		return imapserver.ErrAuthFailed
	}
	s.open(user)
	return nil
}

func (s *session) checkToken(user, token string) bool {
	s.srv.mu.Lock()
	owner, ok := s.srv.tokens[token]
	s.srv.mu.Unlock()
	if (!ok || owner != user) && s.srv.check != nil && s.srv.check(user, token) {
		ok, owner = true, user
	}
	if !ok || user == "" || owner != user {
		return false
	}
	s.open(user)
	return true
}

func (s *session) AuthenticateMechanisms() []string {
	return []string{"XOAUTH2", "OAUTHBEARER", sasl.Plain}
}

func (s *session) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "XOAUTH2":
		return &xoauth2Server{check: s.checkToken}, nil
	case sasl.OAuthBearer:
		return authFailed{sasl.NewOAuthBearerServer(func(o sasl.OAuthBearerOptions) *sasl.OAuthBearerError {
			if !s.checkToken(o.Username, o.Token) {
				return &sasl.OAuthBearerError{Status: "invalid_token", Schemes: "bearer"}
			}
			return nil
		})}, nil
	case sasl.Plain:
		return authFailed{sasl.NewPlainServer(func(_, user, password string) error { return s.Login(user, password) })}, nil
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// authFailed maps any SASL failure to NO [AUTHENTICATIONFAILED]; imapserver
// would report a non-imap error as "Internal server error".
type authFailed struct{ sasl.Server }

func (f authFailed) Next(resp []byte) ([]byte, bool, error) {
	ch, done, err := f.Server.Next(resp)
	if err != nil {
		err = imapserver.ErrAuthFailed
	}
	return ch, done, err
}

// xoauth2Server checks "user=U\x01auth=Bearer T\x01\x01" and, like Gmail
// and Dovecot, answers a bad token with a JSON error challenge first.
type xoauth2Server struct {
	check  func(user, token string) bool
	failed bool
}

func (x *xoauth2Server) Next(resp []byte) ([]byte, bool, error) {
	if x.failed {
		if len(resp) != 1 || resp[0] != 0x01 {
			return nil, true, &imap.Error{Type: imap.StatusResponseTypeBad, Text: "expected the 0x01 abort byte"}
		}
		return nil, true, imapserver.ErrAuthFailed
	}
	if resp == nil {
		return nil, false, nil // ask for the initial response (no SASL-IR)
	}
	var user, token string
	for _, kv := range strings.Split(string(resp), "\x01") {
		if v, ok := strings.CutPrefix(kv, "user="); ok {
			user = v
		} else if v, ok := strings.CutPrefix(kv, "auth="); ok && len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
			token = v[7:]
		}
	}
	if !x.check(user, token) {
		x.failed = true
		return []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`), false, nil
	}
	return nil, true, nil
}
