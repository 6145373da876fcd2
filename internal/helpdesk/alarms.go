package helpdesk

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/notify"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
)

// SettingAlarmAddresses holds extra addresses (comma-separated) that get
// the alarms besides the administrators.
const SettingAlarmAddresses = "outgoing.alarm_addresses"

// settingAlarmPrefix names, per alarm key, the state last mailed and when.
const settingAlarmPrefix = "alarm."

// AlarmReminder is how often an alarm that lasts is mailed again (GLPI's
// "Send alarms on receiver errors" runs daily).
const AlarmReminder = 24 * time.Hour

// settingAlarmsSkipped keeps the last run's alarms that could not be
// mailed: its time (Unix seconds), then one reason a line.
const settingAlarmsSkipped = "outgoing.alarms_skipped"

// SkippedAlarms returns the alarms the last run could not mail, in words,
// and when that run was (zero and none when every alarm went out).
func (s *Service) SkippedAlarms(ctx context.Context) (time.Time, []string, error) {
	v, err := s.st.Setting(ctx, settingAlarmsSkipped, "")
	if err != nil || v == "" {
		return time.Time{}, nil, err
	}
	lines := strings.Split(v, "\n")
	sec, _ := strconv.ParseInt(lines[0], 10, 64)
	return time.Unix(sec, 0), lines[1:], nil
}

// AlarmRun says what SendAlarms did.
type AlarmRun struct {
	Queued  int
	Skipped []string // why an alarm could not be mailed
}

// SendAlarms mails the administrators (and the extra alarm addresses)
// about what is wrong now (store.Alarms): once when an alarm starts or
// changes, then every AlarmReminder while it lasts. The mails and the
// record of what was mailed are written in one transaction. An alarm never
// goes through the mailbox that is failing: another receiver's sender
// carries it, the default one first.
func (s *Service) SendAlarms(ctx context.Context, now time.Time) (AlarmRun, error) {
	var run AlarmRun
	err := s.st.InTx(ctx, func(tx *store.Store) error {
		run = AlarmRun{}
		alarms, err := tx.Alarms(ctx, now)
		if err != nil {
			return err
		}
		seen, err := tx.SettingsWithPrefix(ctx, settingAlarmPrefix)
		if err != nil {
			return err
		}
		current := map[string]bool{}
		for _, a := range alarms {
			current[settingAlarmPrefix+a.Key] = true
		}
		// An alarm that ended is forgotten, so a new failure mails at once.
		for name := range seen {
			if !current[name] {
				if err := tx.DeleteSetting(ctx, name); err != nil {
					return err
				}
			}
		}
		to, err := alarmRecipients(ctx, tx)
		if err != nil {
			return err
		}
		for _, a := range alarms {
			last := seen[settingAlarmPrefix+a.Key]
			state, at, _ := strings.Cut(last, "|")
			sec, _ := strconv.ParseInt(at, 10, 64)
			if state == a.State && now.Sub(time.Unix(sec, 0)) < AlarmReminder {
				continue
			}
			if len(to) == 0 {
				run.Skipped = append(run.Skipped, a.Subject+": no administrator has an e-mail address and no alarm address is set")
				continue
			}
			rid, snd, err := alarmSender(ctx, tx, a.ReceiverID)
			if err != nil {
				return err
			}
			if snd == nil {
				run.Skipped = append(run.Skipped, a.Subject+": no sender can carry it (set a default sender, or turn on the outgoing mail of another receiver than the failing one)")
				continue
			}
			if err := queueAlarm(ctx, tx, a, rid, snd, to, now); err != nil {
				return err
			}
			if err := tx.SetSetting(ctx, settingAlarmPrefix+a.Key, a.State+"|"+strconv.FormatInt(now.Unix(), 10)); err != nil {
				return err
			}
			run.Queued++
		}
		if len(run.Skipped) == 0 {
			return tx.DeleteSetting(ctx, settingAlarmsSkipped)
		}
		return tx.SetSetting(ctx, settingAlarmsSkipped, strconv.FormatInt(now.Unix(), 10)+"\n"+strings.Join(run.Skipped, "\n"))
	})
	return run, err
}

func alarmRecipients(ctx context.Context, tx *store.Store) ([]string, error) {
	to, err := tx.AdminEmails(ctx)
	if err != nil {
		return nil, err
	}
	extra, err := tx.Setting(ctx, SettingAlarmAddresses, "")
	if err != nil {
		return nil, err
	}
	for _, a := range strings.Split(extra, ",") {
		if a = strings.TrimSpace(a); strings.Contains(a, "@") {
			to = append(to, a)
		}
	}
	out := to[:0]
	seen := map[string]bool{}
	for _, a := range to {
		if k := strings.ToLower(a); !seen[k] {
			seen[k] = true
			out = append(out, a)
		}
	}
	return out, nil
}

// alarmSender picks a sender other than the failing receiver's: the
// default one, else the first receiver whose outgoing mail is on.
func alarmSender(ctx context.Context, tx *store.Store, failing int64) (int64, *store.MailSender, error) {
	ids, err := tx.SendersOn(ctx)
	if err != nil {
		return 0, nil, err
	}
	if v, err := tx.Setting(ctx, store.SettingDefaultSender, ""); err != nil {
		return 0, nil, err
	} else if def, _ := strconv.ParseInt(v, 10, 64); def > 0 && slices.Contains(ids, def) {
		ids = append([]int64{def}, ids...)
	}
	for _, id := range ids {
		if id == failing {
			continue
		}
		m, err := tx.MailSender(ctx, id)
		if err != nil {
			return 0, nil, err
		}
		return id, m, nil
	}
	return 0, nil, nil
}

func queueAlarm(ctx context.Context, tx *store.Store, a store.Alarm, rid int64, snd *store.MailSender, to []string, now time.Time) error {
	instance, err := instanceUUID(ctx, tx)
	if err != nil {
		return err
	}
	from := snd.FromAddress
	if from == "" {
		from = snd.Login
	}
	prefix, err := tx.Setting(ctx, SettingSubjectTagPrefix, "GLPI")
	if err != nil {
		return err
	}
	key := strings.ReplaceAll(a.Key, ":", "-")
	msgID := fmt.Sprintf("GLPI_%s-Alarm-%s/%s.%d.%d@%s", instance, key, strings.ReplaceAll(a.State, ":", "-"), now.Unix(), random32(), notify.Domain(from))
	subject := "[" + prefix + "] " + notify.OneLine(a.Subject)
	addrs := make([]submission.Address, 0, len(to))
	for _, t := range to {
		addrs = append(addrs, submission.Address{Address: t})
	}
	raw, err := submission.Compose(submission.Mail{
		From: submission.Address{Name: snd.FromName, Address: from}, To: addrs, Subject: subject, MessageID: msgID, Date: now,
		Header: [][2]string{{"Auto-Submitted", "auto-generated"}, {"X-Auto-Response-Suppress", "All"}},
		Text:   a.Text + "\n\nThis alarm is sent when the problem starts or changes, then once a day while it lasts.\n",
	})
	if err != nil {
		return err
	}
	return tx.EnqueueMail(ctx, &store.OutboxMail{Kind: store.MailAlarm, ReceiverID: &rid, FromAddress: from,
		Recipients: strings.Join(to, ", "), Subject: subject, MessageID: msgID, Raw: raw})
}
