package store

import (
	"fmt"
	"unicode/utf8"
)

// Bounds of free text, GLPI's columns as the guide: a VARCHAR(255) holds
// 255 characters, a TEXT 65,535 bytes.
const (
	MaxShortText = 255   // characters: names, logins, servers, folders, e-mails, blacklist values
	MaxLongText  = 65535 // bytes: comments, URLs, scopes
	// MaxSecretText bounds a secret kept sealed in a TEXT column: sealing
	// makes it about a third longer.
	MaxSecretText = 4096 // bytes
	// MaxContentText bounds what staff type as a follow-up: its HTML (at
	// most a few times longer) must fit a MEDIUMTEXT (16 MB).
	MaxContentText = 1 << 20 // bytes
)

// Text is one free-text value about to be written, with its bound.
type Text struct {
	Field string // the column, for the error
	Value string
	Long  bool // a TEXT column (bytes) rather than a VARCHAR(255) (characters)
	Max   int  // bytes, instead of the column's bound (a sealed secret, a follow-up)
}

// textProblem says what is wrong with a value for a column of that kind:
// "utf8", "length", or "" when nothing is.
func textProblem(v string, long bool) string {
	switch {
	case !utf8.ValidString(v):
		return "utf8"
	case long && len(v) > MaxLongText, !long && utf8.RuneCountInString(v) > MaxShortText:
		return "length"
	}
	return ""
}

// Problem says what is wrong with the text: "utf8", "length", or "".
func (t Text) Problem() string {
	switch {
	case t.Max <= 0:
		return textProblem(t.Value, t.Long)
	case !utf8.ValidString(t.Value):
		return "utf8"
	case len(t.Value) > t.Max:
		return "length"
	}
	return ""
}

// CheckText is checkText for the packages above the store that write
// text through it after shaping it (a staff follow-up becomes HTML).
func CheckText(texts ...Text) error { return checkText(texts...) }

// checkText refuses invalid UTF-8 and text over its column's bound with
// ErrInvalid naming the field: the database never keeps bytes a page
// cannot show, nor what a column would cut or refuse.
func checkText(texts ...Text) error {
	for _, t := range texts {
		switch t.Problem() {
		case "utf8":
			return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, t.Field)
		case "length":
			bound := fmt.Sprintf("%d characters", MaxShortText)
			switch {
			case t.Max > 0:
				bound = fmt.Sprintf("%d bytes", t.Max)
			case t.Long:
				bound = fmt.Sprintf("%d bytes", MaxLongText)
			}
			return fmt.Errorf("%w: %s is longer than %s", ErrInvalid, t.Field, bound)
		}
	}
	return nil
}
