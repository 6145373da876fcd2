package submission

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// Reply is one server reply: the three-digit code, the enhanced status code
// when the server gave one (RFC 3463, e.g. "5.7.8"), and the text lines.
type Reply struct {
	Code     int
	Enhanced string
	Lines    []string
}

// Text is the reply's text on one line.
func (r Reply) Text() string { return strings.Join(r.Lines, " ") }

func (r Reply) String() string {
	s := strconv.Itoa(r.Code)
	if r.Enhanced != "" {
		s += " " + r.Enhanced
	}
	if t := r.Text(); t != "" {
		s += " " + t
	}
	return s
}

// maxReplyLines bounds a multi-line reply; a real EHLO answer has about 15.
const maxReplyLines = 200

// readReply reads one reply. RFC 5321 section 4.2.1: every line but the last
// has a hyphen after the code, the last a space (or nothing); all lines carry
// the same code. With ENHANCEDSTATUSCODES (RFC 2034) each text starts with
// class.subject.detail; it is kept from the first line.
func readReply(r *bufio.Reader) (Reply, error) {
	var rep Reply
	for i := 0; ; i++ {
		if i == maxReplyLines {
			return rep, fmt.Errorf("reply longer than %d lines", maxReplyLines)
		}
		line, err := readLine(r)
		if err != nil {
			return rep, err
		}
		if len(line) < 3 {
			return rep, fmt.Errorf("malformed reply %q", line)
		}
		code, err := strconv.Atoi(line[:3])
		if err != nil || code < 200 || code > 599 {
			return rep, fmt.Errorf("malformed reply %q", line)
		}
		if i > 0 && code != rep.Code {
			return rep, fmt.Errorf("reply changed code from %d to %d", rep.Code, code)
		}
		rep.Code = code
		more := len(line) > 3 && line[3] == '-'
		text := ""
		if len(line) > 4 {
			text = line[4:]
		}
		if i == 0 {
			if enh, rest, ok := enhancedCode(text, code); ok {
				rep.Enhanced, text = enh, rest
			}
		} else if rep.Enhanced != "" && strings.HasPrefix(text, rep.Enhanced+" ") {
			text = text[len(rep.Enhanced)+1:]
		}
		rep.Lines = append(rep.Lines, text)
		if !more {
			return rep, nil
		}
	}
}

// enhancedCode splits "5.7.8 text" when the class digit matches the reply
// code's first digit, as RFC 3463 section 2 requires.
func enhancedCode(text string, code int) (string, string, bool) {
	first, rest, _ := strings.Cut(text, " ")
	parts := strings.Split(first, ".")
	if len(parts) != 3 || parts[0] != strconv.Itoa(code/100) {
		return "", "", false
	}
	for _, p := range parts[1:] {
		if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 999 {
			return "", "", false
		}
	}
	return first, rest, true
}

// maxLineLen bounds a reply line. RFC 5321 section 4.5.3.1.5 sets 512
// octets; some servers send longer ones, so allow a generous margin.
const maxLineLen = 8192

// readLine reads one CRLF (or bare LF) line.
func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			return "", err
		}
		b.Write(chunk)
		if b.Len() > maxLineLen {
			return "", fmt.Errorf("reply line longer than %d bytes", maxLineLen)
		}
		if !isPrefix {
			return b.String(), nil
		}
	}
}
