package mailbox

import "github.com/emersion/go-sasl"

// saslAbort is the single byte RFC 7628 section 3.2.3 makes a client send in
// answer to an error challenge. go-imap would encode an empty answer as "=",
// which Dovecot 2.3 rejects with BAD instead of the NO we want to classify.
var saslAbort = []byte{0x01}

// xoauth2Client is SASL XOAUTH2 as Google and Microsoft document it; go-sasl
// has no client for it.
type xoauth2Client struct{ user, token string }

func (c *xoauth2Client) Start() (string, []byte, error) {
	return string(MechXOAUTH2), []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

// Next only runs when the server sent its JSON error challenge.
func (c *xoauth2Client) Next([]byte) ([]byte, error) { return saslAbort, nil }

// oauthBearerClient wraps go-sasl's OAUTHBEARER client: on the error
// challenge that client returns an error, and imapclient then gives up with
// the AUTHENTICATE command still open on the wire, so the server never sends
// its NO. Answering 0x01 lets the server finish with NO [AUTHENTICATIONFAILED].
type oauthBearerClient struct{ sasl.Client }

func (c oauthBearerClient) Next([]byte) ([]byte, error) { return saslAbort, nil }

func newOAuthBearerClient(user, token string) sasl.Client {
	return oauthBearerClient{sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{Username: user, Token: token})}
}
