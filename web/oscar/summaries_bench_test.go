package oscar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// listOf builds OSCAR's answer to GET /system/services?include=deployment for n services.
func listOf(tb testing.TB, n int) []byte {
	tb.Helper()
	list := make([]map[string]any, n)
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
			"expose":            map[string]any{"min_scale": 0, "max_scale": 0, "api_port": []int{8080}, "cpu_threshold": 0, "nodePort": []int{}},
			"deployment":        map[string]any{"state": "ready", "active_instances": 1, "affected_instances": 0, "resource_kind": "knative_service"},
		}
	}
	data, err := json.Marshal(list)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// BenchmarkDecodeSummaries is the list page's decoding of OSCAR's answer, per list.
func BenchmarkDecodeSummaries(b *testing.B) {
	for _, n := range []int{100, 1000} {
		data := listOf(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				out, err := decodeList[serviceSummary](bytes.NewReader(data))
				if err != nil || len(out) != n || out[n-1].Deployment.State != "ready" {
					b.Fatalf("%d, %v", len(out), err)
				}
			}
		})
	}
}

// The streamed decoding of a list reads what encoding/json reads, member by member.
func TestDecodeListAgreesWithUnmarshal(t *testing.T) {
	data := listOf(t, 3)
	got, err := decodeList[serviceSummary](bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var want []serviceSummary
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Errorf("streamed %s\nunmarshalled %s", g, w)
	}
	for in, ok := range map[string]bool{`null`: true, `[]`: true, `{}`: false, `[1]`: false, `[{"name":"a"`: false, `[{"name":"a","name":"b"}]`: true} {
		if _, err := decodeList[serviceSummary](bytes.NewReader([]byte(in))); (err == nil) != ok {
			t.Errorf("decodeList(%s) error %v, want ok=%v", in, err, ok)
		}
	}
}
