package submission

import (
	"context"
	"fmt"
)

// Report is the outcome of TrySend: whether the message went, what the wire
// carried (credentials redacted, the message itself reduced to its size),
// and, on failure, what it means and what to do.
type Report struct {
	OK          bool
	Transcript  []Line
	Class       ErrorClass
	Explanation string
	Remedy      string
	Refused     map[string]Reply
}

// TrySend dials, sends one message and quits, recording the conversation:
// the "Test sending" button. It never returns an error; a failure is part
// of the Report.
func TrySend(ctx context.Context, cfg Config, from string, to []string, msg []byte, opts ...Option) Report {
	var tr Transcript
	opts = append(opts, WithTranscript(&tr))
	var r Report
	fail := func(err error) Report {
		r.Transcript = tr.Lines()
		r.Class = Classify(err)
		r.Explanation = fmt.Sprintf("Sending failed: %v", err)
		r.Remedy = Remedy(r.Class)
		return r
	}
	c, err := Dial(ctx, cfg, opts...)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	res, err := c.Send(ctx, from, to, msg)
	r.Refused = res.Refused
	if err != nil {
		return fail(err)
	}
	if err := c.Quit(ctx); err != nil {
		// The message was accepted; a failed QUIT changes nothing.
		r.Explanation = fmt.Sprintf("The message was accepted; closing the session failed: %v", err)
	}
	r.OK = true
	r.Transcript = tr.Lines()
	return r
}
