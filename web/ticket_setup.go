package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/paths"
	"github.com/oauthimap/oauthimap/web/views"
)

// Administration > Groups, Setup > Dropdowns > ITIL categories and the
// priority matrix: administrators only (see the route table).

// formRefusal is the form's message for a save refused for its input; ""
// for anything else.
func formRefusal(err error, duplicate string) string {
	if errors.Is(err, store.ErrDuplicate) {
		return duplicate
	}
	return workRefusal(err)
}

func (h *Handler) groupsList(w http.ResponseWriter, r *http.Request) {
	gs, err := h.store.Groups(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	rows := make([]views.GroupRow, 0, len(gs))
	for _, g := range gs {
		rows = append(rows, views.GroupRow{ID: g.ID, Name: g.Name, Comment: g.Comment, IsAssign: g.IsAssign, IsRequester: g.IsRequester, Members: g.Members})
	}
	h.render(w, r, http.StatusOK, views.GroupsPage(rows))
}

// groupMembers offers every active user, ticking those of checked.
func (h *Handler) groupMembers(r *http.Request, checked []int64) ([]views.MemberChoice, error) {
	users, err := h.store.ActiveUsers(r.Context())
	if err != nil {
		return nil, err
	}
	out := make([]views.MemberChoice, 0, len(users))
	for _, u := range users {
		out = append(out, views.MemberChoice{ID: u.ID, Label: u.Label(), Checked: slices.Contains(checked, u.ID)})
	}
	return out, nil
}

func (h *Handler) groupNew(w http.ResponseWriter, r *http.Request) {
	members, err := h.groupMembers(r, nil)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.GroupPage(views.GroupForm{IsAssign: true, IsRequester: true, Members: members}, nil))
}

