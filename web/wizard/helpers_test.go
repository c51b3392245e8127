package wizard

import (
	"net/url"

	"github.com/PuerkitoBio/goquery"
)

// formSel is the wizard's form on every step.
const formSel = "#wizard-form"

// formValues reads a form's successful controls: text, password and hidden inputs, checked boxes
// and radios, selects and textareas (no buttons, no files).
func formValues(doc *goquery.Document, sel string) (url.Values, bool) {
	form := doc.Find(sel).First()
	if form.Length() == 0 {
		return nil, false
	}
	v := url.Values{}
	form.Find("input, select, textarea").Each(func(_ int, s *goquery.Selection) {
		name, ok := s.Attr("name")
		if !ok || name == "" {
			return
		}
		if _, disabled := s.Attr("disabled"); disabled {
			return
		}
		switch goquery.NodeName(s) {
		case "textarea":
			// The HTML parser drops the first newline of a textarea, as browsers do.
			v.Add(name, s.Text())
		case "select":
			opt := s.Find("option[selected]").First()
			if opt.Length() == 0 {
				opt = s.Find("option").First()
			}
			val, _ := opt.Attr("value")
			v.Add(name, val)
		default:
			typ, _ := s.Attr("type")
			val, _ := s.Attr("value")
			switch typ {
			case "submit", "button", "file", "reset", "image":
			case "checkbox", "radio":
				if _, checked := s.Attr("checked"); checked {
					if val == "" {
						val = "on"
					}
					v.Add(name, val)
				}
			default:
				v.Add(name, val)
			}
		}
	})
	return v, true
}
