package oauthtest

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// multiTenant reports whether a tenant path segment accepts any tenant.
func multiTenant(tenant string) bool {
	switch strings.ToLower(tenant) {
	case "common", "organizations", "consumers":
		return true
	}
	return false
}

// knownTenant reports whether the segment names a tenant of the IdP.
func (p *IdP) knownTenant(tenant string) bool {
	if multiTenant(tenant) || strings.EqualFold(tenant, p.TenantID) {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, u := range p.users {
		if strings.EqualFold(u.TenantID, tenant) {
			return true
		}
	}
	return false
}

// msIssuer is the issuer of the tokens of a tenant.
func (p *IdP) msIssuer(tid string) string { return p.srv.URL + "/" + tid + "/v2.0" }

func (p *IdP) msDiscovery(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !p.knownTenant(tenant) {
		writeJSON(w, http.StatusBadRequest, msError("invalid_tenant", 90002, fmt.Sprintf("Tenant '%s' not found.", tenant)))
		return
	}
	issuer := p.msIssuer("{tenantid}")
	if !multiTenant(tenant) {
		issuer = p.msIssuer(tenant)
	}
	base := p.srv.URL + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"userinfo_endpoint":                     p.srv.URL + "/oidc/userinfo",
		"response_types_supported":              []string{"code", "id_token", "code id_token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"code_challenge_methods_supported":      []string{"plain", "S256"},
		"tenant_region_scope":                   "EU",
	})
}

func (p *IdP) msAuthorize(w http.ResponseWriter, r *http.Request) {
	p.authorize(w, r, false, r.PathValue("tenant"))
}

func (p *IdP) msToken(w http.ResponseWriter, r *http.Request) {
	p.token(w, r, false, r.PathValue("tenant"))
}

// msError builds Microsoft's token endpoint error body.
func msError(code string, aadsts int, description string) map[string]any {
	now := time.Now().UTC()
	return map[string]any{
		"error": code,
		"error_description": fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			aadsts, description, newGUID(), newGUID(), now.Format("2006-01-02 15:04:05Z")),
		"error_codes":    []int{aadsts},
		"timestamp":      now.Format("2006-01-02 15:04:05Z"),
		"trace_id":       newGUID(),
		"correlation_id": newGUID(),
		"error_uri":      fmt.Sprintf("https://login.microsoftonline.com/error?code=%d", aadsts),
	}
}

// ErrorBody returns a token endpoint error body shaped as Microsoft's, with
// error_codes, for FailNext.
func ErrorBody(code string, aadsts int, description string) string {
	return mustJSON(msError(code, aadsts, description))
}
