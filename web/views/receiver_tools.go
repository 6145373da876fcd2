package views

import (
	"time"

	"github.com/oauthimap/oauthimap/web/paths"
)

// FolderChoice is one folder of the folder browser.
type FolderChoice struct {
	Name       string
	Depth      int
	Selectable bool
	Current    bool
}

// ReceiverFoldersView is the folder browser of one folder field.
type ReceiverFoldersView struct {
	ID      int64
	Name    string
	Field   string // folder | accepted | refused
	Label   string
	Folders []FolderChoice
	// Problem, when set, says why the folders could not be listed.
	Problem string
	Remedy  string
}

// ReceiverDiagnoseStep is one phase of Test connection.
type ReceiverDiagnoseStep struct {
	Name     string
	OK       bool
	Detail   string
	Duration string
}

// ReceiverTranscriptLine is one line of the transcript, secrets already redacted.
type ReceiverTranscriptLine struct {
	Dir  string
	Text string
}

// ReceiverDiagnoseView is the outcome of Test connection.
type ReceiverDiagnoseView struct {
	ID          int64
	Name        string
	Server      string
	OK          bool
	Class       string
	Explanation string
	Remedy      string
	Steps       []ReceiverDiagnoseStep
	Transcript  []ReceiverTranscriptLine
}

// CollectRunRow is one line of an automatic actions log.
type CollectRunRow struct {
	ReceiverID      int64
	ReceiverName    string
	Started         string
	Duration        string
	Trigger         string // the stored kind, kept as the label's tooltip
	TriggerLabel    string
	Available       int
	AlreadyImported int
	Retrieved       int
	Refused         int
	Errors          int
	Blacklisted     int
	ErrorClass      string // the stored class, kept as the label's tooltip
	ErrorLabel      string
	ErrorText       string
	Note            string // what the run did beyond its counts
}

// CollectRunsView is a receiver's log (ReceiverID > 0) or every receiver's.
type CollectRunsView struct {
	ReceiverID   int64
	ReceiverName string
	Rows         []CollectRunRow
}

func runsTitle(v CollectRunsView) string {
	if v.ReceiverID == 0 {
		return "Automatic actions"
	}
	return v.ReceiverName + " - Automatic actions"
}

func runsCrumbs(v CollectRunsView) []Crumb {
	c := []Crumb{{Label: "Setup"}, {Label: "Receivers", Href: paths.Receivers}}
	if v.ReceiverID != 0 {
		c = append(c, Crumb{Label: v.ReceiverName, Href: paths.Receiver(v.ReceiverID)})
	}
	return append(c, Crumb{Label: "Automatic actions"})
}

// FormatDuration shows a run's length, "running" when it has not ended.
func FormatDuration(start time.Time, end *time.Time) string {
	if end == nil {
		return "running"
	}
	return end.Sub(start).Round(time.Millisecond).String()
}
