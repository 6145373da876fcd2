package views

// AuthorizationRow is one line of an application's "Oauth authorization" tab.
type AuthorizationRow struct {
	ID          int64
	Email       string
	SignedInAs  string // the account that consented, when it differs from Email
	AppOnly     bool
	State       AuthorizationState
	LastError   string
	Remedy      string
	Expires     string
	LastRefresh string
	RefreshAge  string
	// SMTPNote says what it lacks to send mail; SMTPNeeded: a receiver
	// sends with it.
	SMTPNote   string
	SMTPNeeded bool
}

// AuthorizationsView is an application's "Oauth authorization" tab.
type AuthorizationsView struct {
	ApplicationID   int64
	ApplicationName string
	Warning         Notice
	Rows            []AuthorizationRow
	// AppOnly offers the app-only authorization (Microsoft only).
	AppOnly bool
	// CanAuthorize is false while the application is inactive or incomplete.
	CanAuthorize bool
	Receivers    int
}

// emailTooltip is GLPI's help on the Email field, word for word.
const emailTooltip = "This email address corresponds to the \"user\" field of the SASL XOAUTH2 authentication query."

// AuthorizationForm is the authorization form (its e-mail only).
type AuthorizationForm struct {
	ID              int64
	ApplicationID   int64
	ApplicationName string
	Email           string
	SignedInAs      string
	Errors          FieldErrors
	// SMTPNote says what the authorization lacks to send mail; Re-authorize
	// is offered beside it unless AppOnly.
	SMTPNote string
	AppOnly  bool
}

// AppOnlyForm is the app-only authorization form (Microsoft).
type AppOnlyForm struct {
	ApplicationID   int64
	ApplicationName string
	Mailbox         string
	Commands        string
	Failure         *FailureView
	Errors          map[string]string
	// Inactive is set when the application is not active: nothing can be created.
	Inactive bool
}

// FailureView explains a failed sign-in: GLPI's words, then what they
// mean and what to do.
type FailureView struct {
	GLPIMessage     string
	Meaning         string
	Remedy          string
	AdminConsentURL string
	RedirectURI     string
	Codes           string
	BackHref        string
	BackLabel       string
	// RetryAction, when set, is where "Try again" posts.
	RetryAction string
	// Starts, when the sign-in cannot be traced to an application, offer
	// "Create an authorization" for each active one, so "Start the
	// authorization again from this page" has its button here.
	Starts []StartChoice
}

// StartChoice is a button that starts a sign-in for one application.
type StartChoice struct {
	Action string
	Label  string
}

// DiagnoseForm is GLPI's "Connection diagnostic" for an authorization.
type DiagnoseForm struct {
	AuthorizationID int64
	ApplicationID   int64
	ApplicationName string
	Email           string
	Host            string
	Port            int
	Security        string
	Timeout         int
	Mechanism       string
	Errors          map[string]string
	Report          *DiagnoseReport
}

// DiagnoseReport is the outcome of a diagnostic.
type DiagnoseReport struct {
	OK          bool
	Steps       []DiagnoseStep
	Transcript  string
	Explanation string
	Remedy      string
}

// DiagnoseStep is one phase of the diagnostic.
type DiagnoseStep struct {
	Name     string
	OK       bool
	Detail   string
	Duration string
}

// Mechanisms are the SASL mechanisms a diagnostic may try.
var Mechanisms = []Choice{{Value: "XOAUTH2", Label: "XOAUTH2"}, {Value: "OAUTHBEARER", Label: "OAUTHBEARER"}}

// MechanismChoice is the chosen mechanism, XOAUTH2 unless OAUTHBEARER.
func (f DiagnoseForm) MechanismChoice() string {
	if f.Mechanism == "OAUTHBEARER" {
		return "OAUTHBEARER"
	}
	return "XOAUTH2"
}
