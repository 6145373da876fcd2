// Package views holds the console's templ components and the view models
// they take. Request-scoped values (the user, the form token, the assets,
// the menu) reach the components through Page, set once per request.
package views

import "context"

// Page is what every page of the console knows about its request.
type Page struct {
	UserName  string
	UserLogin string
	IsAdmin   bool
	CSRFToken string
	Path      string
	Asset     func(name string) string
	Menu      []MenuSection
	Flash     []Flash
	Version   string
	// Demo is the demo's data dir: a banner says the console is a demo.
	Demo string
	// DemoMail: the demo's banner links to the mails the console sent.
	DemoMail bool
}

// MenuSection is a group of the left menu (Assistance, Setup, Administration).
type MenuSection struct {
	Title string
	Icon  string
	Items []MenuItem
}

// MenuItem is one entry of the left menu.
type MenuItem struct {
	Label  string
	Icon   string
	Href   string
	Active bool
}

// Flash is a message shown once at the top of the next page.
type Flash struct {
	Kind string // success | danger | warning | info
	Text string
}

// Crumb is one step of the breadcrumbs.
type Crumb struct {
	Label string
	Href  string
}

type pageKey struct{}

// WithPage stores the page context.
func WithPage(ctx context.Context, p *Page) context.Context {
	return context.WithValue(ctx, pageKey{}, p)
}

// PageOf returns the page context (an empty one outside a request).
func PageOf(ctx context.Context) *Page {
	if p, ok := ctx.Value(pageKey{}).(*Page); ok {
		return p
	}
	return &Page{Asset: func(n string) string { return "/static/" + n }}
}
