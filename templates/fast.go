package templates

import (
	"context"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/a-h/templ"
)

// Components for the parts of a page that repeat once per row of a long list. templ writes every
// `{ s }` through fmt.Sprint (a copy of the string) and every `class={ "badge", c }` through a class
// processor (a slice, a map and a join), which in the services list's 25 rows came to 40% of the
// template's time (docs/performance.md §0.9). These write the same escaped HTML directly.

// text writes s as element text, HTML-escaped: `@text(s)` is `{ s }` without the copy.
type text string

func (t text) Render(_ context.Context, w io.Writer) error {
	return escapeTo(w, string(t))
}

// escapeTo writes s to w escaped as templ.EscapeString (html.EscapeString) escapes it, without
// building the escaped copy: the runs between special characters go out as they are. Long text with
// many quotes (the token page's pretty-printed JSON) is where the copy cost most.
func escapeTo(w io.Writer, s string) error {
	for {
		i, e := nextEntity(s)
		if i < 0 {
			_, err := io.WriteString(w, s)
			return err
		}
		if _, err := io.WriteString(w, s[:i]); err != nil {
			return err
		}
		if _, err := io.WriteString(w, e); err != nil {
			return err
		}
		s = s[i+1:]
	}
}

// nextEntity finds the first byte of s that HTML escaping replaces: its index and replacement, or
// -1 when there is none.
func nextEntity(s string) (int, string) {
	for i := 0; i < len(s); i++ {
		if e := htmlEntities[s[i]]; e != "" {
			return i, e
		}
	}
	return -1, ""
}

// htmlEntities gives, for each byte html.EscapeString replaces, its replacement.
var htmlEntities = [256]string{'&': "&amp;", '\'': "&#39;", '<': "&lt;", '>': "&gt;", '"': "&#34;"}

// badgeSpan is a state badge, <span class="badge CLASS" title="TITLE" data-testid="TESTID">LABEL</span>,
// with the class, title and test ID only when set. Every value is escaped.
type badgeSpan struct{ class, label, title, testid string }

// badge is `@badge(class, label, title, testid)` in a template.
func badge(class, label, title, testid string) badgeSpan {
	return badgeSpan{class: class, label: label, title: title, testid: testid}
}

func (b badgeSpan) Render(_ context.Context, w io.Writer) error {
	return writeBuilt(w, b.append)
}

func (b badgeSpan) append(dst []byte) []byte {
	dst = append(dst, `<span class="badge`...)
	if b.class != "" {
		dst = append(dst, ' ')
		dst = appendEscaped(dst, b.class)
	}
	dst = append(dst, '"')
	if b.title != "" {
		dst = append(dst, ` title="`...)
		dst = appendEscaped(dst, b.title)
		dst = append(dst, '"')
	}
	if b.testid != "" {
		dst = append(dst, ` data-testid="`...)
		dst = appendEscaped(dst, b.testid)
		dst = append(dst, '"')
	}
	dst = append(dst, '>')
	dst = appendEscaped(dst, b.label)
	return append(dst, `</span>`...)
}

// serviceRows are the rows of the services list, written directly: the same HTML as the rows'
// markup in templ would give, without templ's per-attribute boxing and per-text copies, gathered in
// one buffer and written at once (25 rows a view). Each row's URL is a path the handler built
// (templ.SafeURL in the markup): escaped, not sanitised.
type serviceRows []ServiceRow

func (rows serviceRows) Render(_ context.Context, w io.Writer) error {
	return writeBuilt(w, func(b []byte) []byte {
		for i := range rows {
			b = appendServiceRow(b, &rows[i])
		}
		return b
	})
}

// writeBuilt builds HTML with build in a pooled buffer and writes it to w at once.
func writeBuilt(w io.Writer, build func([]byte) []byte) error {
	bp := htmlBuffers.Get().(*[]byte)
	b := build((*bp)[:0])
	_, err := w.Write(b)
	if cap(b) <= maxPooledHTML {
		*bp = b
		htmlBuffers.Put(bp)
	}
	return err
}

// htmlBuffers keep the buffers writeBuilt builds in; one grown past maxPooledHTML (a very long
// page) is left to the garbage collector.
var htmlBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

const maxPooledHTML = 256 << 10

func appendServiceRow(b []byte, s *ServiceRow) []byte {
	b = append(b, `<tr data-testid="service-row"><td><input type="checkbox" name="name" value="`...)
	b = appendEscaped(b, s.Name)
	b = append(b, `" id="sel-`...)
	b = appendEscaped(b, s.Name)
	b = append(b, `" aria-label="Select `...)
	b = appendEscaped(b, s.Name)
	b = append(b, `"></td><th scope="row"><a href="`...)
	b = appendEscaped(b, s.URL)
	b = append(b, `" data-testid="service-name">`...)
	b = appendEscaped(b, s.Name)
	b = append(b, `</a> `...)
	if s.Kind != "" {
		b = append(b, `<span class="badge" data-testid="service-kind">`...)
		b = appendEscaped(b, s.Kind)
		b = append(b, `</span> `...)
	}
	if s.App != "" {
		b = append(b, `<a class="badge" href="/apps" data-testid="service-app">`...)
		b = appendEscaped(b, s.App)
		b = append(b, `</a>`...)
	}
	b = append(b, `</th><td class="op-code">`...)
	b = appendEscaped(b, s.Image)
	b = append(b, `</td><td>`...)
	b = appendEscaped(b, dash(s.CPU))
	b = append(b, `</td><td>`...)
	b = appendEscaped(b, dash(s.Memory))
	b = append(b, `</td><td>`...)
	b = appendEscaped(b, s.Visibility)
	b = append(b, `</td><td>`...)
	b = appendEscaped(b, dash(s.Owner))
	if s.Mine {
		b = append(b, ` <span class="badge">you</span>`...)
	}
	b = append(b, `</td><td>`...)
	if s.State != "" {
		b = badge(s.StateClass, s.State, s.Reason, "").append(b)
	} else {
		b = append(b, `<span class="muted">—</span>`...)
	}
	return append(b, `</td></tr>`...)
}

// appendEscaped appends s HTML-escaped as templ.EscapeString would escape it.
func appendEscaped(b []byte, s string) []byte {
	for {
		i, e := nextEntity(s)
		if i < 0 {
			return append(b, s...)
		}
		b = append(append(b, s[:i]...), e...)
		s = s[i+1:]
	}
}

// mainNav is the main navigation of a signed-in page. It depends only on the page's section and on
// which optional sections the cluster has, so each variant is rendered once (mainNavMarkup) and kept.
// Sections are the handlers' constants, a handful; navCacheMax bounds the kept variants all the same.
func mainNav(l Layout) templ.Component {
	k := navKey{nav: l.Nav, hub: l.Hub, volumes: l.Volumes, admin: l.Admin}
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if html, ok := navCache.Load(k); ok {
			_, err := io.WriteString(w, html.(string))
			return err
		}
		var b strings.Builder
		if err := mainNavMarkup(Layout{Nav: k.nav, Hub: k.hub, Volumes: k.volumes, Admin: k.admin}).Render(ctx, &b); err != nil {
			return err
		}
		if navCached.Add(1) <= navCacheMax {
			navCache.Store(k, b.String())
		}
		_, err := io.WriteString(w, b.String())
		return err
	})
}

type navKey struct {
	nav                 string
	hub, volumes, admin bool
}

const navCacheMax = 256

var (
	navCache  sync.Map     // navKey → string
	navCached atomic.Int64 // variants stored (or refused) so far
)
