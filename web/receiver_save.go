package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// msgMandatory is GLPI's message for missing mandatory fields.
const msgMandatory = "Mandatory fields are not filled. Please correct: "

// receiverFromForm checks the form and builds the receiver it describes;
// f.Errors says what is wrong. For an OAuth type, Login is the chosen
// authorization's e-mail ("" with "Create authorization for another user").
func (h *Handler) receiverFromForm(r *http.Request, f *views.ReceiverForm) *store.Receiver {
	var missing []string
	if f.Name == "" {
		missing = append(missing, "Name")
		f.Errors["name"] = "The name is mandatory."
	}
	if f.Host == "" {
		missing = append(missing, "Server")
		f.Errors["host"] = "The server is mandatory."
	}
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
	switch f.Security {
	case "ssl", "starttls", "none":
	default:
		f.Errors["security"] = "Choose SSL, STARTTLS or None (no encryption)."
	}
	switch port, err := strconv.Atoi(f.Port); {
	case f.Port == "" && f.Security == "ssl":
		rec.Port = 993
	case f.Port == "":
		rec.Port = 143
	case err != nil || port < 1 || port > 65535:
		f.Errors["port"] = "The port must be a number between 1 and 65535."
	default:
		rec.Port = port
	}
	if f.FilesizeMio < 0 || f.FilesizeMio > store.MaxFilesizeMaxMio {
		f.Errors["filesize_max"] = "Choose a size in the list."
	}
	if n, err := strconv.Atoi(f.PollInterval); err != nil || n < store.MinPollIntervalSeconds || n > store.MaxPollIntervalSeconds {
		f.Errors["poll_interval"] = fmt.Sprintf("The poll interval must be a whole number of seconds between %d and %d (one day).", store.MinPollIntervalSeconds, store.MaxPollIntervalSeconds)
	} else {
		rec.PollIntervalSeconds = n
	}
	if n, err := strconv.Atoi(f.Budget); err != nil || n < 1 || n > store.MaxReceiverBudget {
		f.Errors["budget"] = fmt.Sprintf("The messages per run must be between 1 and %d.", store.MaxReceiverBudget)
	} else {
		rec.Budget = n
	}
	rec.FirstCollect = f.FirstCollect
	if rec.FirstCollect == "" {
		rec.FirstCollect = store.FirstCollectAll // a post without the field: GLPI's way
	}
	rec.FirstCollectDays = store.DefaultFirstCollectDays
	if f.FirstCollectDays != "" {
		n, err := strconv.Atoi(f.FirstCollectDays)
		if err != nil {
			n = -1
		}
		rec.FirstCollectDays = n
	}
	switch err := store.CheckFirstCollect(rec.FirstCollect, rec.FirstCollectDays); {
	case err == nil:
	case rec.FirstCollect == store.FirstCollectRecent:
		f.Errors["first_collect_days"] = err.Error()
	default:
		f.Errors["first_collect"] = err.Error()
	}
	if rec.FirstCollect != store.FirstCollectRecent && (rec.FirstCollectDays < 1 || rec.FirstCollectDays > store.MaxFirstCollectDays) {
		rec.FirstCollectDays = store.DefaultFirstCollectDays // unused by this choice: keep a sane value
	}
	if f.ApplicationID == 0 {
		if f.Type != typeIMAP {
			missing = append(missing, "Connection options")
			f.Errors["type"] = "Choose a connection type."
		}
		if f.Login == "" {
			missing = append(missing, "Login")
			f.Errors["login"] = "The login is mandatory."
		}
		rec.Login, rec.Password = f.Login, r.PostFormValue("password")
	} else {
		appID := f.ApplicationID
		rec.ApplicationID = &appID
		if _, err := h.store.Application(r.Context(), appID); err != nil {
			missing = append(missing, "Connection options")
			f.Errors["type"] = "This OAuth application does not exist any more: choose a connection type."
		}
		switch f.Authorization {
		case "-1":
		case "":
			missing = append(missing, "Login")
			f.Errors["authorization"] = "Choose an authorization, or create one."
		default:
			found := false
			for _, c := range f.Authorizations {
				if c.Value == f.Authorization {
					rec.Login, found = c.Label, true
				}
			}
			if !found {
				f.Errors["authorization"] = "This authorization does not belong to the application: choose another."
			}
		}
	}
	checkTexts(f.Errors, formText{key: "name", label: "Name", value: f.Name}, formText{key: "host", label: "Server", value: f.Host},
		formText{key: "login", label: "Login", value: f.Login}, formText{key: "password", label: "Password", value: r.PostFormValue("password"), long: true, max: store.MaxSecretText},
		formText{key: "folder", label: "Incoming mail folder", value: f.Folder},
		formText{key: "accepted_folder", label: "Accepted mail archive folder", value: f.AcceptedFolder},
		formText{key: "refused_folder", label: "Refused mail archive folder", value: f.RefusedFolder},
		formText{key: "comment", label: "Comments", value: f.Comment, long: true})
	if len(missing) > 0 {
		f.Errors["form"] = msgMandatory + strings.Join(missing, ", ")
	}
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
	f := receiverFormFrom(r)
	f.ID = id
	var old *store.Receiver
	if id != 0 {
		var err error
		if old, err = h.store.Receiver(ctx, id); err != nil {
			h.serverError(w, r, err)
			return
		}
		f.HasPassword = old.Password != ""
		f.Health, f.ErrorCount, f.LastError, f.LastCollect = old.Health(""), old.Errors, old.LastError, views.FormatTime(old.LastCollectAt)
		if f.ApplicationID != 0 && old.UsesOAuth() && *old.ApplicationID == f.ApplicationID {
			f.Login = old.Login // the e-mail of the authorization it had
		}
	}
	f.CanCollect = h.collect != nil
	if r.PostFormValue("_refresh") != "" {
		h.applyProviderDefaults(ctx, &f)
		if err := h.fillChoices(ctx, &f); err != nil {
			h.serverError(w, r, err)
			return
		}
		h.allowSignInFrom(ctx, w, &f)
		h.render(w, r, http.StatusOK, views.ReceiverPage(f))
		return
	}
	if err := h.fillChoices(ctx, &f); err != nil {
		h.serverError(w, r, err)
		return
	}
	rec := h.receiverFromForm(r, &f)
	if len(f.Errors) > 0 {
		h.allowSignInFrom(ctx, w, &f)
		h.render(w, r, http.StatusUnprocessableEntity, views.ReceiverPage(f))
		return
	}
	if f.Authorization == "-1" && old != nil && old.UsesOAuth() && *old.ApplicationID == f.ApplicationID {
		rec.Login = old.Login // keep collecting with the old account until the new one is granted
	}
	me := userOf(r)
	var err error
	if id == 0 {
		err = h.store.CreateReceiver(ctx, rec, me)
	} else {
		err = h.store.UpdateReceiver(ctx, rec, r.PostFormValue("clear_password") == "1", me)
	}
	if errors.Is(err, store.ErrDuplicate) {
		f.Errors["name"] = "A receiver with this name already exists."
		h.allowSignInFrom(ctx, w, &f)
		h.render(w, r, http.StatusUnprocessableEntity, views.ReceiverPage(f))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.receiversChanged()
	to := receiverURL(rec.ID)
	if id == 0 {
		h.flash(r, "success", fmt.Sprintf("Item successfully added: %s", rec.Name))
	} else {
		h.flash(r, "success", "Item successfully updated.")
	}
	if rec.UsesOAuth() && f.Authorization == "-1" {
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

func receiverURL(id int64) string { return "/setup/receivers/" + strconv.FormatInt(id, 10) }
