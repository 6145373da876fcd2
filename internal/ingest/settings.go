package ingest

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"sync"

	"github.com/oauthimap/oauthimap/internal/rules"
)

// Settings are a receiver's options that shape decisions. The zero value is
// not useful: start from DefaultSettings.
type Settings struct {
	// FileSizeMax is the largest attachment imported, in bytes; larger ones
	// are dropped with a line in the content. 0 means "No import".
	FileSizeMax int64
	// MaxMessageSize refuses a whole message larger than this; 0 = no limit.
	MaxMessageSize int64
	// UseMailDate takes the ticket date from the Date header instead of now.
	UseMailDate bool
	// RequesterField is "from" or "reply-to" (Reply-To falls back to From).
	RequesterField string
	AddCCObserver  bool
	AddToObserver  bool
	// OwnAddresses are the receiver's own addresses (lower-case or not):
	// never observers, and mail from them is refused.
	OwnAddresses []string
	// SubjectTagPrefix is the word in "[GLPI #0000123]"; default "GLPI".
	SubjectTagPrefix string
	// ClosedTicketReply is "new" (a new ticket linked to the closed one,
	// GLPI's way) or "reopen" (a follow-up that reopens it).
	ClosedTicketReply string
	// OwnMessageIDPattern matches the Message-ID of our own notifications
	// (case-insensitive); empty means DefaultOwnMessageIDPattern.
	OwnMessageIDPattern string
	Blacklist           []BlacklistEntry
	// BlacklistedContent are blocks of text removed from bodies (GLPI's
	// "Blacklisted mail content": signatures, legal footers), matched
	// exactly but with any run of white space, line breaks and, in HTML,
	// tags standing for any other.
	BlacklistedContent []string
	// DocumentTypes is the allow-list of attachments (GLPI's document
	// types): a file is kept when its extension or its MIME type is listed;
	// others are left out with a note. Empty: every file is kept.
	DocumentTypes []DocumentType
	// ImportAutoNotifications imports mail a machine generated (monitoring
	// alerts, ITSM events: Auto-Submitted: auto-generated, Precedence: bulk)
	// instead of refusing it; automatic replies are refused all the same.
	// Off by default, as GLPI refuses both.
	ImportAutoNotifications bool
	// ImportAnyway turns every refusal except "unreadable" into a ticket or
	// follow-up: the quarantine's "Import anyway" action decides again with it.
	ImportAnyway bool
	// Rules are the mail rules, compiled. They run after the built-in
	// refusals (see applyRules), and own the Auto-Submitted header (GLPI's
	// default rule "Auto-Reply Auto-Submitted"). Without any rule (nil or
	// empty: a database not seeded yet, or every rule deleted) the fixed
	// check refuses on Auto-Submitted as it always did.
	Rules *rules.Set
	// ReceiverID is the receiver's ID, for rules limited to receivers.
	ReceiverID int64
}

// DocumentType allows attachments by extension (without the dot,
// case-insensitive) or MIME type ("image/*" allows a whole family).
type DocumentType struct {
	Ext  string
	MIME string
}

// allowedDocument tells whether a file passes the document types.
func (c *compiled) allowedDocument(name, mimeType string) bool {
	return DocumentAllowed(c.DocumentTypes, name, mimeType)
}

// DocumentAllowed tells whether a file passes the document types (all
// files when there are none): the same rule for a mail's attachments and
// for the files a technician adds to a follow-up.
func DocumentAllowed(types []DocumentType, name, mimeType string) bool {
	if len(types) == 0 {
		return true
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		ext = strings.ToLower(name[i+1:])
	}
	mimeType = strings.ToLower(mimeType)
	for _, t := range types {
		e := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(t.Ext), "."))
		m := strings.ToLower(strings.TrimSpace(t.MIME))
		switch {
		case e != "" && e == ext:
			return true
		case m != "" && m == mimeType:
			return true
		case strings.HasSuffix(m, "/*") && strings.HasPrefix(mimeType, strings.TrimSuffix(m, "*")):
			return true
		}
	}
	return false
}

// Values of Settings fields.
const (
	RequesterFrom    = "from"
	RequesterReplyTo = "reply-to"
	ClosedNew        = "new"
	ClosedReopen     = "reopen"
)

