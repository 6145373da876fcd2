package mailbox

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// Move moves uids from the selected folder to folder, in one command when
// the server offers MOVE (RFC 6851). Without MOVE it copies, and only once
// the copy succeeded flags the sources \Deleted and, with UIDPLUS (RFC 4315),
// expunges exactly those UIDs. Without UIDPLUS the sources stay flagged
// \Deleted: a plain EXPUNGE would also remove messages someone else flagged.
// (go-imap's own fallback pipelines the three commands, so a failed COPY
// would still delete; that is why it is not used.)
func (s *Session) Move(ctx context.Context, uids []uint32, folder string) error {
	if len(uids) == 0 {
		return nil
	}
	set := uidSet(uids)
	defer s.guard(ctx)()
	caps := s.c.Caps()
	if caps.Has(imap.CapMove) {
		if _, err := s.c.Move(set, folder).Wait(); err != nil {
			return s.wrap(ctx, "move", s.missing(folder, err))
		}
		return nil
	}
	if _, err := s.c.Copy(set, folder).Wait(); err != nil {
		return s.wrap(ctx, "copy", s.missing(folder, err))
	}
	if err := s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted, imap.FlagSeen}}, nil).Close(); err != nil {
		return s.wrap(ctx, "flag moved messages deleted", err)
	}
	if caps.Has(imap.CapUIDPlus) {
		if err := s.c.UIDExpunge(set).Close(); err != nil {
			return s.wrap(ctx, "uid expunge", err)
		}
	}
	return nil
}

// MarkSeen adds \Seen to uids in the selected folder.
func (s *Session) MarkSeen(ctx context.Context, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	defer s.guard(ctx)()
	err := s.c.Store(uidSet(uids), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
	return s.wrap(ctx, "mark seen", err)
}

func (s *Session) missing(folder string, err error) error {
	if folderMissing(err) {
		return fmt.Errorf("%w: %q: %w", ErrFolderMissing, folder, err)
	}
	return err
}
