package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message"
)

// maxTitle is the longest title kept, in characters (GLPI's name column).
const maxTitle = 255

// Decide reads one raw e-mail and decides what it becomes, given the
// receiver's settings, what the store knows, and the collect time. A broken
// or hostile message always yields a Decision; the error is only for a
// failing store or settings that ValidateSettings rejects.
func Decide(ctx context.Context, raw []byte, s Settings, k Knowledge, now time.Time) (d *Decision, err error) {
	return DecideSum(ctx, raw, "", s, k, now)
}

// DecideSum is Decide for a caller that has already hashed raw: sum is
// its SHA-256 in lower-case hex (Decision.SHA256), or "" to have it
// computed. The collector hashes each mail to look it up in its ledger
// first; hashing it again cost ~5 µs a 10 KB mail.
func DecideSum(ctx context.Context, raw []byte, sum string, s Settings, k Knowledge, now time.Time) (d *Decision, err error) {
	c, err := compile(s)
	if err != nil {
		return nil, err
	}
	if sum == "" {
		sum = sha256Hex(raw)
	}
	base := Decision{Size: int64(len(raw)), SHA256: sum, Date: now, Title: noSubject}
	defer func() {
		if r := recover(); r != nil {
			// A bug, never the sender's fault: keep the mail in quarantine
			// and leave a trace to fix it (no content: it may be private).
			slog.Error("ingest: parser panic", "sha256", base.SHA256, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			d, err = refuse(&base, ReasonParserPanic, "The message crashed the parser; it is kept for a developer to look at."), nil
		}
	}()
	var why []string
	d, err = c.decide(ctx, raw, k, now, base, &why)
	if d != nil && len(why) > 0 {
		d.Reason.Text = strings.TrimSpace(d.Reason.Text + " " + strings.Join(dedupe(why), " "))
	}
	return d, err
}

const noSubject = "(No subject)"

func refuse(d *Decision, code, text string) *Decision {
	d.Kind, d.Reason = KindRefused, Reason{Code: code, Text: text}
	d.TicketID, d.Reopen, d.Documents = 0, false, nil
	return d
}

// decide makes the Decision; why collects the sentences that explain how
// the mail was read (a sender taken from Reply-To, an unknown charset),
// added to the reason at the end.
func (c *compiled) decide(ctx context.Context, raw []byte, k Knowledge, now time.Time, d Decision, why *[]string) (*Decision, error) {
	ent, ok := readMessage(raw)
	if !ok {
		return refuse(&d, ReasonUnreadable, "This is not an e-mail that can be read: no header could be parsed."), nil
	}
	ev := &evidence{raw: raw}
	e := readEnvelope(ent.Header, ev)
	d.ContentSHA256 = fingerprint(raw, e)
	*why = append(*why, e.why...)
	c.fillEnvelope(&d, e, now)

	if c.MaxMessageSize > 0 && int64(len(raw)) > c.MaxMessageSize && !c.ImportAnyway {
		return refuse(&d, ReasonTooLarge, fmt.Sprintf("The message is %s, over this receiver's limit of %s.",
			HumanSize(int64(len(raw))), HumanSize(c.MaxMessageSize))), nil
	}

	limit := c.FileSizeMax
	w := &walker{readLimit: max(limit, 0), rawLen: len(raw), ev: ev}
	b := c.removeBlacklistedContent(w.entity(ent, 0))
	*why = append(*why, w.why...)

	r, auto := c.refusal(e, &d, w, why)
	if r != nil && !c.ImportAnyway {
		if r.Code == ReasonBounce {
			return c.bounce(ctx, k, e, &d, w, b)
		}
		// The content is kept so the quarantine can show what was refused.
		d.ContentHTML = contentHTML(b, nil)
		return refuse(&d, r.Code, r.Text), nil
	}
	if d.Requester.Email == "" && !c.ImportAnyway {
		d.ContentHTML = contentHTML(b, nil)
		text := "The message has no sender address to answer to."
		if e.rawFrom != "" {
			text = fmt.Sprintf("The message has no sender address to answer to: the From header %q holds no unambiguous address.",
				cleanLine(decodeHeaderText(e.rawFrom, ev), 200))
		}
		return refuse(&d, ReasonNoSender, text), nil
	}
	if refused, err := c.applyRules(ctx, k, ent, e, &d, w, b, auto, why); err != nil || refused {
		if err != nil {
			return nil, err
		}
		d.ContentHTML = contentHTML(b, nil)
		return &d, nil
	}
	if dup, err := c.duplicate(ctx, k, &d, now); err != nil || dup {
		if err != nil {
			return nil, err
		}
		return &d, nil
	}
	if err := c.thread(ctx, k, e, &d); err != nil {
		return nil, err
	}
	if err := c.externalID(ctx, k, &d, why); err != nil {
		return nil, err
	}
	trimmed := false
	if d.Kind == KindFollowup {
		b, trimmed = trimBody(b)
	}
	var notes []string
	d.Documents, notes = c.documents(w.docs, b, trimmed)
	if trimmed {
		d.Documents = append(d.Documents, Document{Name: uniqueOriginalName(d.Documents), MIMEType: "message/rfc822",
			Size: int64(len(raw)), SHA256: d.SHA256, Data: raw})
	}
	d.ContentHTML = contentHTML(b, notes)
	return &d, nil
}

// readMessage parses the header, repairing it once if a stray line breaks
// it. The header may be as long as the message: raw is already in memory.
// MessageID returns the Message-ID that Decide reads from raw ("" when
// there is none), from the header alone: the collector looks up a batch's
// Message-IDs with one query before deciding its mails.
func MessageID(raw []byte) string {
	ent, ok := readMessage(raw)
	if !ok {
		return ""
	}
	if ids := msgIDs(ent.Header.Get("Message-Id")); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

func readMessage(raw []byte) (*message.Entity, bool) {
	opts := &message.ReadOptions{MaxHeaderBytes: -1}
	ent, err := message.ReadWithOptions(bytes.NewReader(raw), opts)
	if ent == nil || err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		ent, err = message.ReadWithOptions(bytes.NewReader(repairHeader(raw)), opts)
	}
	if ent == nil || err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, false
	}
	if ent.Header.Len() == 0 {
		return nil, false
	}
	return ent, true
}

