package adopt

import (
	"context"
	"fmt"
	"strings"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/ruletext"
	"github.com/oauthimap/oauthimap/internal/store"
)

// ExportMailRules is Setup > Rules for mails: the rules in their order,
// written by name (receivers, users by login, groups, categories by full
// path) as the rules' own export writes them, and the "Stop at the first
// matching rule" setting.
type ExportMailRules struct {
	StopOnFirstMatch bool            `json:"stop_on_first_match"`
	Rules            []ruletext.Rule `json:"rules"`
}

// collectMailRules adds the mail rules.
func collectMailRules(ctx context.Context, st *store.Store, x *Export) error {
	names, err := ruletext.Load(ctx, st)
	if err != nil {
		return err
	}
	rs, err := st.MailRules(ctx)
	if err != nil {
		return err
	}
	stop, err := st.MailRulesStopOnFirstMatch(ctx)
	if err != nil {
		return err
	}
	x.MailRules = &ExportMailRules{StopOnFirstMatch: stop, Rules: []ruletext.Rule{}}
	for _, r := range rs {
		x.MailRules.Rules = append(x.MailRules.Rules, names.Text(r))
	}
	return nil
}

// importMailRules replaces the mail rules with the file's, all or
// nothing: a rule naming something this console lacks (a user of a login
// nobody has here, a receiver the import skipped) keeps the current rules
// and setting as they are, each such rule in the report saying where. The
// file's receivers, groups and categories are read as the objects the
// import made of them, even when a taken name was changed. A file without
// rules (written before they travelled) leaves the rules alone.
func importMailRules(ctx context.Context, st *store.Store, src store.ImportSource, x *Export, recvs, groups, cats map[int64]int64, rep *Report) error {
	if x.MailRules == nil {
		return nil
	}
	names, err := ruletext.Load(ctx, st)
	if err != nil {
		return err
	}
	for _, r := range x.Receivers {
		if id, ok := recvs[r.ID]; ok {
			names.Alias(ruletext.ValueReceiver, r.Name, id)
		}
	}
	for _, g := range x.Groups {
		if id, ok := groups[g.ID]; ok {
			names.Alias(ruletext.ValueGroup, g.Name, id)
		}
	}
	for id, full := range categoryPaths(x.Categories) {
		if here, ok := cats[id]; ok {
			names.Alias(ruletext.ValueCategory, full, here)
		}
	}
	var parsed []rules.Rule
	refused := 0
	for i, t := range x.MailRules.Rules {
		r, problems := names.Rule(t)
		if len(problems) > 0 {
			refused++
			rep.skip("mail rule", int64(i+1), fmt.Sprintf("%q: %s", t.Name, strings.Join(ruletext.Problems(problems), "; ")))
			continue
		}
		parsed = append(parsed, r)
	}
	if refused > 0 {
		rep.skip("mail rules", 0, fmt.Sprintf("the mail rules of this console were kept as they are: %d of the file's %d rules cannot be read here", refused, len(x.MailRules.Rules)))
		return nil
	}
	before, err := st.MailRules(ctx)
	if err != nil {
		return err
	}
	if err := st.ReplaceMailRules(ctx, parsed); err != nil {
		return fmt.Errorf("mail rules: %w", err)
	}
	if err := st.SetMailRulesStopOnFirstMatch(ctx, x.MailRules.StopOnFirstMatch); err != nil {
		return fmt.Errorf("mail rules: %w", err)
	}
	for i, r := range parsed {
		rep.Lines = append(rep.Lines, Line{Kind: "mail rule", SourceID: int64(i + 1), Name: r.Name, Action: store.ImportCreate})
	}
	st.Audit(ctx, 0, src.Actor, "mail_rule.import", "mail_rule", 0,
		fmt.Sprintf("mail rules imported from an export of %s: %d rules replaced the %d before", x.ExportedAt.UTC().Format("2006-01-02 15:04 UTC"), len(parsed), len(before)))
	return nil
}

// categoryPaths writes each category of the file with its full path
// ("Hardware > Printer"), as rules name categories.
func categoryPaths(cs []ExportCategory) map[int64]string {
	byID := map[int64]ExportCategory{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	out := map[int64]string{}
	for _, c := range cs {
		path, seen := c.Name, map[int64]bool{c.ID: true}
		for p := c.ParentID; p != 0 && !seen[p]; p = byID[p].ParentID {
			parent, ok := byID[p]
			if !ok {
				break
			}
			seen[p] = true
			path = parent.Name + store.CategorySeparator + path
		}
		out[c.ID] = path
	}
	return out
}
