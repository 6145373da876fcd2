package testpeer

import (
	"bytes"
	"sync"
)

// LogBuffer is a log sink safe for concurrent writers (the collector's
// goroutines, a server's handlers) that a test can search afterwards.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *LogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *LogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
