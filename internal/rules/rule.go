// Package rules holds the mail rules: one ordered list that does for mail
// what GLPI's "Rules for assigning a ticket created through a mails
// receiver" (RuleMailCollector) and the ticket business rules' mail
// criteria do. A rule has criteria (what to look at in the mail and how to
// compare it) and actions (refuse the mail, route the ticket). The package
// is pure: it knows nothing of SQL or HTTP; the store keeps rules as data
// and the collector evaluates them while it decides.
//
// This file is the vocabulary: each criterion, condition and action is
// defined once here, with the words the console shows for it.
package rules

// Rule is one mail rule. Rules are evaluated in Ranking order.
type Rule struct {
	ID          int64  `json:"-"`
	Ranking     int    `json:"ranking"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Active      bool   `json:"active"`
	// Match is MatchAll ("AND": every criterion) or MatchAny ("OR").
	Match Match `json:"match"`
	// ReceiverIDs limits the rule to these receivers; empty means all.
	// (Export writes receiver names instead: see the export format.)
	ReceiverIDs []int64     `json:"-"`
	Criteria    []Criterion `json:"criteria"`
	Actions     []Action    `json:"actions"`
}

// Match says how a rule combines its criteria.
type Match string

const (
	MatchAll Match = "AND" // GLPI's "and": every criterion must match
	MatchAny Match = "OR"  // GLPI's "or": one criterion is enough
)

// Label is how the console says it.
func (m Match) Label() string {
	if m == MatchAny {
		return "Any of the criteria (OR)"
	}
	return "All the criteria (AND)"
}

// Criterion compares one part of the mail with Pattern.
type Criterion struct {
	Field     Field     `json:"field"`
	Header    string    `json:"header,omitempty"` // the header's name, for FieldHeader only
	Condition Condition `json:"condition"`
	Pattern   string    `json:"pattern,omitempty"`
}

// Field is what a criterion looks at. The values are GLPI's criteria keys
// where GLPI has one, so rules read the same in both; they are stored:
// never rename one.
type Field string

const (
	FieldReceiver              Field = "mailcollector"            // Mails receiver (pattern: receiver ID)
	FieldFrom                  Field = "from"                     // From email address
	FieldTo                    Field = "to"                       // To email address (each recipient)
	FieldCc                    Field = "cc"                       // CC email address (each recipient)
	FieldSubject               Field = "subject"                  // Subject email header
	FieldBody                  Field = "content"                  // Email body (text)
	FieldMessageID             Field = "message_id"               // Message-ID email header
	FieldInReplyTo             Field = "in_reply_to"              // In-Reply-To email header
	FieldReferences            Field = "references"               // References email header
	FieldXPriority             Field = "x-priority"               // X-Priority email header
	FieldAutoSubmitted         Field = "auto-submitted"           // Auto-Submitted email header
	FieldXAutoResponseSuppress Field = "x-auto-response-suppress" // X-Auto-Response-Suppress email header
	FieldXUCEStatus            Field = "x-uce-status"             // X-UCE-Status email header
	FieldReceived              Field = "received"                 // Received email header (each one)
	FieldHeader                Field = "header"                   // a header named by Criterion.Header
	FieldHeaders               Field = "_headers"                 // Full email headers ("Key: value" lines)
	FieldRequesterKnown        Field = "_requester_known"         // Requester is a known user (pattern "1"/"0")
	FieldRequesterGroups       Field = "_groups_id_requester"     // Requester's groups (pattern: group ID)
	FieldKnownDomain           Field = "KNOWN_DOMAIN"             // Known mail domain (pattern "1"/"0")
	FieldHasAttachments        Field = "_has_attachments"         // Has attachments (pattern "1"/"0")
	FieldSize                  Field = "_size"                    // Size in bytes
)

// Fields lists the criteria in the order the console offers them.
var Fields = []Field{
	FieldReceiver, FieldFrom, FieldTo, FieldCc, FieldSubject, FieldBody, FieldMessageID, FieldInReplyTo,
	FieldReferences, FieldXPriority, FieldAutoSubmitted, FieldXAutoResponseSuppress, FieldXUCEStatus,
	FieldReceived, FieldHeader, FieldHeaders, FieldRequesterKnown, FieldRequesterGroups, FieldKnownDomain,
	FieldHasAttachments, FieldSize,
}

var fieldLabels = map[Field]string{
	FieldReceiver:              "Mails receiver",
	FieldFrom:                  "From email address",
	FieldTo:                    "To email address",
	FieldCc:                    "CC email address",
	FieldSubject:               "Subject email header",
	FieldBody:                  "Email body",
	FieldMessageID:             "Message-ID email header",
	FieldInReplyTo:             "In-Reply-To email header",
	FieldReferences:            "References email header",
	FieldXPriority:             "X-Priority email header",
	FieldAutoSubmitted:         "Auto-Submitted email header",
	FieldXAutoResponseSuppress: "X-Auto-Response-Suppress email header",
	FieldXUCEStatus:            "X-UCE-Status email header",
	FieldReceived:              "Received email header",
	FieldHeader:                "Email header (by name)",
	FieldHeaders:               "Full email headers",
	FieldRequesterKnown:        "Requester is a known user",
	FieldRequesterGroups:       "Requester's groups",
	FieldKnownDomain:           "Known mail domain",
	FieldHasAttachments:        "Has attachments",
	FieldSize:                  "Size",
}

// Label is the criterion's name in the console; "" for an unknown field.
func (f Field) Label() string { return fieldLabels[f] }

// Condition is how a criterion compares. The values are stored: never
// rename one.
type Condition string

const (
	CondIs            Condition = "is"
	CondIsNot         Condition = "is_not"
	CondContains      Condition = "contains"
	CondNotContains   Condition = "not_contains"
	CondStartsWith    Condition = "starts_with"
	CondEndsWith      Condition = "ends_with"
	CondRegexMatch    Condition = "regex_match"
	CondRegexNotMatch Condition = "regex_not_match"
	CondExists        Condition = "exists"
	CondNotExists     Condition = "not_exists"
	CondUnder         Condition = "under"     // sizes only
	CondNotUnder      Condition = "not_under" // sizes only
)

// Conditions lists the conditions in the order the console offers them.
var Conditions = []Condition{
	CondIs, CondIsNot, CondContains, CondNotContains, CondStartsWith, CondEndsWith,
	CondRegexMatch, CondRegexNotMatch, CondExists, CondNotExists, CondUnder, CondNotUnder,
}

var conditionLabels = map[Condition]string{
	CondIs:            "is",
	CondIsNot:         "is not",
	CondContains:      "contains",
	CondNotContains:   "does not contain",
	CondStartsWith:    "starting with",
	CondEndsWith:      "finished by",
	CondRegexMatch:    "regular expression matches",
	CondRegexNotMatch: "regular expression does not match",
	CondExists:        "exists",
	CondNotExists:     "does not exist",
	CondUnder:         "under",
	CondNotUnder:      "not under",
}

// Label is the condition's words in the console; "" for an unknown one.
func (c Condition) Label() string { return conditionLabels[c] }

// Action is one thing a matching rule does.
type Action struct {
	Kind ActionKind `json:"kind"`
	// Value is the action's argument: an ID (user, group, category), a
	// number (type, urgency, impact), an e-mail address (observer e-mail),
	// or, for a "… from regex result" action, a template where #0, #1…
	// stand for the captures of the rule's regular-expression criteria
	// (GLPI's "regex result").
	Value string `json:"value,omitempty"`
	// FromRegex says Value is a capture template, resolved by name (a
	// category's name or full path, a group's name, a ticket number).
	FromRegex bool `json:"from_regex,omitempty"`
}

// ActionKind is what an action does. The values are stored: never rename one.
type ActionKind string

const (
	ActRefuse           ActionKind = "refuse"             // Reject email (without email response)
	ActRefuseWithAnswer ActionKind = "refuse_with_answer" // Reject email (with email response)
	ActAssignUser       ActionKind = "assign_user"        // Technician (Assigned to)
	ActAssignGroup      ActionKind = "assign_group"       // Technician group (Assigned to)
	ActObserverUser     ActionKind = "observer_user"      // Observer
	ActObserverGroup    ActionKind = "observer_group"     // Observer group
	ActObserverEmail    ActionKind = "observer_email"     // Observer e-mail
	ActCategory         ActionKind = "category"           // Category
	ActType             ActionKind = "type"               // Type
	ActUrgency          ActionKind = "urgency"            // Urgency
	ActImpact           ActionKind = "impact"             // Impact
	ActRequesterGroup   ActionKind = "requester_group"    // Requester group
	ActExternalID       ActionKind = "external_id"        // External ID: follow-up of the ticket it names
	ActStop             ActionKind = "stop"               // Stop processing the following rules
)

// ActionKinds lists the actions in the order the console offers them.
var ActionKinds = []ActionKind{
	ActRefuse, ActRefuseWithAnswer, ActAssignUser, ActAssignGroup, ActObserverUser, ActObserverGroup,
	ActObserverEmail, ActCategory, ActType, ActUrgency, ActImpact, ActRequesterGroup, ActExternalID, ActStop,
}

var actionLabels = map[ActionKind]string{
	ActRefuse:           "Reject email (without email response)",
	ActRefuseWithAnswer: "Reject email (with email response)",
	ActAssignUser:       "Technician",
	ActAssignGroup:      "Technician group",
	ActObserverUser:     "Observer",
	ActObserverGroup:    "Observer group",
	ActObserverEmail:    "Observer e-mail",
	ActCategory:         "Category",
	ActType:             "Type",
	ActUrgency:          "Urgency",
	ActImpact:           "Impact",
	ActRequesterGroup:   "Requester group",
	ActExternalID:       "External ID (follow-up of the ticket it names)",
	ActStop:             "Stop processing the following rules",
}

// Label is the action's words in the console; "" for an unknown one.
func (k ActionKind) Label() string { return actionLabels[k] }
