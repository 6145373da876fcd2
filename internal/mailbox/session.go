package mailbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Session is one authenticated IMAP connection. It is not safe for
// concurrent use: the collector drives one Session from one goroutine.
type Session struct {
	c     *imapclient.Client
	cfg   Config
	opts  *options
	tls   tlsSeen
	marks marks

	// onChange is set while Idle runs; the client's reader goroutine calls it
	// on EXISTS and EXPUNGE.
	onChange atomic.Pointer[func()]
	// exists is the selected folder's message count as this connection
	// knows it (-1: unknown): SELECT sets it, EXPUNGE lowers it, EXISTS
	// sets it. Only a count that grows is news: mail moved out of the
	// folder (by our own collect, on another connection) is not.
	exists atomic.Int64
}

// Capabilities lists what the server advertises now, sorted.
func (s *Session) Capabilities() []string {
	caps := s.c.Caps()
	out := make([]string, 0, len(caps))
	for c := range caps {
		out = append(out, string(c))
	}
	slices.Sort(out)
	return out
}

// TLS returns the state of the TLS handshake, if there was one.
func (s *Session) TLS() (tls.ConnectionState, bool) { return s.tls.get() }

// Close logs out politely when the connection still works, then closes it.
func (s *Session) Close() error {
	select {
	case <-s.c.Closed():
		return nil
	default:
	}
	// A dead server must not hold Close for the client's 30 s read timeout.
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.timeout())
	defer cancel()
	stop := s.guard(ctx)
	_ = s.c.Logout().Wait()
	stop()
	_ = s.c.Close()
	return nil
}

// guard closes the connection when ctx ends, which is the only way to
// interrupt go-imap's client. Call the returned func once the command is done.
func (s *Session) guard(ctx context.Context) func() {
	stop := context.AfterFunc(ctx, func() { s.c.Close() })
	return func() { stop() }
}

// wrap prefixes err with the operation and, when ctx ended first, says so:
// the I/O error the closed socket produced is only a symptom.
func (s *Session) wrap(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("mailbox: %s: %w (%w)", op, cerr, err)
	}
	return fmt.Errorf("mailbox: %s: %w", op, err)
}

func (s *Session) mailboxChanged(d *imapclient.UnilateralDataMailbox) {
	if d == nil || d.NumMessages == nil {
		return // flags or other news: no new message
	}
	n := int64(*d.NumMessages)
	if old := s.exists.Swap(n); old < 0 || n > old {
		s.changed()
	}
}

func (s *Session) expunged(uint32) {
	if s.exists.Add(-1) < -1 {
		s.exists.Store(-1) // more expunges than we knew of: unknown
	}
}

func (s *Session) changed() {
	if f := s.onChange.Load(); f != nil {
		(*f)()
	}
}

func uidSet(uids []uint32) imap.UIDSet {
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	return set
}
