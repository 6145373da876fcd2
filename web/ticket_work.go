package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// fillWork adds the actors, classification and choices to a ticket view,
// as seen by the user of ctx.
func (h *Handler) fillWork(ctx context.Context, v *views.TicketView, t *store.Ticket) error {
	me, _ := ctx.Value(userKey).(*store.User)
	w := views.TicketWork{ID: t.ID, Status: views.StatusOf(t.Status), Type: t.Type, Urgency: t.Urgency, Impact: t.Impact, Priority: t.Priority}
	entries, err := h.store.TicketActorEntries(ctx, t.ID)
	if err != nil {
		return err
	}
	contacts, err := h.store.TicketActors(ctx, t.ID)
	if err != nil {
		return err
	}
	for _, e := range entries {
		val := e.Kind + ":" + strconv.FormatInt(e.ID, 10)
		label := e.Name
		if e.Kind == store.ActorKindGroup {
			label = "Group " + e.Name
		}
		w.Actors = append(w.Actors, views.ActorView{Role: e.Role, Kind: e.Kind, Icon: views.ActorIcon(e.Kind), Value: val, Label: label})
		if me != nil && e.Kind == store.ActorKindUser && e.Role == store.ActorAssigned && e.ID == me.ID {
			w.AssignedMe = true
		}
	}
	for _, c := range contacts {
		w.Actors = append(w.Actors, views.ActorView{Role: c.Role, Kind: store.ActorKindEmail, Icon: views.ActorIcon(store.ActorKindEmail), Value: c.Email, Label: person(c.Name, c.Email)})
	}
	w.Picker = views.ActorPicker{Role: store.ActorAssigned}
	if t.CategoryID != nil {
		w.CategoryID = *t.CategoryID
	}
	if w.Categories, w.Category, err = h.categoryChoices(ctx, w.CategoryID); err != nil {
		return err
	}
	m, err := h.store.LoadPriorityMatrix(ctx)
	if err != nil {
		return err
	}
	w.PriorityByHand = m.Priority(t.Urgency, t.Impact) != t.Priority
	v.Work = w
	return nil
}

// actorChoices offers the active users and the groups ("user:ID",
// "group:ID"); onlyAssignable leaves out the groups that cannot be assigned.
func (h *Handler) actorChoices(ctx context.Context, onlyAssignable bool) ([]views.ChoiceGroup, error) {
	users, err := h.store.ActiveUsers(ctx)
	if err != nil {
		return nil, err
	}
	groups, err := h.store.Groups(ctx)
	if err != nil {
		return nil, err
	}
	ug := views.ChoiceGroup{Label: "Users"}
	for _, u := range users {
		ug.Choices = append(ug.Choices, views.Choice{Value: "user:" + strconv.FormatInt(u.ID, 10), Label: u.Label()})
	}
	gg := views.ChoiceGroup{Label: "Groups"}
	for _, g := range groups {
		if g.IsAssign || !onlyAssignable {
			gg.Choices = append(gg.Choices, views.Choice{Value: "group:" + strconv.FormatInt(g.ID, 10), Label: g.Name})
		}
	}
	return []views.ChoiceGroup{ug, gg}, nil
}

// categoryChoices offers the active categories by full name, and the
// category keep even when inactive; it also returns keep's full name.
func (h *Handler) categoryChoices(ctx context.Context, keep int64) ([]views.Choice, string, error) {
	cats, err := h.store.Categories(ctx)
	if err != nil {
		return nil, "", err
	}
	var out []views.Choice
	name := ""
	for _, c := range cats {
		if c.ID == keep {
			name = c.FullName
		}
		if c.IsActive || c.ID == keep {
			out = append(out, views.Choice{Value: strconv.FormatInt(c.ID, 10), Label: c.FullName})
		}
	}
	return out, name, nil
}

// actorMatchLimit bounds the users, and the groups, a search offers.
const actorMatchLimit = 10

