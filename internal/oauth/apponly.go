package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// errAppOnlyTenant: client credentials need a real tenant (AADSTS9001023).
var errAppOnlyTenant = errors.New("oauth: app-only access needs the Tenant ID of the mailbox's tenant, not common, organizations or consumers")

// ClientCredentials obtains an app-only token for Exchange Online (the
// application permission IMAP.AccessAsApp) to open mailbox as its SASL user.
// There is no refresh token: a new token is simply requested again.
func ClientCredentials(ctx context.Context, app Application, mailbox string) (*Grant, error) {
	if app.Provider != ProviderAzure {
		return nil, errNotAzure
	}
	if app.TenantID == "" || app.multiTenant() {
		return nil, errAppOnlyTenant
	}
	if firstEmail(mailbox) == "" {
		return nil, fmt.Errorf("oauth: app-only access: the mailbox %q is not an e-mail address", mailbox)
	}
	r, err := app.resolve(ctx)
	if err != nil {
		return nil, err
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {app.AppOnlyScope()}}
	g, err := tokenRequest(ctx, app, r, form)
	if err != nil {
		return nil, fmt.Errorf("oauth: client credentials: %w", err)
	}
	g.Email = mailbox
	g.Identity = Identity{TenantID: app.TenantID, Email: mailbox}
	return g, nil
}

// ExchangeCommands returns the Exchange Online PowerShell a tenant
// administrator runs once so the application may open mailbox app-only.
// The object id is the Enterprise application's, not the App registration's:
// mixing them up is the usual mistake, so the text says it.
func ExchangeCommands(app Application, mailbox string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# In Entra ID, give the app registration the application permission\n")
	fmt.Fprintf(&b, "# Office 365 Exchange Online > IMAP.AccessAsApp and grant admin consent. Then:\n")
	fmt.Fprintf(&b, "Install-Module -Name ExchangeOnlineManagement\n")
	fmt.Fprintf(&b, "Connect-ExchangeOnline -Organization %s\n", psQuote(app.TenantID))
	fmt.Fprintf(&b, "# <OBJECT_ID>: Enterprise applications > this app > Object ID (not the App registration's Object ID)\n")
	fmt.Fprintf(&b, "New-ServicePrincipal -AppId %s -ObjectId <OBJECT_ID>\n", psQuote(app.ClientID))
	fmt.Fprintf(&b, "# <SERVICE_PRINCIPAL_ID>: the Identity shown by: Get-ServicePrincipal -Identity %s\n", psQuote(app.ClientID))
	fmt.Fprintf(&b, "Add-MailboxPermission -Identity %s -User <SERVICE_PRINCIPAL_ID> -AccessRights FullAccess\n", psQuote(mailbox))
	// Sending as app-only (a receiver's Outgoing mail): Microsoft's page
	// "Authenticate an IMAP, POP or SMTP connection using OAuth" (peers.md §3.2).
	fmt.Fprintf(&b, "# To also send mail as this mailbox (Outgoing mail), add the application permission\n")
	fmt.Fprintf(&b, "# Office 365 Exchange Online > SMTP.SendAsApp, grant admin consent, and keep SMTP AUTH on for it:\n")
	fmt.Fprintf(&b, "Set-CASMailbox -Identity %s -SmtpClientAuthenticationDisabled $false\n", psQuote(mailbox))
	fmt.Fprintf(&b, "# Only to send from another address than the mailbox's own:\n")
	fmt.Fprintf(&b, "# Add-RecipientPermission -Identity <ADDRESS> -Trustee <SERVICE_PRINCIPAL_ID> -AccessRights SendAs\n")
	return b.String()
}

// psQuote quotes s as a PowerShell single-quoted string.
func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
