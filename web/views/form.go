package views

// FieldErrors are a form's messages, keyed by the name of the input each
// one belongs to, so the page shows a message next to its field. FormError
// keys the message shown above the whole form.
type FieldErrors map[string]string

// FormError is the key of the message about the form as a whole.
const FormError = "form"

// Add sets a field's message unless it already has one: the first problem
// found is the one the user reads.
func (e FieldErrors) Add(field, msg string) {
	if msg != "" && e[field] == "" {
		e[field] = msg
	}
}

// Any reports whether some field has a message.
func (e FieldErrors) Any() bool { return len(e) > 0 }
