package ruletext

import (
	"strings"
	"testing"
)

// TestProblemsSayWhere: each problem says its row and field in words, in
// the order of the keys.
func TestProblemsSayWhere(t *testing.T) {
	got := strings.Join(Problems(map[string]string{
		"actions[0].value":    `There is no group "Support".`,
		"criteria[1].pattern": "Choose Yes or No.",
		"name":                "The name is mandatory.",
		"receivers":           `There is no receiver "Old".`,
	}), "|")
	want := `Action 1, value: There is no group "Support".|Criterion 2, value: Choose Yes or No.|Name: The name is mandatory.|Mails receivers: There is no receiver "Old".`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestAliasReadsAnotherName: a name given by an import file reads as the
// object this console holds under another name, and an unknown name is
// refused with its own message.
func TestAliasReadsAnotherName(t *testing.T) {
	n := &Names{byID: map[string]map[int64]string{}, byName: map[string]map[string]int64{}, lists: map[string][]string{}, people: map[string]string{}}
	if v, msg := n.Value(ValueReceiver, "Support"); v != "" || msg != `There is no receiver "Support".` {
		t.Fatalf("unknown receiver: %q %q", v, msg)
	}
	n.Alias(ValueReceiver, "Support", 7)
	if v, msg := n.Value(ValueReceiver, " support "); v != "7" || msg != "" {
		t.Fatalf("aliased receiver: %q %q", v, msg)
	}
	if !n.Has(ValueReceiver, "SUPPORT") || n.Has(ValueGroup, "Support") {
		t.Fatal("Has does not follow the alias by kind")
	}
}
