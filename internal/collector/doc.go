// Package collector turns mailboxes into tickets: a scheduler driven by the
// receivers table, a bounded pool of jobs (with a cap per IMAP server), one
// job per receiver at a time across instances (a lease row in the
// database), and IDLE watchers that make a receiver due within seconds of
// new mail while polling stays the safety net.
//
// # Exactly once
//
// A job fetches a batch of messages and, in ONE database transaction,
// records per message the ledger row (receiver, UIDVALIDITY, UID,
// Message-ID, content hash, decision) with the ticket, follow-up or
// quarantine entry the helpdesk makes of it, and moves the receiver's
// cursor (last UID). Only after the commit, and once the store made it
// durable (store.Sync: a power cut must not undo a commit whose mail has
// left the folder), is the IMAP action done for the batch (move to the
// accepted or refused folder, or mark seen), and then the ledger rows are
// marked done. A crash between the two leaves rows
// pending: the next run replays their action first, and never imports them
// again because their UIDs are in the ledger and behind the cursor. A
// failed move never deletes: the mail stays where it is and the action
// stays pending. When the folder's UIDVALIDITY changes, the folder is
// rescanned from the start and any message whose content hash (which
// covers its Message-ID) is in the ledger is counted as already imported.
//
// The batch transaction first renews the lease inside itself, so a job
// whose lease was taken over cannot commit anything, and renews it again
// at its end, so a long batch commits a lease a full TTL long.
//
// A session goes in these steps (session.go, batch.go): open the folder
// (UIDVALIDITY), replay, find new, then per batch record batch (one
// transaction) and file batch (the IMAP actions). Four speed-ups sit
// around the protocol without changing it: while a batch is written, the
// next one is fetched, then prepared (hashed, looked up, decided; nothing
// written) while the previous one is filed, and its transaction checks what
// the current one wrote; mails are saved without a savepoint each and the
// batch is redone with one per mail if a save fails; the documents a batch
// keeps (originals, attachments) are written in the background and synced
// before its transaction commits, so no committed row names a file a crash
// could lose; the batch's new tickets are indexed for search together,
// before the commit (store.HoldSearchIndex).
//
// # Instance names
//
// A lease names its owner. An instance started with a stable name (see
// StableInstance, kept in the data dir) takes back at start the leases a
// killed run under that name left, instead of waiting out their TTL.
//
// # Import anyway
//
// A refused mail imported by hand has its ledger row take the new
// decision, pending again with the folder it was filed in (RefileFrom):
// the next session, or FileNow at once, finds it there by Message-ID and
// moves it where the decision goes.
package collector