func (c *compiled) fillEnvelope(d *Decision, e envelope, now time.Time) {
	d.From, d.To, d.Cc, d.ReplyTo = e.From, e.To, e.Cc, e.ReplyTo
	d.Subject, d.SentAt = e.Subject, e.SentAt
	d.MessageID, d.InReplyTo, d.References = e.MessageID, e.InReplyTo, e.References
	if t := cleanLine(e.Subject, maxTitle); t != "" {
		d.Title = t
	}
	// A Date far in the future would sort the ticket above everything.
	if c.UseMailDate && !e.SentAt.IsZero() && e.SentAt.Before(now.Add(24*time.Hour)) {
		d.Date = e.SentAt
	}
	d.Requester = e.From
	// A Reply-To pointing back at the receiver would make the helpdesk its
	// own requester: keep the From then.
	if c.RequesterField == RequesterReplyTo && len(e.ReplyTo) > 0 && !c.own[e.ReplyTo[0].Email] {
		d.Requester = e.ReplyTo[0]
	}
	seen := map[string]bool{d.Requester.Email: true}
	var cands []Address
	if c.AddCCObserver {
		cands = append(cands, e.Cc...)
	}
	if c.AddToObserver {
		cands = append(cands, e.To...)
	}
	for _, a := range cands {
		if seen[a.Email] || c.own[a.Email] {
			continue
		}
		if _, black := c.blacklisted(a.Email); black {
			continue
		}
		seen[a.Email] = true
		d.Observers = append(d.Observers, a)
	}
}

// refusal returns why the message must not become a ticket, or nil. A
// delivery report comes back as ReasonBounce for the caller to resolve.
// With mail rules, a mail that only its Auto-Submitted header marks as
// automatic is left to the rules: auto says so, with the words for it.
func (c *compiled) refusal(e envelope, d *Decision, w *walker, why *[]string) (*Reason, autoVerdict) {
	var av autoVerdict
	if e.MessageID != "" && c.ownMsgID.MatchString(e.MessageID) {
		return &Reason{ReasonOwnNotification, fmt.Sprintf("Message-ID <%s> is one of our own notifications: refused to avoid a mail loop.", e.MessageID)}, av
	}
	if c.own[e.From.Email] {
		return &Reason{ReasonOwnAddress, fmt.Sprintf("Sent from %s, this receiver's own address: refused to avoid a mail loop.", e.From.Email)}, av
	}
	if w.report || isBounceSender(e.From.Email) {
		return &Reason{Code: ReasonBounce}, av
	}
	if code, auto := autoMessage(e.header, e.Subject, false); code != "" {
		d.Automatic = true
		av = autoVerdict{code: code, words: auto}
		if c.Rules.Len() > 0 {
			if b, _ := autoMessage(e.header, e.Subject, true); b == "" {
				av.byRules = true
			}
		}
		switch {
		case av.byRules && (code == ReasonAutoReply || !c.ImportAutoNotifications):
			// the rules decide
		case code == ReasonAutoReply:
			return &Reason{ReasonAutoReply, "Automatic reply, not written by a person: " + auto + "."}, av
		case !c.ImportAutoNotifications:
			return &Reason{ReasonAutoNotification, "Automatic notification, not written by a person: " + auto + "."}, av
		default:
			av.imported = true
			*why = append(*why, "Imported as an automatic notification, as this receiver asks: "+auto+". It is never answered automatically.")
		}
	}
	for _, a := range []string{e.From.Email, d.Requester.Email} {
		if a == "" {
			continue
		}
		if entry, black := c.blacklisted(a); black {
			return &Reason{ReasonBlacklisted, fmt.Sprintf("Sender %s is blacklisted (%s %q).", a, entry.Kind, entry.Value)}, av
		}
	}
	return nil, av
}

