package ingest

import (
	"fmt"
	"path"
	"strings"
)

// BlacklistEntry is one line of Setup > Blacklisted mail addresses.
//
// Kind "address" matches one address exactly, "domain" an address at that
// domain or any subdomain of it, "pattern" a glob over the whole address
// where * is any run of characters and ? one character. All are
// case-insensitive.
type BlacklistEntry struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Blacklist entry kinds.
const (
	BlacklistAddress = "address"
	BlacklistDomain  = "domain"
	BlacklistPattern = "pattern"
)

// BlacklistProblem is why an entry typed into the Setup form is refused:
// Message, in the form's words, belongs next to its Field ("kind" or
// "value", the form's inputs).
type BlacklistProblem struct {
	Field   string
	Message string
}

func (p *BlacklistProblem) Error() string { return "ingest: " + p.Message }

// ValidateBlacklistEntry checks an entry typed into the Setup form and
// returns it normalised (trimmed, lower-cased), or a *BlacklistProblem.
func ValidateBlacklistEntry(e BlacklistEntry) (BlacklistEntry, error) {
	v := strings.ToLower(strings.TrimSpace(e.Value))
	out := BlacklistEntry{Kind: e.Kind, Value: v}
	refuse := func(format string, args ...any) (BlacklistEntry, error) {
		return out, &BlacklistProblem{Field: "value", Message: fmt.Sprintf(format, args...)}
	}
	if v == "" {
		return refuse("blacklist value is empty")
	}
	if strings.ContainsAny(v, " \t\r\n<>,;\"") {
		return refuse("blacklist value %q contains spaces or separators", v)
	}
	switch e.Kind {
	case BlacklistAddress:
		local, domain, ok := strings.Cut(v, "@")
		if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || strings.ContainsAny(v, "*?") {
			return refuse("%q is not an e-mail address", v)
		}
	case BlacklistDomain:
		out.Value = strings.TrimPrefix(v, "@")
		if out.Value == "" || strings.ContainsAny(out.Value, "@*?") || !strings.Contains(out.Value, ".") && out.Value != "localhost" {
			return refuse("%q is not a domain", v)
		}
	case BlacklistPattern:
		if strings.Trim(v, "*?") == "" {
			return refuse("pattern %q would match every sender", v)
		}
		if _, err := path.Match(globToPath(v), "x"); err != nil {
			return refuse("pattern %q: %v", v, err)
		}
	default:
		return out, &BlacklistProblem{Field: "kind", Message: fmt.Sprintf("unknown blacklist kind %q (want address, domain or pattern)", e.Kind)}
	}
	return out, nil
}

type matcher struct {
	entry BlacklistEntry
	match func(email string) bool
}

func newMatcher(e BlacklistEntry) (matcher, error) {
	n, err := ValidateBlacklistEntry(e)
	if err != nil {
		return matcher{}, err
	}
	m := matcher{entry: n}
	switch n.Kind {
	case BlacklistAddress:
		m.match = func(a string) bool { return a == n.Value }
	case BlacklistDomain:
		m.match = func(a string) bool {
			_, d, _ := strings.Cut(a, "@")
			return d == n.Value || strings.HasSuffix(d, "."+n.Value)
		}
	case BlacklistPattern:
		glob := globToPath(n.Value)
		m.match = func(a string) bool {
			ok, _ := path.Match(glob, a)
			return ok
		}
	}
	return m, nil
}

// globToPath escapes everything path.Match treats specially except * and ?,
// and lets * cross "/" (which path.Match would not) by mapping "/" away.
func globToPath(g string) string {
	var b strings.Builder
	for _, r := range g {
		switch r {
		case '[', ']', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '/':
			b.WriteRune('\x00')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// blacklisted returns the entry that matches email (lower-case), if any.
func (c *compiled) blacklisted(email string) (BlacklistEntry, bool) {
	probe := strings.ReplaceAll(email, "/", "\x00")
	for _, m := range c.black {
		a := email
		if m.entry.Kind == BlacklistPattern {
			a = probe
		}
		if m.match(a) {
			return m.entry, true
		}
	}
	return BlacklistEntry{}, false
}
