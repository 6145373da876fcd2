// Package mailconn is what the IMAP client (internal/mailbox) and the SMTP
// client (internal/submission) share about a mail server connection: the
// redacted transcript of the conversation (each protocol says which of its
// lines carry credentials), the server part of a configuration check, and
// which errors are the network's or TLS's rather than the server's answer.
package mailconn