// DefaultOwnMessageIDPattern matches the Message-ID of a notification, ours
// (notify.MessageID) or an imported GLPI's, in the shapes GLPI gives them,
// anchored at the start so that an ordinary mail whose Message-ID merely
// contains "glpi" is not refused:
//
//	10.0.7+ and ours  GLPI_{instance}-{itemtype}-{id}/{event}[.{time}.{rand}]@{host}
//	10.0.0 to 10.0.6  GLPI_{instance}[-{itemtype}-{id}].{time}.{rand}@{host}
//	before 10         GLPI[-{itemtype}][-{id}].{time}.{rand}@{host}
const DefaultOwnMessageIDPattern = `^GLPI(` +
	`_[0-9a-z-]+-[a-z]+-[0-9]+/[a-z_]+(\.[0-9]+\.[0-9]+)?` +
	`|_[0-9a-z-]+(-[a-z]+-[0-9]+)?\.[0-9]+\.[0-9]+` +
	`|(-[a-z]+)?(-[0-9]+)?\.[0-9]+\.[0-9]+` +
	`)@[^@\s]+$`

// DefaultSettings are GLPI's defaults for a new receiver, with a 2 MB file
// limit (GLPI's default_mailcollector_filesize_max) and a 50 MB message cap.
func DefaultSettings() Settings {
	return Settings{
		FileSizeMax:       2 << 20,
		MaxMessageSize:    50 << 20,
		RequesterField:    RequesterFrom,
		AddCCObserver:     true,
		SubjectTagPrefix:  "GLPI",
		ClosedTicketReply: ClosedNew,
	}
}

// ValidateSettings reports settings Decide would reject, for the receiver
// form; Decide itself returns the same error.
func ValidateSettings(s Settings) error {
	switch s.RequesterField {
	case "", RequesterFrom, RequesterReplyTo:
	default:
		return fmt.Errorf("ingest: requester field %q (want from or reply-to)", s.RequesterField)
	}
	switch s.ClosedTicketReply {
	case "", ClosedNew, ClosedReopen:
	default:
		return fmt.Errorf("ingest: closed ticket reply %q (want new or reopen)", s.ClosedTicketReply)
	}
	if s.FileSizeMax < 0 || s.MaxMessageSize < 0 {
		return fmt.Errorf("ingest: sizes must not be negative")
	}
	_, err := compile(s)
	return err
}

// compiled is Settings prepared once per Decide call.
type compiled struct {
	Settings
	own      map[string]bool
	ownMsgID *regexp.Regexp
	tag      *regexp.Regexp
	black    []matcher
	// cleanText and cleanHTML match the blacklisted content blocks.
	cleanText, cleanHTML []*regexp.Regexp
}

func compile(s Settings) (*compiled, error) {
	c := &compiled{Settings: s, own: map[string]bool{}}
	for _, a := range s.OwnAddresses {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			c.own[a] = true
		}
	}
	pat := s.OwnMessageIDPattern
	if pat == "" {
		pat = DefaultOwnMessageIDPattern
	}
	re, err := cachedRegexp("(?i)" + pat)
	if err != nil {
		return nil, fmt.Errorf("ingest: own Message-ID pattern: %w", err)
	}
	c.ownMsgID = re
	prefix := s.SubjectTagPrefix
	if prefix == "" {
		prefix = "GLPI"
	}
	if c.tag, err = cachedRegexp(`(?i)\[\s*` + regexp.QuoteMeta(prefix) + `\s*#\s*0*([0-9]{1,18})\s*\]`); err != nil {
		return nil, fmt.Errorf("ingest: subject tag prefix: %w", err)
	}
	for _, block := range s.BlacklistedContent {
		words := strings.Fields(block)
		if len(words) == 0 {
			continue
		}
		text, markup := make([]string, len(words)), make([]string, len(words))
		for i, w := range words {
			text[i], markup[i] = regexp.QuoteMeta(w), regexp.QuoteMeta(html.EscapeString(w))
		}
		t, err := cachedRegexp(strings.Join(text, `\s+`))
		if err != nil {
			return nil, fmt.Errorf("ingest: blacklisted content: %w", err)
		}
		h, err := cachedRegexp(strings.Join(markup, `(?:\s|&nbsp;|&#160;|<[^<>]{0,300}>)+`))
		if err != nil {
			return nil, fmt.Errorf("ingest: blacklisted content: %w", err)
		}
		c.cleanText, c.cleanHTML = append(c.cleanText, t), append(c.cleanHTML, h)
	}
	for _, e := range s.Blacklist {
		m, err := newMatcher(e)
		if err != nil {
			return nil, err
		}
		c.black = append(c.black, m)
	}
	return c, nil
}

// regexps caches compiled patterns: a receiver decides thousands of mails
// with the same settings, and compiling was a third of a small mail's cost.
var regexps sync.Map // pattern -> *regexp.Regexp

func cachedRegexp(pat string) (*regexp.Regexp, error) {
	if re, ok := regexps.Load(pat); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	regexps.Store(pat, re)
	return re, nil
}
