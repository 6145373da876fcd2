package mailbox

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// UIDsAfter returns, ascending, the UIDs greater than lastUID in the selected
// folder, at most limit of them (limit <= 0: all). Messages flagged \Deleted
// are left out: a move without UIDPLUS leaves its source flagged, and they
// must not be collected twice. With onlyUnseen, \Seen messages are left out too.
func (s *Session) UIDsAfter(ctx context.Context, lastUID uint32, onlyUnseen bool, limit int) ([]uint32, error) {
	crit := &imap.SearchCriteria{
		UID:     []imap.UIDSet{{imap.UIDRange{Start: imap.UID(lastUID + 1), Stop: 0}}},
		NotFlag: []imap.Flag{imap.FlagDeleted},
	}
	if onlyUnseen {
		crit.NotFlag = append(crit.NotFlag, imap.FlagSeen)
	}
	defer s.guard(ctx)()
	data, err := s.c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, s.wrap(ctx, "uid search", err)
	}
	var out []uint32
	for _, u := range data.AllUIDs() {
		// "n:*" always matches the highest UID, even when it is below n
		// (RFC 3501 section 6.4.8), so filter again.
		if uint32(u) > lastUID {
			out = append(out, uint32(u))
		}
	}
	slices.Sort(out)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// UIDsByMessageID returns, ascending, the UIDs of the selected folder's
// messages whose Message-ID header is messageID (with or without <>),
// \Deleted ones left out.
func (s *Session) UIDsByMessageID(ctx context.Context, messageID string) ([]uint32, error) {
	id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(messageID), "<"), ">")
	if id == "" {
		return nil, nil
	}
	crit := &imap.SearchCriteria{
		Header:  []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + id + ">"}},
		NotFlag: []imap.Flag{imap.FlagDeleted},
	}
	defer s.guard(ctx)()
	data, err := s.c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, s.wrap(ctx, "uid search", err)
	}
	var out []uint32
	for _, u := range data.AllUIDs() {
		out = append(out, uint32(u))
	}
	slices.Sort(out)
	return out, nil
}

// UIDsSince returns, ascending, the UIDs of the selected folder's messages
// that arrived on or after since's day (IMAP SINCE compares the internal
// date, by day), leaving out \Deleted ones as UIDsAfter does.
func (s *Session) UIDsSince(ctx context.Context, since time.Time) ([]uint32, error) {
	crit := &imap.SearchCriteria{Since: since, NotFlag: []imap.Flag{imap.FlagDeleted}}
	defer s.guard(ctx)()
	data, err := s.c.UIDSearch(crit, nil).Wait()
	if err != nil {
		return nil, s.wrap(ctx, "uid search since", err)
	}
	out := make([]uint32, 0, len(data.AllUIDs()))
	for _, u := range data.AllUIDs() {
		out = append(out, uint32(u))
	}
	slices.Sort(out)
	return out, nil
}
