// Package adopt brings an existing installation over: a GLPI database with
// the OAuth IMAP plugin (applications, authorizations whose tokens keep
// working, mail receivers, e-mail blacklist, blacklisted mail content),
// read with the GLPI key and sealed with ours in one pass.
package adopt

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

// ErrWrongGLPIKey means not one secret of the GLPI database opens with the
// key given: it is another installation's key. Nothing is imported.
var ErrWrongGLPIKey = errors.New("the glpicrypt.key does not open any secret of this GLPI database: is it this installation's key (GLPI's config directory)? Nothing was imported")

// GLPIOptions is what ImportGLPI needs.
type GLPIOptions struct {
	GLPI *store.GLPISource
	Key  *GLPIKey
	// Store receives the import; with DryRun it is only read.
	Store  *store.Store
	DryRun bool
	// Activate makes new receivers active; otherwise they are imported
	// inactive so GLPI and this console never collect one mailbox at once.
	Activate bool
	// CallbackPath is the redirect URI path the provider registrations
	// use (store.CallbackPaths): GLPI's marketplace or plugins one.
	CallbackPath string
}

// Line is one object of the report.
type Line struct {
	Kind     string // application, authorization, receiver, blacklist
	SourceID int64  // its id in GLPI
	Name     string
	Action   store.ImportAction
	Detail   string // the fields imported (never a secret)
	Note     string
}

// Skip is a GLPI row not imported, and why.
type Skip struct {
	Kind     string
	SourceID int64
	Reason   string
}

// Unmapped is something of GLPI without an equivalent here, and what
// becomes of it.
type Unmapped struct {
	What string
	Fate string
}

// Report is what an import did, or would do.
type Report struct {
	// From names the source, e.g. "GLPI 11.0.7".
	From         string
	GLPIVersion  string
	DryRun       bool
	Lines        []Line
	Skipped      []Skip
	NoEquivalent []Unmapped
}

// Source names a GLPI installation by its key, so two GLPI databases
// never update each other's imports.
func (k *GLPIKey) Source() string {
	sum := sha256.Sum256(k.key)
	return "glpi:" + hex.EncodeToString(sum[:8])
}

