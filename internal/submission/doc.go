// Package submission sends mail to an SMTP submission server (RFC 6409): dial
// with the configured TLS mode, EHLO, STARTTLS, authenticate with SASL
// XOAUTH2, OAUTHBEARER, PLAIN or LOGIN, then MAIL, RCPT and DATA. It is shaped
// like package mailbox and knows nothing of tickets: it sends bytes it is given.
//
// A file per command, each citing the RFC that forces its choices:
//
//   - reply.go: reading multi-line replies and enhanced status codes (RFC 5321
//     section 4.2, RFC 3463).
//   - dial.go: connect, implicit TLS (RFC 8314) and the greeting.
//   - ehlo.go: EHLO and the service extensions it lists (RFC 5321 section 4.1.1.1).
//   - starttls.go: STARTTLS (RFC 3207); everything learnt before TLS is forgotten.
//   - auth.go: AUTH (RFC 4954) with the initial-response rule for long tokens.
//   - send.go: MAIL, RCPT, DATA with dot-stuffing, RSET (RFC 5321 section 4.1.1)
//     and SIZE (RFC 1870).
//   - quit.go: QUIT.
//   - transcript.go: a redacted record of the conversation for Test sending.
//   - errors.go: failure classes (what the administrator has to do) and
//     whether a retry may help.
//
// Every method takes a context; when it ends the connection is closed, so a
// deadline always unblocks the caller and the Client is dead afterwards.
package submission
