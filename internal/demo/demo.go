// Package demo is the outside world of `oauthimap demo`: an identity
// provider whose sign-in page says plainly it is a demo (the tests' fake
// Microsoft), a mailbox on go-imap's in-memory server with IDLE, an SMTP
// server that keeps what the console sends (shown on the demo's "Mails
// sent" page), the console's ready-made administrator, application and
// receiver (which sends through that server), and a generator of
// realistic mails. Only cmd/oauthimap's demo command uses it;
// serve never starts any of it.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/mailbox/imaptest"
	"github.com/oauthimap/oauthimap/internal/oauth"
	"github.com/oauthimap/oauthimap/internal/oauth/oauthtest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// The demo's fixed names, as the README tells them.
const (
	Mailbox         = "helpdesk@demo.example"
	Brand           = "Demo sign-in — not Microsoft"
	AdminLogin      = "admin"
	ApplicationName = "Demo application"
	ReceiverName    = "Demo helpdesk mailbox"
)

// World is the demo's stand-ins for Microsoft and the mail servers.
type World struct {
	IdP  *oauthtest.IdP
	IMAP *imaptest.Server
	SMTP *Sink
	log  *slog.Logger
}

// Start starts the stand-ins on loopback.
func Start(log *slog.Logger) (*World, error) {
	idp := oauthtest.Start()
	idp.SetBrand(Brand)
	idp.AddUser(Mailbox, "Demo helpdesk")
	w := &World{IdP: idp, log: log}
	// Both servers take the provider's live tokens for the demo mailbox.
	check := func(user, token string) bool {
		owner, ok := idp.ActiveUser(token)
		return ok && strings.EqualFold(owner, user)
	}
	w.IMAP = imaptest.Run(reporter{log}, imaptest.Options{CheckToken: check})
	w.IMAP.CreateFolder(Mailbox, "Accepted")
	w.IMAP.CreateFolder(Mailbox, "Refused")
	sink, err := StartSink(log, check)
	if err != nil {
		w.IMAP.Close()
		idp.Close()
		return nil, fmt.Errorf("demo: mail server: %w", err)
	}
	w.SMTP = sink
	return w, nil
}

// Close stops the stand-ins.
func (w *World) Close() {
	w.SMTP.Close()
	w.IMAP.Close()
	w.IdP.Close()
}

// reporter logs what the in-memory server would fail a test with.
type reporter struct{ log *slog.Logger }

func (reporter) Helper() {}
func (r reporter) Fatalf(format string, args ...any) {
	r.log.Error("demo mail server: " + fmt.Sprintf(format, args...))
}

// Seeded is what Seed made.
type Seeded struct {
	AdminPassword string
	ApplicationID int64
	ReceiverID    int64
}

// Seed creates the administrator (a random password, for the log once),
// the application registered at the demo provider, and the receiver of
// the demo mailbox. The authorization is left to the evaluator.
func (w *World) Seed(ctx context.Context, st *store.Store) (*Seeded, error) {
	b := make([]byte, 12)
	rand.Read(b)
	s := &Seeded{AdminPassword: base64.RawURLEncoding.EncodeToString(b)}
	u := &store.User{Login: AdminLogin, Name: "Demo administrator", Role: store.RoleAdmin, IsActive: true}
	if err := st.CreateUser(ctx, u, s.AdminPassword); err != nil {
		return nil, fmt.Errorf("demo: administrator: %w", err)
	}
	app := &store.Application{Name: ApplicationName, IsActive: true, Provider: string(oauth.ProviderAzure),
		Comment: "Registered at the demo sign-in page, which stands in for Microsoft Entra ID.",
		Cloud:   string(oauth.CloudCustom), AuthorityURL: w.IdP.AzureAuthority(), TenantID: w.IdP.TenantID,
		ClientID: w.IdP.ClientID, ClientSecret: w.IdP.ClientSecret}
	if err := st.CreateApplication(ctx, app, u); err != nil {
		return nil, fmt.Errorf("demo: application: %w", err)
	}
	// The receiver sends with its authorization (below): the demo's
	// application was granted the permission to send beforehand, as a
	// tenant's administrator grants an app registration's permissions, so
	// the first sign-in's authorization sends as it collects.
	w.IdP.Consent(app.OAuth().SMTPScope())
	r := &store.Receiver{Name: ReceiverName, IsActive: true, Host: w.IMAP.Host(), Port: w.IMAP.Port(), Security: "none",
		ApplicationID: &app.ID, Login: Mailbox, Folder: "INBOX", AcceptedFolder: "Accepted", RefusedFolder: "Refused",
		FilesizeMax: store.DefaultFilesizeMax, RequesterField: "from", AddToToObserver: true, Budget: store.DefaultReceiverBudget,
		PollIntervalSeconds: 10, IdleEnabled: true,
		Comment: "The demo mailbox: mails arrive every few seconds once the application has an authorization for " + Mailbox + "."}
	if err := st.CreateReceiver(ctx, r, u); err != nil {
		return nil, fmt.Errorf("demo: receiver: %w", err)
	}
	// The receiver sends (acknowledgments, answers, solved notices) as the
	// demo mailbox through the demo's SMTP server, with the same
	// authorization as it collects.
	if err := st.SaveMailSender(ctx, &store.MailSender{ReceiverID: r.ID, Mode: store.SenderOAuth, Host: w.SMTP.Host(), Port: w.SMTP.Port(),
		Security: "none", Login: Mailbox, FromAddress: Mailbox, FromName: "Demo helpdesk"}); err != nil {
		return nil, fmt.Errorf("demo: sender: %w", err)
	}
	if err := st.SetSetting(ctx, store.SettingDefaultSender, strconv.FormatInt(r.ID, 10)); err != nil {
		return nil, fmt.Errorf("demo: default sender: %w", err)
	}
	s.ApplicationID, s.ReceiverID = app.ID, r.ID
	return s, nil
}

// Collector is the part of the collector Run needs.
type Collector interface {
	CollectNow(ctx context.Context, receiverID int64) (*store.CollectRun, error)
}

// Run waits until the evaluator has created the authorization, collects
// once so the receiver leaves its "sign in first" state, then drops a mail
// into the demo mailbox every interval until ctx ends.
func (w *World) Run(ctx context.Context, st *store.Store, coll Collector, s *Seeded, every time.Duration) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if _, err := st.AuthorizationByEmail(ctx, s.ApplicationID, Mailbox); err == nil {
			break
		} else if !errors.Is(err, store.ErrNotFound) && ctx.Err() == nil {
			w.log.Warn("demo: waiting for the authorization", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	w.log.Info("demo: the authorization exists; mails now arrive every few seconds", "every", every.String())
	gen := newGenerator(time.Now())
	deliver := func() {
		raw, what := gen.next(time.Now())
		w.IMAP.Deliver(Mailbox, "INBOX", raw)
		w.log.Info("demo: a mail arrived", "what", what)
	}
	deliver()
	if _, err := coll.CollectNow(ctx, s.ReceiverID); err != nil && ctx.Err() == nil {
		w.log.Warn("demo: first collect", "error", err)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for gen.n < maxMails {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			deliver()
		}
	}
	w.log.Info("demo: the generator stopped after its mails", "mails", maxMails)
}

// maxMails bounds the generator: ten rounds of its scenarios.
const maxMails = 10 * 6
