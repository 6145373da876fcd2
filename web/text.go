package web

import (
	"fmt"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// formText is one free-text field of a form: its input's name, its label
// as the page shows it, what was typed, and whether its column is a TEXT
// (64 KB) or a VARCHAR(255) (255 characters).
type formText struct {
	key, label, value string
	long              bool
	max               int // bytes, for a secret (store.MaxSecretText)
}

// checkTexts adds a field message for each value that is not UTF-8 or
// longer than its column holds (the store refuses the same).
func checkTexts(errs views.FieldErrors, fields ...formText) {
	for _, f := range fields {
		errs.Add(f.key, f.problem())
	}
}

// problem is the field's message, "" when the value is fine.
func (f formText) problem() string {
	switch (store.Text{Value: f.value, Long: f.long, Max: f.max}).Problem() {
	case "utf8":
		return f.label + " contains bytes that are not valid text (UTF-8). Type it again."
	case "length":
		switch {
		case f.max > 0:
			return fmt.Sprintf("%s is too long: at most %d KB.", f.label, f.max/1024)
		case f.long:
			return fmt.Sprintf("%s is too long: at most %d KB.", f.label, (store.MaxLongText+1)/1024)
		}
		return fmt.Sprintf("%s is too long: at most %d characters.", f.label, store.MaxShortText)
	}
	return ""
}
