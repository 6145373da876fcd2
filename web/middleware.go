package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/helpdesk"
	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/web/paths"
)

// recoverPanics turns a panic into a log line, a count in the metrics and a
// plain error page; the browser never sees a stack trace. It runs inside
// accessLog and countRequests, so a panicking request is logged and counted
// with the 500 it was answered with.
func (h *Handler) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				h.log.Error("panic while serving a request", "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				h.metrics.HTTPPanic(routePattern(r))
				h.renderError(w, r, http.StatusInternalServerError, "Internal error", "Something went wrong on our side. The error was logged; try again in a moment.")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// accessLog writes one line per request. Only the path is logged, never the
// query (the sign-in callback carries the authorization code there),
// cookies or form values.
func (h *Handler) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || strings.HasPrefix(r.URL.Path, "/static/") {
			return
		}
		h.log.Info("http request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"bytes", sw.bytes, "duration_ms", time.Since(t0).Milliseconds(), "remote", h.clientIP(r))
	})
}

// csp builds the Content-Security-Policy: no inline script or style at all,
// nothing from other origins; forms may post only here, or to the
// identity provider a page signs in with.
func csp(formTargets ...string) string {
	fa := "'self'"
	for _, t := range formTargets {
		fa += " " + t
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; form-action " + fa + "; frame-ancestors 'none'; base-uri 'none'"
}

// securityHeaders sets the headers every answer carries.
func (h *Handler) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp())
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
		if h.cfg.SecureCookies() {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// allowFormAction lets this page's forms lead to another origin (the
// identity provider, for "Create an authorization").
func allowFormAction(w http.ResponseWriter, origins ...string) {
	w.Header().Set("Content-Security-Policy", csp(origins...))
}

// allowRemoteImages lets this page load https images: the ticket page
// after its "Show remote images" link, and no other answer.
func allowRemoteImages(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", strings.Replace(csp(), "img-src 'self' data:", "img-src 'self' data: https:", 1))
}

// limitBody caps request bodies.
func (h *Handler) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, h.bodyLimit(r))
		}
		next.ServeHTTP(w, r)
	})
}

// bodyLimit is the largest body a request may send: the configured one,
// and for a follow-up with files room for the files as well (twice their
// limit, so that too many files get the form's own error, with the text
// kept, rather than this page).
func (h *Handler) bodyLimit(r *http.Request) int64 {
	if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, paths.Tickets+"/") && strings.HasSuffix(r.URL.Path, "/followups") {
		return h.cfg.MaxBodyBytes + 2*helpdesk.MaxAttachmentsSize
	}
	return h.cfg.MaxBodyBytes
}

// crossOrigin refuses state-changing requests that a browser marks as
// coming from another site (Go's CrossOriginProtection).
func (h *Handler) crossOrigin(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	if o := h.publicOrigin(); o != "" {
		if err := p.AddTrustedOrigin(o); err != nil {
			h.log.Warn("public URL is not a valid trusted origin", "error", err)
		}
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusForbidden, "Forbidden", "This request came from another site and was refused.")
	}))
	return p.Handler(next)
}

// checkFormToken requires the form token on every state-changing request:
// the session's token when logged in, else the pre-session cookie's, which
// must also carry this server's signature.
func (h *Handler) checkFormToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if !h.readForm(w, r) {
			return
		}
		want := ""
		if s := sessionOf(r); s != nil {
			want = s.CSRFToken
		} else if c, err := r.Cookie(formCookie); err == nil && h.formTokenValid(c.Value) {
			want = c.Value
		}
		got := r.PostFormValue("csrf_token")
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			h.renderError(w, r, http.StatusForbidden, "Forbidden", "The form has expired or did not come from this console. Go back, reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readForm parses the posted form once, before anything reads a field:
// a body over the limit answers 413 with the limit in words (not "the
// form has expired", which is what an empty form would otherwise say).
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request) bool {
	err := r.ParseForm()
	if err == nil {
		// ParseMultipartForm hides ParseForm's error, hence ParseForm first.
		if err = r.ParseMultipartForm(h.cfg.MaxBodyBytes); err == nil || errors.Is(err, http.ErrNotMultipart) {
			return true
		}
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		h.log.Warn("request body too large", "method", r.Method, "path", r.URL.Path, "limit", h.bodyLimit(r))
		h.renderError(w, r, http.StatusRequestEntityTooLarge, "Request too large",
			fmt.Sprintf("What you sent is larger than this console accepts (%s). Shorten the text or send fewer files, then try again.", ingest.HumanSize(h.bodyLimit(r))))
		return false
	}
	h.renderError(w, r, http.StatusBadRequest, "Bad request", "The form could not be read. Go back, reload the page and try again.")
	return false
}

// guard enforces a route's access rule.
func (h *Handler) guard(a access, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := userOf(r)
		switch {
		case a == monitor:
			if !h.monitorAllowed(w, r, u) {
				return
			}
		case a == public:
		case u == nil:
			if r.Method == http.MethodGet {
				http.Redirect(w, r, paths.LoginThen(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.renderError(w, r, http.StatusForbidden, "Forbidden", "Your session has ended. Log in again.")
			return
		case a == admin && u.Role != "admin":
			h.renderError(w, r, http.StatusForbidden, "Access denied", "You don't have permission to perform this action.")
			return
		}
		next(w, r)
	})
}
