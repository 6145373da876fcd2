package submission

import "context"

// Quit ends the session politely (RFC 5321 section 4.1.1.10) and closes the
// connection whatever the server answers.
func (c *Client) Quit(ctx context.Context) error {
	if !c.Alive() {
		return c.Close()
	}
	stop := c.guard(ctx)
	defer stop()
	_, err := c.expect("QUIT", 221)
	c.Close()
	return c.wrap(ctx, "quit", err)
}
