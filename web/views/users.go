package views

import "github.com/oauthimap/oauthimap/internal/store"

// Roles are a user's profiles, technician first.
var Roles = []Choice{
	{Value: store.RoleTechnician, Label: store.RoleLabel(store.RoleTechnician)},
	{Value: store.RoleAdmin, Label: store.RoleLabel(store.RoleAdmin)},
}

// RoleChoice is the chosen profile: technician unless administrator.
func (f UserForm) RoleChoice() string {
	if f.Role == store.RoleAdmin {
		return store.RoleAdmin
	}
	return store.RoleTechnician
}
