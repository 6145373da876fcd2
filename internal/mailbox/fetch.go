package mailbox

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Message is one fetched e-mail.
type Message struct {
	UID          uint32
	Size         int64 // RFC822.SIZE as the server reports it
	Flags        []string
	InternalDate time.Time
	// TooLarge is set when Size exceeded the cap given to Fetch; Raw is then
	// nil and the body was never downloaded.
	TooLarge bool
	Raw      []byte // the whole message, BODY.PEEK[] (fetching it does not set \Seen)
}

// Seen reports whether the message carries \Seen.
func (m Message) Seen() bool { return slices.Contains(m.Flags, string(imap.FlagSeen)) }

var peekWhole = []*imap.FetchItemBodySection{{Peek: true}}

// Fetch calls fn for each of uids in the selected folder that still exists,
// in ascending UID order, one message in memory at a time. With maxSize > 0,
// sizes are asked first and messages over maxSize are passed with TooLarge
// set and no body. An error from fn stops the walk and is returned as is.
func (s *Session) Fetch(ctx context.Context, uids []uint32, maxSize int64, fn func(Message) error) error {
	if len(uids) == 0 {
		return nil
	}
	defer s.guard(ctx)()
	want := slices.Clone(uids)
	slices.Sort(want)
	var tooLarge []Message
	if maxSize > 0 {
		metas, err := s.c.Fetch(uidSet(want), &imap.FetchOptions{UID: true, RFC822Size: true, Flags: true, InternalDate: true}).Collect()
		if err != nil {
			return s.wrap(ctx, "fetch sizes", err)
		}
		want = want[:0]
		for _, m := range metas {
			msg := messageOf(m)
			if msg.Size > maxSize {
				msg.TooLarge = true
				tooLarge = append(tooLarge, msg)
			} else {
				want = append(want, msg.UID)
			}
		}
		slices.SortFunc(tooLarge, func(a, b Message) int { return cmp.Compare(a.UID, b.UID) })
		slices.Sort(want)
	}
	// flush hands over the too-large messages whose UID comes before upTo,
	// keeping the promised ascending order.
	flush := func(upTo uint32) error {
		for len(tooLarge) > 0 && tooLarge[0].UID < upTo {
			if err := fn(tooLarge[0]); err != nil {
				return err
			}
			tooLarge = tooLarge[1:]
		}
		return nil
	}
	if len(want) > 0 {
		cmd := s.c.Fetch(uidSet(want), &imap.FetchOptions{UID: true, RFC822Size: true, Flags: true, InternalDate: true, BodySection: peekWhole})
		for data := cmd.Next(); data != nil; data = cmd.Next() {
			msg, err := collectMessage(data)
			if err != nil {
				cmd.Close()
				return s.wrap(ctx, "fetch", err)
			}
			if msg.UID == 0 {
				continue // an unsolicited flag update, not our answer
			}
			if err := flush(msg.UID); err != nil {
				cmd.Close()
				return err
			}
			if err := fn(msg); err != nil {
				cmd.Close()
				return err
			}
		}
		if err := cmd.Close(); err != nil {
			return s.wrap(ctx, "fetch", err)
		}
	}
	return flush(^uint32(0))
}

// preallocMax is the largest body read into a buffer of the size its
// literal announces; a larger announcement (a server's mistake or worse)
// is read as it comes, the buffer growing with what actually arrives.
const preallocMax = 64 << 20

// collectMessage reads one message of a FETCH answer: its items, and its
// whole body (BODY[]) into one buffer of the literal's size, where
// imapclient's Collect grows a buffer from 512 bytes (about two and a
// half times a message's size allocated, and as much copied).
func collectMessage(data *imapclient.FetchMessageData) (Message, error) {
	var m Message
	for item := data.Next(); item != nil; item = data.Next() {
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			m.UID = uint32(item.UID)
		case imapclient.FetchItemDataRFC822Size:
			m.Size = item.Size
		case imapclient.FetchItemDataInternalDate:
			m.InternalDate = item.Time
		case imapclient.FetchItemDataFlags:
			for _, f := range item.Flags {
				m.Flags = append(m.Flags, string(f))
			}
		case imapclient.FetchItemDataBodySection:
			if item.Literal == nil || m.Raw != nil {
				continue
			}
			raw, err := readLiteral(item.Literal)
			if err != nil {
				return m, err
			}
			m.Raw = raw
		}
	}
	return m, nil
}

func readLiteral(lit imap.LiteralReader) ([]byte, error) {
	n := lit.Size()
	if n < 0 || n > preallocMax {
		return io.ReadAll(lit)
	}
	raw := make([]byte, n)
	if _, err := io.ReadFull(lit, raw); err != nil {
		return nil, err
	}
	return raw, nil
}

func messageOf(b *imapclient.FetchMessageBuffer) Message {
	m := Message{UID: uint32(b.UID), Size: b.RFC822Size, InternalDate: b.InternalDate}
	for _, f := range b.Flags {
		m.Flags = append(m.Flags, string(f))
	}
	return m
}

// String is for logs: never the body.
func (m Message) String() string {
	return fmt.Sprintf("uid=%d size=%d too_large=%t", m.UID, m.Size, m.TooLarge)
}
