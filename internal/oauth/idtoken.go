package oauth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// clockSkew is how far our clock may trail the provider's before a fresh
// id_token is taken for expired.
const clockSkew = 2 * time.Minute

// IDTokenError says that the id_token failed a check; Reason tells which.
type IDTokenError struct {
	Reason string
	Err    error
}

func (e *IDTokenError) Error() string {
	if e.Err != nil {
		return "oauth: id_token rejected: " + e.Reason + ": " + e.Err.Error()
	}
	return "oauth: id_token rejected: " + e.Reason
}

func (e *IDTokenError) Unwrap() error { return e.Err }

// idClaims are the id_token claims we use.
type idClaims struct {
	Subject           string `json:"sub"`
	TenantID          string `json:"tid"`
	ObjectID          string `json:"oid"`
	Email             string `json:"email"`
	PreferredUsername string `json:"preferred_username"`
	UPN               string `json:"upn"`
}

// verifyIDToken checks signature (the issuer's keys), audience, expiry, nonce
// and issuer. For Microsoft's multi-tenant endpoints the discovered issuer is
// a template: the token's own tid fills it (Microsoft's documented check).
func verifyIDToken(ctx context.Context, app Application, r resolved, raw, nonce string) (idClaims, error) {
	var c idClaims
	d, err := discover(ctx, r.discovery, r.templated)
	if err != nil {
		return c, err
	}
	v := d.provider.Verifier(&oidc.Config{
		ClientID:        app.ClientID,
		SkipIssuerCheck: r.templated,
		Now:             func() time.Time { return time.Now().Add(-clockSkew) },
	})
	tok, err := v.Verify(withClient(ctx), raw)
	if err != nil {
		var expired *oidc.TokenExpiredError
		if errors.As(err, &expired) {
			return c, &IDTokenError{Reason: "expired (check this server's clock)", Err: err}
		}
		return c, &IDTokenError{Reason: "verification failed", Err: err}
	}
	if err := tok.Claims(&c); err != nil {
		return c, &IDTokenError{Reason: "unreadable claims", Err: err}
	}
	if r.templated {
		if c.TenantID == "" {
			return c, &IDTokenError{Reason: "no tid claim"}
		}
		want := strings.ReplaceAll(d.issuer, "{tenantid}", c.TenantID)
		if tok.Issuer != want {
			return c, &IDTokenError{Reason: fmt.Sprintf("issuer %q, want %q", tok.Issuer, want)}
		}
	}
	if subtle.ConstantTimeCompare([]byte(tok.Nonce), []byte(nonce)) != 1 || nonce == "" {
		return c, &IDTokenError{Reason: "nonce does not match the sign-in started here"}
	}
	return c, nil
}

type userInfoClaims struct {
	Subject string `json:"sub"`
	Email   string `json:"email"`
}

// userInfo asks the OpenID userinfo endpoint for the account's e-mail.
func userInfo(ctx context.Context, endpoint, accessToken string) (userInfoClaims, error) {
	var u userInfoClaims
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return u, fmt.Errorf("oauth: userinfo: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := httpClient(ctx).Do(req)
	if err != nil {
		return u, fmt.Errorf("oauth: userinfo: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return u, fmt.Errorf("oauth: userinfo: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return u, fmt.Errorf("oauth: userinfo: %w", parseErrorBody(resp.StatusCode, body, accessToken))
	}
	if err := unmarshalJSON("userinfo", body, &u); err != nil {
		return u, err
	}
	return u, nil
}
