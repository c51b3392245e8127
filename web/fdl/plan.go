package fdl

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// Applying a whole file. OSCAR refuses to create a service when any of its MinIO input or output
// buckets already exists (oscar-api.md §1.4), and sets up the upload trigger of an input only for
// a bucket it creates for the service. An update (PUT) accepts existing buckets. So a workflow in
// which one service's output bucket is the next one's input is applied in this way (docs/fdl.md):
//
//   - every bucket is created once, by the create of one service: the first service of the file
//     that reads from it (its trigger needs the bucket to be created with it), or else the first
//     that names it; that service is created before the others that name the bucket, so a
//     consumer may be created before its producer;
//   - a later service that names an existing bucket is created without those inputs and outputs,
//     then updated at once with its whole definition.

// Actions of a plan's steps.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionUnchanged = "unchanged"
	ActionBlocked   = "blocked" // cannot be applied: Blocked says why
)

// Item is one service of a file to apply.
type Item struct {
	Service oscar.Service // as File.Service returns it
	Keys    []string      // File.Mentioned
	// MissingScript is the script file the service names but that was not uploaded.
	MissingScript string
}

// Current is what OSCAR has, for Plan.
type Current struct {
	// Services by name: the services the user can see.
	Services map[string]oscar.Service
	// MayEdit reports whether the user may update a service with this owner.
	MayEdit func(owner string) bool
	// Buckets that exist (the user's, from GET /system/buckets); nil when unknown.
	Buckets map[string]bool
}

// Step is what Apply does to one service.
type Step struct {
	Index  int // in the file
	Name   string
	Action string
	// Send is the definition to send: the create's body for a create (without Deferred), the whole
	// definition for an update.
	Send oscar.Service
	// Full is the whole definition a create is updated to at once when Deferred is not empty.
	Full     oscar.Service
	Deferred []string // "input mask-detector/intermediate": left out of the create, added by the update
	Changes  []Change // for an update: field by field, against what OSCAR has
	Notes    []string // what the user should know
	Blocked  string   // why the step cannot be applied
}

// Chain is a folder that links services: some write to it, others read from it.
type Chain struct {
	Bucket  string
	Path    string   // "mask-detector/intermediate"
	Writers []string // the services whose output it is
	Readers []string // the services whose input it is
}

// Plan is what applying a file will do, in order.
type Plan struct {
	Steps    []Step // in the order they are applied
	Chains   []Chain
	Clusters []string // the cluster ids the file names (its services' keys, its clusters, federation members)
}

// Blocked reports whether a step cannot be applied (the file must be fixed first).
func (p *Plan) Blocked() bool {
	return slices.ContainsFunc(p.Steps, func(s Step) bool { return s.Action == ActionBlocked })
}

// ioRef is one MinIO input or output of the cluster's own MinIO.
type ioRef struct {
	input  bool
	index  int
	path   string
	bucket string
}

// minioIO lists s's inputs and outputs on minio.default with their buckets, as OSCAR reads them
// (a path without a folder is a folder of the bucket named after the service).
func minioIO(s oscar.Service) []ioRef {
	var out []ioRef
	add := func(input bool, list []oscar.StorageIOConfig) {
		for i, io := range list {
			kind, id, _ := strings.Cut(strings.TrimSpace(io.StorageProvider), ".")
			if !strings.EqualFold(kind, oscar.KindMinIO) || id != "" && id != "default" {
				continue
			}
			p := strings.Trim(io.Path, " /")
			if p == "" {
				continue
			}
			if !strings.Contains(p, "/") {
				p = s.Name + "/" + p
			}
			b, _, _ := strings.Cut(p, "/")
			out = append(out, ioRef{input: input, index: i, path: p, bucket: b})
		}
	}
	add(true, s.Input)
	add(false, s.Output)
	return out
}

// MakePlan decides what applying items does, and in which order (see the comment at the top of
// this file).
func MakePlan(items []Item, cur Current) *Plan {
	p := &Plan{}
	steps := make([]Step, len(items))
	for i, it := range items {
		steps[i] = step(i, it, cur)
	}
	order := createOrder(items, steps)
	exists := map[string]string{} // bucket → who created it ("" when it was there before)
	for b := range cur.Buckets {
		exists[b] = ""
	}
	for _, i := range order {
		st := steps[i]
		if st.Action == ActionCreate {
			deferCreate(&st, exists)
		}
		p.Steps = append(p.Steps, st)
	}
	p.Chains = chains(items)
	p.Clusters = clusterIDs(items)
	return p
}

// step decides one service's action from what OSCAR has.
func step(i int, it Item, cur Current) Step {
	s := it.Service
	st := Step{Index: i, Name: s.Name}
	old, exists := cur.Services[s.Name]
	switch {
	case s.Name == "":
		st.Action, st.Blocked = ActionBlocked, "The service has no name."
	case exists && (cur.MayEdit == nil || !cur.MayEdit(old.Owner)):
		st.Action, st.Blocked = ActionBlocked, fmt.Sprintf("A service named %s exists and you may not change it (it is %s's).", s.Name, orSomeone(old.Owner))
	case exists:
		st.Send = Overlay(old, s, it.Keys)
		st.Changes = Diff(old, st.Send)
		st.Action = ActionUpdate
		if !Changed(st.Changes) {
			st.Action = ActionUnchanged
		}
		if it.MissingScript != "" {
			st.Notes = append(st.Notes, fmt.Sprintf("The file names the script %s, which was not uploaded: the current script is kept.", it.MissingScript))
		}
	case it.MissingScript != "":
		st.Action, st.Blocked = ActionBlocked, fmt.Sprintf("The file names the script %s: upload it with the file.", it.MissingScript)
	case strings.TrimSpace(s.Image) == "":
		st.Action, st.Blocked = ActionBlocked, "The service has no image."
	default:
		st.Action = ActionCreate
		st.Send = createBody(s)
	}
	return st
}

