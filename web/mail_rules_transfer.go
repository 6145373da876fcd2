package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/oauthimap/oauthimap/internal/rules"
	"github.com/oauthimap/oauthimap/internal/ruletext"
	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/web/views"
)

// The export file of Setup > Rules for mails: the rules in their order,
// with receivers, users, groups and categories by name (never an ID), so
// that it moves between instances and reads well in a review.

const rulesFileFormat = "oauthimap-mail-rules"

type rulesFile struct {
	Format           string          `json:"format"`
	Version          int             `json:"version"`
	StopOnFirstMatch bool            `json:"stop_on_first_match"`
	Rules            []ruletext.Rule `json:"rules"`
}

func (h *Handler) mailRulesExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rs, names, stop, err := h.savedRules(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	f := rulesFile{Format: rulesFileFormat, Version: 1, StopOnFirstMatch: stop, Rules: []ruletext.Rule{}}
	for _, rule := range rs {
		f.Rules = append(f.Rules, names.Text(rule))
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="mail-rules.json"`)
	w.Write(append(b, '\n'))
}

func (h *Handler) mailRulesImportShow(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, views.RulesImportPage(views.RulesImport{}))
}

// readRulesFile reads an export file strictly: an unknown key is an
// error (a typo would otherwise be dropped without a word).
func readRulesFile(b []byte) (rulesFile, string) {
	var f rulesFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			line := 1 + bytes.Count(b[:min(int(syn.Offset), len(b))], []byte("\n"))
			return f, fmt.Sprintf("The file is not valid JSON (line %d): %s.", line, syn.Error())
		}
		return f, "The file is not a rules export: " + strings.TrimPrefix(err.Error(), "json: ") + "."
	}
	if f.Format != rulesFileFormat {
		return f, fmt.Sprintf("The file is not a rules export (its format is %q, want %q).", f.Format, rulesFileFormat)
	}
	if f.Version != 1 {
		return f, fmt.Sprintf("The file's version %d is not one this console reads (1).", f.Version)
	}
	return f, ""
}

// mailRulesImport previews an uploaded or pasted export, and on
// confirmation replaces the list with it in one transaction.
func (h *Handler) mailRulesImport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	page := views.RulesImport{}
	raw := []byte(r.PostFormValue("json"))
	if file, _, err := r.FormFile("file"); err == nil {
		b, rerr := io.ReadAll(file)
		file.Close()
		if rerr != nil {
			h.serverError(w, r, rerr)
			return
		}
		if len(bytes.TrimSpace(b)) > 0 {
			raw = b
		}
	}
	page.JSON = string(raw)
	if len(bytes.TrimSpace(raw)) == 0 {
		page.Error = "Choose an export file or paste its content."
		h.render(w, r, http.StatusUnprocessableEntity, views.RulesImportPage(page))
		return
	}
	f, msg := readRulesFile(raw)
	if msg != "" {
		page.Error = msg
		h.render(w, r, http.StatusUnprocessableEntity, views.RulesImportPage(page))
		return
	}
	names, err := ruletext.Load(ctx, h.store)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	current, err := h.store.MailRules(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	page.Current, page.StopOnFirstMatch, page.Preview = len(current), f.StopOnFirstMatch, true
	var parsed []rules.Rule
	bad := 0
	for _, t := range f.Rules {
		rule, problems := names.Rule(t)
		row := views.RuleImportRow{Name: t.Name, Active: t.Active, Receivers: t.Receivers}
		for _, c := range t.Criteria {
			row.Criteria = append(row.Criteria, criterionWords(c))
		}
		for _, a := range t.Actions {
			row.Actions = append(row.Actions, actionWords(a))
		}
		row.Problems = ruletext.Problems(problems)
		if len(problems) > 0 {
			bad++
		}
		page.Rows = append(page.Rows, row)
		parsed = append(parsed, rule)
	}
	page.Refused = bad
	if bad > 0 || r.PostFormValue("op") != "confirm" {
		status := http.StatusOK
		if bad > 0 {
			status = http.StatusUnprocessableEntity
		}
		h.render(w, r, status, views.RulesImportPage(page))
		return
	}
	err = h.audited(ctx, userOf(r), "mail_rule.import", "mail_rule", func(s *store.Store) (int64, string, error) {
		if err := s.ReplaceMailRules(ctx, parsed); err != nil {
			return 0, "", err
		}
		if err := s.SetMailRulesStopOnFirstMatch(ctx, f.StopOnFirstMatch); err != nil {
			return 0, "", err
		}
		return 0, fmt.Sprintf("mail rules imported: %d rules replaced the %d before", len(parsed), len(current)), nil
	})
	if msg := ruleRefusal(err); msg != "" {
		page.Error = msg
		h.render(w, r, http.StatusUnprocessableEntity, views.RulesImportPage(page))
		return
	}
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.flash(r, "success", plural(len(parsed), "rule", "rules")+" imported.")
	redirect(w, r, rulesPath)
}
