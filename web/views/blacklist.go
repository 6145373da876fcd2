package views

// BlacklistRow is one line of Setup > Blacklisted mail addresses.
type BlacklistRow struct {
	ID        int64
	Kind      string
	KindLabel string
	Value     string
	Comment   string
	Created   string
}

// BlacklistForm is the add form's values and messages.
type BlacklistForm struct {
	Kind    string
	Value   string
	Comment string
	Errors  FieldErrors
}

// BlacklistKinds are the kinds of a blacklist entry, as the form offers them.
var BlacklistKinds = []Choice{{Value: "address", Label: "Email address"}, {Value: "domain", Label: "Domain"}, {Value: "pattern", Label: "Pattern"}}

// BlacklistKindLabel names an entry's kind.
func BlacklistKindLabel(k string) string { return labelOf(BlacklistKinds, k) }
