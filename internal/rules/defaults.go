package rules

// Names of the default rules, as seeded.
const (
	DefaultGLPINotifications      = "GLPI notifications"
	DefaultXAutoResponseSuppress  = "X-Auto-Response-Suppress"
	DefaultAutoReplyAutoSubmitted = "Auto-Reply Auto-Submitted"
)

// glpiMessageID is GLPI's default rule's pattern, in GLPI's notation (Go
// reads its named groups as they are).
const glpiMessageID = `/GLPI(_(?<uuid>[a-z0-9]+))?(-(?<itemtype>[a-z]+))?(-(?<items_id>[0-9]+))?(\/(?<event>[a-z_]+))?(\.(?<random>[0-9]+\.[0-9]+))?@(?<uname>.+)/i`

// Defaults are GLPI's default rules for mail receivers
// (RuleMailCollector.xml), as the store seeds them once: editable and
// deletable like any rule. GLPI's "Root" entity rule has no counterpart
// (there are no entities). The Auto-Submitted rule's GLPI pattern
// /^(?!.*no).+$/i uses a look-ahead, which RE2 lacks: it is the same test
// written as two criteria (a value, and no "no" in it).
func Defaults() []Rule {
	refuse := []Action{{Kind: ActRefuse}}
	return []Rule{
		{Ranking: 1, Name: DefaultGLPINotifications, Active: true, Match: MatchAll,
			Description: "Mails whose Message-ID is one of GLPI's notifications are refused.",
			Criteria:    []Criterion{{Field: FieldMessageID, Condition: CondRegexMatch, Pattern: glpiMessageID}},
			Actions:     refuse},
		{Ranking: 2, Name: DefaultXAutoResponseSuppress, Active: false, Match: MatchAll,
			Description: "Mails asking not to be answered automatically (X-Auto-Response-Suppress) are refused.",
			Criteria:    []Criterion{{Field: FieldXAutoResponseSuppress, Condition: CondRegexMatch, Pattern: `/\S+/`}},
			Actions:     refuse},
		{Ranking: 3, Name: DefaultAutoReplyAutoSubmitted, Active: true, Match: MatchAll,
			Description: "Mails a machine sent (Auto-Submitted other than \"no\", RFC 3834) are refused.",
			Criteria: []Criterion{
				{Field: FieldAutoSubmitted, Condition: CondRegexMatch, Pattern: `/^.+$/`},
				{Field: FieldAutoSubmitted, Condition: CondRegexNotMatch, Pattern: `/no/i`},
			},
			Actions: refuse},
	}
}

// BuiltIn describes the checks that are not rules and cannot be switched
// off, for the console to list above the rules (read-only). They run
// before the rules.
type BuiltInCheck struct {
	Name        string
	Description string
}

// BuiltIn lists the built-in checks in the order they run.
func BuiltIn() []BuiltInCheck {
	return []BuiltInCheck{
		{"Our own notifications", "A mail whose Message-ID is one of our notifications (or GLPI's), or sent from the receiver's own address, is refused: it would start a mail loop."},
		{"Delivery failure reports", "A delivery failure report is added to the ticket whose mail bounced, or refused when no ticket knows it."},
		{"Automatic replies and bulk mail", "Out-of-office and other automatic replies (X-Autoreply, Precedence: auto_reply, Exchange inbox rules, their usual subjects, a bare X-Auto-Response-Suppress) are refused, and bulk mail unless the receiver imports automatic notifications; the Auto-Submitted header is left to the rule \"Auto-Reply Auto-Submitted\". A mail a machine wrote is never answered automatically."},
		{"Blacklisted senders", "A sender on the blacklist is refused."},
		{"Too large, unreadable, no sender", "A mail over the size limit, one that cannot be read, or one without a sender address is refused."},
	}
}
