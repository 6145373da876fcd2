package web

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// page builds the request's page context: user, form token, menu, flash.
func (h *Handler) page(r *http.Request) *views.Page {
	p := &views.Page{Path: r.URL.Path, Asset: h.assets.URL, Version: h.version, Demo: h.demo, DemoMail: h.demoMail != nil}
	u := userOf(r)
	if u == nil {
		return p
	}
	p.UserLogin, p.UserName, p.IsAdmin = u.Login, u.Name, u.Role == store.RoleAdmin
	if p.UserName == "" {
		p.UserName = u.Login
	}
	if s := sessionOf(r); s != nil {
		p.CSRFToken = s.CSRFToken
	}
	p.Menu = h.menuFor(u, r.URL.Path)
	p.Flash = h.popFlash(r)
	return p
}

// menuFor keeps the entries whose page exists and that the user may reach.
func (h *Handler) menuFor(u *store.User, path string) []views.MenuSection {
	var out []views.MenuSection
	for _, s := range menu {
		sec := views.MenuSection{Title: s.title}
		for _, it := range s.items {
			for _, rt := range h.routes {
				if rt.method != "GET" || rt.pattern != it.href || (rt.access == admin && u.Role != store.RoleAdmin) {
					continue
				}
				active := path == it.href || (len(path) > len(it.href) && path[:len(it.href)+1] == it.href+"/")
				sec.Items = append(sec.Items, views.MenuItem{Label: it.label, Icon: it.icon, Href: it.href, Active: active})
			}
		}
		if len(sec.Items) > 0 {
			out = append(out, sec)
		}
	}
	return out
}

// render writes a component with an explicit status, buffered so that a
// failing component yields an error page rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	ctx := views.WithPage(r.Context(), h.page(r))
	h.renderCtx(ctx, w, r, status, c)
}

func (h *Handler) renderCtx(ctx context.Context, w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(ctx, &buf); err != nil {
		h.log.Error("render failed", "path", r.URL.Path, "error", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// renderError shows an error page in the console's look.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	ctx := views.WithPage(r.Context(), h.page(r))
	h.renderCtx(ctx, w, r, status, views.ErrorPage(status, title, msg, userOf(r) != nil))
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusNotFound, "Not found", "The page or item you asked for does not exist, or was deleted.")
}

// serverError logs the error with the request and shows a plain page.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, store.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if errors.Is(err, store.ErrInvalid) {
		// A form that let a value through which the store refuses: say so
		// rather than "internal error" (the form checks the same bounds).
		h.log.Warn("request refused by the store", "method", r.Method, "path", r.URL.Path, "error", err)
		h.renderError(w, r, http.StatusUnprocessableEntity, "Not saved", "A value you entered is not valid text or is too long, or a number is out of range. Go back, correct it and save again.")
		return
	}
	h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	h.renderError(w, r, http.StatusInternalServerError, "Internal error", "Something went wrong on our side. The error was logged; try again in a moment.")
}

// redirect answers a successful POST (POST-redirect-GET).
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, safeNext(to), http.StatusSeeOther)
}

// idParam reads a numeric URL parameter.
func idParam(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// listQuery reads a list page's search, sort and page from the URL.
func listQuery(r *http.Request) (store.ListQuery, views.ListState) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 || per > 200 {
		per = 20
	}
	lq := store.ListQuery{Search: q.Get("q"), Sort: q.Get("sort"), Desc: q.Get("order") == "desc", Page: page, PerPage: per}
	return lq, views.ListState{Base: r.URL.Path, Search: lq.Search, Sort: lq.Sort, Desc: lq.Desc, Page: page, PerPage: per}
}
