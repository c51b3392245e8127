package hub

import (
	"bytes"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/oscarconsole/oscar-console/web/remote"
)

// ImageRoute is the prefix of the console's own URLs a rendered README may show images from (the
// route that serves a crate's image files).
const ImageRoute = "/hub/"

// No heading IDs: a README's would clash with the page's own.
var md = goldmark.New(goldmark.WithExtensions(extension.GFM))

// readmePolicy is what survives of a README: text structure, code, tables, links (http, https,
// mailto; rel nofollow noopener) and images whose src is the console's own image route. No script,
// no event handler, no style, no iframe, no form.
var readmePolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code",
		"em", "strong", "del", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "sup", "sub", "kbd")
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[A-Za-z0-9_+-]{1,40}$`)).OnElements("code")
	p.AllowAttrs("align").Matching(regexp.MustCompile(`^(left|right|center)$`)).OnElements("th", "td")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true) // only the image route and same-page anchors get here (see rewrite)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true) // adds rel="noopener" too
	p.AllowAttrs("src").Matching(regexp.MustCompile(`^` + regexp.QuoteMeta(ImageRoute) + `[A-Za-z0-9._~%/-]+$`)).OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img")
	return p
}()

// RenderReadme turns a crate's README (Markdown) into HTML safe to put in a page. Raw HTML in the
// Markdown is dropped by the renderer; the result is then sanitised (readmePolicy). An image is
// kept only when it names a file of the same crate that imageURL accepts (it returns the console
// URL serving it); any other image becomes its alt text. Relative links (to files the console does
// not render) become their text. Headings move two levels down, below the page's own.
func RenderReadme(src []byte, imageURL func(part string) (string, bool)) string {
	doc := md.Parser().Parse(text.NewReader(src))
	rewrite(doc, imageURL)
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, src, doc); err != nil {
		return ""
	}
	return readmePolicy.Sanitize(buf.String())
}

func rewrite(doc ast.Node, imageURL func(string) (string, bool)) {
	var drop []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Heading:
			// The README sits under the page's h1 and its own h2.
			v.Level = min(v.Level+2, 6)
		case *ast.Image:
			part, ok := crateFile(string(v.Destination))
			if ok {
				if u, ok := imageURL(part); ok {
					v.Destination = []byte(u)
					return ast.WalkSkipChildren, nil
				}
			}
			drop = append(drop, v)
		case *ast.Link:
			d := string(v.Destination)
			if !strings.HasPrefix(d, "#") && !isURL(d) {
				drop = append(drop, v)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range drop {
		unwrap(n)
	}
}

// unwrap replaces n by its children (an image's children are its alt text).
func unwrap(n ast.Node) {
	parent := n.Parent()
	if parent == nil {
		return
	}
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c)
		c = next
	}
	parent.RemoveChild(parent, n)
}

// crateFile reads an image destination as a file of the crate: relative, no query, inside it, named
// as a PNG, JPEG, WebP or GIF (the image route checks the bytes too; an SVG is dropped here).
func crateFile(dest string) (string, bool) {
	if dest == "" || isURL(dest) || strings.ContainsAny(dest, "?#") {
		return "", false
	}
	d, err := url.PathUnescape(dest)
	if err != nil {
		return "", false
	}
	d = strings.TrimPrefix(d, "./")
	if path.Clean(d) != d || !remote.ValidPath(d) || !RasterName(d) {
		return "", false
	}
	return d, true
}

// RasterName reports whether p is named as a PNG, JPEG, WebP or GIF image (what the console serves
// as images, after checking their bytes): pages link no other image.
func RasterName(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".png", ".jpg", ".jpeg", ".gif", ".webp":
		return true
	}
	return false
}
