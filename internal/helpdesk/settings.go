package helpdesk

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/store"
)

// Settings is the ingest.Settings of a receiver: its own options
// (FilesizeMax, UseMailDate, RequesterField, AddToToObserver,
// AddCcToObserver, ImportAutoNotifications, Login as an own address) plus the global ones
// (blacklist entries, subject tag prefix, closed-ticket policy, message
// size limit, kept in store settings) and the mail rules, read anew at each
// call (each collect run). r may be nil (a staff import): the
// receiver options are then ingest's defaults.
func (s *Service) Settings(ctx context.Context, r *store.Receiver) (ingest.Settings, error) {
	return settingsFrom(ctx, s.st, r)
}

func settingsFrom(ctx context.Context, st *store.Store, r *store.Receiver) (ingest.Settings, error) {
	out := ingest.DefaultSettings()
	if r != nil {
		out.ReceiverID = r.ID
		out.FileSizeMax = r.FilesizeMax
		out.UseMailDate = r.UseMailDate
		out.RequesterField = ingest.RequesterFrom
		switch strings.ToLower(strings.ReplaceAll(r.RequesterField, "_", "-")) {
		case ingest.RequesterReplyTo, "replyto":
			out.RequesterField = ingest.RequesterReplyTo
		}
		out.AddToObserver, out.AddCCObserver = r.AddToToObserver, r.AddCcToObserver
		out.ImportAutoNotifications = r.ImportAutoNotifications
		// The mailbox's own address: mail from it is a loop, and it is never
		// an observer of the tickets it receives.
		if strings.Contains(r.Login, "@") {
			out.OwnAddresses = []string{strings.ToLower(strings.TrimSpace(r.Login))}
		}
	}
	var err error
	if out.SubjectTagPrefix, err = st.Setting(ctx, SettingSubjectTagPrefix, out.SubjectTagPrefix); err != nil {
		return out, fmt.Errorf("helpdesk: settings: %w", err)
	}
	if out.ClosedTicketReply, err = st.Setting(ctx, SettingClosedTicketReply, out.ClosedTicketReply); err != nil {
		return out, fmt.Errorf("helpdesk: settings: %w", err)
	}
	max, err := st.Setting(ctx, SettingMaxMessageSize, "")
	if err != nil {
		return out, fmt.Errorf("helpdesk: settings: %w", err)
	}
	if n, perr := strconv.ParseInt(max, 10, 64); perr == nil && n >= 0 {
		out.MaxMessageSize = n
	}
	entries, err := st.BlacklistEntries(ctx)
	if err != nil {
		return out, fmt.Errorf("helpdesk: settings: %w", err)
	}
	for _, e := range entries {
		out.Blacklist = append(out.Blacklist, ingest.BlacklistEntry{Kind: e.Kind, Value: e.Value})
	}
	blocks, err := st.BlacklistedMailContents(ctx)
	if err != nil {
		return out, fmt.Errorf("helpdesk: settings: %w", err)
	}
	for _, b := range blocks {
		out.BlacklistedContent = append(out.BlacklistedContent, b.Content)
	}
	types, err := st.DocumentTypes(ctx)
	if err != nil {
		return out, fmt.Errorf("helpdesk: settings: %w", err)
	}
	for _, t := range types {
		out.DocumentTypes = append(out.DocumentTypes, ingest.DocumentType{Ext: t.Ext, MIME: t.MIME})
	}
	if out.Rules, err = mailRules(ctx, st); err != nil {
		return out, fmt.Errorf("helpdesk: settings: %w", err)
	}
	if err := ingest.ValidateSettings(out); err != nil {
		return out, fmt.Errorf("helpdesk: settings: %w", err)
	}
	return out, nil
}

// QuarantineDays is the quarantine retention in days.
func (s *Service) QuarantineDays(ctx context.Context) (int, error) {
	v, err := s.st.Setting(ctx, SettingQuarantineDays, "")
	if err != nil {
		return 0, fmt.Errorf("helpdesk: settings: %w", err)
	}
	n, perr := strconv.Atoi(v)
	if perr != nil || n <= 0 {
		return DefaultQuarantineDays, nil
	}
	// A value written behind SetQuarantineDays's back stays within its
	// bound: a huge one would overflow into a date in the future and purge
	// every quarantined mail.
	return min(n, MaxQuarantineDays), nil
}

// MaxQuarantineDays is the longest quarantine retention, ten years.
const MaxQuarantineDays = 3650

// SetQuarantineDays changes the quarantine retention (1 to 3650 days),
// with its audit event by the given user (nil: the system) in the same
// transaction.
func (s *Service) SetQuarantineDays(ctx context.Context, days int, by *store.User) error {
	if days < 1 || days > MaxQuarantineDays {
		return fmt.Errorf("helpdesk: the retention must be between 1 and 3650 days")
	}
	err := s.st.InTx(ctx, func(tx *store.Store) error {
		if err := tx.SetSetting(ctx, SettingQuarantineDays, strconv.Itoa(days)); err != nil {
			return err
		}
		return audit(ctx, tx, by, "quarantine.retention", "setting", 0, fmt.Sprintf("not imported emails kept %d days", days))
	})
	if err != nil {
		return fmt.Errorf("helpdesk: settings: %w", err)
	}
	return nil
}
