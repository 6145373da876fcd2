package views

import "github.com/oauthimap/oauthimap/internal/store"

// ActorIcon is the icon of an actor kind.
func ActorIcon(kind string) string {
	switch kind {
	case store.ActorKindGroup:
		return "ti-users-group"
	case store.ActorKindEmail:
		return "ti-mail"
	}
	return "ti-user"
}
