package templates

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// text and badge write what templ's { s } and <span class={ "badge", c } ...> wrote, escaped.
func TestTextAndBadge(t *testing.T) {
	var buf bytes.Buffer
	ctx := context.Background()
	if err := text(`<b>"x" & 'y'</b>`).Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "&lt;b&gt;&#34;x&#34; &amp; &#39;y&#39;&lt;/b&gt;"; got != want {
		t.Errorf("text: %s, want %s", got, want)
	}
	for _, tt := range []struct {
		b    badgeSpan
		want string
	}{
		{badge("ok", "Ready", "", ""), `<span class="badge ok">Ready</span>`},
		{badge("", "Unknown", "", ""), `<span class="badge">Unknown</span>`},
		{badge("bad", "Failed", `ImagePull "x" <y>`, "state"), `<span class="badge bad" title="ImagePull &#34;x&#34; &lt;y&gt;" data-testid="state">Failed</span>`},
		{badge(`off" onclick="x`, "<i>", "", `a"b`), `<span class="badge off&#34; onclick=&#34;x" data-testid="a&#34;b">&lt;i&gt;</span>`},
	} {
		buf.Reset()
		if err := tt.b.Render(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		if got := buf.String(); got != tt.want {
			t.Errorf("badge %+v:\n got %s\nwant %s", tt.b, got, tt.want)
		}
	}
	// In a page: the services list's rows escape what OSCAR sent.
	l, p := benchServicesProps()
	p.Rows[0].Image = `evil"><script>alert(1)</script>`
	p.Rows[0].Reason = `"><img src=x>`
	buf.Reset()
	if err := ServicesPage(l, p).Render(ctx, &buf); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img src=x>") {
		t.Error("a row wrote OSCAR's text unescaped")
	}
	if !strings.Contains(page, `<td class="op-code">evil&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</td>`) ||
		!strings.Contains(page, `<span class="badge ok" title="&#34;&gt;&lt;img src=x&gt;">Ready</span>`) {
		t.Errorf("row 0 not as expected:\n%s", page)
	}
}
