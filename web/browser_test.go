package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/oauthimap/oauthimap/internal/testpeer"
)

// consoleProblems collects console errors, exceptions and CSP reports of
// the page until stop is called.
func consoleProblems(ctx context.Context) (stop func() []string) {
	cctx, cancel := context.WithCancel(ctx)
	msgs := chromedp.Console(cctx)
	return func() []string {
		time.AfterFunc(300*time.Millisecond, cancel)
		var out []string
		for m, err := range msgs {
			if err != nil {
				break
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || m.Source == "security" ||
				strings.Contains(m.Text, "Content Security Policy") {
				out = append(out, m.String())
			}
		}
		return out
	}
}

func TestBrowserLogin(t *testing.T) {
	a := newTestApp(t)
	ctx := testpeer.Browser(t)
	step, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	problems := consoleProblems(step)
	err := chromedp.Do(step,
		chromedp.Navigate(a.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "admin"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("current-user")),
	)
	if err != nil {
		t.Fatal(err)
	}
	user, err := chromedp.Run(step, chromedp.Text(chromedp.ID("current-user")))
	if err != nil || user != "Ada Admin" {
		t.Fatalf("header shows %q (%v), want the user's name", user, err)
	}
	menu, err := chromedp.Run(step, chromedp.Text(chromedp.CSS("#sidebar-menu")))
	if err != nil || !strings.Contains(menu, "Users") || !strings.Contains(strings.ToLower(menu), "administration") {
		t.Fatalf("menu is %q (%v)", menu, err)
	}
	// The stylesheet really applied: Tabler's vertical navbar is laid out.
	width, err := chromedp.Run(step, chromedp.Evaluate[float64](`document.querySelector("aside.navbar-vertical").getBoundingClientRect().width`))
	if err != nil || width < 100 || width > 400 {
		t.Fatalf("side menu width %v (%v): the CSS did not load", width, err)
	}
	testpeer.Screenshot(t, step, "console-home")
	if err := chromedp.Do(step, chromedp.Navigate(a.srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users-table"))); err != nil {
		t.Fatal(err)
	}
	testpeer.Screenshot(t, step, "console-users")
	// A phone-sized window gets the collapsed menu and no horizontal scroll.
	if err := chromedp.Do(step, chromedp.EmulateViewport(390, 844), chromedp.Navigate(a.srv.URL+"/admin/users"), chromedp.WaitVisible(chromedp.ID("users-table"))); err != nil {
		t.Fatal(err)
	}
	overflow, err := chromedp.Run(step, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
	if err != nil || overflow {
		t.Fatalf("phone layout scrolls sideways (%v)", err)
	}
	testpeer.Screenshot(t, step, "console-phone")
	if p := problems(); len(p) > 0 {
		t.Fatalf("console errors or CSP violations:\n%s", strings.Join(p, "\n"))
	}
}
