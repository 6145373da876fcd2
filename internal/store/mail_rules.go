package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oauthimap/oauthimap/internal/rules"
)

// MailRule is a row of mail_rules: one rule of Setup > Rules for mails,
// its criteria and actions kept as JSON text in internal/rules' format.
// The store hands out rules.Rule; this row stays inside the package.
type MailRule struct {
	ID          int64
	Ranking     int
	Name        string
	Description string
	IsActive    bool
	MatchType   string
	ReceiverIDs string `gorm:"column:receiver_ids"` // JSON array of receiver IDs; "[]": every receiver
	Criteria    string // JSON array of rules.Criterion
	Actions     string // JSON array of rules.Action
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Settings of the mail rules.
const (
	// SettingMailRulesStopOnFirstMatch is GLPI's "stop at the first
	// matching rule" for the rule set: "1" (the default) or "0".
	SettingMailRulesStopOnFirstMatch = "mail_rules.stop_on_first_match"
	// settingMailRulesSeeded remembers that the default rules were seeded
	// once, so deleting one is not undone at the next start.
	settingMailRulesSeeded = "mail_rules.seeded"
)

// MailRules returns every mail rule, active or not, in ranking order.
func (s *Store) MailRules(ctx context.Context) ([]rules.Rule, error) {
	var rows []MailRule
	if err := s.db.WithContext(ctx).Order("ranking").Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]rules.Rule, 0, len(rows))
	for _, row := range rows {
		r, err := row.rule()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// MailRule returns one rule; ErrNotFound when there is none.
func (s *Store) MailRule(ctx context.Context, id int64) (rules.Rule, error) {
	var row MailRule
	if err := s.db.WithContext(ctx).Take(&row, id).Error; err != nil {
		return rules.Rule{}, translate(err)
	}
	return row.rule()
}

// SaveMailRule inserts a rule at the end of the list (ID 0: r.ID and
// r.Ranking are set) or updates one in place (its ranking is kept:
// MoveMailRule changes it). The store checks what it must to keep the row
// (a name, a known match, text that fits); the rule's meaning is checked
// by rules.Validate before.
func (s *Store) SaveMailRule(ctx context.Context, r *rules.Rule) error {
	row, err := mailRuleRow(r)
	if err != nil {
		return err
	}
	now := s.now()
	return s.tx(ctx, func(s *Store) error {
		if r.ID == 0 {
			last, err := s.lastMailRuleRanking()
			if err != nil {
				return err
			}
			row.Ranking, row.CreatedAt, row.UpdatedAt = last+1, now, now
			if err := s.db.Create(row).Error; err != nil {
				return translate(err)
			}
			r.ID, r.Ranking = row.ID, row.Ranking
			return nil
		}
		res := s.db.Model(&MailRule{}).Where("id = ?", r.ID).Updates(map[string]any{
			"name": row.Name, "description": row.Description, "is_active": row.IsActive, "match_type": row.MatchType,
			"receiver_ids": row.ReceiverIDs, "criteria": row.Criteria, "actions": row.Actions, "updated_at": now})
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 0 {
			// MySQL counts changed rows only; updated_at always changes,
			// so zero rows means no such rule.
			return ErrNotFound
		}
		var ranking int
		if err := s.db.Model(&MailRule{}).Where("id = ?", r.ID).Pluck("ranking", &ranking).Error; err != nil {
			return translate(err)
		}
		r.Ranking = ranking
		return nil
	})
}

func (s *Store) lastMailRuleRanking() (int, error) {
	var last *int
	if err := s.db.Model(&MailRule{}).Select("MAX(ranking)").Scan(&last).Error; err != nil {
		return 0, translate(err)
	}
	if last == nil {
		return 0, nil
	}
	return *last, nil
}

// DeleteMailRule removes a rule and numbers the rankings 1, 2, 3… again;
// ErrNotFound when there is none.
func (s *Store) DeleteMailRule(ctx context.Context, id int64) error {
	return s.tx(ctx, func(s *Store) error {
		res := s.db.Delete(&MailRule{}, id)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected == 0 {
			return ErrNotFound
		}
		var ids []int64
		if err := s.db.Model(&MailRule{}).Order("ranking").Order("id").Pluck("id", &ids).Error; err != nil {
			return translate(err)
		}
		return s.renumberMailRules(ids)
	})
}

// MoveMailRule moves a rule delta places in the list (-1: up one, 1: down
// one), stopping at either end, and numbers the rankings 1, 2, 3… again.
func (s *Store) MoveMailRule(ctx context.Context, id int64, delta int) error {
	return s.tx(ctx, func(s *Store) error {
		var ids []int64
		if err := s.db.Model(&MailRule{}).Order("ranking").Order("id").Pluck("id", &ids).Error; err != nil {
			return translate(err)
		}
		from := -1
		for i, v := range ids {
			if v == id {
				from = i
			}
		}
		if from < 0 {
			return ErrNotFound
		}
		to := min(max(from+delta, 0), len(ids)-1)
		moved := append(ids[:from:from], ids[from+1:]...)
		moved = append(moved[:to], append([]int64{id}, moved[to:]...)...)
		return s.renumberMailRules(moved)
	})
}

// renumberMailRules gives the rules in ids the rankings 1, 2, 3….
func (s *Store) renumberMailRules(ids []int64) error {
	var current []MailRule
	if err := s.db.Select("id", "ranking").Find(&current).Error; err != nil {
		return translate(err)
	}
	had := make(map[int64]int, len(current))
	for _, c := range current {
		had[c.ID] = c.Ranking
	}
	for i, id := range ids {
		if had[id] == i+1 {
			continue
		}
		if err := s.db.Model(&MailRule{}).Where("id = ?", id).Update("ranking", i+1).Error; err != nil {
			return translate(err)
		}
	}
	return nil
}

// ReplaceMailRules replaces the whole list with rs, in their order, in
// one transaction (an import): nothing changes when one cannot be kept.
// The rules get new IDs (set in rs) and the rankings 1, 2, 3….
func (s *Store) ReplaceMailRules(ctx context.Context, rs []rules.Rule) error {
	rows := make([]*MailRule, len(rs))
	for i := range rs {
		row, err := mailRuleRow(&rs[i])
		if err != nil {
			return fmt.Errorf("rule %d (%s): %w", i+1, rs[i].Name, err)
		}
		rows[i] = row
	}
	now := s.now()
	return s.tx(ctx, func(s *Store) error {
		if err := s.db.Where("1 = 1").Delete(&MailRule{}).Error; err != nil {
			return translate(err)
		}
		for i, row := range rows {
			row.Ranking, row.CreatedAt, row.UpdatedAt = i+1, now, now
			if err := s.db.Create(row).Error; err != nil {
				return translate(err)
			}
			rs[i].ID, rs[i].Ranking = row.ID, row.Ranking
		}
		return nil
	})
}

// SeedMailRulesOnce appends rs to the list the first time it is called on
// a database, and never again (a setting remembers it), so an
// administrator who deletes or changes a default keeps that choice. Two
// instances starting together seed once: the setting's row is written
// first, in the same transaction.
func (s *Store) SeedMailRulesOnce(ctx context.Context, rs []rules.Rule) error {
	err := s.tx(ctx, func(s *Store) error {
		if err := s.db.Create(&Setting{Name: settingMailRulesSeeded, Value: "1", UpdatedAt: s.now()}).Error; err != nil {
			return translate(err)
		}
		for i := range rs {
			r := rs[i]
			r.ID = 0
			if err := s.SaveMailRule(ctx, &r); err != nil {
				return fmt.Errorf("default rule %s: %w", r.Name, err)
			}
		}
		return nil
	})
	if errors.Is(err, ErrDuplicate) {
		return nil
	}
	return err
}

// MailRulesStopOnFirstMatch says whether evaluation stops at the first
// matching rule (GLPI's default for this rule set: yes).
func (s *Store) MailRulesStopOnFirstMatch(ctx context.Context) (bool, error) {
	v, err := s.Setting(ctx, SettingMailRulesStopOnFirstMatch, "1")
	return v != "0", err
}

// SetMailRulesStopOnFirstMatch sets "stop at the first matching rule".
func (s *Store) SetMailRulesStopOnFirstMatch(ctx context.Context, stop bool) error {
	v := "0"
	if stop {
		v = "1"
	}
	return s.SetSetting(ctx, SettingMailRulesStopOnFirstMatch, v)
}

// mailRuleRow checks what the row needs and builds it.
func mailRuleRow(r *rules.Rule) (*MailRule, error) {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return nil, Message("The name is mandatory.")
	}
	switch r.Match {
	case "":
		r.Match = rules.MatchAll
	case rules.MatchAll, rules.MatchAny:
	default:
		return nil, fmt.Errorf("%w: unknown match %q", ErrInvalid, r.Match)
	}
	ids := r.ReceiverIDs
	if ids == nil {
		ids = []int64{}
	}
	criteria, actions := r.Criteria, r.Actions
	if criteria == nil {
		criteria = []rules.Criterion{}
	}
	if actions == nil {
		actions = []rules.Action{}
	}
	row := &MailRule{ID: r.ID, Name: r.Name, Description: r.Description, IsActive: r.Active, MatchType: string(r.Match)}
	for _, j := range []struct {
		dst *string
		v   any
	}{{&row.ReceiverIDs, ids}, {&row.Criteria, criteria}, {&row.Actions, actions}} {
		b, err := json.Marshal(j.v)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		*j.dst = string(b)
	}
	if err := checkText(Text{Field: "name", Value: row.Name}, Text{Field: "description", Value: row.Description, Long: true},
		Text{Field: "receivers", Value: row.ReceiverIDs, Long: true}, Text{Field: "criteria", Value: row.Criteria, Long: true},
		Text{Field: "actions", Value: row.Actions, Long: true}); err != nil {
		return nil, err
	}
	return row, nil
}