func orSomeone(owner string) string {
	if owner == "" {
		return "someone else"
	}
	return owner
}

// createBody is a new service's definition: nothing only OSCAR sets.
func createBody(s oscar.Service) oscar.Service {
	s = oscar.WithoutServerState(s)
	s.Token, s.Owner, s.Namespace = "", "", ""
	for k := range s.Labels {
		if oscar.IsServerLabel(k) {
			delete(s.Labels, k)
		}
	}
	if len(s.Labels) == 0 {
		s.Labels = nil
	}
	s.LogLevel = strings.ToUpper(s.LogLevel)
	return s
}

// createOrder returns the indexes of the steps in the order to apply them: the file's order,
// except that the service creating a bucket comes before the other new services that name it.
func createOrder(items []Item, steps []Step) []int {
	creator := map[string]int{}
	var buckets []string
	for _, input := range []bool{true, false} {
		for i, it := range items {
			if steps[i].Action != ActionCreate {
				continue
			}
			for _, io := range minioIO(it.Service) {
				if io.input != input {
					continue
				}
				if _, ok := creator[io.bucket]; !ok {
					creator[io.bucket] = i
					buckets = append(buckets, io.bucket)
				}
			}
		}
	}
	// before[j] lists the steps that must come before step j.
	before := make([][]int, len(items))
	for _, b := range buckets {
		c := creator[b]
		for j, it := range items {
			if j == c || steps[j].Action != ActionCreate {
				continue
			}
			if slices.ContainsFunc(minioIO(it.Service), func(io ioRef) bool { return io.bucket == b }) && !slices.Contains(before[j], c) {
				before[j] = append(before[j], c)
			}
		}
	}
	var order []int
	done := make([]bool, len(items))
	for len(order) < len(items) {
		progressed := false
		for j := range items {
			if done[j] || slices.ContainsFunc(before[j], func(k int) bool { return !done[k] }) {
				continue
			}
			order, done[j], progressed = append(order, j), true, true
			break
		}
		if !progressed { // a cycle: the rest in the file's order
			for j := range items {
				if !done[j] {
					order, done[j] = append(order, j), true
				}
			}
		}
	}
	return order
}

// deferCreate leaves out of a create the inputs and outputs whose bucket exists by then, to be
// added by an update right after, and records the buckets the create makes.
func deferCreate(st *Step, exists map[string]string) {
	full := st.Send
	send := oscar.Clone(full)
	var keepIn, keepOut []oscar.StorageIOConfig
	dropped := map[[2]int]bool{}
	for _, io := range minioIO(full) {
		by, ok := exists[io.bucket]
		if !ok {
			continue
		}
		kind := 1
		what := "output"
		if io.input {
			kind, what = 0, "input"
		}
		dropped[[2]int{kind, io.index}] = true
		st.Deferred = append(st.Deferred, what+" "+io.path)
		where := "already exists on OSCAR"
		if by != "" {
			where = "is created by " + by
		}
		msg := fmt.Sprintf("The bucket %s of its %s %s %s, and OSCAR creates a service only on new buckets: %s is created without it, then updated at once to add it.", io.bucket, what, io.path, where, full.Name)
		if io.input {
			msg += fmt.Sprintf(" OSCAR sets up the trigger of an input only on a bucket it creates for the service, so files uploaded to %s may not start %s: give its input a bucket of its own to be sure.", io.path, full.Name)
		}
		st.Notes = append(st.Notes, msg)
	}
	for i, io := range full.Input {
		if !dropped[[2]int{0, i}] {
			keepIn = append(keepIn, io)
		}
	}
	for i, io := range full.Output {
		if !dropped[[2]int{1, i}] {
			keepOut = append(keepOut, io)
		}
	}
	if len(st.Deferred) > 0 {
		send.Input, send.Output = keepIn, keepOut
		st.Full, st.Send = full, send
	}
	for _, io := range minioIO(send) {
		if _, ok := exists[io.bucket]; !ok {
			exists[io.bucket] = full.Name
		}
	}
}

// chains lists the folders that one service of the file writes to and another reads from.
func chains(items []Item) []Chain {
	var out []Chain
	index := map[string]int{}
	for _, it := range items {
		for _, io := range minioIO(it.Service) {
			i, ok := index[io.path]
			if !ok {
				i = len(out)
				index[io.path] = i
				out = append(out, Chain{Bucket: io.bucket, Path: io.path})
			}
			if io.input {
				out[i].Readers = append(out[i].Readers, it.Service.Name)
			} else {
				out[i].Writers = append(out[i].Writers, it.Service.Name)
			}
		}
	}
	return slices.DeleteFunc(out, func(c Chain) bool {
		return len(c.Writers) == 0 || len(c.Readers) == 0 || slices.Equal(c.Writers, c.Readers)
	})
}

// clusterIDs lists the cluster ids a file names, in order of appearance.
func clusterIDs(items []Item) []string {
	var out []string
	add := func(id string) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, it := range items {
		add(it.Service.ClusterID)
		for _, k := range slices.Sorted(maps.Keys(it.Service.Clusters)) {
			add(k)
		}
		if f := it.Service.Federation; f != nil {
			for _, m := range f.Members {
				add(m.ClusterID)
			}
		}
	}
	return out
}
