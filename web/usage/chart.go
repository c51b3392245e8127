package usage

import (
	"context"
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// Point is one bar: its axis label, its long label (for the bar's tooltip) and its value.
type Point struct {
	Label, Long string
	Value       float64
}

// Chart is a bar chart: vertical bars over periods, or horizontal ones (Horizontal) for named
// things such as services.
type Chart struct {
	ID         string // unique on the page; the SVG's title is ID+"-title"
	Title      string
	Unit       string
	Horizontal bool
	Points     []Point
}

// Empty reports whether every value is zero (or there are no points).
func (c Chart) Empty() bool {
	for _, p := range c.Points {
		if p.Value != 0 {
			return false
		}
	}
	return true
}

// The drawing's size in SVG units; CSS scales it to the page's width.
const (
	width        = 640
	height       = 220
	marginLeft   = 48
	marginRight  = 8
	marginTop    = 12
	marginBottom = 28
	rowHeight    = 26
	labelWidth   = 160
)

// Format shows a value: hours with up to two decimals, counts as whole numbers.
func Format(v float64, unit string) string {
	if unit == "hours" {
		return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}

// niceMax rounds the largest value up to 1, 2 or 5 times a power of ten, so the axis has round
// ticks; 0 becomes 1.
func niceMax(v float64) float64 {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func (c Chart) max() float64 {
	m := 0.0
	for _, p := range c.Points {
		if p.Value > m && !math.IsInf(p.Value, 0) {
			m = p.Value
		}
	}
	return niceMax(m)
}

// f writes an SVG coordinate with at most one decimal.
func f(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

// esc escapes text and attribute values; every label may come from OSCAR.
func esc(s string) string { return html.EscapeString(s) }

// SVG returns the chart as an <svg> element: role="img" named by its <title> (the chart's title
// and unit), one <rect class="bar"> per point with a <title> of its label and value, the axis
// labels and grid lines. Colours come from the stylesheet's classes; the markup has no style
// attribute or element, so the console's CSP holds.
func (c Chart) SVG() string {
	var b strings.Builder
	h := height
	if c.Horizontal {
		h = marginTop + marginBottom + rowHeight*max(len(c.Points), 1)
	}
	title := c.Title + " (" + c.Unit + ")"
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title">`, width, h, esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, esc(c.ID), esc(title))
	top := c.max()
	if c.Horizontal {
		c.horizontal(&b, top)
	} else {
		c.vertical(&b, top)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func (c Chart) vertical(b *strings.Builder, top float64) {
	plotW := float64(width - marginLeft - marginRight)
	plotH := float64(height - marginTop - marginBottom)
	for i := 0; i <= 4; i++ { // grid lines and their values
		v := top * float64(i) / 4
		y := float64(marginTop) + plotH - plotH*float64(i)/4
		fmt.Fprintf(b, `<line class="gridline" x1="%d" x2="%d" y1="%s" y2="%s"/>`, marginLeft, width-marginRight, f(y), f(y))
		fmt.Fprintf(b, `<text class="tick" x="%d" y="%s" text-anchor="end">%s</text>`, marginLeft-6, f(y+4), esc(Format(v, c.Unit)))
	}
	n := len(c.Points)
	if n == 0 {
		return
	}
	slot := plotW / float64(n)
	every := max(1, int(math.Ceil(float64(n)/7))) // at most 7 axis labels, so they never overlap
	for i, p := range c.Points {
		v := math.Max(0, p.Value)
		bh := plotH * math.Min(v, top) / top
		x := float64(marginLeft) + slot*float64(i) + slot*0.15
		y := float64(marginTop) + plotH - bh
		fmt.Fprintf(b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s"><title>%s: %s %s</title></rect>`,
			f(x), f(y), f(slot*0.7), f(bh), esc(p.Long), esc(Format(p.Value, c.Unit)), esc(c.Unit))
		if i%every == 0 {
			fmt.Fprintf(b, `<text class="label" x="%s" y="%d" text-anchor="middle">%s</text>`, f(x+slot*0.35), height-marginBottom+16, esc(p.Label))
		}
	}
}

func (c Chart) horizontal(b *strings.Builder, top float64) {
	plotW := float64(width - labelWidth - marginRight - 40)
	for i, p := range c.Points {
		v := math.Max(0, p.Value)
		bw := plotW * math.Min(v, top) / top
		y := float64(marginTop + rowHeight*i)
		label := p.Label
		if r := []rune(label); len(r) > 24 {
			label = string(r[:23]) + "…"
		}
		fmt.Fprintf(b, `<text class="label" x="%d" y="%s" text-anchor="end">%s</text>`, labelWidth-6, f(y+rowHeight*0.62), esc(label))
		fmt.Fprintf(b, `<rect class="bar" x="%d" y="%s" width="%s" height="%s"><title>%s: %s %s</title></rect>`,
			labelWidth, f(y+3), f(bw), f(rowHeight-6), esc(p.Long), esc(Format(p.Value, c.Unit)), esc(c.Unit))
		fmt.Fprintf(b, `<text class="tick" x="%s" y="%s">%s</text>`, f(float64(labelWidth)+bw+4), f(y+rowHeight*0.62), esc(Format(p.Value, c.Unit)))
	}
}

// Render writes the SVG, so that a Chart is a templ component: templates render it with @chart and
// never mark markup as trusted (SVG escapes every text it writes).
func (c Chart) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, c.SVG())
	return err
}
