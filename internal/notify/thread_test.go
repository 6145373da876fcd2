package notify

import (
	"reflect"
	"strconv"
	"testing"
	"time"
)

func TestMessageIDAndParse(t *testing.T) {
	at := time.Unix(1764410000, 0)
	id := MessageID("5f1c0a2e-1111-4bbb-8ccc-0123456789ab", 123, "followup", at, 42, "Contoso.example")
	want := "GLPI_5f1c0a2e-1111-4bbb-8ccc-0123456789ab-Ticket-123/followup.1764410000.42@Contoso.example"
	if id != want {
		t.Fatalf("got %q, want %q", id, want)
	}
	for _, tc := range []struct {
		instance, id string
		ticket       int64
		ok           bool
	}{
		{"5f1c0a2e-1111-4bbb-8ccc-0123456789ab", "<" + want + ">", 123, true},
		{"another-instance", want, 0, false},
		{"5f1c0a2e-1111-4bbb-8ccc-0123456789ab", "CAF=abc@mail.gmail.com", 0, false},
		{"x", "GLPI_x-Ticket-abc/followup.1.2@h", 0, false},
	} {
		n, ok := ParseOwnMessageID(tc.instance, tc.id)
		if n != tc.ticket || ok != tc.ok {
			t.Errorf("ParseOwnMessageID(%q, %q) = %d %v", tc.instance, tc.id, n, ok)
		}
	}
}

func TestSubject(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		id     int64
		title  string
		want   string
	}{
		{"", 123, "Printer broken", "[GLPI #0000123] Printer broken"},
		{"GLPI", 123, "Re: [GLPI #0000123] Printer broken", "[GLPI #0000123] Printer broken"},
		{"Helpdesk", 7, "RE: Fwd: AW: écran noir", "[Helpdesk #0000007] écran noir"},
		{"GLPI", 12345678, "", "[GLPI #12345678]"},
	} {
		if got := Subject(tc.prefix, tc.id, tc.title); got != tc.want {
			t.Errorf("Subject(%q, %d, %q) = %q, want %q", tc.prefix, tc.id, tc.title, got, tc.want)
		}
	}
}

func TestThread(t *testing.T) {
	var long []string
	for i := range 15 {
		long = append(long, "m"+strconv.Itoa(i)+"@x")
	}
	for _, tc := range []struct {
		name     string
		original string
		earlier  []string
		want     Threading
	}{
		{"typed-in ticket, first answer", "", nil, Threading{}},
		{"first answer to a mail", "<orig@client>", nil, Threading{InReplyTo: "orig@client", References: []string{"orig@client"}}},
		{"after a requester's reply", "orig@client", []string{"GLPI_i-Ticket-1/followup.1.1@h", "re1@client"},
			Threading{InReplyTo: "re1@client", References: []string{"orig@client", "GLPI_i-Ticket-1/followup.1.1@h", "re1@client"}}},
		{"duplicates and junk dropped", "orig@client", []string{"orig@client", "", "bad id@x", "<re@client>"},
			Threading{InReplyTo: "re@client", References: []string{"orig@client", "re@client"}}},
		{"long thread keeps first and last", "orig@client", long,
			Threading{InReplyTo: "m14@x", References: append([]string{"orig@client"}, long[6:]...)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Thread(tc.original, tc.earlier)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
