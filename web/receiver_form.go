package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

const (
	typeIMAP      = "imap"
	typeOAuthPref = "imap-oauth-" // GLPI's server type for an OAuth application
	mio           = 1 << 20
)

// applicationOfType returns the application id of a connection type, 0
// for plain IMAP or anything unparsable.
func applicationOfType(t string) int64 {
	id, err := strconv.ParseInt(strings.TrimPrefix(t, typeOAuthPref), 10, 64)
	if !strings.HasPrefix(t, typeOAuthPref) || err != nil || id <= 0 {
		return 0
	}
	return id
}

func typeOf(r *store.Receiver) string {
	if r.UsesOAuth() {
		return typeOAuthPref + strconv.FormatInt(*r.ApplicationID, 10)
	}
	return typeIMAP
}

// receiverForm is the receiver page's form: parseReceiverForm reads what
// was posted, validate says what is wrong field by field, receiver builds
// the receiver it describes. The embedded view model is what the page
// shows again, so nothing typed is lost on an error; the password is
// never shown again.
type receiverForm struct {
	views.ReceiverForm
	password      string
	clearPassword bool
	// refresh is set when the connection type changed: the page is shown
	// again with that type's fields, nothing is saved.
	refresh bool
}

// parseReceiverForm reads the posted form as typed; validate checks it.
func parseReceiverForm(r *http.Request) receiverForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	on := func(k string) bool { return r.PostFormValue(k) == "1" }
	mioVal, err := strconv.Atoi(v("filesize_max"))
	if err != nil && v("filesize_max") != "" {
		mioVal = -1 // not one of the list's values: refused by validate
	}
	f := receiverForm{ReceiverForm: views.ReceiverForm{
		Name: v("name"), Active: on("is_active"), Host: v("host"), Port: v("port"), Type: v("type"),
		Security: v("security"), ValidateCert: on("validate_cert"), Login: v("login"), Authorization: v("authorization"),
		Folder: v("folder"), AcceptedFolder: v("accepted_folder"), RefusedFolder: v("refused_folder"),
		FilesizeMio: mioVal, UseMailDate: on("use_mail_date"), UseReplyTo: on("use_reply_to"), AddCC: on("add_cc"),
		AddTo: on("add_to"), OnlyUnread: on("only_unread"), CreateUser: on("create_user"), AutoNotifications: on("auto_notifications"),
		FirstCollect: v("first_collect"), FirstCollectDays: v("first_collect_days"),
		Comment: r.PostFormValue("comment"), PollInterval: v("poll_interval"), Budget: v("budget"), Idle: on("idle"),
		Errors: views.FieldErrors{}, Unsaved: true,
	},
		password:      r.PostFormValue("password"),
		clearPassword: r.PostFormValue("clear_password") == "1",
		refresh:       r.PostFormValue("_refresh") != "",
	}
	if f.Type == "" {
		f.Type = typeIMAP
	}
	f.ApplicationID = applicationOfType(f.Type)
	return f
}

// savedReceiverForm shows a stored receiver; the password stays out.
func savedReceiverForm(ctx context.Context, rec *store.Receiver, health store.ReceiverHealth) views.ReceiverForm {
	f := views.ReceiverForm{
		ID: rec.ID, Name: rec.Name, Active: rec.IsActive, Host: rec.Host, Port: strconv.Itoa(rec.Port), Type: typeOf(rec),
		Security: rec.Security, ValidateCert: rec.ValidateCert, Login: rec.Login, HasPassword: rec.Password != "",
		Folder: rec.Folder, AcceptedFolder: rec.AcceptedFolder, RefusedFolder: rec.RefusedFolder,
		FilesizeMio: int(rec.FilesizeMax / mio), UseMailDate: rec.UseMailDate, UseReplyTo: rec.RequesterField == "reply-to",
		AddCC: rec.AddCcToObserver, AddTo: rec.AddToToObserver, OnlyUnread: rec.CollectOnlyUnread,
		CreateUser: rec.CreateUserFromEmail, AutoNotifications: rec.ImportAutoNotifications,
		FirstCollect: rec.FirstCollect, FirstCollectDays: strconv.Itoa(rec.FirstCollectDays), Comment: rec.Comment, PollInterval: strconv.Itoa(rec.PollIntervalSeconds),
		Budget: strconv.Itoa(rec.Budget), Idle: rec.IdleEnabled, Errors: views.FieldErrors{},
		Health: health, ErrorCount: rec.Errors, LastError: rec.LastError, LastCollect: views.FormatTime(ctx, rec.LastCollectAt),
	}
	f.ApplicationID = applicationOfType(f.Type)
	return f
}

