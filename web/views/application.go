package views

import (
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/web/paths"
)

func applicationTitle(f ApplicationForm) string {
	if f.ID == 0 {
		return "New OAuth IMAP application"
	}
	return f.Name
}

func applicationAction(f ApplicationForm) string {
	if f.ID == 0 {
		return paths.Applications
	}
	return paths.Application(f.ID)
}

// ProviderLabel names a provider as GLPI's select does.
func ProviderLabel(p string) string {
	switch p {
	case "azure":
		return "Azure"
	case "google":
		return "Google"
	case "oidc":
		return "Generic OpenID Connect"
	}
	return p
}

// CloudLabel names a Microsoft cloud.
func CloudLabel(c string) string {
	switch c {
	case "usgov":
		return "US Government"
	case "china":
		return "China operated by 21Vianet"
	case "custom":
		return "Custom authority URL"
	}
	return "Global"
}

// StateLabel names an authorization state.
func StateLabel(s string) string { return oauth.State(s).Label() }

// stateColor is the badge colour of an authorization state.
func stateColor(s string) string {
	switch oauth.State(s) {
	case oauth.StateValid:
		return "bg-green-lt"
	case oauth.StateRefreshFailing:
		return "bg-yellow-lt"
	}
	return "bg-red-lt"
}
