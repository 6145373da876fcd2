package mailbox

import (
	"cmp"
	"context"
	"fmt"
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
			buf, err := data.Collect()
			if err != nil {
				cmd.Close()
				return s.wrap(ctx, "fetch", err)
			}
			if buf.UID == 0 {
				continue // an unsolicited flag update, not our answer
			}
			msg := messageOf(buf)
			if len(buf.BodySection) > 0 {
				msg.Raw = buf.BodySection[0].Bytes
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
