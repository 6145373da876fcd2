package submission

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
)

// ErrTooLarge means the message is larger than the SIZE the server announced
// (RFC 1870): it was not offered to the server at all.
var ErrTooLarge = errors.New("submission: message larger than the server accepts")

// ErrNoRecipient means a Send was asked for without any recipient.
var ErrNoRecipient = errors.New("submission: no recipient")

// Result says what happened to each recipient of a message the server took.
type Result struct {
	// Refused maps a recipient the server refused at RCPT (5xx) to its reply;
	// the message went to all the others.
	Refused map[string]Reply
	// Reply is the server's answer to the end of DATA (often it names the
	// queue id).
	Reply Reply
}

// Send submits one message. RCPT refusals with a 5xx reply are per
// recipient: the message still goes to the others and Result lists them.
// When every recipient is refused, or any RCPT gets a 4xx (retrying later
// must reach everyone at once), the transaction is reset and an *Error
// returned. After any *Error the Client can send again if Alive says so.
//
// msg is a complete message (RFC 5322) with CRLF or LF line ends; Send
// normalises to CRLF and dot-stuffs it (RFC 5321 section 4.5.2).
func (c *Client) Send(ctx context.Context, from string, to []string, msg []byte) (Result, error) {
	if len(to) == 0 {
		return Result{}, ErrNoRecipient
	}
	stop := c.guard(ctx)
	defer stop()
	res, err := c.send(from, to, msg)
	if err != nil {
		var se *Error
		if errors.As(err, &se) && c.Alive() {
			// RFC 5321 section 4.1.1.5: RSET aborts the transaction so the
			// connection can carry the next message.
			if _, rerr := c.expect("RSET", 250); rerr != nil {
				c.Close()
			}
		}
		return res, c.wrap(ctx, "send", err)
	}
	return res, nil
}

func (c *Client) send(from string, to []string, msg []byte) (Result, error) {
	if err := checkAddress(from); err != nil {
		return Result{}, err
	}
	for _, rcpt := range to {
		if err := checkAddress(rcpt); err != nil {
			return Result{}, err
		}
	}
	body := normalise(msg)
	mail := "MAIL FROM:<" + from + ">"
	if max := c.MaxSize(); max > 0 {
		if int64(len(body)) > max {
			return Result{}, fmt.Errorf("%w: %d bytes, the server takes at most %d", ErrTooLarge, len(body), max)
		}
		mail += " SIZE=" + strconv.Itoa(len(body))
	}
	if _, ok := c.ext["8BITMIME"]; ok && has8bit(body) {
		mail += " BODY=8BITMIME" // RFC 6152
	}
	if _, err := c.expect(mail, 250); err != nil {
		return Result{}, err
	}
	res := Result{Refused: map[string]Reply{}}
	var last error
	for _, rcpt := range to {
		rep, err := c.expect("RCPT TO:<"+rcpt+">", 250, 251)
		var se *Error
		switch {
		case err == nil:
			continue
		case errors.As(err, &se) && se.Code >= 500:
			res.Refused[rcpt] = rep
			last = err
		default:
			return Result{}, err
		}
	}
	if len(res.Refused) == len(to) {
		return res, last
	}
	if _, err := c.expect("DATA", 354); err != nil {
		return res, err
	}
	c.opts.rec.Skip(fmt.Sprintf("[message of %d bytes]", len(body)))
	if _, err := c.conn.Write(dotStuff(body)); err != nil {
		c.Close()
		return res, err
	}
	c.opts.rec.Skip("")
	rep, err := c.expect(".", 250)
	res.Reply = rep
	if err != nil {
		return res, err
	}
	return res, nil
}

// Reset aborts a transaction (RSET); the pool calls it before reusing a
// connection it has not used for a while, to learn that the server is still
// there.
func (c *Client) Reset(ctx context.Context) error {
	stop := c.guard(ctx)
	defer stop()
	_, err := c.expect("RSET", 250)
	return c.wrap(ctx, "rset", err)
}

// checkAddress refuses what would break the command line: an address is
// sent inside <>, so CR, LF, "<" and ">" are never part of one.
func checkAddress(addr string) error {
	if addr == "" {
		return nil // the null reverse-path, "<>", is legal for MAIL
	}
	if bytes.ContainsAny([]byte(addr), "\r\n<> ") {
		return fmt.Errorf("%w: address %q has a character an SMTP address cannot have", ErrConfig, addr)
	}
	return nil
}

// normalise makes every line end in CRLF and the message end with one.
func normalise(msg []byte) []byte {
	out := make([]byte, 0, len(msg)+len(msg)/40+2)
	for i := 0; i < len(msg); i++ {
		b := msg[i]
		switch {
		case b == '\r' && i+1 < len(msg) && msg[i+1] == '\n':
			out = append(out, '\r', '\n')
			i++
		case b == '\r' || b == '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, b)
		}
	}
	if !bytes.HasSuffix(out, []byte("\r\n")) {
		out = append(out, '\r', '\n')
	}
	return out
}

// dotStuff doubles a leading dot on every line (RFC 5321 section 4.5.2);
// the terminating "." line is sent by the caller as the final command.
func dotStuff(body []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(body) + 16)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64*1024), len(body)+1)
	sc.Split(scanCRLF)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) > 0 && line[0] == '.' {
			buf.WriteByte('.')
		}
		buf.Write(line)
	}
	return buf.Bytes()
}

// scanCRLF splits after each CRLF, keeping it.
func scanCRLF(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.Index(data, []byte("\r\n")); i >= 0 {
		return i + 2, data[:i+2], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}
