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
// Links keep http, https and mailto targets only, and open in a new tab with
// rel="noopener noreferrer".
package ingest
