package collector

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/oauthimap/oauthimap/internal/rules"
)

// benchMailRules stores n active mail rules of mixed kinds (subject,
// sender, recipient, body contains and regular expressions, a header,
// the requester known), none matching the bench mails, so each mail is
// evaluated against all of them: OAUTHIMAP_BENCH_RULES=200 with
// BenchmarkDrainDovecot gives the drain rate with 200 rules.
func benchMailRules(tb testing.TB, e *env) int {
	n, _ := strconv.Atoi(os.Getenv("OAUTHIMAP_BENCH_RULES"))
	ctx := context.Background()
	for i := 0; i < n; i++ {
		var c rules.Criterion
		switch i % 6 {
		case 0:
			c = rules.Criterion{Field: rules.FieldSubject, Condition: rules.CondContains, Pattern: fmt.Sprintf("project-%d", i)}
		case 1:
			c = rules.Criterion{Field: rules.FieldFrom, Condition: rules.CondEndsWith, Pattern: fmt.Sprintf("@customer%d.example", i)}
		case 2:
			c = rules.Criterion{Field: rules.FieldTo, Condition: rules.CondIs, Pattern: fmt.Sprintf("queue-%d@example.com", i)}
		case 3:
			c = rules.Criterion{Field: rules.FieldBody, Condition: rules.CondRegexMatch, Pattern: fmt.Sprintf(`/order\s+#?%d\b/i`, 100000+i)}
		case 4:
			c = rules.Criterion{Field: rules.FieldBody, Condition: rules.CondContains, Pattern: fmt.Sprintf("contract %d", i)}
		case 5:
			c = rules.Criterion{Field: rules.FieldHeader, Header: "X-Customer", Condition: rules.CondIs, Pattern: fmt.Sprint(i)}
		}
		r := rules.Rule{Name: fmt.Sprint("bench rule ", i), Active: true, Match: rules.MatchAll, Criteria: []rules.Criterion{c},
			Actions: []rules.Action{{Kind: rules.ActUrgency, Value: "4"}}}
		if err := e.st.SaveMailRule(ctx, &r); err != nil {
			tb.Fatal(err)
		}
	}
	return n
}
