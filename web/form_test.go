package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// shownForm is a form as a page shows it: each control's value by name
// (as the browser would post it again) and each message by the name of
// the control in the same field row (a div.mb-3), views.FormError for the
// one above the form.
type shownForm struct {
	values   map[string]string
	messages map[string]string
}

// readForm reads the form with the given id from a page.
func readForm(t *testing.T, body, id string) shownForm {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	form := findElement(doc, func(n *html.Node) bool { return n.Data == "form" && attr(n, "id") == id })
	if form == nil {
		t.Fatalf("the page has no form %q", id)
	}
	sf := shownForm{values: map[string]string{}, messages: map[string]string{}}
	// row is the field row being read: the first named control in it
	// owns its messages.
	type row struct {
		field string
		msgs  []string
	}
	var walk func(n *html.Node, r *row)
	walk = func(n *html.Node, r *row) {
		if n.Type == html.ElementNode {
			classes := strings.Fields(attr(n, "class"))
			name := attr(n, "name")
			switch {
			case n.Data == "div" && slices.Contains(classes, "mb-3"):
				own := &row{}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c, own)
				}
				if len(own.msgs) > 0 {
					sf.messages[own.field] = strings.Join(own.msgs, " | ")
				}
				return
			case slices.Contains(classes, "invalid-feedback"):
				if r == nil {
					t.Errorf("message %q outside any field row", text(n))
					return
				}
				r.msgs = append(r.msgs, text(n))
				return
			case slices.Contains(classes, "alert-danger"):
				sf.messages[views.FormError] = text(n)
				return
			case n.Data == "input" || n.Data == "select" || n.Data == "textarea":
				if r != nil && r.field == "" && name != "" {
					r.field = name
				}
				if v, ok := controlValue(n); ok && name != "" {
					sf.values[name] = v
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, r)
		}
	}
	walk(form, nil)
	return sf
}

// controlValue is what a control posts; false for an unchecked box.
func controlValue(n *html.Node) (string, bool) {
	switch n.Data {
	case "textarea":
		return text(n), true
	case "select":
		first, chosen := "", ""
		found := false
		for o := range n.Descendants() {
			if o.Type != html.ElementNode || o.Data != "option" {
				continue
			}
			v := attr(o, "value")
			if !found && first == "" {
				first = v
			}
			if hasAttr(o, "selected") && !found {
				chosen, found = v, true
			}
		}
		if found {
			return chosen, true
		}
		return first, true
	}
	if t := attr(n, "type"); t == "checkbox" || t == "radio" {
		return attr(n, "value"), hasAttr(n, "checked")
	}
	return attr(n, "value"), true
}

// formCase is one refused post: what is changed in a valid form and the
// messages the page must show, by field.
type formCase struct {
	name string
	edit func(url.Values)
	want map[string]string // field -> part of its message
	// offList names a select posted with a value it does not offer: the
	// page cannot show that value again.
	offList string
}

// checkRefusedForm posts a refused form and checks that every message
// sits in its own field's row and that every value typed is shown again,
// but no secret.
func checkRefusedForm(t *testing.T, c *client, path, formID string, posted url.Values, tc formCase, secrets ...string) {
	t.Helper()
	r := c.post(path, posted)
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("got status %d, want 422\n%s", r.status, r.body)
	}
	sf := readForm(t, r.body, formID)
	for field, want := range tc.want {
		if got := sf.messages[field]; !strings.Contains(got, want) {
			t.Errorf("message next to %s: got %q, want %q", field, got, want)
		}
	}
	for field, got := range sf.messages {
		if _, ok := tc.want[field]; !ok {
			t.Errorf("unexpected message next to %q: %q", field, got)
		}
	}
	for name, vals := range posted {
		if name == "csrf_token" || name == tc.offList || slices.Contains(secrets, name) {
			continue
		}
		if got, want := sf.values[name], strings.TrimSpace(vals[0]); got != want {
			t.Errorf("field %s: shown again as %q, want what was typed, %q", name, short(got), short(want))
		}
	}
	for name, got := range sf.values {
		if _, ok := posted[name]; !ok && got == "1" && !slices.Contains([]string{"first_collect", "filesize_max"}, name) {
			t.Errorf("field %s: shown ticked, but was not posted", name)
		}
	}
	for _, s := range secrets {
		if sf.values[s] != "" || (posted.Get(s) != "" && strings.Contains(r.body, posted.Get(s))) {
			t.Errorf("the page shows the typed %s again", s)
		}
	}
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…(" + strconv.Itoa(len(s)) + " bytes)"
	}
	return s
}

