package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// msgMandatory is GLPI's message for missing mandatory fields.
const msgMandatory = "Mandatory fields are not filled. Please correct: "

// validate puts a message next to each field that is wrong, and above
// the form the mandatory fields left empty. appExists says whether the
// chosen OAuth application is still there.
func (f *receiverForm) validate(appExists bool) {
	e := f.Errors
	var missing []string
	mandatory := func(field, label, msg string) {
		missing = append(missing, label)
		e.Add(field, msg)
	}
	if f.Name == "" {
		mandatory("name", "Name", "The name is mandatory.")
	}
	if f.Host == "" {
		mandatory("host", "Server", "The server is mandatory.")
	}
	switch f.Security {
	case "ssl", "starttls", "none":
	default:
		e.Add("security", "Choose SSL, STARTTLS or None (no encryption).")
	}
	if port, err := strconv.Atoi(f.Port); f.Port != "" && (err != nil || port < 1 || port > 65535) {
		e.Add("port", "The port must be a number between 1 and 65535.")
	}
	if f.FilesizeMio < 0 || f.FilesizeMio > store.MaxFilesizeMaxMio {
		e.Add("filesize_max", "Choose a size in the list.")
	}
	if n, err := strconv.Atoi(f.PollInterval); err != nil || n < store.MinPollIntervalSeconds || n > store.MaxPollIntervalSeconds {
		e.Add("poll_interval", fmt.Sprintf("The poll interval must be a whole number of seconds between %d and %d (one day).", store.MinPollIntervalSeconds, store.MaxPollIntervalSeconds))
	}
	if n, err := strconv.Atoi(f.Budget); err != nil || n < 1 || n > store.MaxReceiverBudget {
		e.Add("budget", fmt.Sprintf("The messages per run must be between 1 and %d.", store.MaxReceiverBudget))
	}
	kind, days := f.firstCollect()
	switch err := store.CheckFirstCollect(kind, days); {
	case err == nil:
	case kind == store.FirstCollectRecent:
		e.Add("first_collect_days", err.Error())
	default:
		e.Add("first_collect", err.Error())
	}
	if f.ApplicationID == 0 {
		if f.Type != typeIMAP {
			mandatory("type", "Connection options", "Choose a connection type.")
		}
		if f.Login == "" {
			mandatory("login", "Login", "The login is mandatory.")
		}
	} else {
		if !appExists {
			mandatory("type", "Connection options", "This OAuth application does not exist any more: choose a connection type.")
		}
		switch f.Authorization {
		case views.CreateAuthorization:
		case "":
			mandatory("authorization", "Login", "Choose an authorization, or create one.")
		default:
			if _, ok := f.chosenLogin(); !ok {
				e.Add("authorization", "This authorization does not belong to the application: choose another.")
			}
		}
	}
	checkTexts(e, formText{key: "name", label: "Name", value: f.Name}, formText{key: "host", label: "Server", value: f.Host},
		formText{key: "login", label: "Login", value: f.Login}, formText{key: "password", label: "Password", value: f.password, long: true, max: store.MaxSecretText},
		formText{key: "folder", label: "Incoming mail folder", value: f.Folder},
		formText{key: "accepted_folder", label: "Accepted mail archive folder", value: f.AcceptedFolder},
		formText{key: "refused_folder", label: "Refused mail archive folder", value: f.RefusedFolder},
		formText{key: "comment", label: "Comments", value: f.Comment, long: true})
	if len(missing) > 0 {
		e.Add(views.FormError, msgMandatory+strings.Join(missing, ", "))
	}
}

// firstCollect is the first-collection choice and its days as posted; a
// post without the field means all mail, GLPI's way.
func (f *receiverForm) firstCollect() (string, int) {
	kind, days := f.FirstCollect, store.DefaultFirstCollectDays
	if kind == "" {
		kind = store.FirstCollectAll
	}
	if f.FirstCollectDays != "" {
		n, err := strconv.Atoi(f.FirstCollectDays)
		if err != nil {
			n = -1
		}
		days = n
	}
	return kind, days
}

// chosenLogin is the e-mail of the chosen authorization, among those the
// application has (fillChoices lists them).
func (f *receiverForm) chosenLogin() (string, bool) {
	for _, c := range f.Authorizations {
		if c.Value == f.Authorization {
			return c.Label, true
		}
	}
	return "", false
}