// actorPicker is the "add an actor" search for the words q typed for the
// role: the matching users and groups, then the typed e-mail address when
// the role takes one.
func (h *Handler) actorPicker(ctx context.Context, role, q string) (views.ActorPicker, error) {
	if !store.ValidActorRole(role) {
		role = store.ActorAssigned
	}
	p := views.ActorPicker{Role: role, Query: q, Searched: true}
	found, err := h.store.SearchActors(ctx, q, role, actorMatchLimit)
	if err != nil {
		return p, err
	}
	for _, m := range found {
		o := views.ActorOption{Value: m.Kind + ":" + strconv.FormatInt(m.ID, 10), Kind: m.Kind, Icon: views.ActorIcon(m.Kind), Label: m.Name, Detail: m.Detail}
		if m.Kind == store.ActorKindGroup {
			o.Detail = "Group"
		}
		p.Matches = append(p.Matches, o)
	}
	if addr := typedAddress(q); addr != "" && role != store.ActorAssigned {
		p.Matches = append(p.Matches, views.ActorOption{Value: addr, Kind: store.ActorKindEmail, Icon: views.ActorIcon(store.ActorKindEmail), Label: addr, Detail: "E-mail address"})
	}
	return p, nil
}

// typedAddress is q when it is an e-mail address, else "".
func typedAddress(q string) string {
	q = strings.TrimSpace(q)
	if a, err := mail.ParseAddress(q); err == nil && a.Address == q {
		return q
	}
	return ""
}

// ticketActorSearch answers the picker's script: the matches of
// ?q= for ?role= as JSON, the same the page lists without script.
func (h *Handler) ticketActorSearch(w http.ResponseWriter, r *http.Request) {
	t, ok := h.ticketOr404(w, r)
	if !ok {
		return
	}
	p, err := h.actorPicker(r.Context(), r.URL.Query().Get("role"), r.URL.Query().Get("q"))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	type match struct {
		Value  string `json:"value"`
		Kind   string `json:"kind"`
		Label  string `json:"label"`
		Detail string `json:"detail,omitempty"`
	}
	out := struct {
		Ticket  int64   `json:"ticket"`
		Matches []match `json:"matches"`
	}{Ticket: t.ID, Matches: []match{}}
	for _, m := range p.Matches {
		out.Matches = append(out.Matches, match{Value: m.Value, Kind: m.Kind, Label: m.Label, Detail: m.Detail})
	}
	writeJSON(w, http.StatusOK, out)
}

