package views

import "time"

// TimeZones are the zone names the time zone field suggests; any IANA
// name is accepted.
var TimeZones = []string{
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Brussels", "Europe/Berlin",
	"Europe/Madrid", "Europe/Rome", "Europe/Zurich", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw",
	"Europe/Athens", "Europe/Helsinki", "Europe/Istanbul", "Europe/Moscow", "Africa/Casablanca", "Africa/Lagos",
	"Africa/Johannesburg", "Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
	"Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
	"America/New_York", "America/Toronto", "America/Chicago", "America/Denver", "America/Los_Angeles",
	"America/Mexico_City", "America/Montreal", "Pacific/Honolulu",
}

// ServerZone says the server's time zone as a person reads it, for the
// hint of an empty time zone field: "UTC" or "CET, UTC+01:00".
func ServerZone(now time.Time) string {
	now = now.In(time.Local)
	name, _ := now.Zone()
	offset := now.Format("-07:00")
	if offset == "+00:00" {
		if name == "UTC" {
			return "UTC"
		}
		return name + ", UTC"
	}
	return name + ", UTC" + offset
}

// PreferencesForm is the "My settings" page: what a user changes about
// the console for themselves.
type PreferencesForm struct {
	TimeZone string
	Errors   FieldErrors
}
