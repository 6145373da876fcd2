package views

import (
	"testing"

	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/store"
)

// TestStateOfGivesEachStateItsBadge checks the label and colour an
// authorization state's badge gets, and that no state shows no badge.
func TestStateOfGivesEachStateItsBadge(t *testing.T) {
	for _, tc := range []struct {
		state  oauth.State
		colour string
	}{
		{oauth.StateValid, "bg-green-lt"},
		{oauth.StateRefreshFailing, "bg-yellow-lt"},
		{oauth.StateReauthRequired, "bg-red-lt"},
		{oauth.StateMailboxRefused, "bg-red-lt"},
	} {
		s := StateOf(string(tc.state))
		if s.Code != string(tc.state) || s.Label != tc.state.Label() || s.Colour != tc.colour || s.None() {
			t.Errorf("%s: badge %+v, want label %q and colour %s", tc.state, s, tc.state.Label(), tc.colour)
		}
	}
	if s := StateOf(""); !s.None() || s.Label != "" {
		t.Errorf("no state: badge %+v, want none", s)
	}
}

// TestChoicesNameTheirValues checks the labels the lists and selects show,
// and that an unknown value is shown as it is rather than as nothing.
func TestChoicesNameTheirValues(t *testing.T) {
	for got, want := range map[string]string{
		ProviderLabel("oidc"):           "Generic OpenID Connect",
		ProviderLabel("azure"):          "Azure",
		ProviderLabel("other"):          "other",
		BlacklistKindLabel("domain"):    "Domain",
		BlacklistKindLabel("address"):   "Email address",
		BlacklistKindLabel("odd"):       "odd",
		OutboxKindLabel("reply"):        "Answer by mail",
		ActorIcon(store.ActorKindGroup): "ti-users-group",
		ActorIcon(store.ActorKindEmail): "ti-mail",
		ActorIcon("user"):               "ti-user",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

// TestFormsChooseTheirDefaults checks the option a select shows chosen
// when the form holds nothing or something unknown.
func TestFormsChooseTheirDefaults(t *testing.T) {
	if c := (ApplicationForm{}).CloudChoice(); c != string(oauth.CloudGlobal) {
		t.Errorf("no cloud chooses %q, want global", c)
	}
	if c := (ApplicationForm{Cloud: "china"}).CloudChoice(); c != "china" {
		t.Errorf("china chooses %q", c)
	}
	if !(ApplicationForm{Provider: "azure"}).ShowsAzure() || (ApplicationForm{Provider: "azure"}).ShowsOIDC() || !(ApplicationForm{Provider: "oidc"}).ShowsOIDC() {
		t.Error("the provider's own fields are not the ones shown")
	}
	if r := (UserForm{}).RoleChoice(); r != store.RoleTechnician {
		t.Errorf("no profile chooses %q, want technician", r)
	}
	if r := (UserForm{Role: store.RoleAdmin}).RoleChoice(); r != store.RoleAdmin {
		t.Errorf("admin chooses %q", r)
	}
	if m := (DiagnoseForm{Mechanism: "PLAIN"}).MechanismChoice(); m != "XOAUTH2" {
		t.Errorf("an unknown mechanism chooses %q, want XOAUTH2", m)
	}
	if m := (DiagnoseForm{Mechanism: "OAUTHBEARER"}).MechanismChoice(); m != "OAUTHBEARER" {
		t.Errorf("OAUTHBEARER chooses %q", m)
	}
	values := func(cs []Choice) (out []string) {
		for _, c := range cs {
			out = append(out, c.Value)
		}
		return out
	}
	if got := values((OutgoingForm{}).Modes()); len(got) != 2 || got[0] != store.SenderOff || got[1] != store.SenderPassword {
		t.Errorf("a password receiver is offered %v", got)
	}
	if got := values((OutgoingForm{CanOAuth: true}).Modes()); len(got) != 3 || got[1] != store.SenderOAuth {
		t.Errorf("an OAuth receiver is offered %v", got)
	}
}