// parseActor reads "user:ID", "group:ID" or an e-mail address.
func parseActor(role, who, email string) (helpdesk.Actor, bool) {
	a := helpdesk.Actor{Role: role}
	kind, id, ok := strings.Cut(who, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	switch {
	case ok && err == nil && n > 0 && (kind == store.ActorKindUser || kind == store.ActorKindGroup):
		a.Kind, a.ID = kind, n
	case strings.TrimSpace(email) != "":
		a.Kind, a.Email = store.ActorKindEmail, strings.TrimSpace(email)
	case who != "" && strings.Contains(who, "@"):
		a.Kind, a.Email = store.ActorKindEmail, who
	default:
		return a, false
	}
	return a, store.ValidActorRole(role)
}

// workRefusal is the message for an action refused for its input; ""
// for anything else.
func workRefusal(err error) string {
	var m store.Message
	switch {
	case err == nil:
		return ""
	case errors.As(err, &m): // a refusal in words, naming the group or user
		return string(m)
	case errors.Is(err, helpdesk.ErrNotAssignable):
		return "This group cannot be assigned (see \"Can be assigned\" in Administration > Groups), or this user is not active."
	case errors.Is(err, helpdesk.ErrNoSolution):
		return "Write the solution first."
	case errors.Is(err, helpdesk.ErrEmptyFollowup):
		return "Write the follow-up first."
	case errors.Is(err, store.ErrNotFound):
		return "This user, group or category no longer exists."
	case errors.Is(err, store.ErrInvalid):
		msg := err.Error()
		if i := strings.LastIndex(msg, "invalid value: "); i >= 0 {
			msg = msg[i+len("invalid value: "):]
			r := []rune(msg)
			r[0] = unicode.ToUpper(r[0])
			return string(r) + "."
		}
		return "This value is not accepted."
	}
	return ""
}

// ticketOr404 reads the ticket of the path, answering 404 when there is
// none (or no helpdesk).
func (h *Handler) ticketOr404(w http.ResponseWriter, r *http.Request) (*store.Ticket, bool) {
	id, ok := idParam(r, "id")
	if !ok || h.desk == nil {
		h.notFound(w, r)
		return nil, false
	}
	t, err := h.store.Ticket(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return nil, false
	}
	if err != nil {
		h.serverError(w, r, err)
		return nil, false
	}
	return t, true
}

// workDone answers an action: back to the ticket with a flash, or the
// page again with the refusal.
func (h *Handler) workDone(w http.ResponseWriter, r *http.Request, id int64, changed bool, err error, done string, edit func(*views.TicketView)) {
	if msg := workRefusal(err); msg != "" {
		v, verr := h.ticketView(r.Context(), id, false)
		if verr != nil {
			h.serverError(w, r, verr)
			return
		}
		v.Work.Error = msg
		if edit != nil {
			edit(&v)
		}
		h.render(w, r, http.StatusUnprocessableEntity, views.TicketPage(v))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if changed {
		h.flash(r, "success", done)
	}
	redirect(w, r, paths.Ticket(id))
}

// ticketAssignMe assigns the ticket to the user.
func (h *Handler) ticketAssignMe(w http.ResponseWriter, r *http.Request) {
	t, ok := h.ticketOr404(w, r)
	if !ok {
		return
	}
	changed, err := h.desk.AssignToMe(r.Context(), t.ID, userOf(r))
	h.workDone(w, r, t.ID, changed, err, "The ticket is assigned to you.", nil)
}

// ticketActorAdd adds a requester, observer or assignee.
func (h *Handler) ticketActorAdd(w http.ResponseWriter, r *http.Request) {
	t, ok := h.ticketOr404(w, r)
	if !ok {
		return
	}
	role, who, q := r.PostFormValue("role"), r.PostFormValue("actor"), strings.TrimSpace(r.PostFormValue("q"))
	if r.PostFormValue("do") == "search" {
		// The search without script: the page again, with the matches.
		v := url.Values{"role": {role}, "actor_q": {q}}
		redirect(w, r, paths.Ticket(t.ID)+"?"+v.Encode()+"#add-actor-form")
		return
	}
	a, ok := parseActor(role, who, typedAddress(q))
	if !ok {
		// Words typed but nothing chosen: the matches to choose from.
		p, err := h.actorPicker(r.Context(), role, q)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		msg := "Choose a user or a group among the matches, or type an e-mail address."
		if q == "" {
			msg = "Type part of a name and search, or type an e-mail address."
		}
		h.workDone(w, r, t.ID, false, store.Message(msg), "", func(v *views.TicketView) {
			v.Work.Picker = p
		})
		return
	}
	changed, err := h.desk.AddActor(r.Context(), t.ID, a, userOf(r))
	h.workDone(w, r, t.ID, changed, err, "Actor added.", func(v *views.TicketView) {
		v.Work.Picker.Role, v.Work.Picker.Query = role, q
	})
}

// ticketActorRemove removes an actor.
func (h *Handler) ticketActorRemove(w http.ResponseWriter, r *http.Request) {
	t, ok := h.ticketOr404(w, r)
	if !ok {
		return
	}
	a, ok := parseActor(r.PostFormValue("role"), r.PostFormValue("actor"), "")
	if !ok {
		h.workDone(w, r, t.ID, false, fmt.Errorf("%w: this actor is not on the ticket", store.ErrInvalid), "", nil)
		return
	}
	changed, err := h.desk.RemoveActor(r.Context(), t.ID, a, userOf(r))
	h.workDone(w, r, t.ID, changed, err, "Actor removed.", nil)
}

// ticketFields sets type, category, urgency, impact and priority.
func (h *Handler) ticketFields(w http.ResponseWriter, r *http.Request) {
	t, ok := h.ticketOr404(w, r)
	if !ok {
		return
	}
	num := func(name string) int {
		n, err := strconv.Atoi(r.PostFormValue(name))
		if err != nil {
			return -1
		}
		return n
	}
	f := helpdesk.Fields{Type: num("type"), Urgency: num("urgency"), Impact: num("impact")}
	if p := r.PostFormValue("priority"); p != "" {
		f.Priority = num("priority")
	}
	if c := r.PostFormValue("category"); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			id = -1
		}
		f.CategoryID = &id
	}
	changed, err := h.desk.SetFields(r.Context(), t.ID, f, userOf(r))
	h.workDone(w, r, t.ID, changed, err, "Ticket updated.", nil)
}

