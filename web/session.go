package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

const (
	sessionCookie = "oauthimap_session"
	formCookie    = "oauthimap_form" // form token before login (double submit)
)

type ctxKey int

const (
	userKey ctxKey = iota
	sessionKey
	tokenKey
)

func userOf(r *http.Request) *store.User {
	u, _ := r.Context().Value(userKey).(*store.User)
	return u
}

func sessionOf(r *http.Request) *store.Session {
	s, _ := r.Context().Value(sessionKey).(*store.Session)
	return s
}

// loadSession attaches the logged-in user, if any, to the request.
func (h *Handler) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		sess, u, err := h.store.LookupSession(r.Context(), c.Value, h.policy)
		switch {
		case errors.Is(err, store.ErrSessionExpired):
			h.clearCookie(w, sessionCookie)
		case err != nil:
			h.serverError(w, r, err)
			return
		default:
			ctx := context.WithValue(r.Context(), userKey, u)
			ctx = context.WithValue(ctx, sessionKey, sess)
			ctx = context.WithValue(ctx, tokenKey, c.Value)
			ctx = views.WithLocation(ctx, userLocation(u))
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.cfg.SecureCookies(), SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearCookie(w http.ResponseWriter, name string) { h.setCookie(w, name, "", -1) }

// startSession logs a user in, rotating out any session the browser had.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u *store.User) error {
	old := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		old = c.Value
	}
	tok, _, err := h.store.CreateSession(r.Context(), u.ID, h.clientIP(r), r.UserAgent(), h.policy, old)
	if err != nil {
		return err
	}
	h.setCookie(w, sessionCookie, tok, int(h.policy.Absolute.Seconds()))
	h.clearCookie(w, formCookie)
	return nil
}

// formTokenPurpose and formTokenLife: the pre-session form token is
// "<random>.<unix time issued>.<HMAC of both under the server key>", so
// only a token this server issued, less than formTokenLife ago, passes;
// a value a client picks for both cookie and field does not.
const (
	formTokenPurpose = "pre-login form token"
	formTokenLife    = 12 * time.Hour
)

// formToken returns the pre-session form token, setting its cookie.
func (h *Handler) formToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(formCookie); err == nil && h.formTokenValid(c.Value) {
		return c.Value
	}
	b := make([]byte, 24)
	rand.Read(b)
	msg := base64.RawURLEncoding.EncodeToString(b) + "." + strconv.FormatInt(time.Now().Unix(), 10)
	v := msg + "." + h.store.Keys().Sign(formTokenPurpose, msg)
	h.setCookie(w, formCookie, v, 3600)
	return v
}

// formTokenValid reports whether v is a form token this server issued and
// that has not expired.
func (h *Handler) formTokenValid(v string) bool {
	i := strings.LastIndexByte(v, '.')
	if i < 0 {
		return false
	}
	msg, sig := v[:i], v[i+1:]
	_, issued, ok := strings.Cut(msg, ".")
	if !ok {
		return false
	}
	at, err := strconv.ParseInt(issued, 10, 64)
	if err != nil {
		return false
	}
	age := time.Since(time.Unix(at, 0))
	return age > -time.Minute && age < formTokenLife && h.store.Keys().Verify(formTokenPurpose, msg, sig)
}

// flash queues a message for the session's next page.
func (h *Handler) flash(r *http.Request, kind, text string) {
	s := sessionOf(r)
	if s == nil {
		return
	}
	var list []views.Flash
	if s.Flash != "" {
		json.Unmarshal([]byte(s.Flash), &list)
	}
	list = append(list, views.Flash{Kind: kind, Text: text})
	b, _ := json.Marshal(list)
	s.Flash = string(b)
	if err := h.store.SetFlash(r.Context(), s.ID, s.Flash); err != nil {
		h.log.Error("flash not saved", "error", err)
	}
}

// popFlash takes the queued messages.
func (h *Handler) popFlash(r *http.Request) []views.Flash {
	s := sessionOf(r)
	if s == nil || s.Flash == "" {
		return nil
	}
	var list []views.Flash
	json.Unmarshal([]byte(s.Flash), &list)
	s.Flash = ""
	if err := h.store.SetFlash(r.Context(), s.ID, ""); err != nil {
		h.log.Error("flash not cleared", "error", err)
	}
	return list
}

// clientIP is the address the request came from: the peer, or, when the
// peer is a trusted proxy (OAUTHIMAP_TRUSTED_PROXIES), the nearest address
// in X-Forwarded-For that is not itself a trusted proxy. Addresses further
// left were written by the client and are never believed: they would let
// anyone dodge the per-address login throttle.
func (h *Handler) clientIP(r *http.Request) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		peer = host
	}
	a, err := netip.ParseAddr(peer)
	if err != nil || !h.cfg.TrustedProxy(a) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer // a hop that is no address: believe nothing past it
		}
		if !h.cfg.TrustedProxy(hop) {
			return hop.Unmap().String()
		}
		peer = hop.Unmap().String()
	}
	return peer
}

// safeNext keeps a redirect on this site: only a path of our own, with no
// scheme, host or user, starting with exactly one slash, without dot
// segments, and with no control byte, backslash or non-ASCII byte anywhere
// (browsers drop a tab or a newline and read a backslash as a slash, which
// would turn "/<tab>/evil.example" into "//evil.example"). Anything else becomes "/".
func safeNext(next string) string {
	for i := 0; i < len(next); i++ {
		if c := next[i]; c < 0x20 || c >= 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(u.Path, "//") || strings.HasPrefix(p, "//") {
		return "/"
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == "." || seg == ".." {
			return "/"
		}
	}
	return next
}

// userLocation is the time zone a user's pages show times in: their own
// setting, else the server's. A name the database no longer knows falls
// back to the server's zone rather than failing the page.
func userLocation(u *store.User) *time.Location {
	if u == nil || u.TimeZone == "" {
		return time.Local
	}
	if loc, ok := locations.Load(u.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return time.Local
	}
	locations.Store(u.TimeZone, loc)
	return loc
}

// locations caches the zones loaded: LoadLocation reads the database.
var locations sync.Map
