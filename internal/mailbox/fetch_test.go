package mailbox

import (
	"bytes"
	"errors"
	"testing"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
)

func TestFetch(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	raws := map[uint32][]byte{}
	for _, size := range []int{2_000, 50_000, 3_000, 60_000, 1_000} {
		raw := mail("size", size)
		raws[srv.Deliver(alice, "INBOX", raw)] = raw
	}
	s := dialMem(t, srv)
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		uids        []uint32
		maxSize     int64
		wantUIDs    []uint32
		wantTooBig  map[uint32]bool
		wantFetched int
	}{
		{name: "no cap", uids: []uint32{5, 1, 2, 3, 4}, wantUIDs: []uint32{1, 2, 3, 4, 5}, wantTooBig: map[uint32]bool{}},
		{name: "cap 10 KB", uids: []uint32{1, 2, 3, 4, 5}, maxSize: 10_000, wantUIDs: []uint32{1, 2, 3, 4, 5}, wantTooBig: map[uint32]bool{2: true, 4: true}},
		{name: "only too large", uids: []uint32{2, 4}, maxSize: 10_000, wantUIDs: []uint32{2, 4}, wantTooBig: map[uint32]bool{2: true, 4: true}},
		{name: "gone uid skipped", uids: []uint32{3, 99}, maxSize: 10_000, wantUIDs: []uint32{3}, wantTooBig: map[uint32]bool{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []uint32
			err := s.Fetch(ctxT(t), tc.uids, tc.maxSize, func(m Message) error {
				got = append(got, m.UID)
				raw := raws[m.UID]
				if m.Size != int64(len(raw)) {
					t.Errorf("uid %d: got size %d, want %d", m.UID, m.Size, len(raw))
				}
				if m.InternalDate.IsZero() {
					t.Errorf("uid %d: no INTERNALDATE", m.UID)
				}
				if m.TooLarge != tc.wantTooBig[m.UID] {
					t.Errorf("uid %d: got TooLarge %t, want %t", m.UID, m.TooLarge, tc.wantTooBig[m.UID])
				}
				switch {
				case m.TooLarge && m.Raw != nil:
					t.Errorf("uid %d: too large but %d body bytes downloaded", m.UID, len(m.Raw))
				case !m.TooLarge && !bytes.Equal(m.Raw, raw):
					t.Errorf("uid %d: got %d body bytes, want the %d delivered", m.UID, len(m.Raw), len(raw))
				}
				return nil
			})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if len(got) != len(tc.wantUIDs) {
				t.Fatalf("got uids %v, want %v", got, tc.wantUIDs)
			}
			for i := range got {
				if got[i] != tc.wantUIDs[i] {
					t.Fatalf("got uids %v, want %v (ascending)", got, tc.wantUIDs)
				}
			}
		})
	}
	// BODY.PEEK[] must leave the messages unread.
	for _, m := range srv.Messages(alice, "INBOX") {
		if m.Seen() {
			t.Errorf("uid %d: \\Seen set by Fetch, want it untouched", m.UID)
		}
	}
}

func TestFetchStopsOnCallbackError(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	for range 5 {
		srv.Deliver(alice, "INBOX", mail("m", 500))
	}
	s := dialMem(t, srv)
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop here")
	n := 0
	err := s.Fetch(ctxT(t), []uint32{1, 2, 3, 4, 5}, 0, func(Message) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Fatalf("got err %v after %d calls, want the callback's error after 2", err, n)
	}
	// The session is still usable after the rest was drained.
	if _, err := s.UIDsAfter(ctxT(t), 0, false, 0); err != nil {
		t.Fatalf("UIDsAfter after a stopped fetch: %v", err)
	}
}

func TestFetchConnectionDropped(t *testing.T) {
	srv := memServer(t, imaptest.Options{})
	srv.Deliver(alice, "INBOX", mail("m", 500))
	s := dialMem(t, srv)
	if _, err := s.Select(ctxT(t), "INBOX"); err != nil {
		t.Fatal(err)
	}
	srv.DropNext("FETCH")
	err := s.Fetch(ctxT(t), []uint32{1}, 0, func(Message) error { return nil })
	if Classify(err) != ClassNetwork {
		t.Fatalf("Fetch on a dropped connection: got %v (class %q), want network", err, Classify(err))
	}
}
