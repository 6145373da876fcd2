package mailbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
)

// ErrIdleNotOffered means the server lacks IDLE (RFC 2177); poll instead.
var ErrIdleNotOffered = errors.New("mailbox: server does not offer IDLE")

// Idle waits in IDLE on the selected folder and calls onChange whenever the
// server reports new or expunged messages. onChange runs on the connection's
// reader goroutine: it must return quickly (signal a channel, do not fetch).
// IDLE is re-issued every DefaultIdleRestart (see WithIdleRestart) so the
// server's inactivity timer never fires.
//
// Idle returns nil when ctx ends, after ending IDLE, so the Session can be
// used to collect; it returns an error when the connection breaks.
func (s *Session) Idle(ctx context.Context, onChange func()) error {
	if !s.c.Caps().Has(imap.CapIdle) {
		return ErrIdleNotOffered
	}
	s.onChange.Store(&onChange)
	defer s.onChange.Store(nil)
	timer := time.NewTimer(s.opts.idleRestart)
	defer timer.Stop()
	for {
		cmd, err := s.c.Idle()
		if err != nil {
			return fmt.Errorf("mailbox: idle: %w", err)
		}
		stopped := false
		select {
		case <-ctx.Done():
			stopped = true
		case <-s.c.Closed():
			return fmt.Errorf("mailbox: idle: connection lost: %w", net.ErrClosed)
		case <-timer.C:
			timer.Reset(s.opts.idleRestart)
		}
		if err := s.done(cmd); err != nil {
			return err
		}
		if stopped {
			return nil
		}
	}
}

// done ends one IDLE command and waits for its OK, bounded by the
// configured timeout so a dead server cannot hold the caller.
func (s *Session) done(cmd interface {
	Close() error
	Wait() error
}) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.timeout())
	defer cancel()
	defer s.guard(ctx)()
	if err := cmd.Close(); err != nil {
		return s.wrap(ctx, "end idle", err)
	}
	return s.wrap(ctx, "end idle", cmd.Wait())
}
