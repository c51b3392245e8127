package oscar_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/oscarconsole/oscar-console/web/oscar"
)

// services1000 builds a realistic list of 1000 services as OSCAR returns
// it, with members the client does not know.
func services1000(b *testing.B) []byte {
	b.Helper()
	list := make([]map[string]any, 1000)
	for i := range list {
		name := fmt.Sprintf("service-%04d", i)
		list[i] = map[string]any{
			"name": name, "image": "ghcr.io/grycap/imagemagick", "script": "#!/bin/bash\nconvert \"$INPUT_FILE_PATH\" -type Grayscale \"$TMP_OUTPUT_DIR/out.png\"\n",
			"memory": "1Gi", "cpu": "1.0", "log_level": "INFO", "token": fmt.Sprintf("%064x", i), "owner": "alice@egi.eu",
			"namespace": "oscar-svc-alice", "visibility": "private", "vo": "vo.example.eu", "allowed_users": []string{}, "bucket_list": []string{},
			"input":             []map[string]any{{"storage_provider": "minio.default", "path": name + "/input", "suffix": []string{"jpg", "png"}}},
			"output":            []map[string]any{{"storage_provider": "minio.default", "path": name + "/output"}},
			"storage_providers": map[string]any{"minio": map[string]any{"default": map[string]any{"endpoint": "https://minio.example.org", "verify": true, "access_key": "hidden", "secret_key": "hidden", "region": "us-east-1"}}},
			"environment":       map[string]any{"variables": map[string]string{"OUTPUT_FORMAT": "png"}, "secrets": map[string]string{"API_KEY": ""}},
			"labels":            map[string]string{"oscar_service": name, "owner_name": "alice@egi.eu", "vo": "vo.example.eu"},
			"expose":            map[string]any{"min_scale": 0, "max_scale": 0, "api_port": []int{}, "cpu_threshold": 0, "nodePort": []int{}},
			"volume_status":     map[string]any{"enabled": false},
			"deployment":        map[string]any{"state": "ready", "active_instances": 1, "affected_instances": 0, "resource_kind": "knative_service"},
			"future_member":     map[string]any{"x": i},
		}
	}
	data, err := json.Marshal(list)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkDecodeServices1000(b *testing.B) {
	data := services1000(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var out []oscar.Service
		if err := json.Unmarshal(data, &out); err != nil {
			b.Fatal(err)
		}
		if len(out) != 1000 || len(out[999].Extra) != 1 {
			b.Fatalf("decoded %d services, extra %v", len(out), out[999].Extra)
		}
	}
}
