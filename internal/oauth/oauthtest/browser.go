package oauthtest

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	inputField = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
	errorText  = regexp.MustCompile(`<p id="error"[^>]*>([^<]*)</p>`)
)

// SignIn plays the browser without one: it opens authURL, submits the
// sign-in form as email (presses Cancel when email is ""), and returns the
// URL the IdP sends the browser back to, with code and state or an error.
// It fails when the IdP shows an error page instead of redirecting.
func (p *IdP) SignIn(authURL, email string) (*url.URL, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(authURL)
	if err != nil {
		return nil, fmt.Errorf("oauthtest: open %s: %w", authURL, err)
	}
	page, err := readPage(resp)
	if loc, ok := location(resp); ok || err != nil {
		return loc, err
	}
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		return nil, errors.New("oauthtest: no sign-in form on the page")
	}
	action, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	for _, f := range inputField.FindAllStringSubmatch(page, -1) {
		form.Set(html.UnescapeString(f[1]), html.UnescapeString(f[2]))
	}
	if email == "" {
		form.Set("cancel", "1")
	} else {
		form.Set("login", email)
	}
	resp, err = client.PostForm(resp.Request.URL.ResolveReference(action).String(), form)
	if err != nil {
		return nil, fmt.Errorf("oauthtest: submit sign-in: %w", err)
	}
	page, err = readPage(resp)
	if loc, ok := location(resp); ok || err != nil {
		return loc, err
	}
	if m := errorText.FindStringSubmatch(page); m != nil {
		return nil, fmt.Errorf("oauthtest: sign-in refused: %s", html.UnescapeString(m[1]))
	}
	return nil, fmt.Errorf("oauthtest: sign-in answered %s without a redirect", resp.Status)
}

func readPage(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	page := string(b)
	if resp.StatusCode >= 400 && !strings.Contains(page, `id="signin"`) {
		if m := errorText.FindStringSubmatch(page); m != nil {
			return page, fmt.Errorf("oauthtest: IdP error page: %s", html.UnescapeString(m[1]))
		}
		return page, fmt.Errorf("oauthtest: IdP answered %s", resp.Status)
	}
	return page, nil
}

func location(resp *http.Response) (*url.URL, bool) {
	if resp.StatusCode/100 != 3 {
		return nil, false
	}
	loc, err := resp.Location()
	return loc, err == nil
}
