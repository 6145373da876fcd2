// Package sender delivers the outbox: a pool of workers beside the
// collector's that claims due rows under leases, sends them through the
// SMTP submission server of the receiver they belong to (package
// submission), and records what happened on each row.
//
// # Exactly once
//
// A mail exists only if what caused it committed: the row is written by
// store.EnqueueMail in the caller's own transaction (the staff follow-up,
// the new ticket, the alarm). Its bytes, Message-ID included, are fixed
// then, so every attempt sends the same message.
//
// The pool claims rows with one conditional UPDATE (state pending, due,
// lease free or expired): two instances on one database never hold a row
// at once. Just before each send the lease is renewed for LeaseTTL, which
// is longer than SendTimeout, so the lease cannot expire while the SMTP
// transaction runs; a renewal that fails (the lease was lost) skips the
// row. After the server's 250 to the end of DATA the row is marked sent,
// conditional on the lease. Before a pass sends anything, the store makes
// the commits so far durable (store.Sync): a mail never leaves about a
// commit (a new ticket, an answer) that a power cut could still undo.
//
// The window that remains: the server has answered 250 but the "sent"
// UPDATE has not committed (the process dies, or the database is
// unreachable for the few retries the pool makes). The row is then still
// pending with an expired lease, and another attempt sends it again: the
// recipient gets a second copy with the SAME Message-ID. Mail programs and
// servers that deduplicate by Message-ID (Gmail, and this product's own
// collector, which files a mail whose Message-ID it knows as already
// imported) show it once; others show it twice. The window is the time
// between the server's 250 and the commit, a few milliseconds per mail.
// Closing it entirely would need the server to tell whether it took a
// Message-ID (SMTP has no such query).
//
// A look in the mailbox's Sent folder before such a re-send was weighed
// and left out, because its answer cannot be trusted either way: only a
// copy found would be proof, and a copy missing proves nothing. Exchange
// Online files what SMTP AUTH submits in Sent Items, but after the fact
// and, for a shared mailbox sent as by a delegate, in the delegate's
// mailbox unless MessageCopyForSentAsEnabled is set; an app-only sender
// (SMTP.SendAsApp) may have no IMAP access at all; Gmail files in
// "[Gmail]/Sent Mail" under a name that depends on the account's
// language; a plain SMTP server (Dovecot's submission, a relay) files
// nothing; and a login-and-password sender or the default sender need not
// be a mailbox this console collects. The check would add an IMAP login,
// a special-use folder lookup and a search to the pool, for each re-send
// after a crash, to narrow a window of milliseconds without closing it;
// the duplicate it might avoid carries the same Message-ID, which the
// recipients' mail programs and this product's collector already fold.
//
// # Failures
//
// A failure is sorted (Classify) by who can fix it:
//
//   - the message itself (recipient refused for good, too large, another
//     permanent refusal of this mail): the row fails at once; Retry on the
//     queue page puts it back;
//   - the sender (throttled or unreachable, which pass by themselves; login
//     refused, authorization to renew, settings, TLS, send-as, which an
//     administrator fixes): the row, and every other row of the same
//     sender in the same pass, stays pending with the reason shown, and is
//     tried again after a backoff (growing for throttling and outages, a
//     fixed FixWait for the others). Nothing is lost; only a row still
//     unsent after GiveUpAfter fails for good.
//
// A throttled server (any 4xx) stops the pass for that sender: the rows
// not yet tried are given back without counting an attempt.
package sender
