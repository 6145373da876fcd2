package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// discoveryTTL bounds how long a discovery document is trusted; keys that
// rotate meanwhile are refetched by go-oidc when an unknown key id shows up.
const discoveryTTL = time.Hour

// httpTimeout bounds each request to a provider when the caller's context
// brings no client of its own.
const httpTimeout = 30 * time.Second

var defaultHTTPClient = &http.Client{Timeout: httpTimeout}

// withClient makes sure ctx carries an HTTP client with a timeout, for
// x/oauth2 and go-oidc alike (they share the context key).
func withClient(ctx context.Context) context.Context {
	if _, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok {
		return ctx
	}
	return context.WithValue(ctx, oauth2.HTTPClient, defaultHTTPClient)
}

func httpClient(ctx context.Context) *http.Client {
	if c, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok {
		return c
	}
	return defaultHTTPClient
}

// discovered is one provider's discovery document and key set.
type discovered struct {
	provider *oidc.Provider
	// issuer is the document's "issuer", which for Microsoft's multi-tenant
	// endpoints is the template "https://login.../{tenantid}/v2.0".
	issuer        string
	basicAuthOnly bool
	fetched       time.Time
}

// providers caches discovery per issuer URL. It is shared by every
// application of the process on purpose: a discovery document and its key set
// are public facts about an issuer, and fetching them on each sign-in or
// refresh would add two round trips and invite throttling.
var providers = struct {
	sync.Mutex
	m map[string]*discovered
}{m: map[string]*discovered{}}

// discover returns the cached provider for issuerURL, fetching it when
// absent or stale. With templated, the discovered issuer may differ from
// issuerURL; the caller checks the id_token's issuer itself.
func discover(ctx context.Context, issuerURL string, templated bool) (*discovered, error) {
	key := fmt.Sprintf("%t %s", templated, issuerURL)
	providers.Lock()
	d, ok := providers.m[key]
	providers.Unlock()
	if ok && time.Since(d.fetched) < discoveryTTL {
		return d, nil
	}
	ctx = withClient(ctx)
	if templated {
		ctx = oidc.InsecureIssuerURLContext(ctx, issuerURL)
	}
	p, err := oidc.NewProvider(ctx, issuerURL)
	if err != nil {
		return nil, fmt.Errorf("oauth: discovery of %s: %w", issuerURL, err)
	}
	var doc struct {
		Issuer      string   `json:"issuer"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := p.Claims(&doc); err != nil {
		return nil, fmt.Errorf("oauth: discovery of %s: %w", issuerURL, err)
	}
	if doc.Issuer == "" {
		return nil, fmt.Errorf("oauth: discovery of %s: no issuer in the document", issuerURL)
	}
	d = &discovered{
		provider: p,
		issuer:   doc.Issuer,
		// RFC 8414 §2: the default when the list is absent is client_secret_basic.
		basicAuthOnly: len(doc.AuthMethods) == 0 ||
			!slices.Contains(doc.AuthMethods, "client_secret_post"),
		fetched: time.Now(),
	}
	providers.Lock()
	providers.m[key] = d
	providers.Unlock()
	return d, nil
}

// unmarshalJSON decodes a provider's JSON answer, naming what failed.
func unmarshalJSON(what string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("oauth: %s: the provider's answer is not JSON: %w", what, err)
	}
	return nil
}