func TestReceiverFormShowsEachMessageByItsField(t *testing.T) {
	_, c := rcvAdmin(t)
	valid := func() url.Values {
		f := rcvForm("Support desk", nil)
		f.Set("folder", "INBOX")
		f.Set("accepted_folder", "Archive/Accepted")
		f.Set("refused_folder", "Archive/Refused")
		f.Set("comment", "Second-level support")
		f.Set("first_collect", "recent")
		f.Set("first_collect_days", "14")
		f.Set("use_reply_to", "1")
		f.Set("only_unread", "1")
		f.Set("validate_cert", "1")
		return f
	}
	mandatory := "Mandatory fields are not filled. Please correct: "
	for _, tc := range []formCase{
		{name: "no name", edit: func(f url.Values) { f.Set("name", "") },
			want: map[string]string{"name": "The name is mandatory.", views.FormError: mandatory + "Name"}},
		{name: "no server", edit: func(f url.Values) { f.Set("host", "") },
			want: map[string]string{"host": "The server is mandatory.", views.FormError: mandatory + "Server"}},
		{name: "no login", edit: func(f url.Values) { f.Set("login", "") },
			want: map[string]string{"login": "The login is mandatory.", views.FormError: mandatory + "Login"}},
		{name: "port off range", edit: func(f url.Values) { f.Set("port", "99999") },
			want: map[string]string{"port": "between 1 and 65535"}},
		{name: "unknown security", edit: func(f url.Values) { f.Set("security", "tls13") }, offList: "security",
			want: map[string]string{"security": "Choose SSL, STARTTLS or None"}},
		{name: "file size off the list", edit: func(f url.Values) { f.Set("filesize_max", "500") }, offList: "filesize_max",
			want: map[string]string{"filesize_max": "Choose a size in the list."}},
		{name: "poll interval too short", edit: func(f url.Values) { f.Set("poll_interval", "5") },
			want: map[string]string{"poll_interval": msgPollBounds}},
		{name: "no messages per run", edit: func(f url.Values) { f.Set("budget", "0") },
			want: map[string]string{"budget": "between 1 and 10000"}},
		{name: "first collection days out of range", edit: func(f url.Values) { f.Set("first_collect_days", "0") },
			want: map[string]string{"first_collect_days": "between 1 and 3650"}},
		{name: "unknown first collection", edit: func(f url.Values) { f.Set("first_collect", "everything") }, offList: "first_collect",
			want: map[string]string{"first_collect": "Choose what the first collection imports."}},
		{name: "folder too long", edit: func(f url.Values) { f.Set("accepted_folder", strings.Repeat("a", 256)) },
			want: map[string]string{"accepted_folder": "Accepted mail archive folder is too long"}},
		{name: "comment too long", edit: func(f url.Values) { f.Set("comment", strings.Repeat("c", 70000)) },
			want: map[string]string{"comment": "Comments is too long"}},
		{name: "application gone", edit: func(f url.Values) { f.Set("type", typeOAuthPref+"999") },
			want: map[string]string{"type": "does not exist any more", views.FormError: mandatory + "Connection options"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := valid()
			tc.edit(f)
			f.Set("csrf_token", c.token("/setup/receivers/new"))
			if f.Get("type") != typeIMAP {
				f.Del("login") // not on the page of an OAuth type
				f.Del("password")
			}
			checkRefusedForm(t, c, "/setup/receivers", "receiver-form", f, tc, "password")
		})
	}
}

