package notify

import (
	"net/textproto"
	"testing"
)

func TestMayAutoReply(t *testing.T) {
	own := []string{"support@example.com"}
	hdr := func(kv ...string) textproto.MIMEHeader {
		h := textproto.MIMEHeader{}
		for i := 0; i+1 < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	for _, tc := range []struct {
		name  string
		in    Inbound
		allow bool
	}{
		{"a person", Inbound{From: "bob@client.example", Header: hdr("Subject", "help")}, true},
		{"auto-submitted: no is a person", Inbound{From: "bob@client.example", Header: hdr("Auto-Submitted", "no")}, true},
		{"an out-of-office", Inbound{From: "bob@client.example", Header: hdr("Auto-Submitted", "auto-replied")}, false},
		{"another helpdesk's acknowledgment", Inbound{From: "help@other.example", Header: hdr("Auto-Submitted", "auto-generated")}, false},
		{"a bounce", Inbound{From: "MAILER-DAEMON@mx.example", Header: hdr("Return-Path", "<>")}, false},
		{"empty return path", Inbound{From: "x@mx.example", Header: hdr("Return-Path", "<>")}, false},
		{"a delivery report", Inbound{From: "x@mx.example", Header: hdr("Content-Type", "multipart/report; report-type=delivery-status")}, false},
		{"a list", Inbound{From: "list@lists.example", Header: hdr("List-Id", "<dev.lists.example>")}, false},
		{"bulk", Inbound{From: "news@shop.example", Header: hdr("Precedence", "bulk")}, false},
		{"junk", Inbound{From: "x@shop.example", Header: hdr("Precedence", "junk")}, false},
		{"exchange suppression", Inbound{From: "bob@client.example", Header: hdr("X-Auto-Response-Suppress", "DR, OOF, AutoReply")}, false},
		{"suppression of read receipts only", Inbound{From: "bob@client.example", Header: hdr("X-Auto-Response-Suppress", "RN, NRN")}, true},
		{"our own address", Inbound{From: "Support@Example.com", Header: hdr(), OwnAddresses: own}, false},
		{"blacklisted", Inbound{From: "spam@x.example", Header: hdr(), Blacklisted: true}, false},
		{"judged automatic by intake, plain headers", Inbound{From: "monitor@tools.example", Header: hdr("Subject", "Disk full"), Automatic: true}, false},
		{"noreply", Inbound{From: "no-reply@saas.example", Header: hdr()}, false},
		{"x-autoreply", Inbound{From: "bob@client.example", Header: hdr("X-Autoreply", "yes")}, false},
		{"answers our automatic mail", Inbound{From: "bob@client.example", Header: hdr(), OwnMessage: true}, false},
		{"no address", Inbound{From: "", Header: hdr()}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := MayAutoReply(tc.in)
			if v.OK != tc.allow {
				t.Fatalf("got %+v, want allow=%v", v, tc.allow)
			}
			if !v.OK && v.Reason == "" {
				t.Error("a refusal must say why")
			}
		})
	}
}
