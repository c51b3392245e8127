package templates

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// Components for the parts of a page that repeat once per row of a long list. templ writes every
// `{ s }` through fmt.Sprint (a copy of the string) and every `class={ "badge", c }` through a class
// processor (a slice, a map and a join), which in the services list's 25 rows came to 40% of the
// template's time (docs/performance.md §0.9). These write the same escaped HTML directly.

// text writes s as element text, HTML-escaped: `@text(s)` is `{ s }` without the copy.
type text string

func (t text) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, templ.EscapeString(string(t)))
	return err
}

// badgeSpan is a state badge, <span class="badge CLASS" title="TITLE" data-testid="TESTID">LABEL</span>,
// with the class, title and test ID only when set. Every value is escaped.
type badgeSpan struct{ class, label, title, testid string }

// badge is `@badge(class, label, title, testid)` in a template.
func badge(class, label, title, testid string) badgeSpan {
	return badgeSpan{class: class, label: label, title: title, testid: testid}
}

func (b badgeSpan) Render(_ context.Context, w io.Writer) error {
	sw := stickyWriter{w: w}
	sw.write(`<span class="badge`)
	if b.class != "" {
		sw.write(" ", templ.EscapeString(b.class))
	}
	sw.write(`"`)
	if b.title != "" {
		sw.write(` title="`, templ.EscapeString(b.title), `"`)
	}
	if b.testid != "" {
		sw.write(` data-testid="`, templ.EscapeString(b.testid), `"`)
	}
	sw.write(`>`, templ.EscapeString(b.label), `</span>`)
	return sw.err
}

// stickyWriter writes strings until the first error, which it keeps.
type stickyWriter struct {
	w   io.Writer
	err error
}

func (s *stickyWriter) write(parts ...string) {
	for _, p := range parts {
		if s.err != nil {
			return
		}
		_, s.err = io.WriteString(s.w, p)
	}
}
