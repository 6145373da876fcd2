package helpdesk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	gomail "github.com/emersion/go-message/mail"

	"github.com/oauthimap/oauthimap/internal/store"
	"github.com/oauthimap/oauthimap/internal/submission"
)

// The files of an answer by mail are the follow-up's documents and the
// queued mail's attachments; too much, or a type the document types do not
// allow, is refused with nothing written.
func TestAnswerByMailWithAttachments(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *desk) {
		ctx := context.Background()
		r := d.receiver("support@example.com", "support@example.com", true)
		_, first := d.deliver(r, mail("Bob <bob@client.example>", "support@example.com", "Printer broken", "orig@client.example", "It jams."))
		d.sending(r)
		pdf := bytes.Repeat([]byte{0x25, 0x50, 0x44, 0x46, 0, 0xff}, 50000)
		files := []submission.Attachment{{Name: "procédure.pdf", MIMEType: "application/pdf", Data: pdf}, {Name: "log.txt", MIMEType: "text/plain", Data: []byte("ok\n")}}

		big := []submission.Attachment{{Name: "a.bin", Data: make([]byte, MaxAttachmentsSize/2+1)}, {Name: "b.bin", Data: make([]byte, MaxAttachmentsSize/2)}}
		if _, err := d.svc.AnswerByMail(ctx, first.TicketID, nil, "Too much.", false, big...); !errors.Is(err, ErrAttachmentsTooLarge) {
			t.Fatalf("over the limit: %v", err)
		}
		if err := d.st.AddDocumentType(ctx, &store.DocumentType{Name: "PDF", Ext: "pdf"}); err != nil {
			t.Fatal(err)
		}
		var refused *AttachmentRefusedError
		if _, err := d.svc.AnswerByMail(ctx, first.TicketID, nil, "Refused type.", false, files...); !errors.As(err, &refused) || refused.Name != "log.txt" {
			t.Fatalf("a type the document types do not allow: %v", err)
		}
		if fs, _ := d.st.Followups(ctx, first.TicketID); len(fs) != 0 {
			t.Fatal("a refused answer left a follow-up")
		}
		if rows, _ := d.st.OutboxForTicket(ctx, first.TicketID); len(rows) != 0 {
			t.Fatal("a refused answer queued a mail")
		}
		if err := d.st.AddDocumentType(ctx, &store.DocumentType{Name: "Text", MIME: "text/*"}); err != nil {
			t.Fatal(err)
		}
		fid, err := d.svc.AnswerByMail(ctx, first.TicketID, nil, "Here is the procedure.", false, files...)
		if err != nil {
			t.Fatal(err)
		}
		docs, _ := d.st.TicketDocuments(ctx, first.TicketID)
		var mine []store.Document
		for _, doc := range docs {
			if doc.FollowupID != nil && *doc.FollowupID == fid {
				mine = append(mine, doc)
			}
		}
		if len(mine) != 2 || mine[0].Name != "procédure.pdf" || mine[0].Size != int64(len(pdf)) || mine[1].MIMEType != "text/plain" {
			t.Fatalf("documents of the follow-up: %+v", mine)
		}
		rc, err := d.docs.Open(mine[0].SHA256)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(stored, pdf) {
			t.Fatal("the stored document differs from the file")
		}
		rows, _ := d.st.OutboxForTicket(ctx, first.TicketID)
		if len(rows) != 1 {
			t.Fatalf("%d mails queued", len(rows))
		}
		row, _ := d.st.OutboxMailByID(ctx, rows[0].ID)
		mr, err := gomail.CreateReader(bytes.NewReader(row.Raw))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if h, ok := p.Header.(*gomail.AttachmentHeader); ok {
				name, _ := h.Filename()
				b, _ := io.ReadAll(p.Body)
				if name == "procédure.pdf" && !bytes.Equal(b, pdf) {
					t.Error("the attachment's bytes differ")
				}
				got = append(got, name)
			}
		}
		if len(got) != 2 || got[0] != "procédure.pdf" || got[1] != "log.txt" {
			t.Fatalf("the queued mail's attachments: %v", got)
		}

		// A private note keeps its files as documents too.
		nid, err := d.svc.AddNote(ctx, first.TicketID, nil, "Vendor's answer attached.", true, files[1])
		if err != nil {
			t.Fatal(err)
		}
		docs, _ = d.st.TicketDocuments(ctx, first.TicketID)
		if last := docs[len(docs)-1]; last.FollowupID == nil || *last.FollowupID != nid || last.Name != "log.txt" {
			t.Fatalf("the note's document: %+v", last)
		}
	})
}
