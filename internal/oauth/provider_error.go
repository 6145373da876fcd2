package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// ProviderError is an OAuth error answered by the provider's token endpoint
// (RFC 6749 §5.2) or sent back to the callback (§4.1.2.1), with Microsoft's
// extra fields. Its text never holds a token, a code or the client secret.
type ProviderError struct {
	Status      int    // HTTP status of the token endpoint; 0 for a callback error
	Code        string // RFC 6749 "error", e.g. "invalid_grant"
	Description string // first line of "error_description", for people
	URI         string // "error_uri"
	Suberror    string // Microsoft's "suberror", e.g. "consent_required"
	// Codes are Microsoft's AADSTS numbers, from "error_codes" or the description.
	Codes []int
}

func (e *ProviderError) Error() string {
	var b strings.Builder
	b.WriteString("oauth: provider answered ")
	switch {
	case e.Code != "":
		b.WriteString(e.Code)
	case e.Status != 0:
		fmt.Fprintf(&b, "HTTP %d", e.Status)
	default:
		b.WriteString("an error")
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(e.Description)
	} else if len(e.Codes) > 0 {
		fmt.Fprintf(&b, " (AADSTS%d)", e.Codes[0])
	}
	return b.String()
}

// Message returns the provider's own words for a person: the description,
// else the error code.
func (e *ProviderError) Message() string {
	if e.Description != "" {
		return e.Description
	}
	if e.Code != "" {
		return e.Code
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

// HasCode reports whether the provider sent the AADSTS number n.
func (e *ProviderError) HasCode(n int) bool {
	for _, c := range e.Codes {
		if c == n {
			return true
		}
	}
	return false
}

var aadstsPattern = regexp.MustCompile(`AADSTS(\d{4,8})`)

// maxDescription bounds what a provider can make us store and display.
const maxDescription = 400

// parseErrorBody builds a ProviderError from a token endpoint's answer. The
// secrets are cut out of every text kept, in case a provider echoes them.
func parseErrorBody(status int, body []byte, secrets ...string) *ProviderError {
	var raw struct {
		Error       string          `json:"error"`
		Description string          `json:"error_description"`
		URI         string          `json:"error_uri"`
		Suberror    string          `json:"suberror"`
		Codes       json.RawMessage `json:"error_codes"`
	}
	e := &ProviderError{Status: status}
	if json.Unmarshal(body, &raw) != nil {
		return e // an HTML error page or a proxy's text: the status says enough
	}
	e.Code = firstLine(redact(raw.Error, secrets), 64)
	e.Description = firstLine(redact(raw.Description, secrets), maxDescription)
	e.URI = firstLine(redact(raw.URI, secrets), maxDescription)
	e.Suberror = firstLine(redact(raw.Suberror, secrets), 64)
	var codes []int
	if json.Unmarshal(raw.Codes, &codes) == nil {
		e.Codes = codes
	}
	if len(e.Codes) == 0 {
		e.Codes = codesIn(raw.Description)
	}
	return e
}

// fromRetrieveError converts x/oauth2's error, whose own text may carry the
// whole response body, into a ProviderError.
func fromRetrieveError(re *oauth2.RetrieveError, secrets ...string) *ProviderError {
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	e := parseErrorBody(status, re.Body, secrets...)
	if e.Code == "" && re.ErrorCode != "" {
		e.Code = firstLine(redact(re.ErrorCode, secrets), 64)
		e.Description = firstLine(redact(re.ErrorDescription, secrets), maxDescription)
		e.Codes = codesIn(re.ErrorDescription)
	}
	return e
}

// CallbackError returns the error the provider sent to the redirect URI
// (the "error", "error_description", "error_uri" query parameters), or nil.
func CallbackError(query map[string][]string) error {
	get := func(k string) string {
		if v := query[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	code, desc := get("error"), get("error_description")
	if code == "" && desc == "" {
		return nil
	}
	return &ProviderError{
		Code:        firstLine(redact(code, nil), 64),
		Description: firstLine(redact(desc, nil), maxDescription),
		URI:         firstLine(redact(get("error_uri"), nil), maxDescription),
		Suberror:    firstLine(redact(get("error_subcode"), nil), 64),
		Codes:       codesIn(desc),
	}
}

func codesIn(s string) []int {
	var codes []int
	for _, m := range aadstsPattern.FindAllStringSubmatch(s, 4) {
		if n, err := strconv.Atoi(m[1]); err == nil {
			codes = append(codes, n)
		}
	}
	return codes
}

// firstLine keeps the first line of s, at most n bytes: Microsoft appends
// trace and correlation ids on further lines.
func firstLine(s string, n int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

// tokenLike matches long runs of base64/JWT characters: what a token, a
// code or a secret looks like, and what a provider's prose never is.
var tokenLike = regexp.MustCompile(`[A-Za-z0-9_\-.~+/=]{32,}`)

// redact replaces every known secret found in s, then every word shaped like
// a token (mixed case and digits, 32 characters or more), which catches
// tokens the provider echoes that this request did not send. GUIDs, URLs and
// AADSTS codes are kept: they lack upper case or length.
func redact(s string, secrets []string) string {
	for _, x := range secrets {
		if len(x) >= 4 && strings.Contains(s, x) {
			s = strings.ReplaceAll(s, x, "[redacted]")
		}
	}
	return tokenLike.ReplaceAllStringFunc(s, func(w string) string {
		if strings.ContainsAny(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
			strings.ContainsAny(w, "abcdefghijklmnopqrstuvwxyz") &&
			strings.ContainsAny(w, "0123456789") {
			return "[redacted]"
		}
		return w
	})
}

// asProviderError finds a ProviderError in err's chain.
func asProviderError(err error) (*ProviderError, bool) {
	var pe *ProviderError
	ok := errors.As(err, &pe)
	return pe, ok
}
