package templates

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
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

// The direct writers escape exactly as html.EscapeString (templ.EscapeString) does, on text full of
// the characters it replaces, UTF-8 and bytes that are not UTF-8.
func TestEscapeMatchesHTMLEscapeString(t *testing.T) {
	cases := []string{"", "plain", `&'<>"`, `<<>>`, "a&b", `"quoted"`, "ünïcødé ✓ <ok>", "\xff\xfe<", "end&"}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab &'<>\"\x00\xc3\xa9")
	for range 500 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want := html.EscapeString(s)
		if got := string(appendEscaped([]byte("x"), s)); got != "x"+want {
			t.Fatalf("appendEscaped(%q) = %q, want %q", s, got, "x"+want)
		}
		var buf bytes.Buffer
		if err := escapeTo(&buf, s); err != nil {
			t.Fatal(err)
		}
		if buf.String() != want {
			t.Fatalf("escapeTo(%q) = %q, want %q", s, buf.String(), want)
		}
	}
}

// The services list's rows, written directly, are byte for byte what their templ markup gave (the
// expected HTML is that markup's output at 9efe239): with nothing optional, and with every part.
func TestServiceRowsAsTheMarkupWroteThem(t *testing.T) {
	rows := serviceRows{
		{Name: `a"b<c>`, URL: "/services/a%22b%3Cc%3E", Image: `img&'x`, Memory: "1Gi", Visibility: "public"},
		{Name: "svc", URL: "/services/svc", Image: "i", CPU: "1", Visibility: "private", Owner: "me@egi.eu", Mine: true,
			State: "Ready", StateClass: "ok", Reason: `why "so"`, Kind: "exposed", App: "Jupyter"},
	}
	want := "<tr data-testid=\"service-row\"><td><input type=\"checkbox\" name=\"name\" value=\"a&#34;b&lt;c&gt;\" id=\"sel-a&#34;b&lt;c&gt;\" aria-label=\"Select a&#34;b&lt;c&gt;\"></td><th scope=\"row\"><a href=\"/services/a%22b%3Cc%3E\" data-testid=\"service-name\">a&#34;b&lt;c&gt;</a> </th><td class=\"op-code\">img&amp;&#39;x</td><td>—</td><td>1Gi</td><td>public</td><td>—</td><td><span class=\"muted\">—</span></td></tr>" +
		"<tr data-testid=\"service-row\"><td><input type=\"checkbox\" name=\"name\" value=\"svc\" id=\"sel-svc\" aria-label=\"Select svc\"></td><th scope=\"row\"><a href=\"/services/svc\" data-testid=\"service-name\">svc</a> <span class=\"badge\" data-testid=\"service-kind\">exposed</span> <a class=\"badge\" href=\"/apps\" data-testid=\"service-app\">Jupyter</a></th><td class=\"op-code\">i</td><td>1</td><td>—</td><td>private</td><td>me@egi.eu <span class=\"badge\">you</span></td><td><span class=\"badge ok\" title=\"why &#34;so&#34;\">Ready</span></td></tr>"
	var buf bytes.Buffer
	if err := rows.Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != want {
		t.Errorf("rows:\n got %s\nwant %s", buf.String(), want)
	}
}

// The kept navigation is the navigation's markup for the page: for every section (and one the
// navigation does not know), with and without each optional one, the first time and from the cache.
// Past navCacheMax variants it is still right, just not kept.
func TestMainNavIsItsMarkup(t *testing.T) {
	ctx := context.Background()
	render := func(c interface {
		Render(context.Context, io.Writer) error
	}) string {
		var buf bytes.Buffer
		if err := c.Render(ctx, &buf); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	sections := []string{"", "elsewhere", "services", "hub", "buckets", "volumes", "apps", "token", "cluster", "usage", "admin"}
	for _, nav := range sections {
		for flags := range 8 {
			l := Layout{Nav: nav, Hub: flags&1 != 0, Volumes: flags&2 != 0, Admin: flags&4 != 0,
				UserName: "someone", Endpoint: "https://oscar.example.org", Title: "t"}
			want := render(mainNavMarkup(l))
			for range 2 {
				if got := render(mainNav(l)); got != want {
					t.Fatalf("nav %q flags %d:\n got %s\nwant %s", nav, flags, got, want)
				}
			}
			if strings.Contains(want, "someone") || strings.Contains(want, "oscar.example.org") {
				t.Fatalf("the navigation holds the user's data: %s", want)
			}
			shown := nav != "" && nav != "elsewhere" && (nav != "hub" || l.Hub) && (nav != "admin" || l.Admin)
			if marked := strings.Contains(want, `aria-current="page"`); marked != shown {
				t.Errorf("nav %q: aria-current present %v", nav, marked)
			}
		}
	}
	for i := range navCacheMax + 10 {
		l := Layout{Nav: fmt.Sprintf("section-%d", i)}
		if got, want := render(mainNav(l)), render(mainNavMarkup(l)); got != want {
			t.Fatalf("variant %d past the cache: %s, want %s", i, got, want)
		}
	}
	kept := 0
	navCache.Range(func(any, any) bool { kept++; return true })
	if kept > navCacheMax {
		t.Errorf("%d variants kept, want at most %d", kept, navCacheMax)
	}
}