// receiver is the receiver a valid form describes. For an OAuth type,
// Login is the chosen authorization's e-mail ("" with "Create
// authorization for another user").
func (f *receiverForm) receiver() *store.Receiver {
	rec := &store.Receiver{
		ID: f.ID, Name: f.Name, IsActive: f.Active, Host: f.Host, Security: f.Security, ValidateCert: f.ValidateCert,
		Folder: f.Folder, AcceptedFolder: f.AcceptedFolder, RefusedFolder: f.RefusedFolder,
		FilesizeMax: int64(f.FilesizeMio) * mio, UseMailDate: f.UseMailDate, RequesterField: "from",
		AddToToObserver: f.AddTo, AddCcToObserver: f.AddCC, CollectOnlyUnread: f.OnlyUnread,
		CreateUserFromEmail: f.CreateUser, ImportAutoNotifications: f.AutoNotifications, IdleEnabled: f.Idle, Comment: f.Comment,
	}
	if f.UseReplyTo {
		rec.RequesterField = "reply-to"
	}
	switch {
	case f.Port == "" && f.Security == "ssl":
		rec.Port = 993
	case f.Port == "":
		rec.Port = 143
	default:
		rec.Port, _ = strconv.Atoi(f.Port)
	}
	rec.PollIntervalSeconds, _ = strconv.Atoi(f.PollInterval)
	rec.Budget, _ = strconv.Atoi(f.Budget)
	rec.FirstCollect, rec.FirstCollectDays = f.firstCollect()
	if rec.FirstCollect != store.FirstCollectRecent && (rec.FirstCollectDays < 1 || rec.FirstCollectDays > store.MaxFirstCollectDays) {
		rec.FirstCollectDays = store.DefaultFirstCollectDays // unused by this choice: keep a sane value
	}
	if f.ApplicationID == 0 {
		rec.Login, rec.Password = f.Login, f.password
		return rec
	}
	appID := f.ApplicationID
	rec.ApplicationID = &appID
	rec.Login, _ = f.chosenLogin()
	return rec
}

// receiverCreate adds a receiver; receiverSave updates one. Both re-render
// without saving when the connection type changed (_refresh).
func (h *Handler) receiverCreate(w http.ResponseWriter, r *http.Request) { h.receiverSubmit(w, r, 0) }

func (h *Handler) receiverSave(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	h.receiverSubmit(w, r, id)
}

func (h *Handler) receiverSubmit(w http.ResponseWriter, r *http.Request, id int64) {
	ctx := r.Context()
	f := parseReceiverForm(r)
	f.ID = id
	var old *store.Receiver
	if id != 0 {
		var err error
		if old, err = h.store.Receiver(ctx, id); err != nil {
			h.serverError(w, r, err)
			return
		}
		f.HasPassword = old.Password != ""
		f.Health, f.ErrorCount, f.LastError, f.LastCollect = old.Health(""), old.Errors, old.LastError, views.FormatTime(ctx, old.LastCollectAt)
		if f.ApplicationID != 0 && old.UsesOAuth() && *old.ApplicationID == f.ApplicationID {
			f.Login = old.Login // the e-mail of the authorization it had
		}
	}
	f.CanCollect = h.collect != nil
	if f.refresh {
		h.applyProviderDefaults(ctx, &f.ReceiverForm)
	}
	if err := h.fillChoices(ctx, &f.ReceiverForm); err != nil {
		h.serverError(w, r, err)
		return
	}
	if f.refresh {
		h.showReceiverForm(w, r, http.StatusOK, f.ReceiverForm)
		return
	}
	appExists := true
	if f.ApplicationID != 0 {
		_, err := h.store.Application(ctx, f.ApplicationID)
		appExists = err == nil
	}
	if f.validate(appExists); f.Errors.Any() {
		h.showReceiverForm(w, r, http.StatusUnprocessableEntity, f.ReceiverForm)
		return
	}
	rec := f.receiver()
	createAuth := f.Authorization == views.CreateAuthorization
	if createAuth && old != nil && old.UsesOAuth() && *old.ApplicationID == f.ApplicationID {
		rec.Login = old.Login // keep collecting with the old account until the new one is granted
	}
	me := userOf(r)
	var err error
	if id == 0 {
		err = h.store.CreateReceiver(ctx, rec, me)
	} else {
		err = h.store.UpdateReceiver(ctx, rec, f.clearPassword, me)
	}
	if errors.Is(err, store.ErrDuplicate) {
		f.Errors.Add("name", "A receiver with this name already exists.")
		h.showReceiverForm(w, r, http.StatusUnprocessableEntity, f.ReceiverForm)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.receiversChanged()
	to := paths.Receiver(rec.ID)
	if id == 0 {
		h.flash(r, "success", fmt.Sprintf("Item successfully added: %s", rec.Name))
	} else {
		h.flash(r, "success", "Item successfully updated.")
	}
	if rec.UsesOAuth() && createAuth {
		// GLPI's way: the save goes straight on to the provider's sign-in;
		// the callback points this receiver at the new authorization and
		// comes back here.
		app, err := h.store.Application(ctx, *rec.ApplicationID)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		h.beginSignIn(w, r, app, signIn{ReceiverID: rec.ID, ReturnTo: to})
		return
	}
	redirect(w, r, to)
}

// showReceiverForm renders the receiver page, letting its save lead on to
// the provider's sign-in (allowSignInFrom).
func (h *Handler) showReceiverForm(w http.ResponseWriter, r *http.Request, status int, f views.ReceiverForm) {
	h.allowSignInFrom(r.Context(), w, &f)
	h.render(w, r, status, views.ReceiverPage(f))
}
