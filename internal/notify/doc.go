// Package notify holds the pure decisions of outgoing ticket mail: the
// Message-ID of our own mails (GLPI's shape), the threading headers that make
// a requester's answer come back to the same ticket, the subject tag, and
// "may we answer this address automatically?" (MayAutoReply). Nothing here
// touches the store or the network; helpdesk calls these functions and
// writes the outbox rows.
package notify