// ticketSolve solves the ticket with a solution text.
func (h *Handler) ticketSolve(w http.ResponseWriter, r *http.Request) {
	t, ok := h.ticketOr404(w, r)
	if !ok {
		return
	}
	text := r.PostFormValue("solution")
	if msg := (formText{label: "The solution", value: text, long: true, max: store.MaxContentText}).problem(); msg != "" {
		h.workDone(w, r, t.ID, false, store.Message(msg), "", func(v *views.TicketView) {
			v.Work.Solution, v.Work.SolveError, v.Work.Error = text, msg, ""
		})
		return
	}
	changed, err := h.desk.Solve(r.Context(), t.ID, text, userOf(r))
	h.workDone(w, r, t.ID, changed, err, "Ticket solved.", func(v *views.TicketView) {
		v.Work.Solution, v.Work.SolveError, v.Work.Error = text, v.Work.Error, ""
	})
}

// ticketHistory is the History tab: the ticket's audit trail.
func (h *Handler) ticketHistory(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	t, err := h.store.Ticket(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	rows, err := h.historyRows(r.Context(), "ticket", id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.TicketHistoryPage(t.ID, t.Title, rows))
}

// historyRows reads an object's audit trail for a History tab.
func (h *Handler) historyRows(ctx context.Context, objectType string, id int64) ([]views.HistoryRow, error) {
	ev, err := h.store.AuditEvents(ctx, objectType, id, 500)
	if err != nil {
		return nil, err
	}
	return historyOf(ctx, ev), nil
}

// historyOf writes audit rows for a History table.
func historyOf(ctx context.Context, ev []store.AuditEvent) []views.HistoryRow {
	out := make([]views.HistoryRow, 0, len(ev))
	for _, e := range ev {
		who := e.Actor
		if who == "" || who == "system" {
			who = "System"
		}
		out = append(out, views.HistoryRow{At: views.FormatTime(ctx, &e.At), Actor: who, Change: e.Message})
	}
	return out
}

// applicationHistory is an application's History tab.
func (h *Handler) applicationHistory(w http.ResponseWriter, r *http.Request) {
	app, ok := h.applicationParam(w, r)
	if !ok {
		return
	}
	rows, err := h.historyRows(r.Context(), "application", app.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.ApplicationHistoryPage(app.ID, app.Name, rows))
}

// authorizationHistory is an authorization's history.
func (h *Handler) authorizationHistory(w http.ResponseWriter, r *http.Request) {
	auth, app, ok := h.authorizationParam(w, r)
	if !ok {
		return
	}
	rows, err := h.historyRows(r.Context(), "authorization", auth.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	path := paths.Authorization(auth.ID)
	crumbs := []views.Crumb{{Label: "Setup"}, {Label: "OAuth IMAP", Href: paths.Applications},
		{Label: app.Name, Href: paths.ApplicationAuthorizations(app.ID)}, {Label: auth.Email, Href: path}, {Label: "History"}}
	h.render(w, r, http.StatusOK, views.ObjectHistoryPage(auth.Email, crumbs, path, "Back to the authorization", rows))
}

// receiverHistory is a receiver's history.
func (h *Handler) receiverHistory(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.receiverParam(w, r)
	if !ok {
		return
	}
	rows, err := h.historyRows(r.Context(), "receiver", rec.ID)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	path := paths.Receiver(rec.ID)
	crumbs := []views.Crumb{{Label: "Setup"}, {Label: "Receivers", Href: paths.Receivers}, {Label: rec.Name, Href: path}, {Label: "History"}}
	h.render(w, r, http.StatusOK, views.ObjectHistoryPage(rec.Name, crumbs, path, "Back to the receiver", rows))
}
