package mailbox

import (
	"errors"
	"slices"
	"testing"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
)

func TestListFolders(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	srv.CreateFolder(alice, "Archive")
	srv.CreateFolder(alice, "Archive/2024")
	srv.CreateFolder(alice, "Reçus & traités") // needs modified UTF-7 on the wire
	s := dialMem(t, srv)
	folders, err := s.ListFolders(ctxT(t))
	if err != nil {
		t.Fatalf("ListFolders: %v", err)
	}
	var names []string
	for _, f := range folders {
		names = append(names, f.Name)
		if f.Delimiter != "/" {
			t.Errorf("folder %q: got delimiter %q, want /", f.Name, f.Delimiter)
		}
	}
	slices.Sort(names)
	want := []string{"Archive", "Archive/2024", "INBOX", "Reçus & traités"}
	if !slices.Equal(names, want) {
		t.Fatalf("got folders %q, want %q", names, want)
	}
	// The UTF-8 name must round-trip to SELECT.
	if _, err := s.Select(ctxT(t), "Reçus & traités"); err != nil {
		t.Errorf("Select UTF-8 folder: %v", err)
	}
}

func TestSelect(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	for i := range 3 {
		srv.Deliver(alice, "INBOX", mail("hello "+string(rune('a'+i)), 100))
	}
	s := dialMem(t, srv)
	mb, err := s.Select(ctxT(t), "")
	if err != nil {
		t.Fatalf("Select: %v", err)
	}
	if mb.Name != "INBOX" || mb.Messages != 3 || mb.UIDNext != 4 || mb.UIDValidity == 0 {
		t.Errorf("got %+v, want INBOX with 3 messages, UIDNEXT 4 and a UIDVALIDITY", mb)
	}
	_, err = s.Select(ctxT(t), "Nope")
	if !errors.Is(err, ErrFolderMissing) || Classify(err) != ClassFolderMissing {
		t.Errorf("Select missing folder: got %v (class %q), want ErrFolderMissing", err, Classify(err))
	}
}

func TestUIDsAfter(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	// UIDs 1..6; 2 and 4 already read.
	for i := 1; i <= 6; i++ {
		var flags []string
		if i == 2 || i == 4 {
			flags = []string{`\Seen`}
		}
		srv.DeliverFlags(alice, "INBOX", mail("m", 100), toFlags(flags)...)
	}
	s := dialMem(t, srv)
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		last       uint32
		onlyUnseen bool
		limit      int
		want       []uint32
	}{
		{name: "all", want: []uint32{1, 2, 3, 4, 5, 6}},
		{name: "after 3", last: 3, want: []uint32{4, 5, 6}},
		{name: "only unseen", onlyUnseen: true, want: []uint32{1, 3, 5, 6}},
		{name: "limit keeps the oldest", limit: 2, want: []uint32{1, 2}},
		{name: "unseen after 2 limit 2", last: 2, onlyUnseen: true, limit: 2, want: []uint32{3, 5}},
		// "7:*" matches UID 6 on the wire; it must not come back.
		{name: "nothing new", last: 6, want: nil},
		{name: "far past the end", last: 100, want: nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.UIDsAfter(ctxT(t), tc.last, tc.onlyUnseen, tc.limit)
			if err != nil {
				t.Fatalf("UIDsAfter: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
