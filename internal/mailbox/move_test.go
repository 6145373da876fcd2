package mailbox

import (
	"errors"
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
)

func uidsOf(ms []imaptest.Message, keep func(imaptest.Message) bool) []uint32 {
	var out []uint32
	for _, m := range ms {
		if keep(m) {
			out = append(out, m.UID)
		}
	}
	return out
}

func all(imaptest.Message) bool { return true }

func TestMove(t *testing.T) {
	cases := []struct {
		name string
		opts imaptest.Options
		// what INBOX holds after moving 1 and 3 of {1, 2, 3, 4 (\Deleted by someone else)}
		wantInbox   []uint32
		wantDeleted []uint32
	}{
		{name: "MOVE", opts: imaptest.Options{}, wantInbox: []uint32{2, 4}, wantDeleted: []uint32{4}},
		{name: "COPY and UID EXPUNGE", opts: imaptest.Options{NoMove: true}, wantInbox: []uint32{2, 4}, wantDeleted: []uint32{4}},
		// Without UIDPLUS only a plain EXPUNGE could remove them, and that
		// would take message 4 too: they stay, flagged.
		{name: "COPY without UIDPLUS", opts: imaptest.Options{NoMove: true, NoUIDPlus: true}, wantInbox: []uint32{1, 2, 3, 4}, wantDeleted: []uint32{1, 3, 4}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := memServer(t, tc.opts)
			srv.CreateFolder(alice, "Accepted")
			for i := 1; i <= 4; i++ {
				var fl []imap.Flag
				if i == 4 {
					fl = []imap.Flag{imap.FlagDeleted}
				}
				srv.DeliverFlags(alice, "INBOX", mail("m", 200), fl...)
			}
			s := dialMem(t, srv)
			if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
				t.Fatal(err)
			}
			if err := s.Move(ctxT(t), []uint32{1, 3}, "Accepted"); err != nil {
				t.Fatalf("Move: %v", err)
			}
			inbox := srv.Messages(alice, "INBOX")
			if got := uidsOf(inbox, all); !slices.Equal(got, tc.wantInbox) {
				t.Errorf("INBOX: got uids %v, want %v", got, tc.wantInbox)
			}
			if got := uidsOf(inbox, imaptest.Message.Deleted); !slices.Equal(got, tc.wantDeleted) {
				t.Errorf("INBOX \\Deleted: got %v, want %v", got, tc.wantDeleted)
			}
			if got := srv.Messages(alice, "Accepted"); len(got) != 2 {
				t.Errorf("Accepted: got %d messages, want 2", len(got))
			}
			// Whatever the server, moved messages are not offered again.
			left, err := s.UIDsAfter(ctxT(t), 0, false, 0)
			if err != nil || !slices.Equal(left, []uint32{2}) {
				t.Errorf("UIDsAfter after move: got %v, %v; want [2]", left, err)
			}
		})
	}
}

func TestMoveFailureDeletesNothing(t *testing.T) {
	cases := []struct {
		name      string
		opts      imaptest.Options
		folder    string
		fault     string
		wantClass ErrorClass
	}{
		{name: "MOVE to a missing folder", folder: "Nope", wantClass: ClassFolderMissing},
		{name: "COPY to a missing folder", opts: imaptest.Options{NoMove: true}, folder: "Nope", wantClass: ClassFolderMissing},
		{name: "COPY refused over quota", opts: imaptest.Options{NoMove: true}, folder: "Accepted", fault: "COPY", wantClass: ClassServerLimit},
		{name: "MOVE refused over quota", folder: "Accepted", fault: "MOVE", wantClass: ClassServerLimit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := memServer(t, tc.opts)
			srv.CreateFolder(alice, "Accepted")
			for range 3 {
				srv.Deliver(alice, "INBOX", mail("m", 200))
			}
			if tc.fault != "" {
				srv.FailNext(tc.fault, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeOverQuota, Text: "Quota exceeded"})
			}
			s := dialMem(t, srv)
			if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
				t.Fatal(err)
			}
			err := s.Move(ctxT(t), []uint32{1, 2}, tc.folder)
			if err == nil || Classify(err) != tc.wantClass {
				t.Fatalf("Move: got %v (class %q), want a %q error", err, Classify(err), tc.wantClass)
			}
			if tc.wantClass == ClassFolderMissing && !errors.Is(err, ErrFolderMissing) {
				t.Errorf("got %v, want it to wrap ErrFolderMissing", err)
			}
			inbox := srv.Messages(alice, "INBOX")
			if got := uidsOf(inbox, all); !slices.Equal(got, []uint32{1, 2, 3}) {
				t.Errorf("INBOX after failed move: got %v, want all of [1 2 3]", got)
			}
			if got := uidsOf(inbox, imaptest.Message.Deleted); len(got) != 0 {
				t.Errorf("INBOX after failed move: %v flagged \\Deleted, want none", got)
			}
		})
	}
}

func TestMarkSeen(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	for range 3 {
		srv.Deliver(alice, "INBOX", mail("m", 200))
	}
	s := dialMem(t, srv)
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSeen(ctxT(t), []uint32{1, 3}); err != nil {
		t.Fatalf("MarkSeen: %v", err)
	}
	if got := uidsOf(srv.Messages(alice, "INBOX"), imaptest.Message.Seen); !slices.Equal(got, []uint32{1, 3}) {
		t.Errorf("\\Seen: got %v, want [1 3]", got)
	}
	unseen, err := s.UIDsAfter(ctxT(t), 0, true, 0)
	if err != nil || !slices.Equal(unseen, []uint32{2}) {
		t.Errorf("unseen after MarkSeen: got %v, %v; want [2]", unseen, err)
	}
}
