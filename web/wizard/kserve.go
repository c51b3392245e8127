package wizard

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/oscarconsole/oscar-console/templates"
	"github.com/oscarconsole/oscar-console/web/form"
	"github.com/oscarconsole/oscar-console/web/oscar"
)

// The Expose step's KServe section: a model served by KServe (an InferenceService, or an
// LLMInferenceService for large language models), as OSCAR's types.Kserve defines it. OSCAR only
// deploys KServe on its Knative backend with KSERVE_ENABLE, and /system/config does not say whether
// KServe is on: the section is offered on clusters with a serverless backend (or when that is
// unknown), and for services that already have it.

// KServe types and OSCAR's defaults for the kserve member.
const (
	kserveInference = "inference"
	kserveLLM       = "llm_inference"
	kserveMaxScale  = 1
)

// kserveFormats are the model formats OSCAR's documentation names for an InferenceService.
func kserveFormats() []string {
	return []string{"onnx", "sklearn", "xgboost", "pytorch", "tensorflow", "triton", "huggingface"}
}

// kserveControl: the section is offered.
func kserveControl(d *Draft, env Env) bool {
	return !env.FeaturesKnown || env.Features.ServerlessBackend != "" || d.Service.Kserve != nil
}

func parseKserve(d *Draft, v url.Values, env Env) {
	if !kserveControl(d, env) {
		return
	}
	s := &d.Service
	if v.Get("kserve.enabled") != "true" {
		s.Kserve = nil
		for _, c := range []string{"kserve.min_scale", "kserve.max_scale", "kserve.env"} {
			d.typed(c, "", true)
		}
		return
	}
	k := s.Kserve
	if k == nil {
		k = &oscar.Kserve{Type: kserveInference, MaxScale: kserveMaxScale, SetAuth: true}
		s.Kserve = k
	}
	k.Type = form.Line(v.Get("kserve.type"))
	k.StorageURI = form.Line(v.Get("kserve.storage_uri"))
	k.APIVersion = form.Line(v.Get("kserve.api_version"))
	switch k.Type {
	case kserveInference:
		k.LLMInference = nil
		k.Inference = &oscar.KserveInference{ModelFormat: form.Line(v.Get("kserve.model_format")), Runtime: form.Line(v.Get("kserve.runtime"))}
	case kserveLLM:
		k.Inference = nil
		if img := form.Line(v.Get("kserve.runtime_image")); img != "" {
			k.LLMInference = &oscar.KserveLLMInference{RuntimeImage: img}
		} else {
			k.LLMInference = nil
		}
	}
	d.readInt(v, "kserve.min_scale", &k.MinScale, 0)
	d.readInt(v, "kserve.max_scale", &k.MaxScale, kserveMaxScale)
	k.CPU = form.Line(v.Get("kserve.cpu"))
	k.Memory = form.Line(v.Get("kserve.memory"))
	k.Args = nil
	for _, line := range strings.Split(form.Text(v.Get("kserve.args")), "\n") {
		if a := strings.TrimSpace(line); a != "" && len(k.Args) < maxItems {
			k.Args = append(k.Args, a)
		}
	}
	envText := form.Text(v.Get("kserve.env"))
	vars, ok := parseEnvLines(envText)
	if ok {
		k.Env = vars
	}
	d.typed("kserve.env", envText, ok)
	if env.Features.GPU || !env.FeaturesKnown || k.EnableGPU {
		k.EnableGPU = v.Get("kserve.enable_gpu") == "true"
	}
	k.SetAuth = v.Get("kserve.set_auth") == "true"
}

// parseEnvLines reads NAME=value lines; ok is false when a line has no name.
func parseEnvLines(text string) (map[string]string, bool) {
	var out map[string]string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, val, found := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !found || !matches(reEnvName, k) || len(out) >= maxRows {
			return nil, false
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = strings.TrimSpace(val)
	}
	return out, true
}

