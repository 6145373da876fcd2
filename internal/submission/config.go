package submission

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailconn"
)

// Security is how the connection to the server is protected; the values are
// the ones stored on a receiver's outgoing settings.
type Security string

// The security modes.
const (
	SecuritySSL      Security = "ssl"      // implicit TLS, usually port 465 (RFC 8314)
	SecuritySTARTTLS Security = "starttls" // plain connect then STARTTLS, usually port 587
	SecurityNone     Security = "none"     // no TLS at all
)

// Mechanism names how a Client authenticates.
type Mechanism string

// The authentication mechanisms. MechLogin means "a login and password": the
// client uses SASL PLAIN when the server offers it, else SASL LOGIN.
const (
	MechXOAUTH2     Mechanism = "XOAUTH2"
	MechOAUTHBEARER Mechanism = "OAUTHBEARER"
	MechLogin       Mechanism = "LOGIN"
	MechNone        Mechanism = "NONE" // no AUTH at all (a relay that trusts the network)
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

// Config is what Dial needs to reach a submission server and log in.
type Config struct {
	Host         string
	Port         int
	Security     Security
	ValidateCert bool
	// HelloName is the name given in EHLO; "localhost" when empty.
	HelloName string
	// Timeout bounds dial, TLS handshake, greeting, EHLO and authentication;
	// Send is bounded by the context given to it.
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

func (c Config) helloName() string {
	if c.HelloName != "" {
		return c.HelloName
	}
	return "localhost"
}

// ErrConfig is wrapped by every error about an unusable Config.
var ErrConfig = errors.New("submission: invalid configuration")

// Validate reports the first problem that makes the Config unusable.
func (c Config) Validate() error {
	if problem := mailconn.CheckServer(c.Host, c.Port, string(c.Security)); problem != "" {
		return fmt.Errorf("%w: %s", ErrConfig, problem)
	}
	switch c.Auth.Mechanism {
	case MechXOAUTH2, MechOAUTHBEARER:
		if c.Auth.Token == nil {
			return fmt.Errorf("%w: %s needs a token source", ErrConfig, c.Auth.Mechanism)
		}
	case MechLogin:
	case MechNone:
		return nil
	default:
		return fmt.Errorf("%w: unknown authentication %q", ErrConfig, c.Auth.Mechanism)
	}
	if c.Auth.User == "" {
		return fmt.Errorf("%w: login is empty", ErrConfig)
	}
	return nil
}
