package wizard

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/oscarconsole/oscar-console/web/form"
)

// The number and port controls of the Execution, Expose and KServe sections. What the user typed
// is kept in Draft.Typed when it does not read as a number, so the form shows it again with its
// message and the service keeps its last good value until it is corrected.

// typed records the text of control name: kept when bad, forgotten when it read.
func (d *Draft) typed(name, text string, ok bool) {
	if ok {
		delete(d.Typed, name)
		return
	}
	if d.Typed == nil {
		d.Typed = map[string]string{}
	}
	d.Typed[name] = text
}

// readInt reads a whole number of control name into *dst. Empty sets def.
func (d *Draft) readInt(v url.Values, name string, dst *int, def int) {
	text := form.Line(v.Get(name))
	if text == "" {
		*dst = def
		d.typed(name, "", true)
		return
	}
	n, err := strconv.Atoi(text)
	if err == nil {
		*dst = n
	}
	d.typed(name, text, err == nil)
}

// readInts reads a list of whole numbers ("8888, 8080") of control name into *dst.
func (d *Draft) readInts(v url.Values, name string, dst *[]int) {
	text := form.Line(v.Get(name))
	var out []int
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.Atoi(f)
		if err != nil || len(out) >= maxRows {
			d.typed(name, text, false)
			return
		}
		out = append(out, n)
	}
	*dst = out
	d.typed(name, "", true)
}

// shownInt is the text of a number control: what the user typed if it was not a number.
func (d *Draft) shownInt(name string, n int) string {
	if t, ok := d.Typed[name]; ok {
		return t
	}
	return strconv.Itoa(n)
}

// shownInts is the text of a list of numbers.
func (d *Draft) shownInts(name string, ns []int) string {
	if t, ok := d.Typed[name]; ok {
		return t
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// checkTyped reports the controls whose text did not read as numbers; it returns whether name
// was one of them.
func (d *Draft) checkTyped(p *Problems, name, what string) bool {
	t, bad := d.Typed[name]
	if bad {
		p.add(name, "“"+t+"” is not "+what+".")
	}
	return bad
}
