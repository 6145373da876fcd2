package mailbox

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

type literal struct {
	io.Reader
	size int64
}

func (l literal) Size() int64 { return l.size }

// TestReadLiteral: a body is read whole into a buffer of its announced
// size; a literal shorter than announced is an error, not a short body;
// an announcement past preallocMax is not allocated up front.
func TestReadLiteral(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000)
	got, err := readLiteral(literal{bytes.NewReader(body), int64(len(body))})
	if err != nil || !bytes.Equal(got, body) || cap(got) != len(body) {
		t.Fatalf("got %d bytes (cap %d), %v; want the %d bytes in a buffer of their size", len(got), cap(got), err, len(body))
	}
	if _, err := readLiteral(literal{bytes.NewReader(body[:10]), int64(len(body))}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short literal: %v, want io.ErrUnexpectedEOF", err)
	}
	got, err = readLiteral(literal{bytes.NewReader(body[:10]), preallocMax + 1})
	if err != nil || !bytes.Equal(got, body[:10]) || cap(got) > 1<<20 {
		t.Fatalf("huge announcement: %d bytes (cap %d), %v; want the 10 that came, nothing allocated ahead", len(got), cap(got), err)
	}
	if got, err := readLiteral(literal{bytes.NewReader(nil), 0}); err != nil || len(got) != 0 {
		t.Fatalf("empty literal: %q, %v", got, err)
	}
}
