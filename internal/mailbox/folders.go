package mailbox

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// ErrFolderMissing means a folder named in the receiver does not exist on
// the server. Folders are never created on the fly (see the package doc).
var ErrFolderMissing = errors.New("mailbox: folder missing")

// Folder is one entry of the server's folder tree.
type Folder struct {
	Name      string   // UTF-8; go-imap decodes modified UTF-7 (RFC 3501 section 5.1.3)
	Delimiter string   // hierarchy separator, "" for a flat namespace
	Attrs     []string // e.g. \Noselect, \HasChildren, \Archive
}

// Selectable reports whether the folder can hold messages.
func (f Folder) Selectable() bool {
	for _, a := range f.Attrs {
		if strings.EqualFold(a, string(imap.MailboxAttrNoSelect)) || strings.EqualFold(a, string(imap.MailboxAttrNonExistent)) {
			return false
		}
	}
	return true
}

// ListFolders lists every folder of the mailbox (LIST "" "*").
func (s *Session) ListFolders(ctx context.Context) ([]Folder, error) {
	defer s.guard(ctx)()
	list, err := s.c.List("", "*", nil).Collect()
	if err != nil {
		return nil, s.wrap(ctx, "list folders", err)
	}
	out := make([]Folder, 0, len(list))
	for _, l := range list {
		f := Folder{Name: l.Mailbox}
		if l.Delim != 0 {
			f.Delimiter = string(l.Delim)
		}
		for _, a := range l.Attrs {
			f.Attrs = append(f.Attrs, string(a))
		}
		out = append(out, f)
	}
	return out, nil
}

// Mailbox is what SELECT says about a folder.
type Mailbox struct {
	Name        string
	UIDValidity uint32
	UIDNext     uint32
	Messages    uint32
}

// Select opens folder read-write ("" means INBOX) so later commands act on it.
func (s *Session) Select(ctx context.Context, folder string) (Mailbox, error) {
	if folder == "" {
		folder = "INBOX"
	}
	defer s.guard(ctx)()
	data, err := s.c.Select(folder, nil).Wait()
	if err != nil {
		if folderMissing(err) {
			return Mailbox{}, s.wrap(ctx, "select", fmt.Errorf("%w: %q: %w", ErrFolderMissing, folder, err))
		}
		return Mailbox{}, s.wrap(ctx, fmt.Sprintf("select %q", folder), err)
	}
	s.exists.Store(int64(data.NumMessages))
	return Mailbox{Name: folder, UIDValidity: data.UIDValidity, UIDNext: uint32(data.UIDNext), Messages: data.NumMessages}, nil
}

// folderMissing recognises "no such folder" answers: the RFC 5530 codes, and
// the texts of servers that send none (Exchange, older Dovecot, Gmail).
func folderMissing(err error) bool {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return false
	}
	if ie.Code == imap.ResponseCodeNonExistent || ie.Code == imap.ResponseCodeTryCreate {
		return true
	}
	t := strings.ToLower(ie.Text)
	for _, p := range []string{"doesn't exist", "does not exist", "no such mailbox", "no such folder", "unknown mailbox", "not found", "mailbox not exist"} {
		if strings.Contains(t, p) {
			return true
		}
	}
	return false
}
