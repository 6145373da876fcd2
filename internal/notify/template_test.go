package notify

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	v := map[string]string{"ticket.id": "123", "ticket.title": "Printer ##ticket.id##", "ticket.requester": "Bob"}
	for _, tc := range []struct{ in, want string }{
		{"Ticket ##ticket.id##: ##ticket.title##", "Ticket 123: Printer ##ticket.id##"},
		{"##unknown## and ##ticket.id##", "##unknown## and 123"},
		{"a ## b", "a ## b"},
		{"####ticket.id##", "##123"},
		{"", ""},
		{"Hello ##ticket.requester##,", "Hello Bob,"},
	} {
		if got := Render(tc.in, v); got != tc.want {
			t.Errorf("Render(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	for _, e := range Events {
		d := DefaultTemplate(e)
		if d.Subject == "" || d.Body == "" || EventLabel(e) == e {
			t.Errorf("event %s lacks a default or a label", e)
		}
		out := Render(d.Body, map[string]string{"ticket.id": "1", "ticket.title": "t", "ticket.requester": "r", "ticket.tag": "[GLPI #0000001]", "ticket.solution": ""})
		if containsPlaceholder(out) {
			t.Errorf("default body of %s leaves a placeholder: %q", e, out)
		}
	}
	if OneLine("a\r\nBcc: x\n b") != "a Bcc: x b" {
		t.Error("OneLine keeps a line break")
	}
}

func containsPlaceholder(s string) bool {
	for _, k := range PlaceholderNames() {
		if strings.Contains(s, "##"+k+"##") {
			return true
		}
	}
	return false
}
