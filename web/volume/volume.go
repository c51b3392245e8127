// Package volume is the pure logic of OSCAR's managed volumes for the console: the checks of a new
// volume's name and size (Kubernetes' rules, OSCAR's and the user's quota), the mapping of OSCAR's
// refusals to the form's fields, the services that use each volume, and the list's sort order.
// Nothing here does I/O.
package volume

import (
	"cmp"
	"errors"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The fields of the create form, as named in its inputs.
const (
	FieldName = "name"
	FieldSize = "size"
)

// Units are the size units the form offers, smallest first. "" reads the amount as a whole
// Kubernetes quantity ("1G", "1500M", "2147483648").
var Units = []string{"Mi", "Gi", "Ti"}

// Errors maps a field to its message.
type Errors map[string]string

// Form is what the user typed in the create form.
type Form struct {
	Name   string
	Amount string
	Unit   string
}

// Size is the Kubernetes quantity the form asks for: amount and unit joined.
func (f Form) Size() string { return strings.TrimSpace(f.Amount) + f.Unit }

// SplitSize splits a quantity into the form's amount and unit: "2Gi" → "2", "Gi"; a quantity in
// another unit stays whole with unit "".
func SplitSize(size string) (amount, unit string) {
	size = strings.TrimSpace(size)
	for _, u := range Units {
		if a, ok := strings.CutSuffix(size, u); ok && a != "" && !strings.ContainsAny(a, "KMGTPEkmun") {
			return a, u
		}
	}
	return size, ""
}

// reservedNames are names the console's own pages use under /volumes/.
var reservedNames = map[string]bool{"new": true}

// dns1123Label is Kubernetes' DNS-1123 label, OSCAR's rule for volume names (63 characters at most).
const dns1123Label = `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`

// CheckName applies OSCAR's naming rule (a DNS-1123 label); "" means valid.
func CheckName(name string) string {
	switch {
	case name == "":
		return "Enter a name for the volume."
	case len(name) > 63:
		return "A volume name has at most 63 characters."
	case !regexp.MustCompile(dns1123Label).MatchString(name):
		return "Use lower-case letters, digits and hyphens, starting and ending with a letter or a digit."
	case reservedNames[name]:
		return "“" + name + "” is reserved by the console; choose another name."
	}
	return ""
}

// quantity parses a quota figure; nil when OSCAR did not give one (it says "NotFound" then).
func quantity(s string) *big.Rat {
	q, err := oscar.ParseQuantity(strings.TrimSpace(s))
	if err != nil {
		return nil
	}
	return q
}

// CheckSize checks a size: a positive Kubernetes quantity within the quota q (nil: none known).
// "" means valid.
func CheckSize(f Form, q *oscar.VolumeQuota) string {
	if strings.TrimSpace(f.Amount) == "" {
		return "Enter the volume's size, for example 1 Gi."
	}
	if f.Unit != "" && !slices.Contains(Units, f.Unit) {
		return "Choose a unit: Mi, Gi or Ti."
	}
	size, err := oscar.ParseQuantity(f.Size())
	if err != nil {
		if f.Unit != "" {
			return "Enter a number, such as 10 or 1.5."
		}
		return "Enter a size such as 1Gi, 500Mi or 2G."
	}
	if size.Sign() <= 0 {
		return "The size must be more than zero."
	}
	if size.Cmp(big.NewRat(1, 1)) < 0 || !size.IsInt() {
		return "The size is a whole number of bytes; use a larger unit."
	}
	if q == nil {
		return ""
	}
	if max := quantity(q.MaxDiskPerVolume); max != nil && size.Cmp(max) > 0 {
		return "Your quota allows at most " + q.MaxDiskPerVolume + " per volume."
	}
	if min := quantity(q.MinDiskPerVolume); min != nil && size.Cmp(min) < 0 {
		return "Your quota asks for at least " + q.MinDiskPerVolume + " per volume."
	}
	if d := q.Disk; d != nil {
		max, used := quantity(d.Max), cmp.Or(quantity(d.Used), new(big.Rat))
		if max != nil {
			left := new(big.Rat).Sub(max, used)
			if size.Cmp(left) > 0 {
				return "This is more than your quota has left: " + d.Max + " in all, " + Human(used) + " already used."
			}
		}
	}
	return ""
}

// CheckCount reports that the quota allows no more volumes; "" when it does or is unknown.
func CheckCount(q *oscar.VolumeQuota) string {
	if q == nil || q.Volumes == nil {
		return ""
	}
	max, used := quantity(q.Volumes.Max), cmp.Or(quantity(q.Volumes.Used), new(big.Rat))
	if max != nil && used.Cmp(max) >= 0 {
		return "You have " + q.Volumes.Max + " volumes, as many as your quota allows: delete one first."
	}
	return ""
}

// Check validates the create form against the quota; the result is empty when it is valid.
func Check(f Form, q *oscar.VolumeQuota) Errors {
	errs := Errors{}
	if m := CheckName(f.Name); m != "" {
		errs[FieldName] = m
	}
	if m := CheckSize(f, q); m != "" {
		errs[FieldSize] = m
	}
	return errs
}

// Refusal maps OSCAR's refusal of a create to the form: the field it concerns and the message to
// show there. ok is false when err is not a refusal of the input (OSCAR down, credentials...).
func Refusal(err error) (field, msg string, ok bool) {
	var oe *oscar.Error
	if !errors.As(err, &oe) {
		return "", "", false
	}
	m := oe.Message
	low := strings.ToLower(m)
	switch {
	case oe.Kind == oscar.BadInput && oe.Status == 409, strings.Contains(low, "already exists"):
		return FieldName, "A volume with this name already exists: choose another name.", true
	case oe.Kind == oscar.BadInput && strings.Contains(low, "name"):
		return FieldName, sentence(m), true
	case oe.Kind == oscar.BadInput && strings.Contains(low, "size"):
		return FieldSize, sentence(m), true
	case strings.Contains(low, "quota"):
		return FieldSize, sentence(m), true
	case oe.Kind == oscar.BadInput || oe.Kind == oscar.Forbidden:
		return "", oe.UserMessage(), true
	}
	return "", "", false
}

// sentence starts m with a capital and ends it with a full stop.
func sentence(m string) string {
	m = strings.TrimSpace(m)
	if m == "" {
		return m
	}
	m = strings.ToUpper(m[:1]) + m[1:]
	if !strings.HasSuffix(m, ".") {
		m += "."
	}
	return m
}

// Use is a service that mounts a volume, and where.
type Use struct {
	Service   string
	MountPath string
}

// Users lists, for each volume name, the services that use it (a service's volume.name, or its own
// name when it created an unnamed volume), sorted by service name. One services list gives them
// all: OSCAR leaves a volume's attachments empty. A volume lives in one namespace: with ns set, only
// the services of that namespace count (the Basic-auth admin sees every user's services, and users'
// volumes of the same name are others).
func Users(services []oscar.Service, ns string) map[string][]Use {
	out := map[string][]Use{}
	for i := range services {
		s := &services[i]
		if ns != "" && s.Namespace != "" && s.Namespace != ns {
			continue
		}
		if n := s.VolumeName(); n != "" {
			out[n] = append(out[n], Use{Service: s.Name, MountPath: s.Volume.MountPath})
		}
	}
	for _, us := range out {
		slices.SortFunc(us, func(a, b Use) int { return strings.Compare(a.Service, b.Service) })
	}
	return out
}

// SortKeys are the list's sortable columns, in display order, with their labels.
var SortKeys = []struct{ Key, Label string }{
	{"name", "Name"}, {"size", "Size"}, {"status", "Status"}, {"created", "Created by"}, {"services", "Used by"},
}

// Sort sorts volumes in place by a column of SortKeys ("name" if unknown); ties go by name. Sizes
// compare as quantities, unreadable ones last.
func Sort(vs []oscar.ManagedVolume, users map[string][]Use, key string, desc bool) {
	created := func(v *oscar.ManagedVolume) string {
		if v.CreatedByService != "" {
			return "service " + v.CreatedByService
		}
		return v.CreationMode
	}
	slices.SortStableFunc(vs, func(a, b oscar.ManagedVolume) int {
		var c int
		switch key {
		case "size":
			qa, qb := quantity(a.Size), quantity(b.Size)
			switch {
			case qa == nil && qb == nil:
			case qa == nil:
				return 1
			case qb == nil:
				return -1
			default:
				c = qa.Cmp(qb)
			}
		case "status":
			c = strings.Compare(a.Status.Phase, b.Status.Phase)
		case "created":
			c = strings.Compare(created(&a), created(&b))
		case "services":
			c = len(users[a.Name]) - len(users[b.Name])
		}
		if c == 0 {
			c = strings.Compare(a.Name, b.Name)
		}
		if desc {
			c = -c
		}
		return c
	})
}

// Human writes a number of bytes in the largest binary unit that keeps one decimal: 1.5 GiB.
func Human(b *big.Rat) string {
	f, _ := b.Float64()
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	s := strings.TrimSuffix(strings.TrimRight(strings.TrimRight(big.NewFloat(f).Text('f', 1), "0"), "."), ".")
	return s + " " + units[i]
}

// CheckMountPath applies OSCAR's rules for where a volume is mounted in a service's container; ""
// means valid.
func CheckMountPath(p string) string {
	switch {
	case p == "":
		return "Enter where the volume is mounted in the container, for example /data."
	case !strings.HasPrefix(p, "/"):
		return "The mount path is absolute: it starts with /."
	}
	for _, reserved := range []string{"/oscar/config", "/oscar/bin"} {
		if p == reserved || strings.HasPrefix(p, reserved+"/") {
			return "OSCAR uses " + reserved + " itself: choose another path."
		}
	}
	return ""
}
