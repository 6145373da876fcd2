package mailconn

import "fmt"

// CheckServer says what makes a server's host, port or security unusable
// ("" when nothing); the security is "ssl", "starttls" or "none" for both
// protocols. Each client wraps the words in its own configuration error.
func CheckServer(host string, port int, security string) string {
	switch {
	case host == "":
		return "server host is empty"
	case port <= 0 || port > 65535:
		return fmt.Sprintf("server port %d is out of range", port)
	}
	switch security {
	case "ssl", "starttls", "none":
		return ""
	}
	return fmt.Sprintf("unknown security %q (want ssl, starttls or none)", security)
}
