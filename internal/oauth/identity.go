package oauth

import (
	"fmt"
	"strings"
)

// IdentityMismatchError says that a re-authorization was signed by another
// account than the pinned one.
type IdentityMismatchError struct {
	Pinned, Got Identity
}

func (e *IdentityMismatchError) Error() string {
	return fmt.Sprintf("oauth: signed in as %s, but this authorization belongs to %s; sign in as %s",
		e.Got.display(), e.Pinned.display(), e.Pinned.display())
}

// CheckSameIdentity refuses a re-authorization by another account than the
// pinned one: same tenant and object id for Microsoft, same subject
// otherwise. A pinned identity with no ids (made before pinning) accepts any.
func CheckSameIdentity(pinned, got Identity) error {
	switch {
	case pinned.ObjectID != "":
		if strings.EqualFold(pinned.TenantID, got.TenantID) && strings.EqualFold(pinned.ObjectID, got.ObjectID) {
			return nil
		}
	case pinned.Subject != "":
		if pinned.Subject == got.Subject {
			return nil
		}
	default:
		return nil
	}
	return &IdentityMismatchError{Pinned: pinned, Got: got}
}
