package oauth

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// Google's fixed endpoints (peers.md §4).
const (
	googleAuthURL     = "https://accounts.google.com/o/oauth2/v2/auth"
	googleTokenURL    = "https://oauth2.googleapis.com/token"
	googleUserInfoURL = "https://openidconnect.googleapis.com/v1/userinfo"
	googleIssuer      = "https://accounts.google.com"
)

// Scopes returns the scopes the application requests at sign-in, exactly as
// GLPI sends them, followed by ExtraScopes.
func (a Application) Scopes() []string {
	var s []string
	switch a.Provider {
	case ProviderAzure:
		s = []string{"openid", "email", "offline_access", a.cloud().outlook + "/IMAP.AccessAsUser.All"}
	case ProviderGoogle:
		s = []string{"openid", "email", "profile", "https://mail.google.com/"}
	default:
		s = []string{"openid", "email", "offline_access"}
	}
	for _, x := range a.ExtraScopes {
		if !slices.Contains(s, x) {
			s = append(s, x)
		}
	}
	return s
}

// AppOnlyScope returns the client-credentials scope of Exchange Online in the
// application's cloud.
func (a Application) AppOnlyScope() string { return a.cloud().exchange + "/.default" }

// resolved is everything a flow needs to talk to the application's provider.
type resolved struct {
	endpoint    oauth2.Endpoint
	userInfoURL string
	// discovery is the issuer URL whose /.well-known/openid-configuration
	// gives the id_token keys; "" when the id_token is not verified.
	discovery string
	// templated is true when the discovered issuer holds "{tenantid}" and
	// must be matched against the token's tid (Microsoft multi-tenant).
	templated bool
	// emailFromIDToken is true for Microsoft, whose id_token carries it.
	emailFromIDToken bool
	authParams       []oauth2.AuthCodeOption
	// scopeOnToken re-sends the scopes on code and refresh requests, as
	// Microsoft's v2.0 endpoint documents and GLPI does.
	scopeOnToken bool
}

// resolve works out the endpoints; a generic OIDC provider is discovered
// (and cached) here.
func (a Application) resolve(ctx context.Context) (resolved, error) {
	if err := a.Validate(); err != nil {
		return resolved{}, err
	}
	var r resolved
	switch a.Provider {
	case ProviderAzure:
		r = resolved{
			endpoint: oauth2.Endpoint{
				AuthURL:  a.tenantURL("/oauth2/v2.0/authorize"),
				TokenURL: a.tenantURL("/oauth2/v2.0/token"),
			},
			discovery:        a.tenantURL("/v2.0"),
			templated:        a.multiTenant(),
			emailFromIDToken: true,
			authParams:       []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "login")},
			scopeOnToken:     true,
		}
	case ProviderGoogle:
		r = resolved{
			endpoint:    oauth2.Endpoint{AuthURL: googleAuthURL, TokenURL: googleTokenURL},
			userInfoURL: googleUserInfoURL,
			discovery:   googleIssuer,
			// consent forces a new refresh token on every sign-in;
			// select_account helps admins signed in to several accounts.
			authParams: []oauth2.AuthCodeOption{oauth2.AccessTypeOffline, oauth2.SetAuthURLParam("prompt", "consent select_account")},
		}
	case ProviderOIDC:
		r = resolved{
			discovery: strings.TrimRight(a.IssuerURL, "/"),
			// OpenID Connect Core §11: offline_access is ignored without consent.
			authParams: []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "consent")},
		}
		if a.Endpoints == nil {
			d, err := discover(ctx, r.discovery, false)
			if err != nil {
				return resolved{}, err
			}
			r.endpoint = d.provider.Endpoint()
			r.userInfoURL = d.provider.UserInfoEndpoint()
			if d.basicAuthOnly {
				r.endpoint.AuthStyle = oauth2.AuthStyleInHeader
			}
		}
	default:
		return resolved{}, fmt.Errorf("oauth: unknown provider %q", a.Provider)
	}
	if r.endpoint.AuthStyle == oauth2.AuthStyleAutoDetect {
		r.endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	if e := a.Endpoints; e != nil && a.Provider != ProviderAzure {
		r.endpoint.AuthURL, r.endpoint.TokenURL = e.AuthURL, e.TokenURL
		r.userInfoURL = e.UserInfoURL
		r.discovery = strings.TrimRight(e.Issuer, "/")
	}
	return r, nil
}

// config returns the x/oauth2 client configuration.
func (a Application) config(r resolved, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     a.ClientID,
		ClientSecret: a.ClientSecret,
		Endpoint:     r.endpoint,
		RedirectURL:  redirectURI,
		Scopes:       a.Scopes(),
	}
}
