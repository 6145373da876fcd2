package submission

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrMechanismNotOffered means the server does not offer the way this
// sender is configured to log in.
var ErrMechanismNotOffered = errors.New("submission: authentication mechanism not offered by the server")

// ErrToken wraps a failure of the Auth.Token callback: no attempt reached the
// server. The callback's own error stays reachable with errors.As.
var ErrToken = errors.New("submission: no access token")

// maxCommandLine is RFC 5321 section 4.5.3.1.4's limit on a command line,
// CRLF included. RFC 4954 section 4: if the initial response would make the
// AUTH line longer than that, the client MUST NOT send it there, and sends
// it after the server's empty "334 " challenge instead. An Entra access
// token is 2-3 KB, so XOAUTH2 with a real token always takes that path; it
// is also the only one Dovecot 2.3's submission service accepts for lines
// over about 1 KB.
const maxCommandLine = 512

// authenticate logs in with the configured mechanism (RFC 4954).
func (c *Client) authenticate(ctx context.Context) error {
	a := c.cfg.Auth
	offered := c.authMechanisms()
	has := func(m string) bool { return slices.Contains(offered, m) }
	switch a.Mechanism {
	case MechXOAUTH2, MechOAUTHBEARER:
		if !has(string(a.Mechanism)) {
			return fmt.Errorf("%w: AUTH %s is not in the server's list %q", ErrMechanismNotOffered, a.Mechanism, c.ext["AUTH"])
		}
		token, err := a.Token(ctx)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrToken, err)
		}
		var ir, abort string
		if a.Mechanism == MechXOAUTH2 {
			ir = xoauth2Response(a.User, token)
			// Google and Microsoft: answer the JSON error challenge with an
			// empty response to get the final 535.
			abort = ""
		} else {
			ir = oauthBearerResponse(a.User, token, c.cfg.Host, c.cfg.Port)
			// RFC 7628 section 3.2.3: the client answers an error with %x01.
			abort = base64.StdEncoding.EncodeToString([]byte{0x01})
		}
		c.opts.rec.Secret(token, ir)
		return c.sasl(string(a.Mechanism), ir, abort)
	default:
		c.opts.rec.Secret(a.Password, "\x00"+a.User+"\x00"+a.Password)
		switch {
		case has("PLAIN"):
			// RFC 4616: authzid empty, authcid, password.
			return c.sasl("PLAIN", "\x00"+a.User+"\x00"+a.Password, "*")
		case has("LOGIN"):
			return c.authLogin(a.User, a.Password)
		}
		if c.tls == nil && c.cfg.Security == SecurityNone {
			return fmt.Errorf("%w: no password mechanism offered (servers usually offer them only over TLS); the server lists %q", ErrMechanismNotOffered, c.ext["AUTH"])
		}
		return fmt.Errorf("%w: neither PLAIN nor LOGIN is in the server's list %q", ErrMechanismNotOffered, c.ext["AUTH"])
	}
}

// sasl runs a one-step mechanism: the response goes in the AUTH line when it
// fits, else after the server's empty challenge. A second "334" is an error
// challenge (XOAUTH2's and OAUTHBEARER's JSON); abort answers it so that the
// server sends its final failure reply.
func (c *Client) sasl(mech, response, abort string) error {
	enc := base64.StdEncoding.EncodeToString([]byte(response))
	if response == "" {
		enc = "=" // RFC 4954 section 4: a zero-length initial response
	}
	line := "AUTH " + mech + " " + enc
	var rep Reply
	var err error
	if len(line)+2 <= maxCommandLine {
		rep, err = c.expect(line, 235, 334)
	} else {
		if rep, err = c.expect("AUTH "+mech, 334); err != nil {
			return err
		}
		rep, err = c.expect(enc, 235, 334)
		if se := (*Error)(nil); errors.As(err, &se) {
			se.Command = "AUTH " + mech
		}
	}
	if err != nil {
		return err
	}
	if rep.Code == 334 {
		// The server refused the credentials and explains in the challenge.
		_, err = c.expect(abort, 235)
		var se *Error
		if errors.As(err, &se) {
			se.Command = "AUTH " + mech
			if detail := decodeChallenge(rep.Text()); detail != "" {
				se.Challenge = detail
			}
		}
		return err
	}
	return nil
}

// authLogin is the LOGIN mechanism (draft-murchison-sasl-login): user name
// and password each after its own challenge.
func (c *Client) authLogin(user, password string) error {
	if _, err := c.expect("AUTH LOGIN", 334); err != nil {
		return err
	}
	if _, err := c.expect(base64.StdEncoding.EncodeToString([]byte(user)), 334); err != nil {
		return renamed(err, "AUTH LOGIN")
	}
	_, err := c.expect(base64.StdEncoding.EncodeToString([]byte(password)), 235)
	return renamed(err, "AUTH LOGIN")
}

func renamed(err error, command string) error {
	var se *Error
	if errors.As(err, &se) {
		se.Command = command
	}
	return err
}

// xoauth2Response is SASL XOAUTH2 as Google and Microsoft document it.
func xoauth2Response(user, token string) string {
	return "user=" + user + "\x01auth=Bearer " + token + "\x01\x01"
}

// oauthBearerResponse is the RFC 7628 section 3.1 client response; the
// authorization identity is a saslname (RFC 5801: "," and "=" escaped).
func oauthBearerResponse(user, token, host string, port int) string {
	name := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(user)
	return "n,a=" + name + ",\x01host=" + host + "\x01port=" + strconv.Itoa(port) + "\x01auth=Bearer " + token + "\x01\x01"
}

// decodeChallenge shows what a base64 JSON error challenge says.
func decodeChallenge(text string) string {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(b) == 0 || b[0] != '{' {
		return ""
	}
	return string(b)
}
