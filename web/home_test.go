package web

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"golang.org/x/net/html"
)

func TestHomeShowsWhatNeedsAttention(t *testing.T) {
	a := newTestApp(t)
	ctx := t.Context()
	now := time.Now().UTC()
	for i, st := range []int{store.StatusNew, store.StatusNew, store.StatusPending, store.StatusClosed} {
		tk := &store.Ticket{Title: "t" + string(rune('a'+i)), Status: st, Urgency: 3, RequestSource: store.SourceEmail, OpenedAt: now, UpdatedAt: now}
		if err := a.store.CreateTicket(ctx, tk, nil); err != nil {
			t.Fatal(err)
		}
	}
	tech := a.client()
	tech.login("tech")
	page := tech.get("/").body
	cards := homeCards(t, page)
	for _, want := range []string{"2 New tickets", "3 Open tickets"} {
		if !slices.Contains(cards, want) {
			t.Errorf("technician's home lacks the card %q; it has %q", want, cards)
		}
	}
	if slices.ContainsFunc(cards, func(c string) bool { return strings.Contains(c, "Receivers in error") }) {
		t.Error("a technician's home shows Setup figures")
	}
	adm := a.client()
	adm.login("admin")
	admCards := strings.Join(homeCards(t, adm.get("/").body), "\n")
	if !strings.Contains(admCards, "Receivers in error") || !strings.Contains(admCards, "Authorizations needing attention") {
		t.Errorf("an administrator's home lacks the Setup figures: %q", admCards)
	}
}

// homeCards is the text of each card of the home page, as a reader hears
// it ("2 New tickets").
func homeCards(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var cards []string
	var walk func(n *html.Node, inCards bool)
	walk = func(n *html.Node, inCards bool) {
		if n.Type == html.ElementNode {
			for _, at := range n.Attr {
				if at.Key == "id" && at.Val == "home-cards" {
					inCards = true
				}
			}
			if inCards && n.Data == "a" {
				var b strings.Builder
				var text func(*html.Node)
				text = func(n *html.Node) {
					if n.Type == html.TextNode {
						b.WriteString(" " + n.Data)
					}
					for c := n.FirstChild; c != nil; c = c.NextSibling {
						text(c)
					}
				}
				text(n)
				cards = append(cards, strings.Join(strings.Fields(b.String()), " "))
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inCards)
		}
	}
	walk(doc, false)
	if len(cards) == 0 {
		t.Fatal("the home page has no cards")
	}
	return cards
}
