package rules

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// benchRules are n active rules of mixed kinds, none matching the bench
// mail except the last, so every criterion is evaluated (the worst case
// with stop at the first match).
func benchRules(n int) []Rule {
	var rs []Rule
	for i := 0; len(rs) < n; i++ {
		var c Criterion
		switch i % 8 {
		case 0:
			c = Criterion{Field: FieldSubject, Condition: CondContains, Pattern: fmt.Sprintf("project-%d", i)}
		case 1:
			c = Criterion{Field: FieldFrom, Condition: CondEndsWith, Pattern: fmt.Sprintf("@customer%d.example", i)}
		case 2:
			c = Criterion{Field: FieldTo, Condition: CondIs, Pattern: fmt.Sprintf("queue-%d@example.com", i)}
		case 3:
			c = Criterion{Field: FieldBody, Condition: CondRegexMatch, Pattern: fmt.Sprintf(`/order\s+#?%d\b/i`, 100000+i)}
		case 4:
			c = Criterion{Field: FieldBody, Condition: CondContains, Pattern: fmt.Sprintf("contract %d", i)}
		case 5:
			c = Criterion{Field: FieldHeader, Header: "X-Customer", Condition: CondIs, Pattern: fmt.Sprint(i)}
		case 6:
			c = Criterion{Field: FieldSubject, Condition: CondRegexMatch, Pattern: fmt.Sprintf(`\[CASE-%d-(\w+)\]`, i)}
		case 7:
			c = Criterion{Field: FieldRequesterKnown, Condition: CondIs, Pattern: "0"}
		}
		rs = append(rs, Rule{Ranking: i, Name: fmt.Sprint("rule ", i), Active: true, Match: MatchAll,
			Criteria: []Criterion{c, {Field: FieldSize, Condition: CondUnder, Pattern: "1000000"}},
			Actions:  []Action{{Kind: ActAssignGroup, Value: "12"}, {Kind: ActUrgency, Value: "4"}}})
	}
	rs[n-1].Criteria = []Criterion{{Field: FieldTo, Condition: CondStartsWith, Pattern: "support-fr@"}}
	return rs
}

func benchMail() Mail {
	m := sampleMail()
	line := "Hello, the printer on the second floor does not print anything since this morning, please help.\n"
	m.Body = strings.Repeat(line, 10*1024/len(line))
	m.Size = int64(len(m.Body) + 800)
	return m
}

// BenchmarkEvaluate200 is the figure: 200 active rules of mixed
// kinds on a 10 KB mail (go test -run '^$' -bench Evaluate200 ./internal/rules).
func BenchmarkEvaluate200(b *testing.B) {
	s, err := Compile(benchRules(200))
	if err != nil {
		b.Fatal(err)
	}
	m, env := benchMail(), newEnv()
	b.ReportAllocs()
	for b.Loop() {
		res := s.Evaluate(context.Background(), m, 3, env)
		if len(res.Applied) != 1 {
			b.Fatalf("applied %v", res.Applied)
		}
	}
}