// ImportGLPI reads the GLPI database and imports what maps onto this
// console. A row that does not decrypt is skipped with its id and the rest
// imported; a key that opens nothing is ErrWrongGLPIKey.
func ImportGLPI(ctx context.Context, o GLPIOptions) (*Report, error) {
	g := o.GLPI
	rep := &Report{GLPIVersion: g.Version(ctx), DryRun: o.DryRun}
	rep.From = "GLPI " + rep.GLPIVersion
	if rep.GLPIVersion == "" {
		rep.From = "GLPI (version unknown)"
	}
	apps, err := g.Applications(ctx)
	if err != nil {
		return nil, err
	}
	auths, err := g.Authorizations(ctx)
	if err != nil {
		return nil, err
	}
	mcs, err := g.MailCollectors(ctx)
	if err != nil {
		return nil, err
	}
	bls, err := g.Blacklists(ctx)
	if err != nil {
		return nil, err
	}
	if o.CallbackPath == "" {
		o.CallbackPath = store.CallbackPaths[1]
	}
	src := store.ImportSource{Source: o.Key.Source(), Actor: "GLPI import", Label: "GLPI"}

	// Decrypt every secret first: a key that opens none is the wrong key.
	var opened, failed int
	dec := func(v string) (string, bool) {
		if v == "" {
			return "", true
		}
		p, err := o.Key.Decrypt(v)
		if err != nil {
			failed++
			return "", false
		}
		opened++
		return p, true
	}
	secrets := map[int64]string{}
	badApp := map[int64]bool{}
	for _, a := range apps {
		p, ok := dec(a.ClientSecret)
		secrets[a.ID], badApp[a.ID] = p, !ok
	}
	tokens := map[int64]glpiToken{}
	badAuth := map[int64]string{}
	for _, a := range auths {
		tj, ok1 := dec(a.Token)
		rt, ok2 := dec(a.RefreshToken)
		if !ok1 || !ok2 {
			badAuth[a.ID] = "its token " + ErrGLPIDecrypt.Error()
			continue
		}
		t, err := parseGLPIToken(tj)
		if err != nil {
			badAuth[a.ID] = err.Error()
			continue
		}
		if rt != "" {
			t.RefreshToken = rt
		}
		tokens[a.ID] = t
	}
	passwords := map[int64]string{}
	badPass := map[int64]bool{}
	for _, m := range mcs {
		p, ok := dec(m.Password)
		passwords[m.ID], badPass[m.ID] = p, !ok
	}
	if opened == 0 && failed > 0 {
		return nil, ErrWrongGLPIKey
	}

	// Applications.
	appIDs := map[int64]int64{} // GLPI id -> ours (0 in a dry run)
	appNames := map[int64]string{}
	for _, a := range apps {
		provider := glpiProvider(a.Provider)
		switch {
		case provider == "":
			rep.skip("application", a.ID, fmt.Sprintf("provider %q has no equivalent (Azure and Google are imported)", a.Provider))
			continue
		case badApp[a.ID]:
			rep.skip("application", a.ID, "its client secret "+ErrGLPIDecrypt.Error())
			continue
		}
		name := strings.TrimSpace(a.Name)
		if name == "" {
			name = fmt.Sprintf("GLPI application %d", a.ID)
		}
		app := &store.Application{Name: name, Comment: a.Comment, IsActive: a.IsActive, Provider: string(provider),
			Cloud: string(oauth.CloudGlobal), ClientID: strings.TrimSpace(a.ClientID), ClientSecret: secrets[a.ID],
			TenantID: strings.TrimSpace(a.TenantID), CallbackPath: o.CallbackPath}
		if provider != oauth.ProviderAzure {
			app.TenantID = ""
		}
		detail := fmt.Sprintf("provider %s, client ID %s, tenant %s, active %s, client secret (sealed), callback %s",
			provider, app.ClientID, orDash(app.TenantID), yesNo(a.IsActive), o.CallbackPath)
		line := Line{Kind: "application", SourceID: a.ID, Name: name, Detail: detail}
		if o.DryRun {
			line.Action = planned(ctx, o.Store, src, store.ImportedApplication, a.ID)
			appIDs[a.ID] = 0 // known, so its authorizations and receivers are planned too
		} else {
			res, err := o.Store.ImportApplication(ctx, src, a.ID, app)
			if err != nil {
				return rep, fmt.Errorf("application %d: %w", a.ID, err)
			}
			line.Action, line.Name, line.Note = res.Action, res.Name, res.Note
			appIDs[a.ID] = res.ID
		}
		appNames[a.ID] = line.Name
		rep.Lines = append(rep.Lines, line)
	}

	// Authorizations.
	for _, a := range auths {
		ourApp, ok := appIDs[a.ApplicationID]
		switch {
		case !ok:
			rep.skip("authorization", a.ID, fmt.Sprintf("its application %d is not imported", a.ApplicationID))
			continue
		case badAuth[a.ID] != "":
			rep.skip("authorization", a.ID, badAuth[a.ID])
			continue
		}
		t := tokens[a.ID]
		in := store.AuthorizationToImport{ApplicationID: ourApp, Email: strings.TrimSpace(a.Email), AccessToken: t.AccessToken,
			RefreshToken: t.RefreshToken, IDToken: t.IDToken, Scope: t.Scope, ExpiresAt: t.Expires, Modified: a.Modified}
		detail := fmt.Sprintf("application %q, access token and refresh token (sealed), expires %s", appNames[a.ApplicationID], formatTime(t.Expires))
		line := Line{Kind: "authorization", SourceID: a.ID, Name: in.Email, Detail: detail}
		if t.RefreshToken == "" {
			line.Note = "no refresh token: sign in again once the access token expires"
		}
		if o.DryRun {
			line.Action = planned(ctx, o.Store, src, store.ImportedAuthorization, a.ID)
		} else {
			res, err := o.Store.ImportAuthorization(ctx, src, a.ID, in)
			if err != nil {
				return rep, fmt.Errorf("authorization %d: %w", a.ID, err)
			}
			line.Action = res.Action
			if res.Note != "" {
				line.Note = res.Note
			}
		}
		rep.Lines = append(rep.Lines, line)
	}

	// Mail receivers.
	var ignoredOpts []string
	glpi10 := false
	for _, m := range mcs {
		c, err := parseGLPIConnection(m.Host)
		if err != nil {
			rep.skip("receiver", m.ID, err.Error())
			continue
		}
		r := &store.Receiver{Name: strings.TrimSpace(m.Name), Host: c.Host, Port: c.port(), Security: c.security(),
			ValidateCert: c.Validate != "novalidate-cert", Login: strings.TrimSpace(m.Login), Folder: c.Folder,
			AcceptedFolder: m.Accepted, RefusedFolder: m.Refused, FilesizeMax: m.FilesizeMax, UseMailDate: m.UseMailDate,
			RequesterField: "from", AddToToObserver: m.AddToToObserver, AddCcToObserver: m.AddCcToObserver,
			CollectOnlyUnread: m.CollectOnlyUnread, CreateUserFromEmail: m.CreateUserFromEmail, Comment: m.Comment,
			IdleEnabled: true}
		if !m.HasAddToToObserver {
			glpi10 = true
			r.AddToToObserver = true // GLPI 11's default for a column GLPI 10 lacks
		}
		if m.RequesterField == 1 {
			r.RequesterField = "reply-to"
		}
		if r.Folder == "" {
			r.Folder = "INBOX"
		}
		if r.Name == "" {
			r.Name = fmt.Sprintf("GLPI receiver %d", m.ID)
		}
		if r.FilesizeMax < 0 {
			r.FilesizeMax = 0
		}
		if max := int64(store.MaxFilesizeMaxMio) << 20; r.FilesizeMax > max {
			r.FilesizeMax = max
		}
		how := "password"
		if appID, ok := c.oauthApplication(); ok {
			ourApp, imported := appIDs[appID]
			if !imported {
				rep.skip("receiver", m.ID, fmt.Sprintf("its OAuth application %d is not imported", appID))
				continue
			}
			r.ApplicationID = &ourApp
			how = fmt.Sprintf("OAuth application %q", appNames[appID])
		} else {
			switch c.Type {
			case "imap":
			case "pop":
				rep.skip("receiver", m.ID, "POP receivers have no equivalent: this console collects over IMAP")
				continue
			default:
				rep.skip("receiver", m.ID, fmt.Sprintf("connection type %q has no equivalent", c.Type))
				continue
			}
			if badPass[m.ID] {
				rep.skip("receiver", m.ID, "its password "+ErrGLPIDecrypt.Error())
				continue
			}
			r.Password = passwords[m.ID]
			if r.Password != "" {
				how = "password (sealed)"
			}
		}
		ignoredOpts = append(ignoredOpts, c.Ignored...)
		detail := fmt.Sprintf("%s:%d %s, validate certificate %s, %s, login %s, folder %s, accepted %s, refused %s, max file %s, mail date %s, requester %s, TO observers %s, CC observers %s, only unread %s, create users %s",
			r.Host, r.Port, r.Security, yesNo(r.ValidateCert), how, orDash(r.Login), r.Folder, orDash(r.AcceptedFolder), orDash(r.RefusedFolder),
			sizeLabel(r.FilesizeMax), yesNo(r.UseMailDate), r.RequesterField, yesNo(r.AddToToObserver), yesNo(r.AddCcToObserver),
			yesNo(r.CollectOnlyUnread), yesNo(r.CreateUserFromEmail))
		line := Line{Kind: "receiver", SourceID: m.ID, Name: r.Name, Detail: detail}
		if len(c.Ignored) > 0 {
			line.Note = "ignored options: " + strings.Join(c.Ignored, " ")
		}
		if o.DryRun {
			line.Action = planned(ctx, o.Store, src, store.ImportedReceiver, m.ID)
		} else {
			res, err := o.Store.ImportReceiver(ctx, src, m.ID, r, o.Activate)
			if err != nil {
				return rep, fmt.Errorf("receiver %d: %w", m.ID, err)
			}
			line.Action, line.Name = res.Action, res.Name
		}
		if line.Action == store.ImportCreate {
			line.Detail += ", " + map[bool]string{true: "active", false: "inactive"}[o.Activate]
		}
		rep.Lines = append(rep.Lines, line)
	}

	// E-mail blacklist.
	others := 0
	for _, b := range bls {
		if b.Type != store.GLPIBlacklistEmail {
			others++
			continue
		}
		v := strings.ToLower(strings.TrimSpace(b.Value))
		if !strings.Contains(v, "@") || strings.ContainsAny(v, " \t") {
			rep.skip("blacklist", b.ID, fmt.Sprintf("%q is not an e-mail address", b.Value))
			continue
		}
		comment := strings.TrimSpace(strings.TrimSpace(b.Name) + " " + strings.TrimSpace(b.Comment))
		line := Line{Kind: "blacklist", SourceID: b.ID, Name: v, Detail: "address " + v}
		if o.DryRun {
			line.Action = store.ImportCreate
			if exists(ctx, o.Store, v) {
				line.Action = store.ImportKeep
			}
		} else {
			res, err := o.Store.ImportBlacklistEntry(ctx, src, b.ID, &store.BlacklistEntry{Kind: "address", Value: v, Comment: comment})
			if err != nil {
				return rep, fmt.Errorf("blacklist %d: %w", b.ID, err)
			}
			line.Action = res.Action
		}
		rep.Lines = append(rep.Lines, line)
	}

	if err := importGLPIBlacklistedContent(ctx, o, src, rep); err != nil {
		return rep, err
	}

	rep.noEquivalent(ctx, g, o, auths, mcs, others, ignoredOpts, glpi10)
	return rep, nil
}

