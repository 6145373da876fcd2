package imaptest

import (
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

type faultKind int

const (
	faultFail faultKind = iota
	faultDrop
	faultHang
)

type fault struct {
	cmd  string
	kind faultKind
	err  *imap.Error
}

// FailNext makes the next cmd (SELECT, LIST, SEARCH, FETCH, STORE, COPY,
// MOVE, EXPUNGE, IDLE) of any client answer err.
func (s *Server) FailNext(cmd string, err *imap.Error) {
	s.arm(fault{cmd: cmd, kind: faultFail, err: err})
}

// DropNext makes the server close the connection when the next cmd arrives.
func (s *Server) DropNext(cmd string) { s.arm(fault{cmd: cmd, kind: faultDrop}) }

// HangNext makes the next cmd never answer (until the server stops), as a
// stuck server would.
func (s *Server) HangNext(cmd string) { s.arm(fault{cmd: cmd, kind: faultHang}) }

// DropConnections closes every client connection, as an outage would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.NetConn().Close()
	}
}

func (s *Server) arm(f fault) {
	f.cmd = strings.ToUpper(f.cmd)
	s.mu.Lock()
	s.faults = append(s.faults, f)
	s.mu.Unlock()
}

// fault plays the first armed fault for cmd, if any.
func (s *session) fault(cmd string) error {
	if s.internal {
		return nil
	}
	s.srv.mu.Lock()
	var f *fault
	for i := range s.srv.faults {
		if s.srv.faults[i].cmd == cmd {
			ff := s.srv.faults[i]
			f = &ff
			s.srv.faults = append(s.srv.faults[:i], s.srv.faults[i+1:]...)
			break
		}
	}
	s.srv.mu.Unlock()
	if f == nil {
		return nil
	}
	switch f.kind {
	case faultDrop:
		_ = s.conn.NetConn().Close()
		return &imap.Error{Type: imap.StatusResponseTypeBye, Text: "dropped by imaptest"}
	case faultHang:
		<-s.srv.stopped
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "server stopped"}
	}
	return f.err
}

func (s *session) Select(name string, o *imap.SelectOptions) (*imap.SelectData, error) {
	if err := s.fault("SELECT"); err != nil {
		return nil, err
	}
	return s.UserSession.Select(name, o)
}

func (s *session) List(w *imapserver.ListWriter, ref string, patterns []string, o *imap.ListOptions) error {
	if err := s.fault("LIST"); err != nil {
		return err
	}
	return s.UserSession.List(w, ref, patterns, o)
}

func (s *session) Search(kind imapserver.NumKind, c *imap.SearchCriteria, o *imap.SearchOptions) (*imap.SearchData, error) {
	if err := s.fault("SEARCH"); err != nil {
		return nil, err
	}
	return s.UserSession.Search(kind, c, o)
}

func (s *session) Fetch(w *imapserver.FetchWriter, set imap.NumSet, o *imap.FetchOptions) error {
	if err := s.fault("FETCH"); err != nil {
		return err
	}
	return s.UserSession.Fetch(w, set, o)
}

func (s *session) Store(w *imapserver.FetchWriter, set imap.NumSet, f *imap.StoreFlags, o *imap.StoreOptions) error {
	if err := s.fault("STORE"); err != nil {
		return err
	}
	return s.UserSession.Store(w, set, f, o)
}

func (s *session) Copy(set imap.NumSet, dest string) (*imap.CopyData, error) {
	if err := s.fault("COPY"); err != nil {
		return nil, err
	}
	return s.UserSession.Copy(set, dest)
}

func (s *session) Move(w *imapserver.MoveWriter, set imap.NumSet, dest string) error {
	if err := s.fault("MOVE"); err != nil {
		return err
	}
	return s.UserSession.Move(w, set, dest)
}

func (s *session) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	if err := s.fault("EXPUNGE"); err != nil {
		return err
	}
	return s.UserSession.Expunge(w, uids)
}

func (s *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if err := s.fault("IDLE"); err != nil {
		return err
	}
	return s.UserSession.Idle(w, stop)
}