func TestApplicationFormShowsEachMessageByItsField(t *testing.T) {
	e := newOAuthEnv(t)
	google := func() url.Values {
		return url.Values{"name": {"Google mail"}, "comment": {"For the help desk"}, "is_active": {"1"}, "provider": {"google"},
			"client_id": {"1234.apps.googleusercontent.com"}, "client_secret": {"typed-secret-value"},
			"client_secret_expires_at": {"2027-01-31"}, "callback_path": {callbackPath}}
	}
	azure := func() url.Values {
		f := e.appForm("Entra mail")
		f.Set("comment", "Tenant of Contoso")
		f.Set("callback_path", store.CallbackPaths[1])
		return f
	}
	oidc := func() url.Values {
		f := google()
		f.Set("provider", "oidc")
		f.Set("issuer_url", "https://id.example.com")
		f.Set("extra_scopes", "profile groups")
		return f
	}
	for _, tc := range []struct {
		formCase
		form func() url.Values
	}{
		{formCase{name: "no name", edit: func(f url.Values) { f.Set("name", "") }, want: map[string]string{"name": "Name cannot be empty"}}, google},
		{formCase{name: "expiry not a date", edit: func(f url.Values) { f.Set("client_secret_expires_at", "31/01/2027") },
			want: map[string]string{"client_secret_expires_at": "Enter a date as YYYY-MM-DD."}}, google},
		{formCase{name: "no client id", edit: func(f url.Values) { f.Set("client_id", "") }, want: map[string]string{"client_id": "cannot be empty"}}, google},
		{formCase{name: "no secret", edit: func(f url.Values) { f.Del("client_secret") }, want: map[string]string{"client_secret": "cannot be empty"}}, google},
		{formCase{name: "unknown provider", edit: func(f url.Values) { f.Set("provider", "yahoo") }, offList: "provider",
			want: map[string]string{"provider": "Invalid provider"}}, google},
		{formCase{name: "callback path not offered", edit: func(f url.Values) { f.Set("callback_path", "/elsewhere") }, offList: "callback_path",
			want: map[string]string{"callback_path": "Choose one of the callback paths offered."}}, google},
		{formCase{name: "comment too long", edit: func(f url.Values) { f.Set("comment", strings.Repeat("c", 70000)) },
			want: map[string]string{"comment": "Comments is too long"}}, google},
		{formCase{name: "azure client id not a GUID", edit: func(f url.Values) { f.Set("client_id", "my-app") },
			want: map[string]string{"client_id": "must be the Application (client) ID"}}, azure},
		{formCase{name: "azure tenant with a slash", edit: func(f url.Values) { f.Set("tenant_id", "contoso/../x") },
			want: map[string]string{"tenant_id": "Directory (tenant) ID"}}, azure},
		{formCase{name: "azure remote http authority", edit: func(f url.Values) { f.Set("authority_url", "http://login.example.com") },
			want: map[string]string{"authority_url": "http is accepted only for a loopback host"}}, azure},
		{formCase{name: "oidc issuer not https", edit: func(f url.Values) { f.Set("issuer_url", "ftp://id.example.com") },
			want: map[string]string{"issuer_url": "must use https"}}, oidc},
		{formCase{name: "oidc scope with a quote", edit: func(f url.Values) { f.Set("extra_scopes", `profile "groups"`) },
			want: map[string]string{"extra_scopes": "each scope is one word"}}, oidc},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.form()
			tc.edit(f)
			f.Set("csrf_token", e.c.token("/setup/oauthimap/new"))
			checkRefusedForm(t, e.c, "/setup/oauthimap", "application-form", f, tc.formCase, "client_secret")
		})
	}
}

func TestAuthorizationFormShowsItsMessageByTheEmail(t *testing.T) {
	e := newOAuthEnv(t)
	e.authorize(t, "", alice)
	e.authorize(t, "", bob)
	page := "/setup/oauthimap/authorizations/" + strconv.FormatInt(e.authorizationID(t, bob), 10)
	for _, tc := range []formCase{
		{name: "not an address", edit: func(f url.Values) { f.Set("email", "shared mailbox") },
			want: map[string]string{"email": "This is not a valid email address."}},
		{name: "another authorization's address", edit: func(f url.Values) { f.Set("email", alice) },
			want: map[string]string{"email": "This application already has an authorization for this address."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{"csrf_token": {e.c.token(page)}}
			tc.edit(f)
			checkRefusedForm(t, e.c, page, "authorization-form", f, tc)
		})
	}
}

func TestBlacklistFormShowsEachMessageByItsField(t *testing.T) {
	a := newDeskApp(t)
	c := a.client()
	c.login("admin")
	for _, tc := range []formCase{
		{name: "not an address", edit: func(f url.Values) { f.Set("value", "nobody") },
			want: map[string]string{"value": `"nobody" is not an e-mail address`}},
		{name: "pattern matching everyone", edit: func(f url.Values) { f.Set("kind", "pattern"); f.Set("value", "*") },
			want: map[string]string{"value": "would match every sender"}},
		{name: "unknown kind", edit: func(f url.Values) { f.Set("kind", "regex") }, offList: "kind",
			want: map[string]string{"kind": "unknown blacklist kind"}},
		{name: "comment too long", edit: func(f url.Values) { f.Set("comment", strings.Repeat("c", 70000)) },
			want: map[string]string{"comment": "The comment is too long"}},
		{name: "value too long", edit: func(f url.Values) { f.Set("value", strings.Repeat("v", 256)+"@example.com") },
			want: map[string]string{"value": "The value is too long"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{"csrf_token": {c.token("/setup/blacklist")}, "kind": {"address"}, "value": {"spam@example.com"}, "comment": {"Seen in March"}}
			tc.edit(f)
			checkRefusedForm(t, c, "/setup/blacklist", "blacklist-form", f, tc)
		})
	}
}