// importGLPIBlacklistedContent brings GLPI's blacklisted mail content: the
// same blocks of text are removed from collected mail here.
func importGLPIBlacklistedContent(ctx context.Context, o GLPIOptions, src store.ImportSource, rep *Report) error {
	contents, err := o.GLPI.BlacklistedMailContents(ctx)
	if err != nil {
		return err
	}
	var have []store.BlacklistedMailContent
	if o.DryRun {
		if have, err = o.Store.BlacklistedMailContents(ctx); err != nil {
			return err
		}
	}
	same := func(a, b string) bool {
		return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
	}
	for _, c := range contents {
		name := strings.TrimSpace(c.Name)
		if name == "" {
			name = fmt.Sprintf("GLPI %d", c.ID)
		}
		if strings.TrimSpace(c.Content) == "" {
			rep.skip("blacklisted mail content", c.ID, "its content is empty")
			continue
		}
		line := Line{Kind: "blacklisted mail content", SourceID: c.ID, Name: name, Detail: fmt.Sprintf("%d characters removed from collected mail", len([]rune(c.Content)))}
		if o.DryRun {
			line.Action = store.ImportCreate
			for _, h := range have {
				if same(h.Content, c.Content) {
					line.Action = store.ImportKeep
				}
			}
		} else {
			res, err := o.Store.ImportBlacklistedMailContent(ctx, src, c.ID, &store.BlacklistedMailContent{Name: name, Content: c.Content, Comment: strings.TrimSpace(c.Comment)})
			var msg store.Message
			if errors.As(err, &msg) {
				rep.skip("blacklisted mail content", c.ID, string(msg))
				continue
			}
			if err != nil {
				return fmt.Errorf("blacklisted mail content %d: %w", c.ID, err)
			}
			line.Action = res.Action
		}
		rep.Lines = append(rep.Lines, line)
	}
	return nil
}

