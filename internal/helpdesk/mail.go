package helpdesk

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/oauthimap/oauthimap/internal/ingest"
	"github.com/oauthimap/oauthimap/internal/notify"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
)

// SettingInstanceUUID names the UUID in our own Message-IDs (GLPI's
// notification UUID): it tells this installation's mails from another's.
const SettingInstanceUUID = "outgoing.instance_uuid"

// ErrNoRequesterAddress refuses to answer by mail a ticket whose requester
// has no e-mail address.
var ErrNoRequesterAddress = errors.New("helpdesk: the ticket's requester has no e-mail address")

// ErrMailOff refuses to answer by mail when no sender carries the ticket's
// mail: its receiver's outgoing mail is off and no default sender is set.
var ErrMailOff = errors.New("helpdesk: outgoing mail is off for this ticket's receiver")

// AnswerByMail adds a staff follow-up and, in the same transaction, queues
// it as a mail to the requester (and the observers when copyObservers):
// sent through the sender of the receiver that collected the ticket, with
// the threading headers and subject tag that bring the answer back to this
// ticket. The follow-up carries the mail's Message-ID, so an answer naming
// it in In-Reply-To is recognised. The files are the follow-up's documents
// and the mail's attachments, its bytes fixed in the outbox row so that
// every attempt sends the same message. It returns the follow-up's id.
func (s *Service) AnswerByMail(ctx context.Context, ticketID int64, author *store.User, text string, copyObservers bool, files ...submission.Attachment) (int64, error) {
	if strings.TrimSpace(text) == "" {
		return 0, ErrEmptyFollowup
	}
	docs, err := s.storeAttachments(ctx, files)
	if err != nil {
		return 0, err
	}
	var fid int64
	err = s.st.InTx(ctx, func(tx *store.Store) error {
		t, err := tx.Ticket(ctx, ticketID)
		if err != nil {
			return err
		}
		to, cc, err := recipients(ctx, tx, t, copyObservers)
		if err != nil {
			return err
		}
		rid, snd, err := senderFor(ctx, tx, t.ReceiverID)
		if err != nil {
			return err
		}
		from := snd.FromAddress
		if from == "" {
			from = snd.Login
		}
		instance, err := instanceUUID(ctx, tx)
		if err != nil {
			return err
		}
		now := tx.Now()
		msgID := notify.MessageID(instance, t.ID, "followup", now, random32(), notify.Domain(from))
		earlier, err := threadIDs(ctx, tx, t.ID)
		if err != nil {
			return err
		}
		th := notify.Thread(t.MessageID, earlier)
		prefix, err := tx.Setting(ctx, SettingSubjectTagPrefix, "GLPI")
		if err != nil {
			return err
		}
		subject := notify.Subject(prefix, t.ID, t.Title)
		f := &store.Followup{TicketID: t.ID, Kind: store.FollowupStaff, Content: ingest.TextToHTML(text), MessageID: msgID, CreatedAt: now}
		if author != nil {
			id := author.ID
			f.AuthorUserID, f.AuthorEmail, f.AuthorName = &id, author.Email, author.Name
			if f.AuthorName == "" {
				f.AuthorName = author.Login
			}
		}
		if err := tx.CreateFollowup(ctx, f); err != nil {
			return err
		}
		if err := recordAttachments(ctx, tx, f, docs); err != nil {
			return err
		}
		raw, err := submission.Compose(submission.Mail{
			From: submission.Address{Name: snd.FromName, Address: from}, To: to, Cc: cc, ReplyTo: snd.ReplyTo,
			Subject: subject, MessageID: msgID, InReplyTo: th.InReplyTo, References: th.References, Date: now,
			Text: text, Attachments: files,
		})
		if err != nil {
			return err
		}
		var all []string
		for _, a := range append(to, cc...) {
			all = append(all, a.Address)
		}
		fid = f.ID
		return tx.EnqueueMail(ctx, &store.OutboxMail{Kind: store.MailReply, TicketID: &t.ID, FollowupID: &f.ID, ReceiverID: &rid,
			FromAddress: from, Recipients: strings.Join(all, ", "), Subject: subject, MessageID: msgID, Raw: raw})
	})
	if err != nil {
		if errors.Is(err, ErrNoRequesterAddress) || errors.Is(err, ErrMailOff) {
			return 0, err
		}
		return 0, fmt.Errorf("helpdesk: answer by mail: %w", err)
	}
	return fid, nil
}

// recipients are the requester and, if asked, the observers with an address.
func recipients(ctx context.Context, tx *store.Store, t *store.Ticket, observers bool) (to, cc []submission.Address, err error) {
	if !strings.Contains(t.RequesterEmail, "@") {
		return nil, nil, ErrNoRequesterAddress
	}
	to = []submission.Address{{Name: t.RequesterName, Address: t.RequesterEmail}}
	if !observers {
		return to, nil, nil
	}
	actors, err := tx.TicketActors(ctx, t.ID)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{strings.ToLower(t.RequesterEmail): true}
	for _, a := range actors {
		addr := strings.ToLower(a.Email)
		if a.Role != store.ActorObserver || !strings.Contains(addr, "@") || seen[addr] {
			continue
		}
		seen[addr] = true
		cc = append(cc, submission.Address{Name: a.Name, Address: a.Email})
	}
	return to, cc, nil
}

// senderFor finds the sender of a ticket's mail: its receiver's, else the
// default one.
func senderFor(ctx context.Context, tx *store.Store, receiverID *int64) (int64, *store.MailSender, error) {
	var rid int64
	if receiverID != nil {
		rid = *receiverID
	}
	if rid != 0 {
		m, err := tx.MailSender(ctx, rid)
		if err == nil && m.On() {
			return rid, m, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, nil, err
		}
	}
	v, err := tx.Setting(ctx, store.SettingDefaultSender, "")
	if err != nil {
		return 0, nil, err
	}
	if def, _ := strconv.ParseInt(v, 10, 64); def > 0 {
		m, err := tx.MailSender(ctx, def)
		if err == nil && m.On() {
			return def, m, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, nil, err
		}
	}
	return 0, nil, ErrMailOff
}

// threadIDs are the Message-IDs of the ticket's follow-ups in the order
// they were recorded (not their dates: an imported mail keeps its own Date
// when the receiver says so): the requester's mails and ours.
func threadIDs(ctx context.Context, tx *store.Store, ticketID int64) ([]string, error) {
	fs, err := tx.Followups(ctx, ticketID)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(fs, func(a, b store.Followup) int { return cmp.Compare(a.ID, b.ID) })
	var out []string
	for _, f := range fs {
		if f.MessageID != "" {
			out = append(out, f.MessageID)
		}
	}
	return out, nil
}

// instanceUUID returns this installation's UUID, made on first use.
func instanceUUID(ctx context.Context, tx *store.Store) (string, error) {
	v, err := tx.Setting(ctx, SettingInstanceUUID, "")
	if err != nil || v != "" {
		return v, err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	v = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	return v, tx.SetSetting(ctx, SettingInstanceUUID, v)
}

func random32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}
