package ingest

import (
	"testing"
	"time"

	"github.com/oauthimap/oauthimap/internal/notify"
)

// TestDefaultOwnMessageIDPattern: the notifications we send and those of
// every GLPI version are recognised; ordinary mail that merely mentions GLPI
// in its Message-ID is not.
func TestDefaultOwnMessageIDPattern(t *testing.T) {
	ours := notify.MessageID("3f2a9c4e-1b7d-4e0a-9c3b-5d6e7f8a9b0c", 123, "new", time.Unix(1764400000, 0), 4294967295, "helpdesk.example.com")
	tests := []struct {
		id   string
		want bool
	}{
		{ours, true},
		{"GLPI_3f2a9c4e-1b7d-4e0a-9c3b-5d6e7f8a9b0c-Ticket-7/add_followup.1764400000.12345@helpdesk.example.com", true},
		// GLPI 10.0.7+: its notification UUID is a 40-character random string.
		{"GLPI_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5hJ7-Ticket-42/update.1700000000.987654@glpi.example.org", true},
		{"GLPI_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5hJ7-Change-3/new@glpi.example.org", true},
		// GLPI 10.0.0 to 10.0.6.
		{"GLPI_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5hJ7-Ticket-42.1700000000.987654@glpi.example.org", true},
		{"GLPI_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5hJ7.1700000000.987654@glpi.example.org", true},
		// GLPI 9.x and earlier.
		{"GLPI-Ticket-42.1500000000.123456@glpi.example.org", true},
		{"GLPI-42.1500000000.123456@glpi.example.org", true},
		{"GLPI.1500000000.123456@glpi.example.org", true},
		{"glpi-ticket-42.1500000000.123456@glpi.example.org", true}, // case-insensitive, as headers are

		{"glpi-import-1@mail.example.com", false},
		{"GLPI-notes@example.com", false},
		{"CAH1234glpi5678@mail.gmail.com", false},
		{"20261129.GLPI_x-Ticket-1/new@relay.example.com", false},
		{"mymailGLPI_abc-Ticket-1/new.1.2@example.com", false},
		{"GLPI_abc-Ticket-1/new.1.2@", false},
		{"GLPI_abc-Ticket-1/new.1.2@a@b", false},
		{"GLPI_abc-Ticket-x/new@example.com", false},
		{"GLPI_abc.1700000000@example.com", false},
		{"oauthimap-1@example.com", false},
		{"demo-abc-1@demo.example", false},
	}
	c, err := compile(DefaultSettings())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		if got := c.ownMsgID.MatchString(tc.id); got != tc.want {
			t.Errorf("own notification %q = %v, want %v", tc.id, got, tc.want)
		}
	}
}