// noEquivalent lists what of GLPI is not imported, and what happens to it.
func (rep *Report) noEquivalent(ctx context.Context, g *store.GLPISource, o GLPIOptions, auths []store.GLPIAuthorization, mcs []store.GLPIMailCollector, otherBlacklists int, ignored []string, glpi10 bool) {
	add := func(what, fate string) { rep.NoEquivalent = append(rep.NoEquivalent, Unmapped{what, fate}) }
	for _, a := range auths {
		if a.HasCode {
			add("authorizations: code (the authorization code)", "not imported: it was exchanged once and has no further use")
			break
		}
	}
	if len(mcs) > 0 {
		add("mail receivers: errors, last_collect_date", "not imported: this console counts its own errors and runs")
		if !o.Activate {
			add("mail receivers: is_active", "imported inactive: deactivate the receiver in GLPI, then activate it here (or import with --activate)")
		} else {
			add("mail receivers: is_active", "imported active (--activate): deactivate them in GLPI so one mailbox is never collected twice")
		}
		add("mail receivers: budget, interval, IDLE", "not in GLPI: this console's defaults (100 mails a run, every 60 s, IDLE on)")
	}
	if glpi10 {
		add("mail receivers: Add TO users as observer, Automatically create user from email", "not in GLPI 10: GLPI 11's defaults (Yes, No)")
	}
	if len(ignored) > 0 {
		add("mail receivers: connection options "+strings.Join(dedupe(ignored), " "), "ignored: they have no meaning here")
	}
	if n, _ := g.Count(ctx, "glpi_rules", "sub_type = ?", "RuleMailCollector"); n > 0 {
		add(fmt.Sprintf("rules for assigning a ticket created through a mails receiver (%d)", n), "not imported: this console has one helpdesk, without entities or assignment rules")
	}
	if n, _ := g.Count(ctx, "glpi_entities", ""); n > 1 {
		add(fmt.Sprintf("entities (%d)", n), "not imported: every ticket here goes to the one helpdesk")
	}
	if otherBlacklists > 0 {
		add(fmt.Sprintf("blacklists of other types than e-mail (%d)", otherBlacklists), "not imported: they do not apply to mail")
	}
	if n, _ := g.Count(ctx, "glpi_notimportedemails", ""); n > 0 {
		add(fmt.Sprintf("not imported emails (%d)", n), "not imported: the mails are still in the refused folders; this console keeps its own quarantine")
	}
}

