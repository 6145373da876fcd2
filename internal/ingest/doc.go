// Package ingest turns the raw bytes of one e-mail into a Decision: a new
// ticket, a follow-up of a known ticket, or a refusal with a reason. It is
// pure: no database, no network, no clock; the store answers the two
// questions it needs through Knowledge, and the caller passes "now".
//
// # Inline images and remote images in ContentHTML
//
// ContentHTML is sanitised HTML that never loads anything by itself:
//
//   - An inline image (<img src="cid:part1@x">) becomes
//     <img data-cid="part1@x" alt="..."> with no src. The Document with
//     ContentID "part1@x" is in Decision.Documents; the web layer sets src to
//     the URL it serves that document from.
//   - A remote image (<img src="https://tracker/pixel.gif">) becomes
//     <img data-remote-src="https://tracker/pixel.gif"> with no src, so
//     tracking pixels do not fire when a technician opens the ticket. A
//     "show remote images" action may copy data-remote-src into src; the
//     value is always an http or https URL.
//   - Any other image source (data:, javascript:, file:) is dropped.
//
// Links keep http, https and mailto targets only; http and https links open
// in a new tab with rel="nofollow noreferrer noopener", mailto links carry
// rel="nofollow noreferrer". In plain-text bodies, http(s)://, www. and
// mailto: links become clickable the same way; javascript:, data: and any
// other scheme stay text. A body of plain text only is not run through the
// sanitiser: its HTML is made here, escaped, and is what the sanitiser
// would return unchanged (FuzzTextContentIsAlreadySanitized).
package ingest

// # Rules, in the order they apply
//
//  1. Unreadable (no header at all) -> refused "unreadable".
//  2. Larger than Settings.MaxMessageSize -> refused "too_large".
//  3. Message-ID matching Settings.OwnMessageIDPattern -> refused
//     "own_notification"; From one of Settings.OwnAddresses -> refused
//     "own_address". Both stop mail loops.
//  4. A delivery report (multipart/report; report-type=delivery-status, or
//     From MAILER-DAEMON/postmaster) about a Message-ID the store knows ->
//     a follow-up of that ticket with reason "bounce", never reopening it;
//     about anything else -> refused "bounce".
//  5. Automatic replies -> refused "auto_reply": Auto-Submitted:
//     auto-replied, X-Auto-Response-Suppress, X-Autoreply/X-Autorespond,
//     Precedence: auto_reply, Exchange inbox-rule headers, out-of-office
//     subjects. Automatic notifications -> refused "auto_notification":
//     any other Auto-Submitted but "no" (auto-generated), Precedence
//     bulk/junk; with Settings.ImportAutoNotifications they are imported,
//     with Decision.Automatic set so nothing answers them. Precedence: list
//     and List-Id are NOT refused: people write to helpdesks through lists
//     and aliases.
//  6. From or requester on the blacklist -> refused "blacklisted".
//  7. No sender address -> refused "no_sender". The first From header
//     holding an address is the sender; without one, Reply-To then Sender
//     stand in (the reason says so). A From that does not parse yields an
//     address only when it is unambiguous (inside <...>, or alone).
//  8. A copy of a mail that another receiver already made a ticket of
//     (same Message-ID and Decision.ContentSHA256, within DuplicateWindow,
//     when the Knowledge is a DuplicateFinder) -> KindDuplicate of that
//     ticket: the store records this receiver and its observers on it.
//  9. Threading: In-Reply-To, then References (closest ancestor first),
//     then the subject tag, which counts only when the sender is already a
//     requester or observer of that ticket. A reply to a closed ticket
//     follows Settings.ClosedTicketReply.
//
// Settings.ImportAnyway skips rules 2 to 8, for the quarantine's "Import
// anyway" action. A refused Decision keeps the sanitised content (for the
// quarantine page) but no Documents.
//
// # Follow-ups, attachments, dates
//
// Quoted history is trimmed from follow-ups only; when something was cut,
// the raw message is added as the document "original-message.eml", so
// nothing the sender wrote is lost. Inline images that only illustrated the
// trimmed history are dropped (they remain inside that .eml).
//
// An attachment over Settings.FileSizeMax is dropped and a line naming it
// is added to the content; with FileSizeMax 0 ("No import") every
// attachment is dropped, each visible one with such a line. A Document is
// Inline when the HTML shows it through its Content-ID.
//
// With Settings.UseMailDate the ticket takes the Date header, unless it is
// missing, unreadable or more than a day ahead of the collect time.
