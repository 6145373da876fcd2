// Package oauth speaks OAuth 2.0 and OpenID Connect to the identity providers
// whose tokens open mailboxes: Microsoft Entra ID (global and national clouds),
// Google, and any OpenID Connect provider.
//
// It builds the sign-in redirect (state, PKCE S256, nonce), completes it
// (code exchange, id_token checks, the account's e-mail), refreshes tokens,
// obtains app-only tokens for Exchange Online, and sorts every failure into a
// class with a remedy. It knows nothing of HTTP handlers or SQL: the web layer
// keeps the Pending values, and a TokenStore keeps the tokens.
package oauth