func (rep *Report) skip(kind string, id int64, reason string) {
	rep.Skipped = append(rep.Skipped, Skip{Kind: kind, SourceID: id, Reason: reason})
}

// Counts tells how many objects each action touched.
func (rep *Report) Counts() map[store.ImportAction]int {
	m := map[store.ImportAction]int{}
	for _, l := range rep.Lines {
		m[l.Action]++
	}
	return m
}

// Write prints the report; it holds no secret.
func (rep *Report) Write(w io.Writer) {
	if rep.DryRun {
		fmt.Fprintf(w, "Dry run: nothing is written. From %s this import would do:\n\n", rep.From)
	} else {
		fmt.Fprintf(w, "Imported from %s:\n\n", rep.From)
	}
	if len(rep.Lines) == 0 {
		fmt.Fprintln(w, "  nothing to import")
	}
	for _, l := range rep.Lines {
		fmt.Fprintf(w, "  %-6s %s %d %q\n", l.Action, l.Kind, l.SourceID, l.Name)
		if rep.DryRun && l.Detail != "" {
			fmt.Fprintf(w, "           %s\n", l.Detail)
		}
		if l.Note != "" {
			fmt.Fprintf(w, "           note: %s\n", l.Note)
		}
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(w, "\nSkipped (%d), the rest is imported:\n", len(rep.Skipped))
		for _, s := range rep.Skipped {
			fmt.Fprintf(w, "  %s %d: %s\n", s.Kind, s.SourceID, s.Reason)
		}
	}
	if len(rep.NoEquivalent) > 0 {
		fmt.Fprintln(w, "\nWithout an equivalent here:")
		for _, u := range rep.NoEquivalent {
			fmt.Fprintf(w, "  %s: %s\n", u.What, u.Fate)
		}
	}
	c := rep.Counts()
	fmt.Fprintf(w, "\n%d created, %d updated, %d kept, %d skipped\n", c[store.ImportCreate], c[store.ImportUpdate], c[store.ImportKeep], len(rep.Skipped))
}

// glpiToken is the JSON GLPI keeps of a League AccessToken.
type glpiToken struct {
	AccessToken  string
	RefreshToken string
	IDToken      string
	Scope        string
	Expires      *time.Time
}

func parseGLPIToken(s string) (glpiToken, error) {
	var t glpiToken
	var raw map[string]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return t, errors.New("its token is not the JSON GLPI writes")
	}
	str := func(k string) string { v, _ := raw[k].(string); return v }
	t.AccessToken, t.RefreshToken, t.IDToken, t.Scope = str("access_token"), str("refresh_token"), str("id_token"), str("scope")
	var exp int64
	switch v := raw["expires"].(type) {
	case float64:
		exp = int64(v)
	case string:
		exp, _ = strconv.ParseInt(v, 10, 64)
	}
	if exp > 0 {
		e := time.Unix(exp, 0).UTC()
		t.Expires = &e
	}
	if t.AccessToken == "" && t.RefreshToken == "" {
		return t, errors.New("its token holds neither an access token nor a refresh token")
	}
	return t, nil
}

// glpiProvider maps the plugin's PHP provider class.
func glpiProvider(class string) oauth.Provider {
	c := strings.ToLower(class)
	switch {
	case strings.HasSuffix(c, `\azure`) || c == "azure":
		return oauth.ProviderAzure
	case strings.HasSuffix(c, `\google`) || c == "google":
		return oauth.ProviderGoogle
	}
	return ""
}

// planned says what a real run would do with a source row.
func planned(ctx context.Context, st *store.Store, src store.ImportSource, kind string, id int64) store.ImportAction {
	if _, ok, _ := st.ImportedObject(ctx, src.Source, kind, id); ok {
		return store.ImportUpdate
	}
	return store.ImportCreate
}

func exists(ctx context.Context, st *store.Store, address string) bool {
	es, _ := st.BlacklistEntries(ctx)
	for _, e := range es {
		if e.Kind == "address" && strings.EqualFold(e.Value, address) {
			return true
		}
	}
	return false
}

func dedupe(v []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range v {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func formatTime(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func sizeLabel(n int64) string {
	if n <= 0 {
		return "No import"
	}
	return fmt.Sprintf("%d Mio", n>>20)
}
