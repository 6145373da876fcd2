// Package mailbox holds IMAP sessions against a receiver's mailbox: dial with
// the configured TLS mode, authenticate with SASL XOAUTH2, OAUTHBEARER or
// LOGIN, list and select folders, search and fetch by UID, move or flag what
// was collected, and wait for new mail with IDLE.
//
// go-imap's client takes no context, so every method that talks to the server
// arms context.AfterFunc to close the connection when its context ends: a
// deadline always unblocks the caller, and the Session is dead afterwards.
//
// Archive folders are never created: GLPI does not create them either, and a
// typo in a receiver's folder name should show as a "folder missing" error
// rather than silently fill a new folder nobody looks at.
package mailbox