// rule reads a row back.
func (row MailRule) rule() (rules.Rule, error) {
	r := rules.Rule{ID: row.ID, Ranking: row.Ranking, Name: row.Name, Description: row.Description,
		Active: row.IsActive, Match: rules.Match(row.MatchType)}
	for _, j := range []struct {
		src string
		dst any
	}{{row.ReceiverIDs, &r.ReceiverIDs}, {row.Criteria, &r.Criteria}, {row.Actions, &r.Actions}} {
		if err := json.Unmarshal([]byte(j.src), j.dst); err != nil {
			return rules.Rule{}, fmt.Errorf("store: mail rule %d is unreadable: %w", row.ID, err)
		}
	}
	return r, nil
}

// IDName is a row's ID and name, for pickers and for writing rules by name.
type IDName struct {
	ID   int64
	Name string
}

// ReceiverNames lists every receiver's ID and name, by name.
func (s *Store) ReceiverNames(ctx context.Context) ([]IDName, error) {
	var out []IDName
	err := s.db.WithContext(ctx).Model(&Receiver{}).Select("id", "name").Order("name").Order("id").Scan(&out).Error
	return out, translate(err)
}

// AllUsers lists every user, active or not, by name: a rule may still
// name a user who was deactivated since.
func (s *Store) AllUsers(ctx context.Context) ([]UserChoice, error) {
	var out []UserChoice
	err := s.db.WithContext(ctx).Model(&User{}).Select("id", "name", "login").Order("name").Order("login").Scan(&out).Error
	return out, translate(err)
}

