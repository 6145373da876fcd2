package mailbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailconn"
)

// Security is how the connection to the IMAP server is protected; the values
// are the ones stored on a receiver.
type Security string

// The security modes a receiver can use.
const (
	SecuritySSL      Security = "ssl"      // implicit TLS, usually port 993
	SecuritySTARTTLS Security = "starttls" // plain connect then STARTTLS, usually port 143
	SecurityNone     Security = "none"     // no TLS at all
)

// Securities are the modes in the order the forms offer them.
var Securities = []Security{SecuritySSL, SecuritySTARTTLS, SecurityNone}

// Label names a mode the same way on every form (GLPI's "SSL + TLS" of
// the diagnostic is STARTTLS, which is what it does).
func (s Security) Label() string {
	switch s {
	case SecuritySSL:
		return "SSL (implicit TLS, port 993)"
	case SecuritySTARTTLS:
		return "STARTTLS (port 143)"
	case SecurityNone:
		return "None (no encryption)"
	}
	return string(s)
}

// Mechanism names how a Session authenticates.
type Mechanism string

// The authentication mechanisms a receiver can use.
const (
	MechXOAUTH2     Mechanism = "XOAUTH2"
	MechOAUTHBEARER Mechanism = "OAUTHBEARER"
	MechLogin       Mechanism = "LOGIN"
)

// DefaultTimeout bounds connection set-up when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Auth says who logs in and how. For XOAUTH2 and OAUTHBEARER, Token is called
// once per Dial so the caller can hand over a freshly refreshed access token;
// for LOGIN, Password is used.
type Auth struct {
	Mechanism Mechanism
	User      string
	Token     func(ctx context.Context) (string, error)
	Password  string
}

// XOAUTH2 returns the Auth for SASL XOAUTH2 as Microsoft and Google expect it.
func XOAUTH2(user string, token func(context.Context) (string, error)) Auth {
	return Auth{Mechanism: MechXOAUTH2, User: user, Token: token}
}

// OAUTHBEARER returns the Auth for SASL OAUTHBEARER (RFC 7628).
func OAUTHBEARER(user string, token func(context.Context) (string, error)) Auth {
	return Auth{Mechanism: MechOAUTHBEARER, User: user, Token: token}
}

// Login returns the Auth for a user name and password.
func Login(user, password string) Auth {
	return Auth{Mechanism: MechLogin, User: user, Password: password}
}

// Config is what Dial needs to reach and open a mailbox.
type Config struct {
	Host         string
	Port         int
	Security     Security
	ValidateCert bool
	// Timeout bounds dial, TLS handshake, greeting and authentication; later
	// commands are bounded by the context given to each method.
	Timeout time.Duration
	Auth    Auth
}

// Addr is host:port.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

func (c Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

// ErrConfig is wrapped by every error about an unusable Config.
var ErrConfig = errors.New("mailbox: invalid configuration")

// Validate reports the first problem that makes the Config unusable.
func (c Config) Validate() error {
	if problem := mailconn.CheckServer(c.Host, c.Port, string(c.Security)); problem != "" {
		return fmt.Errorf("%w: %s", ErrConfig, problem)
	}
	if c.Auth.User == "" {
		return fmt.Errorf("%w: login is empty", ErrConfig)
	}
	switch c.Auth.Mechanism {
	case MechXOAUTH2, MechOAUTHBEARER:
		if c.Auth.Token == nil {
			return fmt.Errorf("%w: %s needs a token source", ErrConfig, c.Auth.Mechanism)
		}
	case MechLogin:
	default:
		return fmt.Errorf("%w: unknown authentication %q", ErrConfig, c.Auth.Mechanism)
	}
	return nil
}