func validateKserve(d *Draft, p *Problems) {
	k := d.Service.Kserve
	if k == nil {
		return
	}
	switch k.Type {
	case kserveInference:
		if k.Inference == nil || strings.TrimSpace(k.Inference.ModelFormat) == "" {
			p.add("kserve.model_format", "Give the model's format, for example onnx or sklearn.")
		}
	case kserveLLM:
	default:
		p.add("kserve.type", "Choose an inference service or an LLM inference service.")
	}
	switch uri := strings.TrimSpace(k.StorageURI); {
	case uri == "":
		p.add("kserve.storage_uri", "Give where the model is, for example s3://models/yolo or hf://meta-llama/Llama-3.2-1B.")
	case !strings.Contains(uri, "://") || strings.ContainsAny(uri, " \t"):
		p.add("kserve.storage_uri", "Give a URI with its scheme: s3://, gs://, hf://, pvc://, oci:// or https://.")
	}
	if !slices.Contains([]string{"", "v1", "v2"}, k.APIVersion) {
		p.add("kserve.api_version", "Choose v1 or v2.")
	}
	badMin := d.checkTyped(p, "kserve.min_scale", "a whole number")
	badMax := d.checkTyped(p, "kserve.max_scale", "a whole number")
	switch {
	case !badMin && k.MinScale < 0:
		p.add("kserve.min_scale", "The minimum cannot be negative (0 scales to zero when idle).")
	case !badMax && k.MaxScale < 1:
		p.add("kserve.max_scale", "The maximum must be at least 1.")
	case !badMin && !badMax && k.MaxScale < k.MinScale:
		p.add("kserve.max_scale", fmt.Sprintf("The maximum (%d) is below the minimum (%d).", k.MaxScale, k.MinScale))
	}
	if msg := checkCPU(k.CPU); msg != "" {
		p.add("kserve.cpu", msg)
	}
	if msg := checkMemory(k.Memory); msg != "" {
		p.add("kserve.memory", msg)
	}
	d.checkTyped(p, "kserve.env", "a list of NAME=value lines (one per line, names of letters, digits and _)")
}

func kserveProps(d *Draft, env Env) *templates.WizardKserve {
	if !kserveControl(d, env) {
		return nil
	}
	k := oscar.Kserve{Type: kserveInference, MaxScale: kserveMaxScale, SetAuth: true}
	x := &templates.WizardKserve{Enabled: d.Service.Kserve != nil}
	if d.Service.Kserve != nil {
		k = *d.Service.Kserve
	}
	x.Types = options([]string{kserveInference, kserveLLM}, k.Type, func(v string) string {
		if v == kserveLLM {
			return "LLM inference service (vLLM)"
		}
		return "Inference service"
	})
	x.StorageURI, x.CPU, x.Memory = k.StorageURI, k.CPU, k.Memory
	if k.Inference != nil {
		x.ModelFormat, x.Runtime = k.Inference.ModelFormat, k.Inference.Runtime
	}
	if k.LLMInference != nil {
		x.RuntimeImage = k.LLMInference.RuntimeImage
	}
	x.Formats = kserveFormats()
	x.APIVersions = options([]string{"", "v1", "v2"}, k.APIVersion, func(v string) string {
		if v == "" {
			return "OSCAR's default (v1)"
		}
		return v
	})
	x.MinScale, x.MaxScale = d.shownInt("kserve.min_scale", k.MinScale), d.shownInt("kserve.max_scale", k.MaxScale)
	x.Args = strings.Join(k.Args, "\n")
	if t, ok := d.Typed["kserve.env"]; ok {
		x.Env = t
	} else {
		var lines []string
		for _, name := range slices.Sorted(maps.Keys(k.Env)) {
			lines = append(lines, name+"="+k.Env[name])
		}
		x.Env = strings.Join(lines, "\n")
	}
	x.EnableGPU, x.SetAuth = k.EnableGPU, k.SetAuth
	x.GPU = env.Features.GPU || !env.FeaturesKnown || k.EnableGPU
	return x
}