// MailRulesNaming returns the names of the mail rules that name a
// receiver (among their receivers or in a "Mails receiver" criterion), in
// ranking order: deleting the receiver changes them (see
// forgetReceiverInMailRules), and its page says so before.
func (s *Store) MailRulesNaming(ctx context.Context, receiverID int64) ([]string, error) {
	rs, err := s.MailRules(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range rs {
		if namesReceiver(r, receiverID) {
			out = append(out, r.Name)
		}
	}
	return out, nil
}

// namesReceiver says whether a rule names a receiver.
func namesReceiver(r rules.Rule, id int64) bool {
	if slices.Contains(r.ReceiverIDs, id) {
		return true
	}
	return slices.ContainsFunc(r.Criteria, func(c rules.Criterion) bool { return namesReceiverIn(c, id) })
}

// namesReceiverIn says whether a criterion is a "Mails receiver" one
// naming the receiver.
func namesReceiverIn(c rules.Criterion, id int64) bool {
	return c.Field == rules.FieldReceiver && strings.TrimSpace(c.Pattern) == strconv.FormatInt(id, 10)
}

// forgetReceiverInMailRules takes a receiver being deleted out of the mail
// rules, as GLPI removes the rule criteria naming it: out of each rule's
// receivers, and its "Mails receiver" criteria removed. A rule whose reach
// would otherwise widen is switched off instead of silently applying to
// more mail: one limited to that receiver only (it would apply to every
// receiver), one that required that receiver ("Mails receiver is …" with
// every criterion needed: it matched nothing since) and one left without
// a criterion. Each rule changed gets an audit row saying why, seen in its
// history. It runs in the receiver's delete transaction and returns how
// many rules it changed.
func (s *Store) forgetReceiverInMailRules(ctx context.Context, id int64, name string, actor *User) (int, error) {
	rs, err := s.MailRules(ctx)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, r := range rs {
		var what, off []string
		if slices.Contains(r.ReceiverIDs, id) {
			r.ReceiverIDs = slices.DeleteFunc(r.ReceiverIDs, func(v int64) bool { return v == id })
			what = append(what, "it is no longer one of the rule's receivers")
			if len(r.ReceiverIDs) == 0 {
				off = append(off, "the rule was limited to this receiver only and would otherwise apply to the mail of every receiver")
			}
		}
		before := len(r.Criteria)
		required := false
		r.Criteria = slices.DeleteFunc(r.Criteria, func(c rules.Criterion) bool {
			mine := namesReceiverIn(c, id)
			if mine && c.Condition == rules.CondIs && r.Match != rules.MatchAny {
				required = true
			}
			return mine
		})
		if n := before - len(r.Criteria); n > 0 {
			what = append(what, fmt.Sprintf("%d criteria naming it removed", n))
			switch {
			case len(r.Criteria) == 0:
				off = append(off, "the rule has no criterion left")
			case required:
				off = append(off, "the rule required this receiver and would otherwise apply to the mail of other receivers")
			}
		}
		if len(what) == 0 {
			continue
		}
		msg := fmt.Sprintf("mail rule %s: receiver %s deleted: %s", r.Name, name, strings.Join(what, "; "))
		if len(off) > 0 && r.Active {
			r.Active = false
			msg += "; switched off: " + strings.Join(off, "; ")
		}
		row, err := mailRuleRow(&r)
		if err != nil {
			return changed, err
		}
		if err := s.db.Model(&MailRule{}).Where("id = ?", r.ID).Updates(map[string]any{"is_active": row.IsActive,
			"receiver_ids": row.ReceiverIDs, "criteria": row.Criteria, "updated_at": s.now()}).Error; err != nil {
			return changed, translate(err)
		}
		if err := s.auditBy(ctx, actor, "mail_rule.update", "mail_rule", r.ID, msg); err != nil {
			return changed, err
		}
		changed++
	}
	return changed, nil
}