func (h *Handler) groupEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	g, err := h.store.Group(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	ids, err := h.store.GroupMemberIDs(r.Context(), id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	members, err := h.groupMembers(r, ids)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	hist, err := h.historyRows(r.Context(), "group", id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.GroupPage(views.GroupForm{ID: g.ID, Name: g.Name, Comment: g.Comment, IsAssign: g.IsAssign,
		IsRequester: g.IsRequester, Members: members}, hist))
}

// groupSave creates (no id in the path) or updates a group.
func (h *Handler) groupSave(w http.ResponseWriter, r *http.Request) {
	var id int64
	if r.PathValue("id") != "" {
		var ok bool
		if id, ok = idParam(r, "id"); !ok {
			h.notFound(w, r)
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return
	}
	var members []int64
	for _, v := range r.PostForm["members"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
			members = append(members, n)
		}
	}
	g := &store.Group{ID: id, Name: strings.TrimSpace(r.PostFormValue("name")), Comment: r.PostFormValue("comment"),
		IsAssign: r.PostFormValue("is_assign") == "1", IsRequester: r.PostFormValue("is_requester") == "1"}
	err := h.store.SaveGroup(r.Context(), g, members, userOf(r))
	if msg := formRefusal(err, "A group of this name exists already."); msg != "" {
		choices, cerr := h.groupMembers(r, members)
		if cerr != nil {
			h.serverError(w, r, cerr)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, views.GroupPage(views.GroupForm{ID: id, Name: g.Name, Comment: g.Comment,
			IsAssign: g.IsAssign, IsRequester: g.IsRequester, Members: choices, Error: msg}, nil))
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Group "+g.Name+" saved.")
	redirect(w, r, paths.Group(g.ID))
}

func (h *Handler) groupDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	err := h.store.DeleteGroup(r.Context(), id, userOf(r))
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Group deleted.")
	redirect(w, r, paths.Groups)
}

func (h *Handler) categoriesList(w http.ResponseWriter, r *http.Request) {
	cs, err := h.store.Categories(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	rows := make([]views.CategoryRow, 0, len(cs))
	for _, c := range cs {
		rows = append(rows, views.CategoryRow{ID: c.ID, FullName: c.FullName, Comment: c.Comment, Active: c.IsActive})
	}
	h.render(w, r, http.StatusOK, views.CategoriesPage(rows))
}

// categoryParents offers every category but self and its descendants.
func (h *Handler) categoryParents(r *http.Request, self int64) ([]views.Choice, error) {
	cs, err := h.store.Categories(r.Context())
	if err != nil {
		return nil, err
	}
	var selfPath string
	for _, c := range cs {
		if c.ID == self {
			selfPath = c.FullName
		}
	}
	var out []views.Choice
	for _, c := range cs {
		if self != 0 && (c.ID == self || strings.HasPrefix(c.FullName, selfPath+store.CategorySeparator)) {
			continue
		}
		out = append(out, views.Choice{Value: strconv.FormatInt(c.ID, 10), Label: c.FullName})
	}
	return out, nil
}

func (h *Handler) categoryNew(w http.ResponseWriter, r *http.Request) {
	parents, err := h.categoryParents(r, 0)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.CategoryPage(views.CategoryForm{Active: true, Parents: parents}))
}

func (h *Handler) categoryEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	c, err := h.store.Category(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	parents, err := h.categoryParents(r, id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	f := views.CategoryForm{ID: c.ID, Name: c.Name, Comment: c.Comment, Active: c.IsActive, Parents: parents}
	if c.ParentID != nil {
		f.ParentID = *c.ParentID
	}
	h.render(w, r, http.StatusOK, views.CategoryPage(f))
}

// categorySave creates (no id in the path) or updates a category.
func (h *Handler) categorySave(w http.ResponseWriter, r *http.Request) {
	var id int64
	if r.PathValue("id") != "" {
		var ok bool
		if id, ok = idParam(r, "id"); !ok {
			h.notFound(w, r)
			return
		}
	}
	c := &store.Category{ID: id, Name: strings.TrimSpace(r.PostFormValue("name")), Comment: r.PostFormValue("comment"),
		IsActive: r.PostFormValue("is_active") == "1"}
	if p := r.PostFormValue("parent"); p != "" {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			n = -1
		}
		c.ParentID = &n
	}
	err := h.store.SaveCategory(r.Context(), c, userOf(r))
	if msg := formRefusal(err, "This category exists already."); msg != "" {
		parents, perr := h.categoryParents(r, id)
		if perr != nil {
			h.serverError(w, r, perr)
			return
		}
		f := views.CategoryForm{ID: id, Name: c.Name, Comment: c.Comment, Active: c.IsActive, Parents: parents, Error: msg}
		if c.ParentID != nil {
			f.ParentID = *c.ParentID
		}
		h.render(w, r, http.StatusUnprocessableEntity, views.CategoryPage(f))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "ITIL category "+c.FullName+" saved.")
	redirect(w, r, paths.Categories)
}

func (h *Handler) categoryDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := idParam(r, "id")
	if !ok {
		h.notFound(w, r)
		return
	}
	err := h.store.DeleteCategory(r.Context(), id, userOf(r))
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.notFound(w, r)
		return
	case errors.Is(err, store.ErrCategoryHasChildren):
		h.flash(r, "danger", string(store.ErrCategoryHasChildren))
		redirect(w, r, paths.Category(id))
		return
	case err != nil:
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "ITIL category deleted.")
	redirect(w, r, paths.Categories)
}

func (h *Handler) priorityMatrixShow(w http.ResponseWriter, r *http.Request) {
	m, err := h.store.LoadPriorityMatrix(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, views.PriorityMatrixPage(m, ""))
}

func (h *Handler) priorityMatrixSave(w http.ResponseWriter, r *http.Request) {
	var m store.PriorityMatrix
	bad := false
	for u := store.LevelVeryLow; u <= store.LevelVeryHigh; u++ {
		for i := store.LevelVeryLow; i <= store.LevelVeryHigh; i++ {
			n, err := strconv.Atoi(r.PostFormValue(views.MatrixField(u, i)))
			if err != nil || !store.ValidPriority(n) {
				bad, n = true, 0
			}
			m[u][i] = n
		}
	}
	if bad {
		cur, err := h.store.LoadPriorityMatrix(r.Context())
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, views.PriorityMatrixPage(cur, "Choose a priority in every cell: nothing was saved."))
		return
	}
	if err := h.store.SavePriorityMatrix(r.Context(), m, userOf(r)); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", "Priority matrix saved. It applies to the priorities computed from now on.")
	redirect(w, r, paths.PriorityMatrix)
}
