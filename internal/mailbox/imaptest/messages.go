package imaptest

import (
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Message is a message as stored on the server.
type Message struct {
	UID   uint32
	Flags []imap.Flag
	Raw   []byte
}

// Seen reports whether the message carries \Seen.
func (m Message) Seen() bool { return m.has(imap.FlagSeen) }

// Deleted reports whether the message carries \Deleted.
func (m Message) Deleted() bool { return m.has(imap.FlagDeleted) }

func (m Message) has(f imap.Flag) bool {
	for _, g := range m.Flags {
		if g == f {
			return true
		}
	}
	return false
}

// Messages lists user's folder in UID order. It reads through a private
// connection that no fault touches and that does not set \Seen.
func (s *Server) Messages(user, folder string) []Message {
	s.t.Helper()
	s.user(user)
	c, err := imapclient.DialInsecure(s.admin, nil)
	if err != nil {
		s.t.Fatalf("imaptest: messages: %v", err)
	}
	defer c.Close()
	if err := c.Login(user, s.secret).Wait(); err != nil {
		s.t.Fatalf("imaptest: messages: login: %v", err)
	}
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		s.t.Fatalf("imaptest: messages: select %q: %v", folder, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	bufs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		s.t.Fatalf("imaptest: messages: fetch: %v", err)
	}
	out := make([]Message, 0, len(bufs))
	for _, b := range bufs {
		m := Message{UID: uint32(b.UID), Flags: b.Flags}
		if len(b.BodySection) > 0 {
			m.Raw = b.BodySection[0].Bytes
		}
		out = append(out, m)
	}
	_ = c.Logout().Wait()
	return out
}