// newReceiverForm is a new receiver with GLPI's defaults.
func newReceiverForm() views.ReceiverForm {
	return views.ReceiverForm{
		Active: true, Type: typeIMAP, Security: "ssl", ValidateCert: true, Port: strconv.Itoa(store.DefaultReceiverPort),
		FilesizeMio: store.DefaultFilesizeMax / mio, AddTo: true, PollInterval: strconv.Itoa(store.DefaultPollInterval),
		Budget: strconv.Itoa(store.DefaultReceiverBudget), Idle: true, Errors: views.FieldErrors{},
		// A mailbox may hold years of mail: by default only the last week.
		FirstCollect: store.FirstCollectRecent, FirstCollectDays: strconv.Itoa(store.DefaultFirstCollectDays),
	}
}

// fillChoices lists the connection types (IMAP and every active
// application, plus the receiver's own one if it was deactivated) and,
// for an application, its authorizations. The first authorization is
// preselected when none is chosen yet, as GLPI's dropdown shows.
func (h *Handler) fillChoices(ctx context.Context, f *views.ReceiverForm) error {
	apps, err := h.store.ActiveApplications(ctx)
	if err != nil {
		return err
	}
	f.Types = []views.Choice{{Value: typeIMAP, Label: "IMAP"}}
	found := f.ApplicationID == 0
	for _, a := range apps {
		f.Types = append(f.Types, views.Choice{Value: typeOAuthPref + strconv.FormatInt(a.ID, 10), Label: a.Name})
		found = found || a.ID == f.ApplicationID
	}
	if !found {
		label := "Unknown application"
		if a, err := h.store.Application(ctx, f.ApplicationID); err == nil {
			label = a.Name + " (inactive)"
		}
		f.Types = append(f.Types, views.Choice{Value: f.Type, Label: label})
	}
	f.Authorizations = nil
	if f.ApplicationID == 0 {
		return nil
	}
	auths, err := h.store.Authorizations(ctx, f.ApplicationID)
	if err != nil {
		return err
	}
	for _, a := range auths {
		id := strconv.FormatInt(a.ID, 10)
		f.Authorizations = append(f.Authorizations, views.Choice{Value: id, Label: a.Email})
		if f.Authorization == "" && strings.EqualFold(a.Email, f.Login) && f.Login != "" {
			f.Authorization = id
		}
	}
	// A stored login with no authorization left stays unchosen rather than
	// silently becoming another account.
	if f.Authorization == "" && f.Login == "" {
		f.Authorization = views.CreateAuthorization
		if len(auths) > 0 {
			f.Authorization = f.Authorizations[0].Value
		}
	}
	return nil
}

// applyProviderDefaults fills the server of an application's provider
// when the Server field is empty.
func (h *Handler) applyProviderDefaults(ctx context.Context, f *views.ReceiverForm) {
	if f.ApplicationID == 0 || f.Host != "" {
		return
	}
	app, err := h.store.Application(ctx, f.ApplicationID)
	if err != nil {
		return
	}
	if srv, ok := app.OAuth().DefaultIMAPServer(); ok {
		f.Host, f.Port, f.Security, f.ValidateCert = srv.Host, strconv.Itoa(srv.Port), srv.Security, true
	}
}

// allowSignInFrom lets the receiver form lead, through its save, to the
// sign-in page of the chosen application's provider ("Create
// authorization for another user"): the page's CSP otherwise stops a form
// whose answer redirects to another origin.
func (h *Handler) allowSignInFrom(ctx context.Context, w http.ResponseWriter, f *views.ReceiverForm) {
	if f.ApplicationID == 0 {
		return
	}
	app, err := h.store.Application(ctx, f.ApplicationID)
	if err != nil {
		return
	}
	if origin := h.authorizeOrigin(ctx, app); origin != "" {
		allowFormAction(w, origin)
	}
}