// duplicate recognises a copy of a mail that another receiver already
// turned into a ticket (sent to support@ and sales@, both collected): same
// Message-ID, same fingerprint, within DuplicateWindow.
func (c *compiled) duplicate(ctx context.Context, k Knowledge, d *Decision, now time.Time) (bool, error) {
	f, ok := k.(DuplicateFinder)
	if !ok || d.MessageID == "" || c.ImportAnyway {
		return false, nil
	}
	t, found, err := f.DuplicateTicket(ctx, d.MessageID, d.ContentSHA256, now.Add(-DuplicateWindow))
	if err != nil {
		return false, fmt.Errorf("ingest: look up a copy of <%s>: %w", d.MessageID, err)
	}
	if !found {
		return false, nil
	}
	d.Kind, d.TicketID, d.Documents = KindDuplicate, t.ID, nil
	d.Reason = Reason{ReasonDuplicate, fmt.Sprintf(
		"The same mail (Message-ID <%s>) already opened ticket %d through another receiver: this receiver is recorded on it.", d.MessageID, t.ID)}
	return true, nil
}

// fingerprint hashes what two copies of one mail share and a different
// mail reusing its Message-ID would not: Message-ID, sender, subject, Date
// header, and the body's length, beginning and end. Delivery headers are
// left out; so is the middle of the body, which keeps this cheap on large
// mails.
func fingerprint(raw []byte, e envelope) string {
	const sample = 1 << 10
	body := raw[headerEnd(raw):]
	buf := make([]byte, 0, 512+min(len(body), 2*sample))
	for _, s := range []string{e.MessageID, e.From.Email, e.Subject, strings.TrimSpace(e.header.Get("Date"))} {
		buf = append(append(buf, s...), 0)
	}
	buf = append(strconv.AppendInt(buf, int64(len(body)), 10), 0)
	if len(body) <= 2*sample {
		buf = append(buf, body...)
	} else {
		buf = append(append(buf, body[:sample]...), body[len(body)-sample:]...)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// bounce attaches a delivery report to the ticket whose mail bounced, so a
// technician sees that the requester did not get the answer; a report about
// a mail we do not know is refused.
func (c *compiled) bounce(ctx context.Context, k Knowledge, e envelope, d *Decision, w *walker, b body) (*Decision, error) {
	ids := dedupe(append(append(append([]string(nil), w.reportIDs...), e.InReplyTo...), e.References...))
	if len(ids) > 0 {
		known, err := k.TicketsByMessageID(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("ingest: look up bounced Message-IDs: %w", err)
		}
		for _, id := range ids {
			t, ok := known[id]
			if !ok {
				continue
			}
			d.Kind, d.TicketID, d.Observers = KindFollowup, t.ID, nil
			d.Reason = Reason{ReasonBounce, fmt.Sprintf(
				"Delivery failure report for <%s>, a mail of ticket %d: added to the ticket so the failed delivery is seen.", id, t.ID)}
			var notes []string
			d.Documents, notes = c.documents(w.docs, b, false)
			d.ContentHTML = contentHTML(b, notes)
			return d, nil
		}
	}
	d.ContentHTML = contentHTML(b, nil)
	return refuse(d, ReasonBounce, "Delivery failure report about a mail no ticket knows: refused."), nil
}

// removeBlacklistedContent takes the blacklisted content blocks out of the
// body (GLPI's "Blacklisted mail content").
func (c *compiled) removeBlacklistedContent(b body) body {
	if len(c.cleanText) == 0 {
		return b
	}
	out := make(body, len(b))
	for i, s := range b {
		res := c.cleanText
		if s.html {
			res = c.cleanHTML
		}
		for _, re := range res {
			s.s = re.ReplaceAllLiteralString(s.s, "")
		}
		out[i] = s
	}
	return out
}

// trimBody removes quoted history from each segment of a follow-up.
func trimBody(b body) (body, bool) {
	out := make(body, len(b))
	cut := false
	for i, s := range b {
		t, ok1 := trimGLPIMarkers(s.s, s.html)
		var ok2 bool
		if s.html {
			t, ok2 = trimHTMLQuote(t)
		} else {
			t, ok2 = trimTextQuote(t)
		}
		out[i] = segment{html: s.html, s: t}
		cut = cut || ok1 || ok2
	}
	return out, cut
}

// contentHTML is the content of a body and its notes, made safe to show:
// a body with an HTML part is sanitised; one of plain text only is escaped
// by TextToHTML into what the sanitiser would return unchanged
// (FuzzTextContentIsAlreadySanitized), so the sanitiser, a tenth of the
// collector's work on such mail, is not run.
func contentHTML(b body, notes []string) string {
	if len(b) == 1 && !b[0].html && len(notes) == 0 {
		return TextToHTML(b[0].s) // most plain-text mail, without a copy
	}
	h := segmentsHTML(b) + notesHTML(notes)
	if b.hasHTML() {
		return SanitizeHTML(h)
	}
	return strings.TrimSpace(h)
}

func segmentsHTML(b body) string {
	var sb strings.Builder
	for _, s := range b {
		if s.html {
			sb.WriteString(s.s)
		} else {
			sb.WriteString(TextToHTML(s.s))
		}
		sb.WriteByte('\n')
	}
	return sb.String()
}

func notesHTML(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return "<hr>" + TextToHTML(strings.Join(notes, "\n"))
}

// cidRef finds cid: URLs in the HTML before sanitising; an image the
// sanitiser later drops only makes its document a plain attachment.
var cidRef = regexp.MustCompile(`(?i)\bcid:([^"'\s<>)]{1,500})`)

// documents applies the file rules to the parts that are not body text:
// names made safe and unique, the size limit, inline images tied to the
// content by Content-ID. It returns the lines to add to the content.
func (c *compiled) documents(raw []rawDoc, b body, trimmed bool) ([]Document, []string) {
	cids := map[string]bool{}
	for _, s := range b {
		// The pattern has no literal prefix for the regexp engine to look
		// for (it ignores case): most HTML holds no "cid:" at all, and
		// this look costs a fortieth of the match (10 KB: 9.5 µs, 388 µs).
		if !s.html || !containsFold(s.s, "cid:") {
			continue
		}
		for _, m := range cidRef.FindAllStringSubmatch(s.s, -1) {
			cids[urlUnescape(html.UnescapeString(m[1]))] = true
		}
	}
	taken := map[string]bool{}
	var docs []Document
	var notes []string
	for i, r := range raw {
		name := uniqueName(safeName(r.name, r.mimeType, i+1), taken)
		inline := r.contentID != "" && cids[r.contentID]
		if r.contentID != "" && r.inlineDisp && !inline && trimmed {
			continue // an image of the quoted history: it stays in the original
		}
		switch {
		case c.FileSizeMax <= 0:
			if !inline {
				notes = append(notes, fmt.Sprintf("Attached file not imported (file import is disabled on this receiver): %s (%s)", name, HumanSize(r.size)))
			}
			continue
		case r.size > c.FileSizeMax || r.truncated:
			notes = append(notes, fmt.Sprintf("Too large attached file: %s (%s, the limit is %s)", name, HumanSize(r.size), HumanSize(c.FileSizeMax)))
			continue
		case !c.allowedDocument(name, r.mimeType):
			// GLPI's words for a file its document types do not allow.
			notes = append(notes, fmt.Sprintf("Invalid attached file: %s (%s)", name, r.mimeType))
			continue
		}
		docs = append(docs, Document{Name: name, MIMEType: r.mimeType, Size: r.size, SHA256: sha256Hex(r.data),
			ContentID: r.contentID, Inline: inline, Data: r.data})
	}
	return docs, notes
}

func uniqueOriginalName(docs []Document) string {
	taken := map[string]bool{}
	for _, d := range docs {
		taken[strings.ToLower(d.Name)] = true
	}
	return uniqueName("original-message.eml", taken)
}

// HumanSize writes a size the way the console shows sizes (receiver
// limits, document lists, the notes of dropped files).
func HumanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
